# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The hot loop of the linear learners: SGD steps over a run of minibatches of a CSR matrix.

Compiled because a step of numpy calls costs ~100 us of interpreter overhead whatever its size, which
capped incremental mode (batch_size 1) at ~7,000 examples/s; this loop does the same arithmetic as the
numpy step it replaced (sgd.SgdState documents the method; tests check it against dense SGD).
Typed memoryviews only: no numpy C-API, so it builds with Cython alone.

State (``state``): [scale, S (sum of scales, averaging), u (L1 penalty so far), t (steps), sum of V²
(kept up to date by every step, so the L2 penalty costs nothing per epoch; L1 clips do not update it)].
W = scale * V. Returns (next example position, sum of weighted losses, number of examples predicted
right before their step, status) where status is 0 (done), 1 (the scale needs folding in: call again
after SgdState.fold) or 2 (a non-finite loss).
"""

from libc.math cimport exp, log, fabs, isfinite, sqrt
from libc.stdlib cimport free, malloc

cdef enum:
    PERCEPTRON = 0
    LOGISTIC = 1
    SOFTMAX = 2
    HINGE = 3
    SQUARED_HINGE = 4
    MODIFIED_HUBER = 5
    SQUARED = 6

LOSSES = {"perceptron": PERCEPTRON, "logistic": LOGISTIC, "softmax": SOFTMAX, "hinge": HINGE,
          "squared_hinge": SQUARED_HINGE, "modified_huber": MODIFIED_HUBER, "linear": SQUARED}


cdef inline double logaddexp0(double z) noexcept nogil:
    """log(1 + e^z), stable."""
    if z > 0:
        return z + log(1.0 + exp(-z))
    return log(1.0 + exp(z))


cdef double loss_grad(int loss, double[:, ::1] S, double[:, ::1] G, int i, long long y, int k) noexcept nogil:
    """Loss of row i of the scores S and its gradient dloss/dscores into row i of G; as models.py."""
    cdef int c, best
    cdef double total = 0.0, s, t, z, m, norm, gap
    if loss == SOFTMAX:
        m = S[i, 0]
        for c in range(1, k):
            if S[i, c] > m:
                m = S[i, c]
        norm = 0.0
        for c in range(k):
            G[i, c] = exp(S[i, c] - m)
            norm += G[i, c]
        for c in range(k):
            G[i, c] /= norm
        G[i, y] -= 1.0
        return log(norm) - (S[i, y] - m)
    if loss == PERCEPTRON and k > 1:  # the multi-class perceptron rule
        best = 0
        for c in range(k):
            G[i, c] = 0.0
            if S[i, c] > S[i, best]:
                best = c
        if best != y:
            G[i, best] = 1.0
            G[i, y] = -1.0
            return 1.0
        return 0.0
    for c in range(k):  # two-class losses, one column per class (one-vs-rest), or the one column
        if k == 1:
            t = 1.0 if y == 1 else -1.0
        else:
            t = 1.0 if y == c else -1.0
        s = S[i, c]
        z = t * s
        if loss == PERCEPTRON:  # the lecture: w·f >= 0 predicts +1; on a mistake w += y* f
            if (s >= 0) != (t > 0):
                G[i, c] = -t
                total += 1.0
            else:
                G[i, c] = 0.0
        elif loss == LOGISTIC:
            total += logaddexp0(-z)
            G[i, c] = (1.0 / (1.0 + exp(-s)) if s >= 0 else exp(s) / (1.0 + exp(s))) - (1.0 if t > 0 else 0.0)
        elif loss == HINGE:
            if z < 1.0:
                total += 1.0 - z
                G[i, c] = -t
            else:
                G[i, c] = 0.0
        elif loss == SQUARED_HINGE:
            gap = 1.0 - z if z < 1.0 else 0.0
            total += gap * gap
            G[i, c] = -2.0 * t * gap
        elif loss == MODIFIED_HUBER:
            if z >= -1.0:
                gap = 1.0 - z if z < 1.0 else 0.0
                total += gap * gap
                G[i, c] = -2.0 * t * gap
            else:
                total += -4.0 * z
                G[i, c] = -4.0 * t
        else:  # SQUARED: the delta rule
            total += 0.5 * (s - t) * (s - t)
            G[i, c] = s - t
    return total


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


def run_batches(double[:, ::1] V, double[::1] b, double[::1] state,
                double[:, ::1] A, double[::1] mark, double[::1] b_sum, double[:, ::1] q,
                const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                const long long[::1] order, const long long[::1] y, const double[::1] sw,
                const double[::1] etas, long long first_step,
                int loss, int batch_size, long long start, long long stop,
                double l2, double l1, bint average, bint fit_intercept,
                double[:, ::1] S, double[:, ::1] G, bint adagrad, double[:, ::1] H, double[::1] Hb,
                bint normalized, double[::1] xscale):
    """SGD steps on the examples order[start:stop], batch by batch; etas[t - first_step] is step t's rate.

    ``adagrad`` (batch_size 1): each weight's step is eta g / sqrt(H) with H its running sum of squared
    gradients g (H and Hb, for W and b), as Duchi et al. and Vowpal Wabbit's --adaptive.
    ``normalized`` (with adagrad): Ross, Mineiro & Langford's normalized adaptive gradient, Vowpal Wabbit's
    default (--adaptive --normalized). Feature j's scale s_j = xscale[j] is the largest |x_j| seen; when a
    larger one arrives, row j shrinks by s_j / |x_j| (as if the feature had always been on the new scale).
    Each step is eta sqrt(T / N) g / (sqrt(H) s_j), N summing sum_j (x_j / s_j)² (+ 1 for the intercept)
    over the examples so far (state[5]) and T their weights (state[6]): the rate does not depend on how
    each feature is scaled nor on how many features an example has."""
    cdef int k = V.shape[1], c, i, m, best
    cdef long long pos = start, r, p, j, end, correct = 0
    cdef double scale = state[0], total = 0.0, eta, li, x, factor, g, old, ratio, norm_x, multiplier = 1.0
    cdef double squares = state[4]  # sum of V² kept up to date (exact for W = scale V without L1)
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
                        apply_l1(V, q, indices[p], k, scale, state[2])
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
                li = loss_grad(loss, S, G, i, y[r], k)
                if not isfinite(li) or not isfinite(S[i, 0]):
                    status = 2
                    break
                total += sw[r] * li
                for c in range(k):
                    G[i, c] *= sw[r] / m
            if status == 2:
                break
            eta = etas[<long long>state[3] + 1 - first_step]
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
                                    A[j, c] += V[j, c] * (state[1] - mark[j])
                                mark[j] = state[1]
                            ratio = xscale[j] / x
                            for c in range(k):
                                old = V[j, c]
                                V[j, c] = old * ratio
                                squares += V[j, c] * V[j, c] - old * old
                        xscale[j] = x
                    if x > 0:
                        norm_x += (x / xscale[j]) * (x / xscale[j])
                state[5] += sw[r] * norm_x
                state[6] += sw[r]
                multiplier = sqrt(state[6] / state[5]) if state[5] > 0 else 1.0
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
                            A[j, c] += V[j, c] * (state[1] - mark[j])
                        mark[j] = state[1]
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
                state[2] += eta * l1
                for i in range(m):
                    r = order[pos + i]
                    for p in range(indptr[r], indptr[r + 1]):
                        apply_l1(V, q, indices[p], k, scale, state[2])
            state[3] += 1
            if average:
                state[1] += scale
                for c in range(k):
                    b_sum[c] += b[c]
            pos = end
            if scale < 1e-9:
                status = 1
                break
    free(moving)
    free(acc)
    state[0] = scale
    state[4] = squares
    return pos, total, correct, status


def csr_matmul(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
               const double[:, ::1] W, double[:, ::1] out):
    """out = X @ W for the CSR matrix X (data, indices, indptr) and a dense W (d, k): O(nnz * k), no copies."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, k = W.shape[1], i, c
    cdef long long p
    cdef double x
    with nogil:
        for i in range(n):
            for c in range(k):
                out[i, c] = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                x = data[p]
                for c in range(k):
                    out[i, c] += x * W[indices[p], c]



