# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled loops over sparse rows without scipy: X @ W (predict's path), keeping some columns (the fit's pruning),
and weighting in place (row sums, scaling rows and columns): no temporary the size of X. Typed memoryviews only."""

import numpy as np


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


def keep_columns(const double[::1] data, const int[::1] indices, const long long[::1] indptr,
                 const long long[::1] remap):
    """The entries of X whose column c has remap[c] >= 0, renumbered to remap[c], in order: (data, indices,
    indptr) as new arrays of exactly the kept size, with no temporary the size of X.

    Parameters
    ----------
    data, indices, indptr : the CSR arrays of X (n, d), every index in [0, d)
    remap : (d,) each column's new number, or -1 to drop it
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, i, kept = 0
    cdef long long p
    for p in range(indptr[n]):
        if remap[indices[p]] >= 0:
            kept += 1
    new_data = np.empty(kept, dtype=np.float64)
    new_indices = np.empty(kept, dtype=np.int32)
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    cdef double[::1] out_data = new_data
    cdef int[::1] out_indices = new_indices
    cdef long long[::1] out_indptr = new_indptr
    cdef long long column
    kept = 0
    with nogil:
        for i in range(n):
            for p in range(indptr[i], indptr[i + 1]):
                column = remap[indices[p]]
                if column >= 0:
                    out_data[kept] = data[p]
                    out_indices[kept] = <int> column
                    kept += 1
            out_indptr[i + 1] = kept
    return new_data, new_indices, new_indptr


def row_sums(const double[::1] data, const long long[::1] indptr, bint squares):
    """Each row's sum of |x| (or of x² when ``squares``), its entries added in order: (n,) float64."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, i
    cdef long long p
    out = np.zeros(n)
    cdef double[::1] sums = out
    with nogil:
        for i in range(n):
            for p in range(indptr[i], indptr[i + 1]):
                sums[i] += data[p] * data[p] if squares else (data[p] if data[p] >= 0 else -data[p])
    return out


def divide_rows(double[::1] data, const long long[::1] indptr, const double[::1] sizes):
    """data of row i /= sizes[i], in place."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, i
    cdef long long p
    with nogil:
        for i in range(n):
            for p in range(indptr[i], indptr[i + 1]):
                data[p] = data[p] / sizes[i]


def multiply_columns(double[::1] data, const int[::1] indices, const double[::1] factors):
    """data[p] *= factors[indices[p]], in place (every index in [0, len(factors)))."""
    cdef Py_ssize_t p
    with nogil:
        for p in range(data.shape[0]):
            data[p] = data[p] * factors[indices[p]]

