"""The SGD loop: minibatches over a sparse matrix, schedules, L2/L1 penalties, averaging, stopping rules.

``batch_size: 1`` is the lecture's incremental mode; larger is minibatch mode; a batch as large as
the data is full-batch gradient descent. A step on a minibatch costs O(nnz(batch) * k), never the
vocabulary size: the batch is restricted to the columns it touches; L2 shrinks every weight at once
through a scalar (W = scale * V, Bottou's trick); L1 is applied lazily to the rows a step touches with
Tsuruoka et al.'s cumulative penalty; averaging keeps a running sum that each row catches up on when
it is touched (sum of scale_t over the steps it did not change). Work on all weights happens once per
epoch (to evaluate) or when the scale must be folded back in, and then only on the rows some step has
touched. The steps themselves run in the compiled loop of _sgd_fast.pyx.
No I/O: progress and trace go through callbacks; randomness comes from the caller's Generator.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sgdtext.errors import TrainingError
from sgdtext.models import MODELS


def constant(s, t, total):
    return s.learning_rate


def invscaling(s, t, total):
    return s.learning_rate / t**s.power_t


def optimal(s, t, total):
    # Bottou's 1 / (l2 (t0 + t)), t0 chosen so that the first step is learning_rate
    t0 = 1.0 / (s.learning_rate * s.l2) - 1.0
    return 1.0 / (s.l2 * (t0 + t))


def linear(s, t, total):
    # fastText's: from learning_rate down towards 0 over the planned steps
    return s.learning_rate * np.maximum(0.0, 1.0 - (t - 1) / total)


SCHEDULES = {"constant": constant, "invscaling": invscaling, "optimal": optimal, "linear": linear}
ADAPTIVE = ("adagrad", "normalized_adagrad")  # the compiled loop's per-weight steps (batch_size 1, no l1)


def learning_rates(s, first, count, total):
    """η_t for the steps t = first, ..., first + count - 1 (the schedules work on arrays too)."""
    t = np.arange(first, first + count, dtype=np.float64)
    return np.broadcast_to(np.asarray(SCHEDULES[s.schedule](s, t, total), dtype=np.float64), t.shape).copy()


@dataclass
class SgdSettings:
    epochs: int = 5
    learning_rate: float = 0.1
    schedule: str = "constant"
    power_t: float = 0.5
    batch_size: int = 32
    shuffle: bool = True
    l2: float = 0.0
    l1: float = 0.0
    average: bool = False
    fit_intercept: bool = True
    optimizer: str = "sgd"  # "adagrad": per-weight steps eta g / sqrt(sum of g²), batch_size 1; or
    # "normalized_adagrad": the same on each feature's own scale (Vowpal Wabbit's default), see run_batches
    dual_tol: float = 0.1  # dual_cd: converged when the projected gradients span at most this (dual.py)
    nb_scale: float = 0.0  # dual_cd: NB-SVM's per-class feature scaling |r|^nb_scale (dual.py); 0: none
    nb_alpha: float = 1.0  # its smoothing
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
    n_documents: int | None = None  # streaming: documents seen in the last epoch


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


class SgdState:
    """Weights W = scale * V, with the lazy L1 and averaging bookkeeping. Shapes: V (d, k), b (k,).

    A step (in _sgd_fast.run_batches) on the rows ``rows`` a minibatch touches:
      scale <- scale (1 - eta l2)                         (L2 shrinks every weight at once)
      A[rows] += V[rows] (S - mark[rows]); mark[rows] = S   (averaging: rows catch up on the sum)
      V[rows] <- V[rows] - (eta / scale) X_b^T G          (G = weighted dloss/dscores / |B|)
      u += eta l1; clip rows towards 0 by what they lack  (L1, before the scores and after the step)
      b <- b - eta sum(G); S += scale; b_sum += b
    """

    def __init__(self, W, b, settings, resume=None):
        """``resume``: the adaptive optimiser's state a previous run left (LinearModel.adaptive), or None."""
        self.s = settings
        self.V, self.b = W, b
        # scale, S, u, t, sum of V², and normalized_adagrad's N (sum of squared scaled norms) and T (weights)
        self.state = np.array([1.0, 0.0, 0.0, 0.0, float(np.vdot(W, W)), 0.0, 0.0])
        d, k = W.shape
        self.q = np.zeros_like(W) if settings.l1 else np.zeros((1, k))
        if settings.average:
            self.A, self.mark_, self.b_sum = np.zeros_like(W), np.zeros(d), np.zeros_like(b)
        else:
            self.A, self.mark_, self.b_sum = np.zeros((1, k)), np.zeros(1), np.zeros_like(b)
        self.active = np.any(W != 0, axis=1)  # rows a step has touched (or warm-start rows)
        adagrad = settings.optimizer in ADAPTIVE
        self.H, self.Hb = (np.zeros_like(W), np.zeros_like(b)) if adagrad else (np.zeros((1, k)), np.zeros(k))
        self.normalized = settings.optimizer == "normalized_adagrad"
        self.xscale = np.zeros(d if self.normalized else 1)  # each feature's largest |x| so far
        if resume is not None and resume["optimizer"] == settings.optimizer and resume["H"].shape == W.shape:
            self.H, self.Hb = resume["H"].copy(), resume["Hb"].copy()  # a warm start goes on where it stopped
            self.xscale = resume["xscale"].copy() if self.normalized else self.xscale
            self.state[5:7] = resume["NT"]

    @property
    def scale(self):
        return self.state[0]

    @property
    def t(self):
        return int(self.state[3])

    def mark(self, indices):
        """Note the rows a pass touches: the whole-matrix work of an epoch stays on the active rows."""
        self.active[indices] = True

    def rows(self):
        return np.flatnonzero(self.active)

    def fold(self):
        """Fold the scale into V (and bring every active row's average and L1 up to date): O(active rows * k).

        Rows no step has touched hold zeros (or, in a warm start, are active from the start), so they
        need nothing.
        """
        from sgdtext._sgd_fast import fold_rows

        fold_rows(self.V, self.A, self.mark_, self.q, self.rows().astype(np.int64), self.state, self.s.average,
                  bool(self.s.l1))
        if self.s.average:
            self.state[1] = 0.0  # A sums scale_t V_t; from now on V is in the new units with scale 1
        self.state[4] *= self.scale**2  # (not kept with L1, whose clips the steps do not count; unused then)
        self.state[0] = 1.0

    def averaged(self):
        return self.s.average and self.t > 0

    def scores(self, X):
        """X @ W + b for the weights to evaluate or keep (the averaged ones when averaging)."""
        self.fold()
        if self.averaged():
            return (X @ self.A) / self.t + self.b_sum / self.t
        return X @ self.V + self.b

    def active_weights(self):
        """(active rows, their weights, b) of the weights to evaluate or keep."""
        self.fold()
        r = self.rows()
        if self.averaged():
            return r, self.A[r] / self.t, self.b_sum / self.t
        return r, self.V[r], self.b

    def penalty(self):
        if not self.s.average and not self.s.l1:  # W = scale V, and the steps keep the sum of V²
            return 0.5 * self.s.l2 * self.state[4] * self.scale**2
        from sgdtext._sgd_fast import rows_penalty

        self.fold()
        if self.averaged():
            return rows_penalty(self.A, self.rows().astype(np.int64), float(self.t), self.s.l2, self.s.l1)
        return rows_penalty(self.V, self.rows().astype(np.int64), 1.0, self.s.l2, self.s.l1)

    def snapshot(self):
        r, W, b = self.active_weights()
        return r, W.copy(), b.copy()

    def finish(self, model, history, best):
        """Put the kept weights (best epoch, else averaged or last) into the model (W is V itself)."""
        history.steps = self.t
        if self.s.optimizer in ADAPTIVE:  # kept in the model file, so a warm start resumes the step sizes
            model.adaptive = {"optimizer": self.s.optimizer, "H": self.H, "Hb": self.Hb, "xscale": self.xscale,
                              "NT": self.state[5:7].copy()}
        r, W, b = self.active_weights()
        if best is not None:
            model.W[r] = 0.0
            r, W, b = best
        model.W[r], model.b[...] = W, b
        return history


