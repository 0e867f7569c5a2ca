"""The model file: an ``.npz`` of plain arrays plus one JSON metadata string, never a pickle.

Arrays: W, b (linear) or param_0, param_1, ... (mlp: W_0, b_0, ...), the vocabulary (UTF-8 blob + offsets), idf when tf-idf, and ``metadata`` (JSON):
format_version, sgdtext version, model type, classes, the resolved config, feature state.
Loading uses ``allow_pickle=False``: a file holding an object array is refused, no code runs.
"""

import json
import zipfile

import numpy as np

from sgdtext import __version__
from sgdtext.errors import ModelFileError
from sgdtext.features import Featurizer
from sgdtext.files import atomic_writer
from sgdtext.mlp import Architecture, MLPModel
from sgdtext.models import LinearModel

FORMAT_VERSION = 1


def save_model(path, model, featurizer, config):
    arrays, feature_meta = featurizer.state()
    meta = {
        "format_version": FORMAT_VERSION,
        "sgdtext_version": __version__,
        "model_type": model.model_type,
        "classes": model.classes,
        "feature_names_hashed": featurizer.hashing,
        "features": feature_meta,
        "config": config,
    }
    if isinstance(model, MLPModel):
        meta["multiclass"] = "native"
        meta["architecture"] = vars(model.arch)
        arrays.update({f"param_{i}": p for i, p in enumerate(model.params)})
    else:
        one_vs_rest = model.W.shape[1] > 1 and model.model_type not in ("perceptron", "softmax")
        meta["multiclass"] = "one-vs-rest" if one_vs_rest else "native"
        arrays.update(W=model.W, b=model.b)
        adaptive = model.adaptive
        if adaptive is not None:  # AdaGrad's sums (and feature scales): a warm start resumes its step sizes
            meta["adaptive_optimizer"] = adaptive["optimizer"]
            arrays.update({f"adaptive_{name}": adaptive[name] for name in ("H", "Hb", "xscale", "NT")})
    with atomic_writer(path, "wb") as handle:
        np.savez(handle, metadata=np.array(json.dumps(meta)), **arrays)


def model_from(meta, arrays):
    if meta["model_type"] == "mlp":
        count = len([name for name in arrays if name.startswith("param_")])
        params = [arrays.pop(f"param_{i}") for i in range(count)]
        return MLPModel(meta["classes"], params, Architecture(**meta["architecture"]))
    model = LinearModel(meta["model_type"], meta["classes"], arrays.pop("W"), arrays.pop("b"))
    if "adaptive_optimizer" in meta:
        model.adaptive = {"optimizer": meta["adaptive_optimizer"],
                          **{name: arrays.pop(f"adaptive_{name}") for name in ("H", "Hb", "xscale", "NT")}}
    return model


def load_model(path):
    """Return (model, featurizer, metadata) from a model file, or raise ModelFileError."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic != b"PK\x03\x04":  # anything but a zip would reach numpy's pickle branch
            raise ModelFileError(f"{path}: not a model file (not an .npz archive); give the model.npz "
                                 f"that `sgdtext train` wrote")
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
    try:
        meta = json.loads(str(arrays.pop("metadata")))
        version = meta["format_version"]
    except (KeyError, ValueError, TypeError):
        raise ModelFileError(f"{path}: has no sgdtext metadata; it was not written by `sgdtext train`") from None
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model format version {version!r}, but this sgdtext "
                             f"({__version__}) reads version {FORMAT_VERSION}; retrain the model with this version")
    try:
        model = model_from(meta, arrays)
        featurizer = Featurizer.from_state(meta["config"]["features"], arrays, meta["features"])
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: the model file is incomplete ({exc!r} is missing or wrong); retrain it") from None
    return model, featurizer, meta
