"""``training.calibration: sigmoid``: probabilities for any linear model, by Platt scaling fitted on out-of-fold
scores (scikit-learn's CalibratedClassifierCV(method="sigmoid", ensemble=False)): the model is trained again on K-1
of K stratified folds, scores the fold it left out, a sigmoid per column is fitted on those scores, and the model
trained on everything keeps the sigmoids."""

import numpy as np

from sgdtext.core.calibration import fit_sigmoid
from sgdtext.errors import DataError
from sgdtext.linear.model import LinearModel
from sgdtext.training.fit import fit


def stratified_folds(y, k, rng):
    """A fold number (0..k-1) per example: each class's examples, in an order ``rng`` draws, dealt out in turn."""
    folds = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        folds[members] = np.arange(len(members)) % k
    return folds


def out_of_fold_scores(model, X, y, *, folds, settings_for, seed, sample_weight=None):
    """Scores (n, k) each example got from the model trained on the folds it is not in. ``settings_for(n)`` gives
    the solver settings for n training examples."""
    scores = np.empty((X.shape[0], model.W.shape[1]))
    for fold in range(int(folds.max()) + 1):
        held, keep = folds == fold, folds != fold
        part = LinearModel.zeros(model.model_type, model.classes, X.shape[1])
        fit(part, X[keep], y[keep], settings=settings_for(int(keep.sum())), rng=np.random.default_rng([seed, 3, fold]),
            sample_weight=None if sample_weight is None else sample_weight[keep])
        scores[held] = part.scores(X[held])
    return scores


def calibrate(model, X, y, *, n_folds, settings_for, seed, sample_weight=None):
    """Fit the model's sigmoids (model.calibration) on out-of-fold scores of K stratified folds."""
    counts = np.bincount(y, minlength=len(model.classes))
    if counts.min() < n_folds:
        label = model.classes[int(np.argmin(counts))]
        raise DataError(f"training -> calibration_folds: class {label!r} has {counts.min()} training document(s), "
                        f"fewer than the {n_folds} folds; set calibration_folds to at most {max(counts.min(), 2)} "
                        f"(each fold must hold every class) or calibration: none")
    folds = stratified_folds(y, n_folds, np.random.default_rng([seed, 3]))
    scores = out_of_fold_scores(model, X, y, folds=folds, settings_for=settings_for, seed=seed,
                                sample_weight=sample_weight)
    columns = [y == 1] if scores.shape[1] == 1 else [y == c for c in range(scores.shape[1])]
    fitted = [fit_sigmoid(scores[:, c], positive, sample_weight) for c, positive in enumerate(columns)]
    model.calibration = {"method": "sigmoid", "A": np.array([a for a, _ in fitted]),
                         "B": np.array([b for _, b in fitted])}