def fit(model, X, y, *, settings, rng, valid=None, sample_weight=None, on_epoch=None, on_step=None):
    """Train ``model`` (W, b updated in place) on X (n, d) CSR and class indices y (n,).

    ``valid`` is (X_valid, y_valid) or None; ``sample_weight`` (n,) scales each example's loss
    (class weights). ``on_epoch(record)`` is called after each epoch, ``on_step(info)`` after each
    step (for ``--trace``). Returns a History. Overflow is not warned about: a non-finite loss stops
    training with a TrainingError.
    """
    if settings.optimizer == "dual_cd":
        from sgdtext.dual import fit_dual

        return fit_dual(model, sp.csr_matrix(X), np.asarray(y), settings, rng, valid, sample_weight, on_epoch)
    with np.errstate(over="ignore", invalid="ignore"):
        return run_epochs(model, sp.csr_matrix(X), y, settings, rng, valid, sample_weight, on_epoch, on_step)


def epoch_loop(s, *, has_valid, run_epoch, evaluate, snapshot, on_epoch):
    """The loop every learner shares: one epoch, evaluate, the stopping rules.

    ``run_epoch(epoch)`` trains one pass and returns None or a reason to stop after it (the learner has
    converged); ``evaluate()`` returns the epoch's record (loss, accuracy,
    valid_accuracy); ``snapshot()`` copies the weights. Returns (History, best snapshot or None): the best
    is set when the validation rule is on and kept the weights of the best epoch.
    """
    history, stopper, best = History(), Stopper(s, has_valid), None
    for epoch in range(1, s.epochs + 1):
        started = time.perf_counter()
        finished = run_epoch(epoch)
        record = evaluate()
        record["epoch"] = epoch
        record["seconds"] = round(time.perf_counter() - started, 4)
        reason = stopper.update(record) or finished
        history.epochs.append(record)
        if record.pop("improved", False):
            best, history.best_epoch = snapshot(), epoch
        if on_epoch is not None:
            on_epoch(record)
        history.stopped_epoch = epoch
        if reason:
            history.stop_reason = reason
            break
    if not stopper.use_valid:
        best, history.best_epoch = None, None
    return history, best


