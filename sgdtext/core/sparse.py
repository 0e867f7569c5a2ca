"""Sparse rows as plain arrays (CSR without scipy, so that predict never imports it) and their helpers."""

from typing import NamedTuple

import numpy as np


class SparseRows(NamedTuple):
    """A CSR matrix as plain arrays, shape (n_rows, n_cols); ``to_scipy`` when scipy is wanted."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple

    def to_scipy(self):
        import scipy.sparse

        return scipy.sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def __matmul__(self, W):
        return rows_times(self, W)


THREADED_ENTRIES = 1_000_000  # rows_times: a matrix with fewer stored entries is multiplied in the calling thread


def rows_times(X, W):
    """``X @ W`` for X in CSR (SparseRows or scipy's csr) and a dense W of shape (n_cols, k), float64 or float32
    (widened as read, no copy of W): O(nnz * k), compiled (no scipy), bit for bit scipy's product, a float64 result
    either way; the rows split over a thread per core when X holds at least THREADED_ENTRIES entries."""
    from sgdtext.core import parallel
    from sgdtext.core._rows_fast import csr_matmul

    n_rows, n_cols = X.shape
    if n_cols != W.shape[0]:
        raise ValueError(f"a matrix of {n_cols} columns times weights of {W.shape[0]} rows")
    data, indices = X.data.astype(np.float64, copy=False), X.indices.astype(np.int32, copy=False)
    indptr = X.indptr.astype(np.int64, copy=False)
    if len(indices) and not 0 <= indices.min() <= indices.max() < n_cols:
        raise ValueError(f"a matrix of {n_cols} columns holds a column index out of that range")
    W = np.ascontiguousarray(W, dtype=np.float32 if W.dtype == np.float32 else np.float64)
    out = np.empty((n_rows, W.shape[1]))
    threads = parallel.n_workers(None) if indptr[-1] >= THREADED_ENTRIES else 1
    if threads == 1 or n_rows < 2:
        csr_matmul(data, indices, indptr, W, out)
        return out
    bounds = np.searchsorted(indptr, np.linspace(0, indptr[-1], threads + 1)).tolist()  # about equal entries
    bounds[0], bounds[-1] = 0, n_rows
    parallel.on_threads(lambda a, b: csr_matmul(data, indices, indptr[a:b + 1], W, out[a:b]),
                        list(zip(bounds[:-1], bounds[1:])))
    return out


def stack_rows(parts, n_rows, n_cols):
    """Stack SparseRows blocks vertically (in order) into one."""
    if len(parts) == 1:
        return parts[0]._replace(shape=(n_rows, n_cols))
    offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
    indptr = np.concatenate([[0]] + [p.indptr[1:] + off for p, off in zip(parts, offsets)])
    return SparseRows(np.concatenate([p.data for p in parts]), np.concatenate([p.indices for p in parts]),
                      indptr.astype(np.int64), (n_rows, n_cols))


def filter_columns(counts, remap, n_cols):
    """Keep the columns whose ``remap`` is >= 0, renumbered to it (compiled: no temporary the size of counts)."""
    from sgdtext.core._rows_fast import keep_columns

    if len(remap) != counts.shape[1] or (len(counts.indices) and not 0 <= counts.indices.min() <= counts.indices.max()
                                         < len(remap)):
        raise ValueError(f"filter_columns: {len(remap)} columns remapped for a matrix of {counts.shape[1]}")
    data, indices, indptr = keep_columns(counts.data.astype(np.float64, copy=False),
                                         counts.indices.astype(np.int32, copy=False),
                                         counts.indptr.astype(np.int64, copy=False), np.asarray(remap, dtype=np.int64))
    return SparseRows(data, indices, indptr, (counts.shape[0], n_cols))


def select_entries(counts, kept, indices):
    """The entries where ``kept`` is true, with their column numbers taken from ``indices``."""
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[kept]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=counts.shape[0]))])
    return SparseRows(counts.data[kept], indices[kept].astype(np.int32), indptr.astype(np.int64), counts.shape)


def hstack_dense(counts, values, n_rows):
    """Append the dense columns ``values`` (n_rows, m) to the sparse ``counts`` (or to nothing)."""
    m = values.shape[1]
    if counts is None:
        counts = SparseRows(np.zeros(0), np.zeros(0, np.int32), np.zeros(n_rows + 1, np.int64), (n_rows, 0))
    offset = counts.shape[1]
    per_row = np.diff(counts.indptr)
    nz = values != 0
    extra_per_row = nz.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(per_row + extra_per_row)]).astype(np.int64)
    data = np.empty(indptr[-1])
    indices = np.empty(indptr[-1], dtype=np.int32)
    rows_old = np.repeat(np.arange(n_rows), per_row)
    pos_old = indptr[rows_old] + (np.arange(len(counts.data)) - counts.indptr[rows_old])
    data[pos_old], indices[pos_old] = counts.data, counts.indices
    r, c = np.nonzero(nz)
    pos_new = indptr[r] + per_row[r] + (np.cumsum(nz, axis=1)[r, c] - 1)
    data[pos_new], indices[pos_new] = values[r, c], offset + c
    return SparseRows(data, indices, indptr, (n_rows, offset + m))


def pack_strings(name, strings):
    """Strings as one UTF-8 byte blob plus offsets: no fixed-width or object arrays, no pickle."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    return {f"{name}_blob": np.frombuffer(b"".join(encoded), dtype=np.uint8), f"{name}_offsets": offsets}


def unpack_strings(name, arrays):
    blob = arrays[f"{name}_blob"].tobytes()
    offsets = arrays[f"{name}_offsets"].tolist()
    return [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]


def sum_cells(rows, columns, values, n_rows, n_cols):
    """CSR from (row, column, value) triples, values of the same cell summed and zero sums dropped."""
    cells, inverse = np.unique(rows.astype(np.int64) * n_cols + columns, return_inverse=True)
    summed = np.bincount(inverse, weights=values, minlength=len(cells))
    keep = summed != 0
    cells, summed = cells[keep], summed[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(cells // n_cols, minlength=n_rows))]).astype(np.int64)
    return SparseRows(summed, (cells % n_cols).astype(np.int32), indptr, (n_rows, n_cols))
