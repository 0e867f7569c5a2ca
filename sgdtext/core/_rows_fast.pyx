# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""X @ W for sparse rows without scipy (predict's path). Typed memoryviews only."""


ctypedef fused weight_t:
    float
    double


def csr_matmul(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
               const weight_t[:, ::1] W, double[:, ::1] out):
    """out = X @ W: O(nnz * k), no copies. float32 weights are widened to double as they are read, so ``out`` is
    bit for bit the product with W.astype(float64), without that (d, k) copy.

    Parameters
    ----------
    data, indices, indptr : the CSR arrays of X (n, d)
    W : (d, k) dense weights, float64 or float32
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
