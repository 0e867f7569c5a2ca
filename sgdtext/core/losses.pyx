# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The lecture's losses, one class each: ``row`` is a row's loss and its gradient dloss/dscores, compiled; the SGD
loop calls it per example, the network's output layer and the epoch records per batch through ``loss``.

Shapes: ``scores`` (n, k); ``y`` (n,) class indices. k is 1 for a two-class model with one weight vector
(perceptron, logistic, hinge, linear: the positive class is ``classes[1]``, target t = +1, the other -1) and the
number of classes otherwise. Losses that are two-class by nature go one-vs-rest for more classes: column c is
"class c (+1) or not (-1)". The perceptron uses the multi-class perceptron rule for more classes, softmax its own
cross-entropy over one weight vector per class. A new loss is a class here and an entry in
sgdtext.config.choices.MODELS.
"""

import numpy as np

from libc.math cimport exp, fabs, log, log1p


cdef inline double target(long long y, int c, int k) noexcept nogil:
    """t = +-1 of column c for an example of class y (k == 1: class 1 is +1)."""
    if k == 1:
        return 1.0 if y == 1 else -1.0
    return 1.0 if y == c else -1.0


cdef class Loss:
    """A loss of the scores: ``row`` (compiled) and ``loss`` (numpy arrays in and out)."""

    one_vector_per_class = False  # True: k = the number of classes even for two

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        """The loss of one row of scores (k,) for class y; its gradient into ``grad`` (k,)."""
        return 0.0

    def loss(self, scores, y):
        """(losses (n,), G (n, k) = dloss/dscores) of the scores (n, k) against the class indices y (n,)."""
        cdef double[:, ::1] S = np.ascontiguousarray(scores, dtype=np.float64)
        cdef long long[::1] labels = np.ascontiguousarray(y, dtype=np.int64)
        G_array = np.zeros((S.shape[0], S.shape[1]))
        losses_array = np.empty(S.shape[0])
        cdef double[:, ::1] G = G_array
        cdef double[::1] losses = losses_array
        cdef Py_ssize_t i, n = S.shape[0]
        cdef int k = S.shape[1]
        with nogil:
            for i in range(n):
                losses[i] = self.row(&S[i, 0], &G[i, 0], labels[i], k)
        return losses_array, G_array

    def losses(self, scores, y):
        """The losses (n,) alone, as ``loss`` gives them: each row's gradient goes to one scratch row, no (n, k)
        array (an epoch's figures ask for the loss only)."""
        cdef double[:, ::1] S = np.ascontiguousarray(scores, dtype=np.float64)
        cdef long long[::1] labels = np.ascontiguousarray(y, dtype=np.int64)
        cdef double[::1] scratch = np.zeros(max(S.shape[1], 1))
        losses_array = np.empty(S.shape[0])
        cdef double[::1] losses = losses_array
        cdef Py_ssize_t i, n = S.shape[0]
        cdef int k = S.shape[1]
        with nogil:
            for i in range(n):
                losses[i] = self.row(&S[i, 0], &scratch[0], labels[i], k)
        return losses_array

    def proba(self, scores):
        """Probabilities (n, classes) of the scores, or None when the loss is not a log-likelihood."""
        return None

    @property
    def has_proba(self):
        return type(self).proba is not Loss.proba


cdef class Perceptron(Loss):
    """The lecture's rule: predict +1 when w·f >= 0; on a mistake w += y*·f. Loss = 1 per mistake.
    More classes: on a mistake W[:, y] += f and W[:, predicted] -= f."""

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c, best = 0
        cdef double t
        if k > 1:
            for c in range(k):
                grad[c] = 0.0
                if scores[c] > scores[best]:
                    best = c
            if best != y:
                grad[best] = 1.0
                grad[y] = -1.0
                return 1.0
            return 0.0
        t = target(y, 0, k)
        if (scores[0] >= 0) != (t > 0):
            grad[0] = -t  # the step is -lr * G: w += lr * t * f on a mistake
            return 1.0
        grad[0] = 0.0
        return 0.0


cdef class Logistic(Loss):
    """log(1 + exp(-t s)) per column; gradient sigmoid(s) - [t = +1]."""

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c
        cdef double s, t, e, total = 0.0
        for c in range(k):
            t, s = target(y, c, k), scores[c]
            # one exponential for both: log(1 + e^-ts) = max(-ts, 0) + log1p(e^-|s|), and sigmoid(s) = 1/(1 + e) for
            # s >= 0, e/(1 + e) below
            e = exp(-fabs(s))
            total += (-t * s if t * s < 0 else 0.0) + log1p(e)
            grad[c] = (1.0 / (1.0 + e) if s >= 0 else e / (1.0 + e)) - (1.0 if t > 0 else 0.0)
        return total

    def proba(self, scores):
        return logistic_proba(scores)


cdef class Softmax(Loss):
    """Cross-entropy of softmax(scores) against the true class; gradient probs - onehot(y)."""

    one_vector_per_class = True

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c
        cdef double m = scores[0], norm = 0.0
        for c in range(1, k):
            if scores[c] > m:
                m = scores[c]
        for c in range(k):
            grad[c] = exp(scores[c] - m)
            norm += grad[c]
        for c in range(k):
            grad[c] /= norm
        grad[y] -= 1.0
        return log(norm) - (scores[y] - m)

    def proba(self, scores):
        return softmax(scores)


cdef class Hinge(Loss):
    """max(0, 1 - t s) per column (linear SVM); subgradient -t where t s < 1."""

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c
        cdef double t, z, total = 0.0
        for c in range(k):
            t = target(y, c, k)
            z = t * scores[c]
            if z < 1.0:
                total += 1.0 - z
                grad[c] = -t
            else:
                grad[c] = 0.0
        return total


cdef class SquaredHinge(Loss):
    """max(0, 1 - t s)² per column (LIBLINEAR's default SVM loss); gradient -2 t max(0, 1 - t s)."""

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c
        cdef double t, z, gap, total = 0.0
        for c in range(k):
            t = target(y, c, k)
            z = t * scores[c]
            gap = 1.0 - z if z < 1.0 else 0.0
            total += gap * gap
            grad[c] = -2.0 * t * gap
        return total


cdef class ModifiedHuber(Loss):
    """Zhang's modified Huber: max(0, 1 - t s)² when t s >= -1, else -4 t s; smooth and robust."""

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c
        cdef double t, z, gap, total = 0.0
        for c in range(k):
            t = target(y, c, k)
            z = t * scores[c]
            if z >= -1.0:
                gap = 1.0 - z if z < 1.0 else 0.0
                total += gap * gap
                grad[c] = -2.0 * t * gap
            else:
                total += -4.0 * z
                grad[c] = -4.0 * t
        return total


cdef class Squared(Loss):
    """The linear unit's ½ (t - o)² per column; gradient o - t, so the step is the delta rule η (t - o) x."""

    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil:
        cdef int c
        cdef double t, s, total = 0.0
        for c in range(k):
            t, s = target(y, c, k), scores[c]
            total += 0.5 * (s - t) * (s - t)
            grad[c] = s - t
        return total


def sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def logistic_proba(scores):
    if scores.shape[1] == 1:
        p = sigmoid(scores[:, 0])
        return np.column_stack([1.0 - p, p])
    p = sigmoid(scores)  # one-vs-rest: normalised, as scikit-learn does
    return p / p.sum(axis=1, keepdims=True)


def softmax(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _losses_by_model_type():
    from sgdtext.config.choices import MODELS

    return {name: globals()[choice.impl.partition(":")[2]]() for name, choice in MODELS.choices.items()}


LOSSES = _losses_by_model_type()  # model.type -> its loss object
