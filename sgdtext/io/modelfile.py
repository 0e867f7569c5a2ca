"""The model file's container: an ``.npz`` of plain arrays plus one JSON metadata string (``metadata``), never a
pickle. The metadata holds ``format_version``; what the arrays and the rest of the metadata mean is the model's and
the featuriser's business (sgdtext.models). Loading uses ``allow_pickle=False`` after checking the file is a zip
archive: a file holding an object array is refused, no code runs.
"""

import dataclasses
import json
import os
import tokenize
import zipfile

import numpy as np

from sgdtext import __version__
from sgdtext.errors import ModelFileError
from sgdtext.io.files import atomic_writer

FORMAT_VERSION = 1
MAX_DEPTH = 32  # nesting of the metadata JSON


def check_sizes(path):
    """Refuse compressed members before anything is decompressed: sgdtext stores its arrays uncompressed
    (np.savez), so an array can take no more memory than its share of the file (no zip bomb)."""
    size = os.path.getsize(path)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or info.file_size > size:
                raise ModelFileError(f"{path}: member {info.filename[:60]!r} is compressed or declares "
                                     f"{info.file_size:,} bytes in a file of {size:,}; sgdtext writes its arrays "
                                     f"uncompressed, so this is not a model it wrote; retrain it with `sgdtext train`")


def depth(value, level=1):
    """How deep containers nest in JSON data (iteratively: a crafted file may nest very deep)."""
    deepest, stack = 0, [(value, level)]
    while stack:
        item, at = stack.pop()
        deepest = max(deepest, at)
        if at > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, at + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, at + 1) for v in item)
    return deepest


def write_model_file(path, arrays, meta):
    """Write the arrays and the metadata (with the format version; typed config sections as their mappings)
    atomically."""
    meta = {"format_version": FORMAT_VERSION, **meta}
    text = json.dumps(meta, default=plain_data)
    with atomic_writer(path, "wb") as handle:
        np.savez(handle, metadata=np.array(text), **arrays)


def plain_data(value):
    """JSON's fallback: a dataclass (a typed config section) as its mapping."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not plain data")


def read_model_file(path):
    """Return (arrays, metadata) of a model file, or raise ModelFileError; its format version is checked."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic != b"PK\x03\x04":  # anything but a zip would reach numpy's pickle branch
            raise ModelFileError(f"{path}: not a model file (not an .npz archive); give the model.npz "
                                 f"that `sgdtext train` wrote")
        check_sizes(path)
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file; train one with `sgdtext train CONFIG`") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise ModelFileError(f"{path}: holds pickled objects, which sgdtext never loads (they can run code); "
                                 f"use a model file written by `sgdtext train`") from None
        raise ModelFileError(f"{path}: not a readable model file ({exc}); retrain it with `sgdtext train`") from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ModelFileError(f"{path}: not a readable model file (truncated or not an .npz: {exc}); "
                             f"retrain it with `sgdtext train`") from None
    except (SyntaxError, tokenize.TokenError):  # numpy parses an array's header as a Python literal
        raise ModelFileError(f"{path}: not a readable model file (an array's header is not numpy's); retrain it "
                             f"with `sgdtext train`") from None
    try:
        meta = json.loads(str(arrays.pop("metadata")))
        version = meta["format_version"]
    except (KeyError, ValueError, TypeError, RecursionError):
        raise ModelFileError(f"{path}: has no sgdtext metadata; it was not written by `sgdtext train`") from None
    if not isinstance(meta, dict) or depth(meta) > MAX_DEPTH:
        raise ModelFileError(f"{path}: its metadata is not what `sgdtext train` writes; retrain the model")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model format version {version!r}, but this sgdtext "
                             f"({__version__}) reads version {FORMAT_VERSION}; retrain the model with this version")
    return arrays, meta
