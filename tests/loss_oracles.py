"""The losses written again in numpy, from their formulas: the oracles of the compiled loss objects
(sgdtext.core.losses). Each returns (loss per row (n,), dloss/dscores (n, k))."""

import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def targets(y, k):
    """±1 targets, shape (n, k): column j is +1 where the example is of class j (k == 1: class 1)."""
    if k == 1:
        return np.where(y == 1, 1.0, -1.0)[:, None]
    T = -np.ones((len(y), k))
    T[np.arange(len(y)), y] = 1.0
    return T


def perceptron_loss(scores, y):
    """The lecture's rule: predict +1 when w·f >= 0; on a mistake w += y*·f. Loss = share of mistakes."""
    n, k = scores.shape
    G = np.zeros_like(scores)
    if k == 1:
        t = np.where(y == 1, 1.0, -1.0)
        mistake = (scores[:, 0] >= 0) != (t > 0)
        G[:, 0] = -t * mistake  # the step is -lr * G: w += lr * t * f on a mistake
    else:  # multi-class rule: on a mistake, W[:, y] += f and W[:, predicted] -= f
        pred = scores.argmax(axis=1)
        mistake = pred != y
        rows = np.flatnonzero(mistake)
        G[rows, pred[rows]] += 1.0
        G[rows, y[rows]] -= 1.0
    return mistake.astype(float), G


def logistic_loss(scores, y):
    """log(1 + exp(-t s)) per column; gradient sigmoid(s) - [t = +1]."""
    T = targets(y, scores.shape[1])
    loss = np.logaddexp(0.0, -T * scores).sum(axis=1)
    return loss, sigmoid(scores) - (T > 0)


def softmax_loss(scores, y):
    """Cross-entropy of softmax(scores) against the true class; gradient probs - onehot(y)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(len(y))
    loss = log_norm - shifted[rows, y]
    G = np.exp(shifted - log_norm[:, None])
    G[rows, y] -= 1.0
    return loss, G


def hinge_loss(scores, y):
    """max(0, 1 - t s) per column (linear SVM); subgradient -t where t s < 1."""
    T = targets(y, scores.shape[1])
    margin = T * scores
    return np.maximum(0.0, 1.0 - margin).sum(axis=1), -T * (margin < 1.0)


def squared_hinge_loss(scores, y):
    """max(0, 1 - t s)² per column (LIBLINEAR's default SVM loss); gradient -2 t max(0, 1 - t s)."""
    T = targets(y, scores.shape[1])
    gap = np.maximum(0.0, 1.0 - T * scores)
    return (gap**2).sum(axis=1), -2.0 * T * gap


def modified_huber_loss(scores, y):
    """Zhang's modified Huber: max(0, 1 - t s)² when t s >= -1, else -4 t s; smooth and robust."""
    T = targets(y, scores.shape[1])
    z = T * scores
    loss = np.where(z >= -1.0, np.maximum(0.0, 1.0 - z) ** 2, -4.0 * z)
    grad = np.where(z >= -1.0, -2.0 * T * np.maximum(0.0, 1.0 - z), -4.0 * T)
    return loss.sum(axis=1), grad


def squared_loss(scores, y):
    """The linear unit's ½ (t - o)² per column; gradient o - t, so the step is the delta rule η (t - o) x."""
    T = targets(y, scores.shape[1])
    diff = scores - T
    return 0.5 * (diff**2).sum(axis=1), diff


ORACLES = {"perceptron": perceptron_loss, "logistic": logistic_loss, "softmax": softmax_loss, "hinge": hinge_loss,
           "squared_hinge": squared_hinge_loss, "modified_huber": modified_huber_loss, "linear": squared_loss,
           "mlp": softmax_loss}
