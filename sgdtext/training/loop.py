"""The one epoch loop every solver runs in: epochs, the lecture's three stopping rules, the per-epoch records and
the best weights of the validation rule.

A solver (sgdtext.linear.sgd.SgdSolver, linear.dual.DualSolver, linear.stream.StreamSolver,
nn.backprop.NetworkSolver) answers this protocol:

    model                  the model it trains (its predict_index scores the validation data)
    has_progressive        it can give the figures of the pass just made (each example scored before its step)
    has_full               it can score the whole training set (a stream cannot)
    run_epoch(epoch)       one pass; returns None or a reason to stop after it (e.g. "converged")
    progressive_figures()  (mean loss, accuracy) of the last pass, when has_progressive
    full_figures()         (mean loss, accuracy) of the current weights on the training data, when has_full
    penalty()              the regularisation term of the objective now
    scores(X)              scores (n, k) of the current weights (validation)
    snapshot()             a copy of the weights to keep (the best epoch's)
    finish(best)           put the kept weights (best, or the solver's final ones) into the model; returns steps
    convergence()          optional: figures of how near the solver is to its own stopping test, for solvers that
                           stop when converged (their number of epochs is unknown in advance)

An epoch is scored on the pass's own progressive figures unless a loss rule is set (then the loss must be of the
weights after the epoch) or the solver has none.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from sgdtext import progress
from sgdtext.core.figures import accuracy


@dataclass
class History:
    epochs: list = field(default_factory=list)  # one dict per epoch: loss, accuracy, valid_accuracy
    stop_reason: str = "max_epochs"
    stopped_epoch: int = 0
    best_epoch: int | None = None
    steps: int = 0
    n_documents: int | None = None  # streaming: documents seen in the last epoch
    cluster: dict | None = None  # engine dask: workers, shards, bytes per epoch, compute per shard


class Stopper:
    """The lecture's three stopping rules, combined: whichever fires first stops training."""

    def __init__(self, settings, has_valid):
        self.s = settings
        self.use_valid = settings.early_stopping and has_valid
        self.best_loss, self.loss_wait = np.inf, 0
        self.best_valid, self.valid_wait = -np.inf, 0

    def update(self, record):
        """Return a stop reason or None; sets record["improved"] when validation accuracy improved."""
        s = self.s
        loss = record["loss"]
        if s.loss_lower_bound is not None and loss <= s.loss_lower_bound + (s.tol or 0.0):
            return "loss_near_lower_bound"
        if s.tol is not None:
            if loss < self.best_loss - s.tol:
                self.best_loss, self.loss_wait = loss, 0
            else:
                self.loss_wait += 1
                if self.loss_wait >= s.patience:
                    return "loss_not_improving"
        if self.use_valid:
            if record["valid_accuracy"] > self.best_valid:
                self.best_valid, self.valid_wait = record["valid_accuracy"], 0
                record["improved"] = True
            else:
                self.valid_wait += 1
                if self.valid_wait >= s.patience:
                    return "valid_not_improving"
        return None


def epoch_record(solver, progressive, valid):
    """The epoch's record: objective (weighted mean loss + penalty), accuracy, validation accuracy."""
    valid_scores = None if valid is None else solver.scores(valid[0])
    loss, train_accuracy = solver.progressive_figures() if progressive else solver.full_figures()
    record = {"loss": loss + solver.penalty(), "accuracy": train_accuracy}
    if progressive:
        record["progressive"] = True
    if valid is not None:
        record["valid_accuracy"] = accuracy(solver.model, valid_scores, valid[1])
    return record


def shown_figures(record):
    """What the progress display shows of an epoch's record."""
    shown = {"loss": record["loss"], "accuracy": record["accuracy"], "valid_accuracy": record.get("valid_accuracy")}
    if "violation" in record:
        shown["violation"] = record["violation"]
        shown["converged"] = f"{record['converged_classes']}/{record['classes']}"
    return shown


def run_epochs(solver, settings, *, valid=None, on_epoch=None):
    """Train with ``solver`` for at most ``settings.epochs`` epochs; returns the History.

    ``valid`` is (X_valid, y_valid) or None; ``on_epoch(record)`` is called after each epoch.
    """
    progressive = solver.has_progressive and not (settings.loss_rule and solver.has_full)
    history, stopper, best = History(), Stopper(settings, valid is not None), None
    convergence = getattr(solver, "convergence", None)
    with progress.phase("training", total=None if convergence else settings.epochs, unit="epochs") as shown:
        for epoch in range(1, settings.epochs + 1):
            started = time.perf_counter()
            finished = solver.run_epoch(epoch)
            record = epoch_record(solver, progressive, valid)
            record["epoch"] = epoch
            record["seconds"] = round(time.perf_counter() - started, 4)
            if convergence:
                record.update(convergence())
            reason = stopper.update(record) or finished
            history.epochs.append(record)
            if record.pop("improved", False):
                best, history.best_epoch = solver.snapshot(), epoch
            if on_epoch is not None:
                on_epoch(record)
            shown.advance(**shown_figures(record))
            history.stopped_epoch = epoch
            if reason:
                history.stop_reason = reason
                break
        shown.set(stopped=history.stop_reason)
    if not stopper.use_valid:
        best, history.best_epoch = None, None
    history.steps = solver.finish(best)
    return history
