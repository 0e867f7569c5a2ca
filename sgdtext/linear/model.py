"""The linear model: classes, W (d, k) and b (k,), scored as X @ W + b.

k is 1 for a two-class model with one weight vector (perceptron, logistic, hinge, linear: the positive class is
``classes[1]``) and the number of classes otherwise (softmax, or one-vs-rest columns). It answers the model
interface of sgdtext.models (scores, predictions, probabilities, arrays for the model file, a description). No I/O.
"""

import numpy as np

from sgdtext.core.arrays import require, require_labels
from sgdtext.core.calibration import sigmoid_probabilities
from sgdtext.core.losses import LOSSES
from sgdtext.core.sparse import SparseRows, rows_times

ADAPTIVE_ARRAYS = ("H", "Hb", "xscale", "NT")


def stored_weights(arrays, n_features, k, keep_float32=False):
    """W (n_features, k) float64 as a model file stores it (float32 weights stay float32 with ``keep_float32``):
    float W (n_features, k); or quantised (sgdtext quantize): int8 W with a scale per column (``W_scale``,
    W = W_int8 * scale / 127), and/or only some rows (``W_rows``, sorted distinct row numbers, the other rows
    zero). Every array is checked first (ValueError)."""
    if "W_rows" in arrays:
        rows = require(arrays, "W_rows", "i", (None,))
        if np.any(rows < 0) or np.any(rows >= n_features) or np.any(np.diff(rows) <= 0):
            raise ValueError(f"array 'W_rows' must hold distinct row numbers in [0, {n_features}), in order")
    else:
        rows = None
    height = n_features if rows is None else len(rows)
    if "W_scale" in arrays:
        scale = require(arrays, "W_scale", "f", (k,), finite=True)
        if np.any(scale < 0):
            raise ValueError("array 'W_scale' must not be negative")
        W = require(arrays, "W", "i", (height, k))
        if np.any(np.abs(W) > 127):
            raise ValueError("array 'W' of a quantised model must hold int8 values")
        W = W * (scale / 127.0)
    else:
        W = require(arrays, "W", "f", (height, k), finite=True, keep_float32=keep_float32)
    if rows is None:
        return W
    full = np.zeros((n_features, k), dtype=W.dtype)
    full[rows] = W
    return full


def n_columns(model_type, n_classes):
    return n_classes if (LOSSES[model_type].one_vector_per_class or n_classes > 2) else 1


class LinearModel:
    """Learned state of a linear classifier: classes, W (d, k) and b (k,); ``adaptive``: the adaptive
    optimiser's state after training (optimizer, H, Hb, xscale, NT; see linear.sgd.SgdState), kept for warm starts;
    ``calibration``: {"method": "sigmoid", "A": (k,), "B": (k,)} when probabilities come from fitted sigmoids
    (training.calibration), else None."""

    family = "linear"

    def __init__(self, model_type, classes, W, b):
        self.model_type = model_type
        self.classes = list(classes)
        self.W = W
        self.b = b
        self.adaptive = None
        self.calibration = None

    @classmethod
    def zeros(cls, model_type, classes, n_features):
        k = n_columns(model_type, len(classes))
        return cls(model_type, classes, np.zeros((n_features, k)), np.zeros(k))

    @property
    def loss(self):
        return LOSSES[self.model_type]

    def scores(self, X):
        """Scores (n, k) for X: a CSR matrix (scipy's, or core.sparse.SparseRows: no scipy needed) by the compiled
        product (rows_times), any other matrix by its own."""
        if isinstance(X, SparseRows) or getattr(X, "format", None) == "csr":
            return rows_times(X, self.W) + self.b
        return X @ self.W + self.b

    def predict_index(self, scores):
        if scores.shape[1] == 1:
            return (scores[:, 0] >= 0).astype(np.int64)  # the lecture's tie rule: w·f = 0 predicts +1
        return scores.argmax(axis=1)

    @property
    def n_parameters(self):
        return self.W.size + self.b.size

    @property
    def has_proba(self):
        return self.calibration is not None or self.loss.has_proba

    def proba(self, scores):
        if self.calibration is not None:
            return sigmoid_probabilities(scores, self.calibration["A"], self.calibration["B"])
        return self.loss.proba(scores)

    @property
    def multiclass(self):
        """How more than two classes are handled: one-vs-rest columns, or natively (softmax, perceptron rule)."""
        one_vs_rest = self.W.shape[1] > 1 and self.model_type not in ("perceptron", "softmax")
        return "one-vs-rest" if one_vs_rest else "native"

    def weight_columns(self):
        """(class label, weight column, intercept) for each weight vector; a two-class model with one weight
        vector reports it under its positive class, ``classes[1]``."""
        if self.W.shape[1] == 1:
            return [(self.classes[1], self.W[:, 0], float(self.b[0]))]
        return [(label, self.W[:, j], float(self.b[j])) for j, label in enumerate(self.classes)]

    def to_arrays(self):
        """(arrays, metadata) for the model file."""
        arrays, meta = {"W": self.W, "b": self.b}, {"multiclass": self.multiclass}
        if self.adaptive is not None:  # AdaGrad's sums (and feature scales): a warm start resumes its step sizes
            meta["adaptive_optimizer"] = self.adaptive["optimizer"]
            arrays.update({f"adaptive_{name}": self.adaptive[name] for name in ADAPTIVE_ARRAYS})
        if self.calibration is not None:
            meta["calibration"] = self.calibration["method"]
            arrays.update(calibration_A=self.calibration["A"], calibration_B=self.calibration["B"])
        return arrays, meta

    @classmethod
    def from_arrays(cls, meta, arrays, n_features, *, keep_float32=False):
        """The model of a file's metadata and arrays, every array checked against them (ValueError).
        ``keep_float32``: float32 weights stay float32 (for scoring SparseRows only: predict's loading)."""
        classes = require_labels(meta["classes"])
        k = n_columns(meta["model_type"], len(classes))
        W = stored_weights(arrays, n_features, k, keep_float32)
        model = cls(meta["model_type"], classes, W, require(arrays, "b", "f", (k,), finite=True))
        if "adaptive_optimizer" in meta:
            if meta["adaptive_optimizer"] not in ("adagrad", "normalized_adagrad"):
                raise ValueError(f"adaptive_optimizer {str(meta['adaptive_optimizer'])[:40]!r} is not one sgdtext has")
            xscale = (n_features,) if meta["adaptive_optimizer"] == "normalized_adagrad" else (1,)
            shapes = {"H": (n_features, k), "Hb": (k,), "xscale": xscale, "NT": (2,)}
            model.adaptive = {"optimizer": meta["adaptive_optimizer"],
                              **{name: require(arrays, f"adaptive_{name}", "f", shapes[name], finite=True)
                                 for name in ADAPTIVE_ARRAYS}}
        if "calibration" in meta:
            if meta["calibration"] != "sigmoid":
                raise ValueError(f"calibration {str(meta['calibration'])[:40]!r} is not one sgdtext has")
            model.calibration = {"method": "sigmoid", "A": require(arrays, "calibration_A", "f", (k,), finite=True),
                                 "B": require(arrays, "calibration_B", "f", (k,), finite=True)}
        return model

    def describe(self, n_features):
        """One line saying what the model is."""
        calibrated = ", calibrated (sigmoid)" if self.calibration is not None else ""
        return (f"model: {self.model_type} ({self.multiclass}), {len(self.classes)} classes, {n_features} features"
                f"{calibrated}")

    def describe_json(self):
        """Nothing beyond the weights (inspection lists them by feature)."""
        return {}
