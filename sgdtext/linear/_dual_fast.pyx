# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Dual coordinate descent for the L2-penalised hinge, squared hinge, squared and logistic losses, a class at a time.

The solver of LIBLINEAR (Hsieh, Chang, Lin, Keerthi & Sundararajan, ICML 2008, "A dual coordinate descent
method for large-scale linear SVM"; solve_l2r_l1l2_svc), which is stochastic dual coordinate ascent
(Shalev-Shwartz & Zhang 2013) with an exact step per coordinate. For one binary problem with labels
t_i = +-1 it solves

    min_w  1/2 ||w||² + sum_i C_i loss(t_i w·x_i)       (hinge: max(0, 1 - z); squared hinge: max(0, 1 - z)²)

through its dual: a variable alpha_i per example, w = w0 + sum_i alpha_i t_i x_i. A step picks an example,
G = t_i w·x_i - 1 + D_i alpha_i (D_i = 0 for the hinge, 1 / (2 C_i) for the squared hinge), moves alpha_i to
the exact minimiser clip(alpha_i - G / Q_i, 0, U_i) (Q_i = ||x_i||² + D_i; U_i = C_i for the hinge, no bound
for the squared hinge) and adds the change times t_i x_i to w: O(nnz(x_i)), like an SGD step, with the
step size the dual gives. Examples visited in a random order each pass; LIBLINEAR's shrinking drops the
examples whose alpha sits at a bound and should stay there, and the run has converged when the projected
gradients span at most ``eps`` over a pass of all examples. The intercept, when there is one, is the weight
of a constant feature 1 (LIBLINEAR's bias, penalised like the others).

Typed memoryviews only; the loop runs without the GIL, so the classes of a one-vs-rest model train on
separate threads (dual.py), each with its own seeded generator: the same weights whatever the threads.
"""

from libc.math cimport fabs, log, INFINITY
from libc.stdlib cimport calloc, free
from libc.string cimport memmove


cdef struct Progress:
    long long active  # examples still in play this pass (the others are shrunk)
    long long in_play  # examples that can move w at all
    long long steps  # coordinate steps so far
    int converged
    unsigned long long random_state  # of the shuffles
    double pg_max_old, pg_min_old  # the projected gradients' span on the last pass (shrinking's thresholds)
    double inner_eps  # logistic: the Newton steps' tolerance
    double violation  # the last pass's stopping measure (converged when it is at most the tolerance)


cdef class ClassProgress:
    """One class's solver state between calls (a Progress a caller can read and keep)."""

    cdef public long long active, in_play, steps
    cdef public bint converged
    cdef public unsigned long long random_state
    cdef public double pg_max_old, pg_min_old, inner_eps, violation

    def __init__(self, long long in_play, unsigned long long random_state):
        self.active = self.in_play = in_play
        self.random_state = random_state
        self.steps, self.converged = 0, False
        self.pg_max_old, self.pg_min_old, self.inner_eps = INFINITY, -INFINITY, 1e-2
        self.violation = INFINITY

    cdef Progress unpack(self):
        cdef Progress p
        p.active, p.in_play, p.steps, p.converged = self.active, self.in_play, self.steps, self.converged
        p.random_state, p.pg_max_old, p.pg_min_old, p.inner_eps = (self.random_state, self.pg_max_old,
                                                                  self.pg_min_old, self.inner_eps)
        p.violation = self.violation
        return p

    cdef void pack(self, Progress p):
        self.active, self.in_play, self.steps, self.converged = p.active, p.in_play, p.steps, p.converged
        self.random_state, self.pg_max_old, self.pg_min_old, self.inner_eps = (p.random_state, p.pg_max_old,
                                                                              p.pg_min_old, p.inner_eps)
        self.violation = p.violation


cdef inline unsigned long long next_random(unsigned long long *s) noexcept nogil:
    """xorshift64* (Vigna 2016): the shuffles' generator, seeded per class by the caller's Generator."""
    cdef unsigned long long x = s[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    s[0] = x
    return x * 2685821657736338717ULL


cdef inline void shuffle(long long[::1] index, long long n, unsigned long long *state) noexcept nogil:
    """A uniformly random order of index[:n] (Fisher-Yates, from the front)."""
    cdef long long s, j, tmp
    for s in range(n):
        j = s + <long long>(next_random(state) % <unsigned long long>(n - s))
        tmp = index[s]
        index[s] = index[j]
        index[j] = tmp


cdef inline double row_dot(const double[::1] w, const double[::1] data, const int[::1] indices,
                           const long long[::1] indptr, long long i, const double[::1] scale, int scaled,
                           int bias) noexcept nogil:
    """(scale * w)·x_i, + w's last entry (the intercept) when ``bias``."""
    cdef long long p
    cdef double total = 0.0
    if scaled:
        for p in range(indptr[i], indptr[i + 1]):
            total += data[p] * scale[indices[p]] * w[indices[p]]
    else:
        for p in range(indptr[i], indptr[i + 1]):
            total += data[p] * w[indices[p]]
    if bias:
        total += w[w.shape[0] - 1]
    return total


cdef inline void row_add(double[::1] w, double step, const double[::1] data, const int[::1] indices,
                         const long long[::1] indptr, long long i, const double[::1] scale, int scaled,
                         int bias) noexcept nogil:
    """w += step * (scale * x_i), and the intercept += step when ``bias``."""
    cdef long long p
    if scaled:
        for p in range(indptr[i], indptr[i + 1]):
            w[indices[p]] += step * data[p] * scale[indices[p]]
    else:
        for p in range(indptr[i], indptr[i + 1]):
            w[indices[p]] += step * data[p]
    if bias:
        w[w.shape[0] - 1] += step


cdef int passes(double[::1] w, const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                const double[::1] t, const double[::1] upper, const double[::1] diag, const double[::1] QD,
                double[::1] alpha, long long[::1] index, Progress *progress,
                int bias, double eps, int count, const double[::1] scale, double[::1] margins,
                int free) noexcept nogil:
    """``count`` passes of dual coordinate descent on one class (state in alpha, index and progress).

    ``free``: alpha has no bounds (the squared loss 1/2 (1 - t w·x)², the linear unit's: ridge regression on
    +-1 targets, D_i = 1 / C_i); every gradient then counts and nothing is shrunk.

    ``scale`` (empty: none): this class sees feature j as scale[j] x_j (training.nb_scale); QD then holds
    ||scale * x_i||² + D_i. margins[i] gets t_i w·x_i of each example visited, before its step (the
    progressive figures of the epoch records).

    ``progress`` carries the state from one call to the next (shrinking, the generator, the step count).
    Returns 1 when converged (the projected gradients span <= eps over a pass of every example)."""
    cdef long long active = progress.active, l = progress.in_play, s, i
    cdef double PGmax_old = progress.pg_max_old, PGmin_old = progress.pg_min_old, PGmax_new, PGmin_new
    cdef double G, PG, ti, a_old, Ci
    cdef unsigned long long state = progress.random_state
    cdef int done = 0, it, scaled = scale.shape[0] > 0
    for it in range(count):
        PGmax_new, PGmin_new = -INFINITY, INFINITY
        shuffle(index, active, &state)  # a random order of the active examples
        s = 0
        while s < active:
            i = index[s]
            ti = t[i]
            progress.steps += 1
            G = row_dot(w, data, indices, indptr, i, scale, scaled, bias)
            margins[i] = ti * G
            G = ti * G - 1.0 + alpha[i] * diag[i]
            Ci = upper[i]
            PG = 0.0
            if free:
                PG = G
            elif alpha[i] == 0.0:
                if G > PGmax_old:  # at the lower bound and pushing out of it: shrink
                    active -= 1
                    index[s] = index[active]
                    index[active] = i
                    continue
                elif G < 0.0:
                    PG = G
            elif alpha[i] == Ci:
                if G < PGmin_old:  # at the upper bound (hinge) and pushing out of it: shrink
                    active -= 1
                    index[s] = index[active]
                    index[active] = i
                    continue
                elif G > 0.0:
                    PG = G
            else:
                PG = G
            if PG > PGmax_new:
                PGmax_new = PG
            if PG < PGmin_new:
                PGmin_new = PG
            if fabs(PG) > 1.0e-12:
                a_old = alpha[i]
                alpha[i] = a_old - G / QD[i]
                if free:
                    pass
                elif alpha[i] < 0.0:
                    alpha[i] = 0.0
                elif alpha[i] > Ci:
                    alpha[i] = Ci
                row_add(w, (alpha[i] - a_old) * ti, data, indices, indptr, i, scale, scaled, bias)
            s += 1
        progress.violation = PGmax_new - PGmin_new
        if PGmax_new - PGmin_new <= eps:
            if active == l:
                done = 1
                break
            active = l  # converged on the active examples: check every example once more
            PGmax_old, PGmin_old = INFINITY, -INFINITY
            continue
        PGmax_old = PGmax_new if PGmax_new > 0.0 else INFINITY
        PGmin_old = PGmin_new if PGmin_new < 0.0 else -INFINITY
    progress.active, progress.converged, progress.random_state = active, done, state
    progress.pg_max_old, progress.pg_min_old = PGmax_old, PGmin_old
    return done


cdef int logistic_passes(double[::1] w, const double[::1] data, const int[::1] indices,
                         const long long[::1] indptr, const double[::1] t, const double[::1] upper,
                         const double[::1] QD, double[::1] alpha, long long[::1] index, Progress *progress,
                         int bias, double eps, int count, const double[::1] scale,
                         double[::1] margins) noexcept nogil:
    """``count`` passes of dual coordinate descent for L2-penalised logistic regression on one class: LIBLINEAR's
    solve_l2r_lr_dual (Yu, Huang & Lin, "Dual coordinate descent methods for logistic regression and maximum
    entropy models", Machine Learning 2011). The dual has alpha_i in (0, C_i) with the entropy term
    alpha log alpha + (C - alpha) log(C - alpha); each step minimises it along one alpha_i (or its complement
    C_i - alpha_i, whichever is the smaller side) by a few Newton steps to ``progress.inner_eps`` (the inner tolerance,
    tightened while the steps are cheap). Converged when the largest |gradient| of a pass is below ``eps``.
    QD holds ||x_i||² (with the scales, + 1 for the intercept); alpha starts inside (0, C) and w agrees with it."""
    cdef long long l = progress.in_play, s, i, newton
    cdef double innereps = progress.inner_eps, innereps_min = eps if eps < 1e-8 else 1e-8
    cdef double ti, C, a, b, z, old, gp, gpp, trial, Gmax, score
    cdef unsigned long long state = progress.random_state
    cdef int done = 0, it, inner, scaled = scale.shape[0] > 0, sign
    for it in range(count):
        shuffle(index, l, &state)
        newton = 0
        Gmax = 0.0
        for s in range(l):
            i = index[s]
            ti = t[i]
            C = upper[i]
            progress.steps += 1
            score = row_dot(w, data, indices, indptr, i, scale, scaled, bias)
            margins[i] = ti * score
            a = QD[i]
            b = ti * score
            sign = 1
            old = alpha[i]
            if 0.5 * a * ((C - alpha[i]) - alpha[i]) + b < 0:  # work on the complement C - alpha_i
                sign = -1
                old = C - alpha[i]
            z = old
            if C - z < 0.5 * C:
                z = 0.1 * z
            gp = a * (z - old) + sign * b + log(z / (C - z))
            if fabs(gp) > Gmax:
                Gmax = fabs(gp)
            inner = 0
            while inner <= 100:  # Newton on g(z) = z log z + (C - z) log(C - z) + a/2 (z - old)² + sign b (z - old)
                if fabs(gp) < innereps:
                    break
                gpp = a + C / (C - z) / z
                trial = z - gp / gpp
                if trial <= 0:
                    z *= 0.1
                elif trial >= C:  # (LIBLINEAR's choice of side keeps the step inside; guard it anyway)
                    z = 0.5 * (z + C)
                else:
                    z = trial
                gp = a * (z - old) + sign * b + log(z / (C - z))
                newton += 1
                inner += 1
            if inner > 0:
                alpha[i] = z if sign == 1 else C - z
                row_add(w, sign * (z - old) * ti, data, indices, indptr, i, scale, scaled, bias)
        progress.violation = Gmax
        if Gmax < eps:
            done = 1
            break
        if newton <= l / 10:
            innereps = innereps * 0.1 if innereps * 0.1 > innereps_min else innereps_min
    progress.converged, progress.random_state = done, state
    progress.inner_eps = innereps
    return done


def run_logistic_passes(double[::1] w, const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                        const double[::1] t, const double[::1] upper, const double[::1] QD, double[::1] alpha,
                        long long[::1] index, ClassProgress progress, bint bias, double eps, int count,
                        const double[::1] scale, double[::1] margins):
    """``count`` passes of ``logistic_passes`` on one class, without the GIL (one thread per class).

    Parameters
    ----------
    w : (d + bias,) the class's weights, the intercept last
    data, indices, indptr : the CSR arrays of X (n, d)
    t : (n,) +-1 targets; upper : (n,) C_i; QD : (n,) ||x_i||² (scaled, + 1 with bias); alpha : (n,) dual variables
    index : (n,) the examples' order (the first ``progress.in_play`` are in play)
    progress : the class's state between calls
    eps : the stopping tolerance; scale : (d,) NB scaling or empty; margins : (n,) written, t_i w·x_i
    """
    cdef Progress p = progress.unpack()
    cdef int done
    with nogil:
        done = logistic_passes(w, data, indices, indptr, t, upper, QD, alpha, index, &p, bias, eps, count, scale,
                               margins)
    progress.pack(p)
    return done


def run_passes(double[::1] w, const double[::1] data, const int[::1] indices, const long long[::1] indptr,
               const double[::1] t, const double[::1] upper, const double[::1] diag, const double[::1] QD,
               double[::1] alpha, long long[::1] index, ClassProgress progress, bint bias, double eps, int count,
               const double[::1] scale, double[::1] margins, bint free):
    """``count`` passes of ``passes`` (hinge, squared hinge, squared loss) on one class, without the GIL.

    Parameters as run_logistic_passes, and diag : (n,) D_i; free : alpha has no bounds (the squared loss).
    """
    cdef Progress p = progress.unpack()
    cdef int done
    with nogil:
        done = passes(w, data, indices, indptr, t, upper, diag, QD, alpha, index, &p, bias, eps, count, scale,
                      margins, free)
    progress.pack(p)
    return done


def class_scores(const double[::1] w, const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                 bint bias, double[::1] out, const double[::1] scale):
    """out[i] = (scale * w)·x_i (+ w's last entry, the intercept, when ``bias``; an empty ``scale`` is none) for
    every row of the CSR matrix, one class, without the GIL: the classes' scores are computed on separate
    threads, in their own rows of a (k, n) array.

    Parameters
    ----------
    w : (d + bias,) one class's weights, the intercept last
    data, indices, indptr : the CSR arrays of X (n, d)
    bias : whether w ends with an intercept
    out : (n,) written
    scale : (d,) the class's NB scaling, or empty
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, i
    cdef int scaled = scale.shape[0] > 0
    with nogil:
        for i in range(n):
            out[i] = row_dot(w, data, indices, indptr, i, scale, scaled, bias)


def class_document_counts(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                          const long long[::1] y, const double[::1] weights, double[:, ::1] out):
    """out[y_i, j] += weights[i] for every row i and every feature j with x_ij != 0, rows in order: the weighted
    number of documents of each class holding each feature (NB-SVM's counts), with no array the size of X.

    Parameters
    ----------
    data, indices, indptr : the CSR arrays of X (n, d), every index in [0, d)
    y : (n,) each row's class, in [0, out.shape[0])
    weights : (n,) each row's weight
    out : (classes, d), added to
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, i
    cdef long long p
    with nogil:
        for i in range(n):
            for p in range(indptr[i], indptr[i + 1]):
                if data[p] != 0:
                    out[y[i], indices[p]] += weights[i]


def squared_norms(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                  const double[::1] scale, double[::1] out):
    """out[i] = ||scale * x_i||², the sum of x_ij² scale_j scale_j (an empty ``scale`` is none) over the row's
    entries in order: the dual's Q_ii, with no array the size of X.

    Parameters
    ----------
    data, indices, indptr : the CSR arrays of X (n, d), every index in [0, d)
    scale : (d,) a class's NB scaling, or empty
    out : (n,) written
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, i
    cdef long long p
    cdef double total, x_squared
    cdef int scaled = scale.shape[0] > 0
    with nogil:
        for i in range(n):
            total = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                x_squared = data[p] * data[p]
                if scaled:
                    total += x_squared * scale[indices[p]] * scale[indices[p]]
                else:
                    total += x_squared * 1.0
            out[i] = total


def to_feature_major(double[:, ::1] Wt, Py_ssize_t d):
    """Rewrite the class-major weights Wt (k, d + extra) in their own memory as the feature-major (d, k) matrix of
    their first d columns, in C order in the first d * k entries of Wt's buffer: the model's W without a second copy
    (the extra columns, the intercept, are overwritten; read them first). Follows the cycles of the transposition,
    a bit per entry to mark the ones placed.
    """
    cdef Py_ssize_t k = Wt.shape[0], width = Wt.shape[1], n, c, start, i, j
    cdef double *a = &Wt[0, 0]
    cdef double value, moved
    cdef unsigned char *placed
    if d > width:
        raise ValueError(f"to_feature_major: {d} columns of {width}")
    n = k * d
    for c in range(1, k):  # drop the extra columns: class c's d weights move to a[c * d]
        memmove(a + c * d, a + c * width, d * sizeof(double))
    placed = <unsigned char *> calloc(n // 8 + 1, 1)
    if placed == NULL:
        raise MemoryError()
    with nogil:
        for start in range(n):
            if placed[start >> 3] & (1 << (start & 7)):
                continue
            i, value = start, a[start]
            while True:  # the entry at i (class i // d, feature i % d) belongs at (i % d) * k + i // d
                j = (i % d) * k + i // d
                moved = a[j]
                a[j] = value
                placed[j >> 3] |= <unsigned char> (1 << (j & 7))
                value, i = moved, j
                if j == start:
                    break
    free(placed)