def fold_rows(double[:, ::1] V, double[:, ::1] A, double[::1] mark, double[:, ::1] q,
              const long long[::1] rows, double[::1] state, bint average, bint l1):
    """SgdState.fold on the given rows, in place and in one pass: the averaging catch-up
    A += V (S - mark), the L1 clip still owed, then V *= scale (the caller resets scale and S)."""
    cdef Py_ssize_t i, c, k = V.shape[1]
    cdef long long j
    cdef double scale = state[0], S = state[1], u = state[2]
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
    """l2/2 sum(w²) + l1 sum(|w|) over the given rows of W / divisor, without copying them."""
    cdef Py_ssize_t i, c, k = W.shape[1]
    cdef double w, squares = 0.0, absolute = 0.0
    with nogil:
        for i in range(rows.shape[0]):
            for c in range(k):
                w = W[rows[i], c] / divisor
                squares += w * w
                absolute += fabs(w)
    return 0.5 * l2 * squares + l1 * absolute


def adam_rows(double[:, ::1] param, double[:, ::1] m, double[:, ::1] v, const double[:, ::1] grad,
              const long long[::1] rows, double lr, double b1, double b2, double eps, long long t):
    """optim.Adam.update on the rows ``rows`` of a 2-D parameter (grad[i] is row rows[i]'s), in place.
    lr m̂ / (sqrt(v̂) + eps) computed as (lr sqrt(vc) / mc) m / (sqrt(v) + eps sqrt(vc)): one division."""
    cdef Py_ssize_t i, c, k = param.shape[1]
    cdef long long r
    cdef double g, mc = 1.0 - b1 ** t, vc = 1.0 - b2 ** t
    cdef double step = lr * sqrt(vc) / mc, eps_hat = eps * sqrt(vc)
    with nogil:
        for i in range(rows.shape[0]):
            r = rows[i]
            for c in range(k):
                g = grad[i, c]
                m[r, c] = b1 * m[r, c] + (1.0 - b1) * g
                v[r, c] = b2 * v[r, c] + (1.0 - b2) * g * g
                param[r, c] -= step * m[r, c] / (sqrt(v[r, c]) + eps_hat)
