"""The SGD solver of the linear models: minibatches over a sparse matrix, L2/L1 penalties, averaging, adaptive steps.

``batch_size: 1`` is the lecture's incremental mode; larger is minibatch mode; a batch as large as
the data is full-batch gradient descent. A step on a minibatch costs O(nnz(batch) * k), never the
vocabulary size: the batch is restricted to the columns it touches; L2 shrinks every weight at once
through a scalar (W = scale * V, Bottou's trick); L1 is applied lazily to the rows a step touches with
Tsuruoka et al.'s cumulative penalty; averaging keeps a running sum that each row catches up on when
it is touched (sum of scale_t over the steps it did not change). Work on all weights happens once per
epoch (to evaluate) or when the scale must be folded back in, and then only on the rows some step has
touched. The steps themselves run in the compiled loop of _sgd_fast.pyx. ``SgdSolver`` answers the epoch loop's
protocol (sgdtext.training.loop). No I/O: the trace goes through a callback; randomness comes from the caller's
Generator.
"""

import numpy as np
import scipy.sparse as sp

from sgdtext.core.figures import check_finite, figures, squared_norm
from sgdtext.core.schedules import learning_rates

ADAPTIVE = ("adagrad", "normalized_adagrad")  # the compiled loop's per-weight steps (batch_size 1, no l1)


