# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Adam on the rows of the first layer a minibatch touches, in place (the network's sparse update)."""

from libc.math cimport sqrt


def adam_rows(double[:, ::1] param, double[:, ::1] m, double[:, ::1] v, const double[:, ::1] grad,
              const long long[::1] rows, double lr, double b1, double b2, double eps, long long t):
    """sgdtext.nn.optimizers.Adam.update on the rows ``rows`` of a 2-D parameter (grad[i] is row rows[i]'s), in
    place.
    lr m̂ / (sqrt(v̂) + eps) computed as (lr sqrt(vc) / mc) m / (sqrt(v) + eps sqrt(vc)): one division.

    Parameters
    ----------
    param, m, v : (d, h) the parameter and Adam's two moment estimates, changed in place
    grad : (len(rows), h) the gradient of the given rows
    rows : the rows of ``param`` the minibatch touched
    lr, b1, b2, eps : Adam's settings; t : the step number (from 1), for the bias correction
    """
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
