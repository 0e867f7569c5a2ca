"""Checks of the arrays a model file holds, made before any compiled code sees them: kind, shape, values. A file may
have been written by anyone; each check raises ValueError naming the array, what was expected and what it holds."""

import numpy as np

KINDS = {"f": "floating-point", "i": "integer", "u": "unsigned integer"}


def require(arrays, name, kind, shape, *, finite=False, keep_float32=False):
    """The array ``name`` of ``arrays``, checked: numpy kind "f", "i" or "u", the shape (None: any size on that
    axis), finite values when asked. Floating-point arrays come back as float64 (float32 ones as they are with
    ``keep_float32``), integer ones as int64."""
    if name not in arrays:
        raise ValueError(f"array {name!r} is missing")
    array = arrays[name]
    if not isinstance(array, np.ndarray) or array.dtype.kind not in kind:
        raise ValueError(f"array {name!r} must be {KINDS[kind[0]]}; it is {getattr(array, 'dtype', type(array))}")
    if array.ndim != len(shape) or any(want is not None and got != want for got, want in zip(array.shape, shape)):
        expected = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"array {name!r} must have the shape {expected}; it has {array.shape}")
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"array {name!r} holds values that are not finite (NaN or infinity)")
    if array.dtype.kind == "f":
        keep = keep_float32 and array.dtype == np.float32
        return np.ascontiguousarray(array, dtype=np.float32 if keep else np.float64)
    return np.ascontiguousarray(array, dtype=np.int64 if array.dtype.kind == "i" else array.dtype)


def require_labels(classes, minimum=2):
    """The model's classes: a list of at least ``minimum`` distinct strings (a multi-label model may have one)."""
    if not isinstance(classes, list) or len(classes) < minimum or not all(isinstance(c, str) for c in classes) or \
            len(set(classes)) != len(classes):
        raise ValueError(f"classes must be a list of at least {minimum} distinct labels; it is {str(classes)[:80]}")
    return classes