class SgdState:
    """Weights W = scale * V, with the lazy L1 and averaging bookkeeping. Shapes: V (d, k), b (k,).

    A step (in _sgd_fast.run_batches) on the rows ``rows`` a minibatch touches:
      scale <- scale (1 - eta l2)                         (L2 shrinks every weight at once)
      A[rows] += V[rows] (S - mark[rows]); mark[rows] = S   (averaging: rows catch up on the sum)
      V[rows] <- V[rows] - (eta / scale) X_b^T G          (G = weighted dloss/dscores / |B|)
      u += eta l1; clip rows towards 0 by what they lack  (L1, before the scores and after the step)
      b <- b - eta sum(G); S += scale; b_sum += b
    The weights and their bookkeeping live in a compiled ``Weights`` (``w``), whose named fields the loop keeps.
    """

    def __init__(self, W, b, settings, resume=None):
        """``resume``: the adaptive optimiser's state a previous run left (LinearModel.adaptive), or None."""
        from sgdtext.linear._sgd_fast import Weights

        self.s = settings
        self.V, self.b = W, b
        d, k = W.shape
        self.q = np.zeros_like(W) if settings.l1 else np.zeros((1, k))
        if settings.average:
            self.A, self.mark_, self.b_sum = np.zeros_like(W), np.zeros(d), np.zeros_like(b)
        else:
            self.A, self.mark_, self.b_sum = np.zeros((1, k)), np.zeros(1), np.zeros_like(b)
        self.active = np.any(W != 0, axis=1)  # rows a step has touched (or warm-start rows)
        self.adaptive = settings.optimizer in ADAPTIVE
        self.H, self.Hb = (np.zeros_like(W), np.zeros_like(b)) if self.adaptive else (np.zeros((1, k)), np.zeros(k))
        self.normalized = settings.optimizer == "normalized_adagrad"
        self.xscale = np.zeros(d if self.normalized else 1)  # each feature's largest |x| so far
        norm_sum = weight_sum = 0.0
        if resume is not None and resume["optimizer"] == settings.optimizer and resume["H"].shape == W.shape:
            self.H, self.Hb = resume["H"].copy(), resume["Hb"].copy()  # a warm start goes on where it stopped
            self.xscale = resume["xscale"].copy() if self.normalized else self.xscale
            norm_sum, weight_sum = resume["NT"]
        self.w = Weights(self.V, self.b, self.A, self.mark_, self.b_sum, self.q, self.H, self.Hb, self.xscale,
                         squares=squared_norm(W), norm_sum=norm_sum, weight_sum=weight_sum)

    def options(self, loss):
        """The compiled loop's StepOptions for steps on ``loss``."""
        from sgdtext.linear._sgd_fast import StepOptions

        s = self.s
        return StepOptions(loss, batch_size=s.batch_size, l2=s.l2, l1=s.l1, average=s.average,
                           fit_intercept=s.fit_intercept, adagrad=self.adaptive, normalized=self.normalized)

    @property
    def scale(self):
        return self.w.scale

    @property
    def t(self):
        return self.w.steps

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
        from sgdtext.linear._sgd_fast import fold_rows

        w = self.w
        fold_rows(w, self.rows().astype(np.int64), self.s.average, bool(self.s.l1))
        if self.s.average:
            w.avg_sum = 0.0  # A sums scale_t V_t; from now on V is in the new units with scale 1
        w.squares *= w.scale**2  # (not kept with L1, whose clips the steps do not count; unused then)
        w.scale = 1.0

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
            return 0.5 * self.s.l2 * self.w.squares * self.scale**2
        from sgdtext.linear._sgd_fast import rows_penalty

        self.fold()
        if self.averaged():
            return rows_penalty(self.A, self.rows().astype(np.int64), float(self.t), self.s.l2, self.s.l1)
        return rows_penalty(self.V, self.rows().astype(np.int64), 1.0, self.s.l2, self.s.l1)

    def snapshot(self):
        r, W, b = self.active_weights()
        return r, W.copy(), b.copy()

    def finish(self, model, best):
        """Put the kept weights (best epoch, else averaged or last) into the model (W is V itself); returns the
        number of steps."""
        if self.adaptive:  # kept in the model file, so a warm start resumes the step sizes
            model.adaptive = {"optimizer": self.s.optimizer, "H": self.H, "Hb": self.Hb, "xscale": self.xscale,
                              "NT": np.array([self.w.norm_sum, self.w.weight_sum])}
        r, W, b = self.active_weights()
        if best is not None:
            model.W[r] = 0.0
            r, W, b = best
        model.W[r], model.b[...] = W, b
        return self.t


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
    from sgdtext.linear._sgd_fast import run_batches

    s, n, k = state.s, len(order), model.W.shape[1]
    if arrays is None:
        state.mark(X.indices)
        arrays = compiled_arrays(X)
    data, indices, indptr = arrays
    first = state.t + 1
    etas = learning_rates(s, first, -(-n // s.batch_size), total)
    order, labels = order.astype(np.int64), y.astype(np.int64)
    options = state.options(model.loss)
    S, G = np.zeros((s.batch_size, k)), np.zeros((s.batch_size, k))
    pos, loss, correct = 0, 0.0, 0
    while pos < n:
        stop = min(pos + s.batch_size, n) if on_step is not None else n
        pos, batch_loss, batch_correct, status = run_batches(state.w, options, data, indices, indptr, order, labels,
                                                             weights, etas, first, pos, stop, S, G)
        loss, correct = loss + batch_loss, correct + batch_correct
        if status == 2:
            check_finite(np.array([np.nan]), S, epoch, state.t + 1, s)
        if status == 1:  # the scale would underflow: fold it in
            state.fold()
        if on_step is not None:
            on_step({"epoch": epoch, "step": state.t, "index": int(order[pos - 1]), "scores": S[:1].copy(),
                     "W": state.V * state.scale, "b": state.b})
    return loss, correct


class StateSolver:
    """The part of the loop's protocol an SgdState answers: the solvers that step one (SgdSolver, and
    linear.stream.StreamSolver) share it. Subclasses set ``model``, ``state`` and ``progress``."""

    has_progressive = True

    def progressive_figures(self):
        return self.progress

    def penalty(self):
        return self.state.penalty()

    def scores(self, X):
        return self.state.scores(X)

    def snapshot(self):
        return self.state.snapshot()

    def finish(self, best):
        return self.state.finish(self.model, best)


class SgdSolver(StateSolver):
    """SGD epochs on X (n, d) CSR and class indices y (n,) for a linear model (W, b updated in place).

    ``sample_weight`` (n,) scales each example's loss (class weights); ``on_step(info)`` is called after each
    step (for ``--trace``).
    """

    has_full = True

    def __init__(self, model, X, y, settings, rng, *, sample_weight=None, on_step=None):
        self.model, self.X, self.y, self.s, self.rng, self.on_step = model, sp.csr_matrix(X), y, settings, rng, on_step
        self.weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.state = SgdState(model.W, model.b, settings, model.adaptive)
        n = self.X.shape[0]
        self.total = settings.epochs * -(-n // settings.batch_size)
        self.arrays = compiled_arrays(self.X)
        self.state.mark(self.X.indices)
        self.progress = None

    def run_epoch(self, epoch):
        n = self.X.shape[0]
        order = self.rng.permutation(n) if self.s.shuffle else np.arange(n)
        loss, correct = train_pass(self.state, self.model, self.X, self.y, self.weights, order, total=self.total,
                                   epoch=epoch, on_step=self.on_step, arrays=self.arrays)
        self.progress = (loss / self.weights.sum(), correct / n)

    def full_figures(self):
        return figures(self.model, self.state.scores(self.X), self.y, self.weights)
