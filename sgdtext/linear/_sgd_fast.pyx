# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The hot loop of the linear learners: SGD steps over a run of minibatches of a CSR matrix.

Compiled because a step of numpy calls pays the interpreter's overhead whatever its size; this loop does
the arithmetic sgdtext.linear.sgd.SgdState documents (tests check it against dense SGD). The weights and their
bookkeeping are a ``Weights`` object with named fields, the step's settings a ``StepOptions``; each example's
loss and gradient come from its loss object (sgdtext.core.losses). Typed memoryviews only: no numpy C-API.
"""

from libc.math cimport fabs, isfinite, sqrt
from libc.stdlib cimport free, malloc

from sgdtext.core.losses cimport Loss


cdef class Weights:
    """W = scale * V (V (d, k), b (k,)) and what the steps keep beside it.

    avg_sum: S, the sum of the scales over the steps (averaging: A sums scale_t V_t; row j catches up on
    S - mark[j]); l1_total: u, the L1 penalty each weight should have had so far (q: what it has had);
    steps: t; squares: the sum of V², kept by every step so the L2 penalty costs nothing per epoch (the L1 clips
    do not update it); H, Hb: AdaGrad's sums of squared gradients; xscale: each feature's largest |x| so far;
    norm_sum, weight_sum: normalized_adagrad's N and T. Unused arrays may have a single row.
    """

    cdef double[:, ::1] V, A, q, H
    cdef double[::1] b, mark, b_sum, Hb, xscale
    cdef public double scale, avg_sum, l1_total, squares, norm_sum, weight_sum
    cdef public long long steps

    def __init__(self, V, b, A, mark, b_sum, q, H, Hb, xscale, *, double squares, double norm_sum=0.0,
                 double weight_sum=0.0):
        self.V, self.b, self.A, self.mark, self.b_sum, self.q = V, b, A, mark, b_sum, q
        self.H, self.Hb, self.xscale = H, Hb, xscale
        self.scale, self.avg_sum, self.l1_total, self.steps = 1.0, 0.0, 0.0, 0
        self.squares, self.norm_sum, self.weight_sum = squares, norm_sum, weight_sum


cdef class StepOptions:
    """How a step moves the weights: the loss, examples per step, penalties, averaging, the adaptive steps."""

    cdef Loss loss
    cdef public int batch_size
    cdef public double l2, l1
    cdef public bint average, fit_intercept, adagrad, normalized

    def __init__(self, Loss loss, *, int batch_size, double l2, double l1, bint average, bint fit_intercept,
                 bint adagrad, bint normalized):
        self.loss, self.batch_size, self.l2, self.l1 = loss, batch_size, l2, l1
        self.average, self.fit_intercept, self.adagrad, self.normalized = average, fit_intercept, adagrad, normalized


cdef inline void apply_l1(double[:, ::1] V, double[:, ::1] q, long long j, int k, double scale,
                          double u) noexcept nogil:
    """Tsuruoka et al. (2009)'s cumulative penalty on row j: clip each weight (in W units) towards 0 by what it
    has not had yet of the total u; q records what each weight has had."""
    cdef int c
    cdef double w, new
    for c in range(k):
        w = V[j, c] * scale
        if w > 0:
            new = w - (u + q[j, c])
            if new < 0:
                new = 0.0
        elif w < 0:
            new = w + (u - q[j, c])
            if new > 0:
                new = 0.0
        else:
            new = w
        q[j, c] += new - w
        V[j, c] = new / scale


def run_batches(Weights w, StepOptions o, const double[::1] data, const int[::1] indices,
                const long long[::1] indptr, const long long[::1] order, const long long[::1] y,
                const double[::1] sw, const double[::1] etas, long long first_step, long long start, long long stop,
                double[:, ::1] S, double[:, ::1] G):
    """SGD steps on the examples order[start:stop], batch by batch.

    Parameters
    ----------
    w : the weights, changed in place
    o : the step's options
    data, indices, indptr : the CSR arrays of X (n, d)
    order : (n,) the examples' order; y : (n,) class indices; sw : (n,) example weights
    etas : etas[t - first_step] is step t's learning rate
    start, stop : the run of ``order`` to step over
    S, G : (batch_size, k) scratch for the batch's scores and gradients

    Returns
    -------
    (next position in ``order``, sum of weighted losses, number of examples predicted right before their step,
    status): status 0 (done), 1 (the scale needs folding in: call again after SgdState.fold) or 2 (a non-finite
    loss).

    ``o.adagrad`` (batch_size 1): each weight's step is eta g / sqrt(H) with H its running sum of squared
    gradients g (H and Hb, for W and b), as Duchi et al. and Vowpal Wabbit's --adaptive.
    ``o.normalized`` (with adagrad): Ross, Mineiro & Langford's normalized adaptive gradient, Vowpal Wabbit's
    default (--adaptive --normalized). Feature j's scale s_j = xscale[j] is the largest |x_j| seen; when a
    larger one arrives, row j shrinks by s_j / |x_j| (as if the feature had always been on the new scale).
    Each step is eta sqrt(T / N) g / (sqrt(H) s_j), N summing sum_j (x_j / s_j)² (+ 1 for the intercept)
    over the examples so far and T their weights: the rate does not depend on how each feature is scaled nor
    on how many features an example has.
    """
    cdef double[:, ::1] V = w.V, A = w.A, q = w.q, H = w.H
    cdef double[::1] b = w.b, mark = w.mark, b_sum = w.b_sum, Hb = w.Hb, xscale = w.xscale
    cdef Loss loss = o.loss
    cdef int batch_size = o.batch_size
    cdef double l2 = o.l2, l1 = o.l1
    cdef bint average = o.average, fit_intercept = o.fit_intercept, adagrad = o.adagrad, normalized = o.normalized
    cdef double avg_sum = w.avg_sum, l1_total = w.l1_total, norm_sum = w.norm_sum, weight_sum = w.weight_sum
    cdef long long steps = w.steps
    cdef int k = V.shape[1], c, i, m, best
    cdef long long pos = start, r, p, j, end, correct = 0
    cdef double scale = w.scale, total = 0.0, eta, li, x, factor, g, old, ratio, norm_x, multiplier = 1.0
    cdef double squares = w.squares
    cdef int status = 0, n_moving
    cdef int *moving = <int *> malloc(k * sizeof(int))
    cdef double *acc = <double *> malloc(k * sizeof(double))
    cdef double *row
    if moving == NULL or acc == NULL:
        free(moving)
        free(acc)
        raise MemoryError()
    with nogil:
        while pos < stop:
            end = pos + batch_size
            if end > stop:
                end = stop
            m = <int>(end - pos)
            for i in range(m):  # scores, loss and gradient of every example of the batch first
                r = order[pos + i]
                if l1 > 0:  # catch the rows up on the penalty they missed, so the scores see it
                    for p in range(indptr[r], indptr[r + 1]):
                        apply_l1(V, q, indices[p], k, scale, l1_total)
                for c in range(k):
                    acc[c] = 0.0
                for p in range(indptr[r], indptr[r + 1]):
                    x = data[p]
                    row = &V[indices[p], 0]
                    for c in range(k):
                        acc[c] += x * row[c]
                for c in range(k):
                    S[i, c] = acc[c] * scale + b[c]
                if k == 1:  # progressive accuracy: the prediction before the step
                    correct += (S[i, 0] >= 0) == (y[r] == 1)
                else:
                    best = 0
                    for c in range(1, k):
                        if S[i, c] > S[i, best]:
                            best = c
                    correct += best == y[r]
                li = loss.row(&S[i, 0], &G[i, 0], y[r], k)
                if not isfinite(li) or not isfinite(S[i, 0]):
                    status = 2
                    break
                total += sw[r] * li
                for c in range(k):
                    G[i, c] *= sw[r] / m
            if status == 2:
                break
            eta = etas[steps + 1 - first_step]
            scale *= 1.0 - eta * l2
            factor = eta / scale
            if normalized:  # batch_size 1: rescale the rows of features on a new scale, count the norm
                r = order[pos]
                norm_x = 1.0 if fit_intercept else 0.0
                for p in range(indptr[r], indptr[r + 1]):
                    j = indices[p]
                    x = fabs(data[p])
                    if x > xscale[j]:
                        if xscale[j] > 0:
                            if average:
                                for c in range(k):
                                    A[j, c] += V[j, c] * (avg_sum - mark[j])
                                mark[j] = avg_sum
                            ratio = xscale[j] / x
                            for c in range(k):
                                old = V[j, c]
                                V[j, c] = old * ratio
                                squares += V[j, c] * V[j, c] - old * old
                        xscale[j] = x
                    if x > 0:
                        norm_x += (x / xscale[j]) * (x / xscale[j])
                norm_sum += sw[r] * norm_x
                weight_sum += sw[r]
                multiplier = sqrt(weight_sum / norm_sum) if norm_sum > 0 else 1.0
                factor *= multiplier
            for i in range(m):  # then the step: W <- (1 - eta l2) W - eta X_b^T G
                n_moving = 0  # only the classes whose gradient is not 0 (hinge: few or none)
                for c in range(k):
                    if G[i, c] != 0.0:
                        moving[n_moving] = c
                        n_moving += 1
                if n_moving == 0:  # V does not change; averaging catches these rows up later, exactly
                    continue
                r = order[pos + i]
                for p in range(indptr[r], indptr[r + 1]):
                    j = indices[p]
                    if average:
                        for c in range(k):
                            A[j, c] += V[j, c] * (avg_sum - mark[j])
                        mark[j] = avg_sum
                    for c in moving[:n_moving]:
                        old = V[j, c]
                        if adagrad:
                            g = data[p] * G[i, c]
                            H[j, c] += g * g
                            if H[j, c] > 0:
                                if normalized:
                                    V[j, c] = old - factor * g / (sqrt(H[j, c]) * xscale[j])
                                else:
                                    V[j, c] = old - factor * g / sqrt(H[j, c])
                        else:
                            V[j, c] = old - data[p] * factor * G[i, c]
                        squares += V[j, c] * V[j, c] - old * old
            if fit_intercept:
                for c in range(k):
                    g = 0.0
                    for i in range(m):
                        g += G[i, c]
                    if adagrad:
                        Hb[c] += g * g
                        if Hb[c] > 0:
                            b[c] -= eta * multiplier * g / sqrt(Hb[c])
                    else:
                        b[c] -= eta * g
            if l1 > 0:
                l1_total += eta * l1
                for i in range(m):
                    r = order[pos + i]
                    for p in range(indptr[r], indptr[r + 1]):
                        apply_l1(V, q, indices[p], k, scale, l1_total)
            steps += 1
            if average:
                avg_sum += scale
                for c in range(k):
                    b_sum[c] += b[c]
            pos = end
            if scale < 1e-9:
                status = 1
                break
    free(moving)
    free(acc)
    w.scale, w.squares, w.avg_sum, w.l1_total, w.steps = scale, squares, avg_sum, l1_total, steps
    w.norm_sum, w.weight_sum = norm_sum, weight_sum
    return pos, total, correct, status


def fold_rows(Weights w, const long long[::1] rows, bint average, bint l1):
    """SgdState.fold on the given rows, in place and in one pass: the averaging catch-up A += V (S - mark), the
    L1 clip still owed, then V *= scale (the caller then sets scale to 1, and S to 0 with averaging).

    Parameters
    ----------
    w : the weights, changed in place
    rows : the rows to fold (those some step touched)
    average, l1 : whether the averaging catch-up and the L1 clip apply
    """
    cdef double[:, ::1] V = w.V, A = w.A, q = w.q
    cdef double[::1] mark = w.mark
    cdef Py_ssize_t i, c, k = V.shape[1]
    cdef long long j
    cdef double scale = w.scale, S = w.avg_sum, u = w.l1_total
    with nogil:
        for i in range(rows.shape[0]):
            j = rows[i]
            if average:
                for c in range(k):
                    A[j, c] += V[j, c] * (S - mark[j])
                mark[j] = 0.0
            if l1:
                apply_l1(V, q, j, k, scale, u)
            for c in range(k):
                V[j, c] *= scale


def rows_penalty(const double[:, ::1] W, const long long[::1] rows, double divisor, double l2, double l1):
    """l2/2 sum(w²) + l1 sum(|w|) over the given rows of W / divisor, without copying them.

    Parameters
    ----------
    W : (d, k) weights (or the averaging sums, with ``divisor`` the number of steps)
    rows : the rows that can be non-zero
    divisor, l2, l1 : as in the formula
    """
    cdef Py_ssize_t i, c, k = W.shape[1]
    cdef double w, squares = 0.0, absolute = 0.0
    with nogil:
        for i in range(rows.shape[0]):
            for c in range(k):
                w = W[rows[i], c] / divisor
                squares += w * w
                absolute += fabs(w)
    return 0.5 * l2 * squares + l1 * absolute
