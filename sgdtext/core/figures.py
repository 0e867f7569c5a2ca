"""An epoch's figures on a set of scores (the weighted mean loss and the accuracy), the weights' squared norm (the
penalty's), and the check that a step's loss is finite."""

import numpy as np

from sgdtext.errors import TrainingError


def figures(model, scores, y, weights):
    """(weighted mean loss, accuracy) of ``model``'s scores (n, k) against the class indices y (n,), or for a
    multi-label model its 0/1 rows y (n, k): the loss summed over the labels, the subset accuracy."""
    if getattr(model, "multilabel", False):
        n, k = scores.shape
        losses = model.loss.losses(scores.reshape(-1, 1), np.asarray(y).reshape(-1).astype(np.int64))
        return float(np.average(losses.reshape(n, k).sum(axis=1), weights=weights)), accuracy(model, scores, y)
    losses = model.loss.losses(scores, y)
    return float(np.average(losses, weights=weights)), accuracy(model, scores, y)


def squared_norm(W):
    """The sum of W's squared entries, by numpy's own loop (einsum) rather than BLAS: a BLAS call on an array this
    large wakes the BLAS library's threads, which then spin for a while on the cores the solvers' threads use."""
    flat = np.ravel(W)
    return float(np.einsum("i,i->", flat, flat))


def accuracy(model, scores, y):
    """The share of documents predicted right: the class, or (multi-label) the whole label set."""
    if getattr(model, "multilabel", False):
        return float(np.mean(np.all(model.predict_sets(scores) == np.asarray(y, dtype=bool), axis=1)))
    return float(np.mean(model.predict_index(scores) == y))


def check_finite(losses, scores, epoch, step, s):
    """Raise TrainingError, with the fix, when a step's losses or scores are not finite (the run diverged)."""
    if not (np.isfinite(losses).all() and np.isfinite(scores).all()):
        raise TrainingError(
            f"training diverged at epoch {epoch}, step {step} (the loss is not finite); "
            f"lower training.learning_rate (now {s.learning_rate}), e.g. to {s.learning_rate / 10:g}")
