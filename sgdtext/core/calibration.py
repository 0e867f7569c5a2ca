"""Probability calibration: Platt's sigmoid p = 1 / (1 + exp(a s + b)) on each column of a model's scores,
fitted on scores the model gave documents it did not train on (as scikit-learn's CalibratedClassifierCV).

Probabilities need numpy only (predict); the fit uses scipy's L-BFGS-B, imported when fitting.
"""

import numpy as np

LARGE_SCORES = 30.0  # scores past this are scaled into range for the fit (the slope is scaled back)


def sigmoid_probabilities(scores, A, B):
    """Probabilities (n, classes) from scores (n, k) and each column's (a, b): a two-class model's one column gives
    [1 - p, p]; one-vs-rest columns are normalised to sum to 1 (uniform where every column gives 0)."""
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(scores * A + B))
    if scores.shape[1] == 1:
        return np.column_stack([1.0 - p[:, 0], p[:, 0]])
    total = p.sum(axis=1, keepdims=True)
    return np.divide(p, total, out=np.full_like(p, 1.0 / p.shape[1]), where=total != 0)


def fit_sigmoid(scores, positive, weights=None):
    """Platt's (a, b) for one column: the scores (n,) and whether each document is of the column's class (n,).

    Minimises the log-loss of 1 / (1 + exp(a s + b)) against Platt's smoothed targets, (n+ + 1) / (n+ + 2) for the
    positive documents and 1 / (n- + 2) for the others, by L-BFGS-B from a = 0, b = log((n- + 1) / (n+ + 1)).
    """
    from scipy.optimize import minimize

    F = np.asarray(scores, dtype=np.float64)
    scale = max(float(np.max(np.abs(F))), 1.0) if np.max(np.abs(F)) >= LARGE_SCORES else 1.0
    F = F / scale
    positive = np.asarray(positive, dtype=bool)
    w = np.ones(len(F)) if weights is None else np.asarray(weights, dtype=np.float64)
    prior1, prior0 = w[positive].sum(), w[~positive].sum()
    T = np.where(positive, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))

    def loss_grad(AB):
        raw = -(AB[0] * F + AB[1])  # log-odds of the positive class
        loss = w * (np.logaddexp(0.0, raw) - T * raw)
        g = w * (0.5 * (1.0 + np.tanh(0.5 * raw)) - T)  # dloss/draw
        return loss.sum(), np.array([-g @ F, -g.sum()])

    start = np.array([0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))])
    result = minimize(loss_grad, start, method="L-BFGS-B", jac=True,
                      options={"gtol": 1e-6, "ftol": 64 * np.finfo(float).eps})
    return result.x[0] / scale, result.x[1]
