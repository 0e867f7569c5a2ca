"""Fitting a model on a matrix: the solver for its model type and optimizer (the registry's table) run in the
epoch loop."""

import numpy as np

from sgdtext.config.choices import solver_class
from sgdtext.training.loop import run_epochs


def fit(model, X, y, *, settings, rng, valid=None, sample_weight=None, on_epoch=None, on_step=None):
    """Train ``model`` in place on X (n, d) CSR and class indices y (n,); returns a History.

    ``settings`` is a core.settings.TrainSettings; ``valid`` is (X_valid, y_valid) or None; ``sample_weight`` (n,)
    scales each example's loss (class weights). ``on_epoch(record)`` is called after each epoch, ``on_step(info)``
    after each step (SGD, for ``--trace``). A non-finite loss stops training with a TrainingError (overflow is not
    warned about on the way).
    """
    solver = solver_class(model.model_type, settings.optimizer)(model, X, y, settings, rng,
                                                                sample_weight=sample_weight, on_step=on_step)
    with np.errstate(over="ignore", invalid="ignore"):
        return run_epochs(solver, settings, valid=valid, on_epoch=on_epoch)
