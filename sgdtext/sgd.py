"""The SGD loop: minibatches over a sparse matrix, L2 by the scaled-weight trick, the lecture's stopping rules.

``batch_size: 1`` is the lecture's incremental mode; larger is minibatch mode; a batch as large as
the data is full-batch gradient descent. A step on a minibatch costs O(nnz(batch) * k): the batch is
restricted to the columns it touches, and L2 shrinks every weight at once through a scalar
(W = scale * V, Bottou's trick), so no step ever touches the whole vocabulary.
No I/O: progress and trace go through callbacks; randomness comes from the caller's Generator.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sgdtext.errors import TrainingError
from sgdtext.models import MODELS


@dataclass
class SgdSettings:
    epochs: int = 5
    learning_rate: float = 0.1
    batch_size: int = 32
    shuffle: bool = True
    l2: float = 0.0
    fit_intercept: bool = True
    tol: float | None = None  # loss rule: stop when no improvement by tol for `patience` epochs
    loss_lower_bound: float | None = None  # loss rule: stop when loss <= bound + tol
    patience: int = 5
    early_stopping: bool = False  # validation rule: needs validation data; keeps the best weights


@dataclass
class History:
    epochs: list = field(default_factory=list)  # one dict per epoch: loss, accuracy, valid_accuracy
    stop_reason: str = "max_epochs"
    stopped_epoch: int = 0
    best_epoch: int | None = None
    steps: int = 0


class Stopper:
    """The lecture's three stopping rules, combined: whichever fires first stops training."""

    def __init__(self, settings, has_valid):
        self.s = settings
        self.use_valid = settings.early_stopping and has_valid
        self.best_loss, self.loss_wait = np.inf, 0
        self.best_valid, self.valid_wait = -np.inf, 0

    def update(self, record):
        """Return a stop reason or None; record["improved"] says whether validation improved."""
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


def fit(model, X, y, *, settings, rng, valid=None, on_epoch=None, on_step=None):
    """Train ``model``; see run_epochs. Overflow is not warned about: a non-finite loss stops training."""
    with np.errstate(over="ignore", invalid="ignore"):
        return run_epochs(model, X, y, settings=settings, rng=rng, valid=valid, on_epoch=on_epoch, on_step=on_step)


def run_epochs(model, X, y, *, settings, rng, valid, on_epoch, on_step):
    """Train ``model`` (W, b updated in place) on X (n, d) CSR and class indices y (n,).

    ``valid`` is (X_valid, y_valid) or None. ``on_epoch(record)`` is called after each epoch,
    ``on_step(info)`` after each step (for ``--trace``). Returns a History.
    """
    X = sp.csr_matrix(X)
    loss_fn = MODELS[model.model_type].loss
    s = settings
    shrink = 1.0 - s.learning_rate * s.l2
    V, scale = model.W, 1.0
    history, stopper = History(), Stopper(s, valid is not None)
    best = None
    for epoch in range(1, s.epochs + 1):
        order = rng.permutation(X.shape[0]) if s.shuffle else np.arange(X.shape[0])
        Xe, ye = X[order], y[order]
        for start in range(0, X.shape[0], s.batch_size):
            stop = min(start + s.batch_size, X.shape[0])
            Xb = Xe[start:stop]
            cols, inv = np.unique(Xb.indices, return_inverse=True)
            Xc = sp.csr_matrix((Xb.data, inv.astype(np.int32), Xb.indptr), shape=(stop - start, len(cols)))
            scores = (Xc @ V[cols]) * scale + model.b
            losses, G = loss_fn(scores, ye[start:stop])
            if not np.isfinite(losses).all() or not np.isfinite(scores).all():
                raise TrainingError(
                    f"training diverged at epoch {epoch}, step {history.steps + 1} (the loss is not finite); "
                    f"lower training.learning_rate (now {s.learning_rate}), e.g. to {s.learning_rate / 10:g}"
                )
            G /= stop - start
            scale *= shrink
            V[cols] -= (s.learning_rate / scale) * (Xc.T @ G)
            if s.fit_intercept:
                model.b -= s.learning_rate * G.sum(axis=0)
            if scale < 1e-9:  # fold the scale back in before it underflows
                V *= scale
                scale = 1.0
            history.steps += 1
            if on_step is not None:
                on_step({"epoch": epoch, "step": history.steps, "index": int(order[start]), "scores": scores,
                         "losses": losses, "W": V * scale, "b": model.b})
        V *= scale
        scale = 1.0
        record = evaluate_epoch(model, X, y, loss_fn, s.l2, valid)
        record["epoch"] = epoch
        reason = stopper.update(record)
        history.epochs.append(record)
        if record.pop("improved", False):
            best = (model.W.copy(), model.b.copy(), epoch)
        if on_epoch is not None:
            on_epoch(record)
        history.stopped_epoch = epoch
        if reason:
            history.stop_reason = reason
            break
    if stopper.use_valid and best is not None:
        model.W[...], model.b[...], history.best_epoch = best
    return history


def evaluate_epoch(model, X, y, loss_fn, l2, valid):
    """Full-pass objective (mean loss + l2/2 ||W||²) and accuracy on train, and validation accuracy."""
    scores = model.scores(X)
    losses, _ = loss_fn(scores, y)
    record = {
        "loss": float(losses.mean() + 0.5 * l2 * np.sum(model.W**2)),
        "accuracy": float(np.mean(model.predict_index(scores) == y)),
    }
    if valid is not None:
        Xv, yv = valid
        record["valid_accuracy"] = float(np.mean(model.predict_index(model.scores(Xv)) == yv))
    return record
