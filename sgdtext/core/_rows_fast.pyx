# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""X @ W for sparse rows without scipy (predict's path). Typed memoryviews only."""


def csr_matmul(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
               const double[:, ::1] W, double[:, ::1] out):
    """out = X @ W: O(nnz * k), no copies.

    Parameters
    ----------
    data, indices, indptr : the CSR arrays of X (n, d)
    W : (d, k) dense weights
    out : (n, k), written
    """
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


def csr_matmul_f32(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                   const float[:, ::1] W, double[:, ::1] out):
    """csr_matmul on float32 weights: each weight widened to double as it is read, so ``out`` is bit for bit
    csr_matmul's on W.astype(float64), without that (d, k) copy.

    Parameters
    ----------
    data, indices, indptr : the CSR arrays of X (n, d)
    W : (d, k) dense float32 weights
    out : (n, k), written
    """
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
                    out[i, c] += x * <double> W[indices[p], c]
