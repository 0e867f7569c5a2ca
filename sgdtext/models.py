"""The model interface, the model kinds, and a trained model with its featuriser to and from the model file.

Every model (linear.model.LinearModel, nn.network.MLPModel) answers the same interface, so the model file,
``inspect`` and ``evaluate`` never ask which kind it is:

    model_type, family, classes    the config's model.type, its family (linear, network), the labels
    scores(X) -> (n, k)            X a scipy sparse matrix or core.sparse.SparseRows
    predict_index(scores) -> (n,)  class indices
    has_proba, proba(scores)       probabilities (n, classes): from a log-likelihood loss, or calibrated
    loss                           the loss object (sgdtext.core.losses) it is trained on
    n_parameters, multiclass       counts and how more than two classes are handled
    to_arrays() -> (arrays, meta)  for the model file; from_arrays(meta, arrays) builds it back
    describe(n_features) -> str    what ``inspect`` prints about the model itself; describe_json() the same as data
    weight_columns()               (class, weight per feature, intercept) per weight vector, or [] (a network)
"""

import numpy as np

from sgdtext import __version__
from sgdtext.config.choices import MODELS, model_family
from sgdtext.config.schema import as_saved
from sgdtext.errors import ModelFileError
from sgdtext.io.modelfile import read_model_file, write_model_file
from sgdtext.registry import load
from sgdtext.text.features import Featurizer

# model family -> the class of its models (imported when a model of the family is loaded); multi-label models
# (metadata "multilabel": true) have their own
MODEL_CLASSES = {"linear": "sgdtext.linear.model:LinearModel", "network": "sgdtext.nn.network:MLPModel",
                 "multilabel": "sgdtext.linear.multilabel:MultiLabelModel"}


def stored(name, array, weights):
    """The array as the model file keeps it: weight matrices (a linear model's W, a network's 2-D parameters) in
    ``weights`` (output.weights: float32 or float64); everything else as it is."""
    matrix = (name == "W" or name.startswith("param_")) and array.ndim == 2 and array.dtype == "float64"
    return array.astype(weights) if matrix else array


def round_as_stored(model, weights):
    """Round the model's weight matrices to ``weights`` (output.weights) in place, so that what is evaluated after
    training is the model the file will hold."""
    if weights == "float64":
        return model
    if hasattr(model, "params"):  # a network
        model.params = [rounded(f"param_{i}", p, weights) for i, p in enumerate(model.params)]
    else:
        model.W = rounded("W", model.W, weights)
    return model


def rounded(name, array, weights):
    """``array`` with the values the model file will hold (``stored``), still float64: written into the array itself,
    a block of rows at a time, when it can be (no second copy of a large W), else a new one."""
    if stored(name, array[:0], weights).dtype == array.dtype:
        return array
    if not (array.flags.writeable and array.dtype == np.float64):
        return stored(name, array, weights).astype(np.float64)
    rows = max(1, (1 << 20) // max(1, array.shape[1]))  # about 4 MB of float32 at a time
    for start in range(0, len(array), rows):
        array[start:start + rows] = stored(name, array[start:start + rows], weights)
    return array


def save_model(path, model, featurizer, config, *, lineage=None):
    """Write ``model`` and ``featurizer`` (and the resolved config, and where it came from) to the model file at
    ``path``, atomically; the weight matrices in the config's output.weights."""
    arrays, feature_meta = featurizer.state()
    model_arrays, model_meta = model.to_arrays()
    weights = config.get("output", {}).get("weights", "float32") if isinstance(config, dict) else "float32"
    if isinstance(config, dict) and isinstance(config.get("features"), dict):  # what an auto became, as fit chose it
        config = {**config, "features": {**config["features"],
                                         "char_ngram_range": featurizer.settings.char_ngram_range}}
    model_arrays = {name: stored(name, array, weights) for name, array in model_arrays.items()}
    meta = {
        "sgdtext_version": __version__,
        "model_type": model.model_type,
        "classes": model.classes,
        "feature_names_hashed": featurizer.hashing,
        "features": feature_meta,
        "config": config,
        **model_meta,
    }
    if lineage is not None:
        meta["lineage"] = lineage
    write_model_file(path, {**arrays, **model_arrays}, meta)


def load_model(path, *, for_prediction=False):
    """Return (model, featurizer, metadata) from a model file, or raise ModelFileError. ``for_prediction``: a linear
    model keeps float32 weights as stored (scored by SparseRows' compiled product, the same scores as float64 to the
    bit, without the float64 copy), for a model that only predicts."""
    arrays, meta = read_model_file(path)
    try:
        if not isinstance(meta.get("model_type"), str) or meta["model_type"] not in MODELS:
            raise ValueError(f"model_type {str(meta.get('model_type'))[:40]!r} is not one sgdtext has")
        meta["config"]["features"] = as_saved("features", meta["config"]["features"])
        featurizer = Featurizer.from_state(meta["config"]["features"], arrays, meta["features"])
        family = model_family(meta["model_type"])  # a multi-label network is an MLPModel, a linear one its own
        kind = "multilabel" if meta.get("multilabel") is True and family == "linear" else family
        model_class = load(MODEL_CLASSES[kind])
        keep = {"keep_float32": True} if for_prediction and kind == "linear" else {}
        model = model_class.from_arrays(meta, arrays, featurizer.n_features, **keep)
    except ValueError as exc:
        raise ModelFileError(f"{path}: not a model sgdtext wrote: {exc}; retrain it with `sgdtext train`") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the model file is incomplete ({str(exc)[:80]} is missing or wrong); "
                             f"retrain it with `sgdtext train`") from None
    return model, featurizer, meta