def epoch_record(model, scores, y, weights, penalty, valid, valid_scores):
    """One epoch's record: objective (weighted mean loss + penalty) and accuracy, and validation accuracy."""
    losses, _ = MODELS[model.model_type].loss(scores, y)
    record = {"loss": float(np.average(losses, weights=weights) + penalty),
              "accuracy": float(np.mean(model.predict_index(scores) == y))}
    if valid is not None:
        record["valid_accuracy"] = float(np.mean(model.predict_index(valid_scores) == valid[1]))
    return record


def compiled_arrays(X):
    """(data, indices, indptr) of the CSR matrix X in the compiled loop's types (no copy if they are)."""
    return X.data.astype(np.float64, copy=False), X.indices.astype(np.int32, copy=False), \
        X.indptr.astype(np.int64, copy=False)


def train_pass(state, model, X, y, weights, order, *, total, epoch, on_step=None, arrays=None):
    """SGD steps over the rows of X (CSR) in ``order``, ``total`` steps planned in all (for the schedule).
    ``arrays``: compiled_arrays(X) when the caller keeps them across passes (the rows are then marked
    active already).

    Returns (summed weighted loss, number predicted right before their step): progressive figures.
    """
    from sgdtext._sgd_fast import LOSSES, run_batches

    s, n, k = state.s, len(order), model.W.shape[1]
    if arrays is None:
        state.mark(X.indices)
        arrays = compiled_arrays(X)
    data, indices, indptr = arrays
    first = state.t + 1
    etas = learning_rates(s, first, -(-n // s.batch_size), total)
    order, labels = order.astype(np.int64), y.astype(np.int64)
    S, G = np.zeros((s.batch_size, k)), np.zeros((s.batch_size, k))
    pos, loss, correct = 0, 0.0, 0
    while pos < n:
        stop = min(pos + s.batch_size, n) if on_step is not None else n
        pos, batch_loss, batch_correct, status = run_batches(
            state.V, state.b, state.state, state.A, state.mark_, state.b_sum, state.q, data, indices, indptr, order,
            labels, weights, etas, first, LOSSES[model.model_type], s.batch_size, pos, stop, s.l2, s.l1, s.average,
            s.fit_intercept, S, G, s.optimizer in ADAPTIVE, state.H, state.Hb, state.normalized, state.xscale)
        loss, correct = loss + batch_loss, correct + batch_correct
        if status == 2:
            check_finite(np.array([np.nan]), S, epoch, state.t + 1, s)
        if status == 1:  # the scale would underflow: fold it in
            state.fold()
        if on_step is not None:
            on_step({"epoch": epoch, "step": state.t, "index": int(order[pos - 1]), "scores": S[:1].copy(),
                     "W": state.V * state.scale, "b": state.b})
    return loss, correct


def run_epochs(model, X, y, s, rng, valid, sample_weight, on_epoch, on_step):
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    state = SgdState(model.W, model.b, s, model.adaptive)
    n = X.shape[0]
    total = s.epochs * -(-n // s.batch_size)

    progress = {}
    arrays = compiled_arrays(X)
    state.mark(X.indices)

    def run_epoch(epoch):
        order = rng.permutation(n) if s.shuffle else np.arange(n)
        loss, correct = train_pass(state, model, X, y, weights, order, total=total, epoch=epoch, on_step=on_step,
                                   arrays=arrays)
        progress.update(loss=loss / weights.sum(), accuracy=correct / n)

    def evaluate():
        valid_scores = None if valid is None else state.scores(valid[0])
        if s.tol is None and s.loss_lower_bound is None:  # no loss rule: the pass's own figures suffice
            record = {"loss": progress["loss"] + state.penalty(), "accuracy": progress["accuracy"],
                      "progressive": True}
            if valid is not None:
                record["valid_accuracy"] = float(np.mean(model.predict_index(valid_scores) == valid[1]))
            return record
        return epoch_record(model, state.scores(X), y, weights, state.penalty(), valid, valid_scores)

    history, best = epoch_loop(s, has_valid=valid is not None, run_epoch=run_epoch, evaluate=evaluate,
                               snapshot=state.snapshot, on_epoch=on_epoch)
    return state.finish(model, history, best)


def check_finite(losses, scores, epoch, step, s):
    if not (np.isfinite(losses).all() and np.isfinite(scores).all()):
        raise TrainingError(
            f"training diverged at epoch {epoch}, step {step} (the loss is not finite); "
            f"lower training.learning_rate (now {s.learning_rate}), e.g. to {s.learning_rate / 10:g}")
