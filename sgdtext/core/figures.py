"""An epoch's figures on a set of scores (the weighted mean loss and the accuracy), and the check that a step's
loss is finite."""

import numpy as np

from sgdtext.errors import TrainingError


def figures(model, scores, y, weights):
    """(weighted mean loss, accuracy) of ``model``'s scores (n, k) against the class indices y (n,)."""
    losses, _ = model.loss.loss(scores, y)
    return float(np.average(losses, weights=weights)), float(np.mean(model.predict_index(scores) == y))


def check_finite(losses, scores, epoch, step, s):
    """Raise TrainingError, with the fix, when a step's losses or scores are not finite (the run diverged)."""
    if not (np.isfinite(losses).all() and np.isfinite(scores).all()):
        raise TrainingError(
            f"training diverged at epoch {epoch}, step {step} (the loss is not finite); "
            f"lower training.learning_rate (now {s.learning_rate}), e.g. to {s.learning_rate / 10:g}")
