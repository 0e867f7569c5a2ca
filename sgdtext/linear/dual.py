"""training.optimizer: dual_cd: the hinge, squared hinge, logistic and linear (ridge) models trained to their
optimum by dual coordinate descent (LIBLINEAR's solvers, the compiled loops in _dual_fast.pyx document the methods).

SGD with a decaying rate approaches the optimum of a penalised objective slowly, and its answer depends on
the rate; this solver reaches the same objective's optimum in a few passes, with no rate to tune. The
objective is the one the SGD loop has, mean weighted loss + l2/2 ||w||² per class, written as LIBLINEAR's
1/2 ||w||² + sum_i C_i loss_i with C_i = weight_i / (l2 * sum of the weights). Differences from SGD, all
LIBLINEAR's: the intercept (fit_intercept) is the weight of a constant feature 1 and is penalised like the
other weights; learning_rate, schedule and batch_size do not apply; l1 and averaging do not exist here. A warm
start (--init-model) starts w at the old weights, so the penalty pulls towards them: 1/2 ||w - w_old||².

An epoch is one pass over the examples still in play for every class that has not converged; the classes of
a one-vs-rest model are independent problems and train on separate threads (one per core), each with its
own generator seeded from the run's seed, so the weights do not depend on the number of threads.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from sgdtext.config.choices import OPTIMIZERS
from sgdtext.core.figures import figures, squared_norm
from sgdtext.linear.sgd import compiled_arrays

FORMS = OPTIMIZERS["dual_cd"].facts["forms"]  # model type -> the dual problem solved: hinge, squared_hinge, ...
NO_SCALE = np.zeros(0)


def nb_scales(X, y, k, weights, alpha, power, map_classes=map):
    """|r_cj|^power for each class c (rows) and feature j: r is the naive-Bayes log-count ratio of NB-SVM
    (Wang & Manning 2012), log((p_c / |p_c|_1) / (q_c / |q_c|_1)) with p_c = alpha + the weighted number of
    class-c documents holding feature j and q_c the same over the other documents (two classes: c is the
    positive one). ``map_classes`` runs the classes' rows (a thread pool's map: numpy lets go of the GIL)."""
    from sgdtext.linear._dual_fast import class_document_counts

    n, d = X.shape
    y = np.asarray(y, dtype=np.int64)
    if len(y) != n or len(weights) != n or (n and not 0 <= y.min() <= y.max() < max(k, 2)):
        raise ValueError(f"nb_scales: {len(y)} classes and {len(weights)} weights for {n} rows of {max(k, 2)} classes")
    counts = np.zeros((max(k, 2), d))  # weighted number of documents of each class holding each feature
    class_document_counts(*compiled_arrays(X), y, np.asarray(weights, dtype=np.float64), counts)
    total = counts.sum(axis=0)
    if k == 1:
        counts = counts[1:2]  # two classes, one column: the positive class against the other
    r = counts  # p, then the ratio, in place and a class at a time: a (k, d) array is not small

    def class_ratio(c):
        q = total - r[c] + alpha
        r[c] += alpha
        ratio = np.log(q.sum() / r[c].sum())
        np.divide(r[c], q, out=r[c])
        np.log(r[c], out=r[c])
        r[c] += ratio
        np.abs(r[c], out=r[c])
        if power != 1:
            r[c] **= power

    list(map_classes(class_ratio, range(len(r))))
    return r


class DualState:
    """Per class c: weights Wt[c] (d, plus the intercept last), dual variables alpha[c], the order and the
    shrinking state of _dual_fast.passes."""

    def __init__(self, model, X, y, s, rng, sample_weight, pool=None):
        n, d = X.shape
        map_classes = map if pool is None else pool.map
        k = model.W.shape[1]
        self.s, self.d, self.bias = s, d, int(s.fit_intercept)
        weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        C = weights / (s.l2 * weights.sum())
        form = FORMS[model.model_type]
        squared = form in ("squared_hinge", "squared")
        self.logistic = form == "logistic"
        self.free = form == "squared"  # 1/2 (s - t)² = 1/2 (1 - t s)²: no bounds on alpha, D = 1 / C
        half = 1.0 if self.free else 0.5
        self.diag = np.where(C > 0, half / np.where(C > 0, C, 1.0), 0.0) if squared else np.zeros(n)
        self.upper = np.full(n, np.inf) if squared else C
        self.R = nb_scales(X, y, k, weights, s.nb_alpha, s.nb_scale, map_classes) if s.nb_scale else None
        from sgdtext.linear._dual_fast import ClassProgress, squared_norms

        self.arrays = compiled_arrays(X)
        self.QD = np.empty((k, n))
        list(map_classes(lambda c: squared_norms(*self.arrays, self.scale(c), self.QD[c]),  # ||R_c * x_i||²
                         range(k if self.R is not None else 1)))
        if self.R is None:  # ||x_i||², the same for every class
            self.QD[1:] = self.QD[0]
        self.QD += self.bias + self.diag  # + 1 for the intercept's feature, + D_i
        self.Wt = np.zeros((k, d + self.bias))
        warm = bool(model.W.any())  # a warm start (--init-model); otherwise Wt stays zero, its pages untouched
        if warm and self.R is None:
            self.Wt[:, :d] = model.W.T
        elif warm:  # the solver's weights are W / R (0 where a class ignores a feature)
            np.divide(model.W.T, self.R, out=self.Wt[:, :d], where=self.R > 0)
        if self.bias:
            self.Wt[:, d] = model.b
        self.b_fixed = model.b.copy()  # fit_intercept: false keeps the model's b
        # warm start: the penalty's centre (a cold start without an intercept leaves Wt zero, no need to look)
        self.W0 = self.Wt.copy() if (warm or self.bias) and self.Wt.any() else None
        positive = (y[None, :] == (np.arange(k)[:, None] if k > 1 else 1))
        self.t = np.where(positive, 1.0, -1.0)
        self.alpha = np.zeros((k, n))
        self.index = np.zeros((k, n), dtype=np.int64)
        seeds = rng.integers(1, 2**62, size=k)
        self.progress = []
        for c in range(k):  # a weightless example, or one with no feature the class sees, cannot move w
            in_play = np.flatnonzero((C > 0) & (self.QD[c] > 0))
            self.index[c, :len(in_play)] = in_play
            self.progress.append(ClassProgress(len(in_play), int(seeds[c])))
        self.margins = np.zeros((k, n))  # t w·x of each example when last visited
        if self.logistic:  # alpha starts inside (0, C) as LIBLINEAR's, and w = w0 + sum_i alpha_i t_i x_i
            for c in range(k):
                play = self.index[c, :self.progress[c].in_play]
                self.alpha[c, play] = np.minimum(0.001 * C[play], 1e-8)
                signed = self.t[c] * self.alpha[c]
                moved = X.T @ signed
                self.Wt[c, :d] += moved if self.R is None else moved * self.R[c]
                if self.bias:
                    self.Wt[c, d] += signed.sum()

    def run_class(self, c):
        from sgdtext.linear._dual_fast import run_logistic_passes, run_passes

        data, indices, indptr = self.arrays
        if self.logistic:
            return run_logistic_passes(self.Wt[c], data, indices, indptr, self.t[c], self.upper, self.QD[c],
                                       self.alpha[c], self.index[c], self.progress[c], bool(self.bias),
                                       self.s.dual_tol, 1, self.scale(c), self.margins[c])
        return run_passes(self.Wt[c], data, indices, indptr, self.t[c], self.upper, self.diag, self.QD[c],
                          self.alpha[c], self.index[c], self.progress[c], bool(self.bias), self.s.dual_tol, 1,
                          self.scale(c), self.margins[c], self.free)

    def scale(self, c):
        return NO_SCALE if self.R is None else self.R[c]

    def weights(self):
        """(W (d, k), b (k,)): the model's weights (the solver's times R, with nb_scale)."""
        b = self.Wt[:, self.d] if self.bias else self.b_fixed
        W = self.Wt[:, :self.d] if self.R is None else self.Wt[:, :self.d] * self.R
        return W.T, b

    def scores(self, X, pool):
        """X @ W + b, a class per thread on the class-major weights (no transposed copy of W)."""
        from sgdtext.linear._dual_fast import class_scores

        data, indices, indptr = compiled_arrays(X)
        out = np.empty((self.Wt.shape[0], X.shape[0]))
        list(pool.map(lambda c: class_scores(self.Wt[c], data, indices, indptr, bool(self.bias), out[c],
                                             self.scale(c)), range(len(out))))
        return out.T if self.bias else out.T + self.b_fixed

    def progressive_scores(self):
        """The scores each example had when the solver last visited it (n, k): no pass over the data."""
        scores = (self.margins * self.t).T
        return scores if self.bias else scores + self.b_fixed

    def penalty(self):
        return 0.5 * self.s.l2 * squared_norm(self.Wt if self.W0 is None else self.Wt - self.W0)

    def snapshot(self):
        W, b = self.weights()
        return np.arange(self.d), W.copy(), b.copy()


class DualSolver:
    """Dual coordinate descent on X (n, d) CSR and class indices y (n,) for a hinge, squared_hinge, logistic or
    linear model (W, b set; the solver holds the weights, class-major, until ``finish``: one copy in memory)."""

    has_progressive = True
    has_full = True

    def __init__(self, model, X, y, settings, rng, *, sample_weight=None, on_step=None):
        X = sp.csr_matrix(X)
        self.model, self.X, self.y = model, X, np.asarray(y)
        self.k = model.W.shape[1]
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.pool = ThreadPoolExecutor(max_workers=min(self.k, cores))
        try:
            self.state = DualState(model, X, self.y, settings, rng, sample_weight, self.pool)
        except BaseException:
            self.pool.shutdown()
            raise
        model.W = None
        self.weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)

    def run_epoch(self, epoch):
        todo = [c for c in range(self.k) if not self.state.progress[c].converged]
        list(self.pool.map(self.state.run_class, todo))
        return "converged" if all(p.converged for p in self.state.progress) else None

    def progressive_figures(self):
        """From the margins each example had when the pass visited it: no pass over the data."""
        return figures(self.model, self.state.progressive_scores(), self.y, self.weights)

    def convergence(self):
        """The stopping test's measure (the largest over the classes; each class stops once its own is at most
        training.dual_tol) and how many classes have stopped."""
        progress = self.state.progress
        violation = max(p.violation for p in progress)
        return {"violation": round(violation, 6) if np.isfinite(violation) else None,
                "converged_classes": sum(bool(p.converged) for p in progress), "classes": len(progress)}

    def full_figures(self):
        return figures(self.model, self.scores(self.X), self.y, self.weights)

    def penalty(self):
        return self.state.penalty()

    def scores(self, X):
        return self.state.scores(X, self.pool)

    def snapshot(self):
        return self.state.snapshot()

    def finish(self, best):
        """Put the kept weights into the model; returns the number of coordinate steps."""
        self.pool.shutdown()
        state = self.state
        self.model.adaptive = None
        if best is not None:
            _, W, b = best
        else:  # fold the scales in, let go of them, and lay the weights out feature-major in their own memory
            from sgdtext.linear._dual_fast import to_feature_major

            if state.R is not None:
                state.Wt[:, :state.d] *= state.R
                state.R = None
            b = state.weights()[1].copy()
            to_feature_major(state.Wt, state.d)
            W = state.Wt.reshape(-1)[:state.d * self.k].reshape(state.d, self.k)
            state.Wt = state.W0 = None
        self.model.W, self.model.b[...] = W, b
        return int(sum(p.steps for p in state.progress))
