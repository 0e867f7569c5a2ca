"""Linear models: the lecture's losses, each as scores -> (loss, dloss/dscores), and the model they train.

Shapes: ``X`` (n, d) sparse; ``W`` (d, k); ``b`` (k,); ``scores`` (n, k); ``y`` (n,) class indices.
k is 1 for a two-class model with one weight vector (perceptron, logistic, hinge, linear: the
positive class is ``classes[1]``, target +1, the other -1) and the number of classes otherwise.
Losses that are two-class by nature (logistic, hinge, linear) go one-vs-rest for more classes: one
column per class, each trained as "this class (+1) or not (-1)". The perceptron uses the multi-class
perceptron rule and softmax its own one-vector-per-class cross-entropy. No I/O here.
"""

from typing import NamedTuple

import numpy as np


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


def sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def softmax(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logistic_proba(scores):
    if scores.shape[1] == 1:
        p = sigmoid(scores[:, 0])
        return np.column_stack([1.0 - p, p])
    p = sigmoid(scores)  # one-vs-rest: normalised, as scikit-learn does
    return p / p.sum(axis=1, keepdims=True)


class ModelType(NamedTuple):
    loss: object
    proba: object  # scores -> probabilities, or None when the loss gives none
    one_vector_per_class: bool  # True: k = n_classes even for two classes
    summary: str


MODELS = {
    "perceptron": ModelType(perceptron_loss, None, False,
                            "the lecture's perceptron (two classes); the multi-class perceptron rule for more"),
    "logistic": ModelType(logistic_loss, logistic_proba, False,
                          "logistic regression (two classes); one-vs-rest for more"),
    "softmax": ModelType(softmax_loss, softmax, True, "multi-class softmax, one weight vector per class"),
    "hinge": ModelType(hinge_loss, None, False, "hinge loss, a linear SVM (two classes); one-vs-rest for more"),
    "squared_hinge": ModelType(squared_hinge_loss, None, False,
                               "squared hinge loss, LIBLINEAR's default SVM (two classes); one-vs-rest for more"),
    "modified_huber": ModelType(modified_huber_loss, None, False,
                                "modified Huber loss, a smooth robust SVM (two classes); one-vs-rest for more"),
    "linear": ModelType(squared_loss, None, False,
                        "the linear unit with squared error, the delta rule (two classes); one-vs-rest for more"),
    "mlp": ModelType(softmax_loss, softmax, True, "a neural network: model.hidden_sizes hidden layers and a "
                     "softmax output, trained by backpropagation"),
}


def n_columns(model_type, n_classes):
    return n_classes if (MODELS[model_type].one_vector_per_class or n_classes > 2) else 1


class LinearModel:
    """Learned state of a linear classifier: classes, W (d, k) and b (k,); ``adaptive``: the adaptive
    optimiser's state after training (optimizer, H, Hb, xscale, NT; see sgd.SgdState), kept for warm starts."""

    def __init__(self, model_type, classes, W, b):
        self.model_type = model_type
        self.classes = list(classes)
        self.W = W
        self.b = b
        self.adaptive = None

    @classmethod
    def zeros(cls, model_type, classes, n_features):
        k = n_columns(model_type, len(classes))
        return cls(model_type, classes, np.zeros((n_features, k)), np.zeros(k))

    def scores(self, X):
        """Scores (n, k) for X: a scipy sparse matrix, or features.SparseRows (no scipy needed)."""
        return X @ self.W + self.b

    def predict_index(self, scores):
        if scores.shape[1] == 1:
            return (scores[:, 0] >= 0).astype(np.int64)  # the lecture's tie rule: w·f = 0 predicts +1
        return scores.argmax(axis=1)

    @property
    def n_parameters(self):
        return self.W.size + self.b.size

    @property
    def has_proba(self):
        return MODELS[self.model_type].proba is not None

    def proba(self, scores):
        return MODELS[self.model_type].proba(scores)
