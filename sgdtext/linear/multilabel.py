"""The multi-label linear model: one weight vector per label (one-vs-rest), scored as X @ W + b; a label is
predicted when its score reaches its threshold, so a document gets any number of labels (none too).

Each column is a two-class model of its label (yes / no) on the model type's loss; thresholds live in score space
(0 by default: probability 0.5 for logistic, the margin's sign otherwise). It answers the model interface of
sgdtext.models, with ``predict_sets`` where a single-label model has ``predict_index``. No I/O.
"""

import numpy as np

from sgdtext.core.arrays import require, require_labels
from sgdtext.core.losses import LOSSES
from sgdtext.linear.model import stored_weights


class MultiLabelModel:
    family = "linear"
    multilabel = True
    multiclass = "one-vs-rest (multi-label)"

    def __init__(self, model_type, classes, W, b, thresholds=None):
        self.model_type = model_type
        self.classes = list(classes)
        self.W, self.b = W, b
        self.thresholds = np.zeros(len(self.classes)) if thresholds is None else thresholds
        self.calibration = None
        self.adaptive = None

    @property
    def loss(self):
        return LOSSES[self.model_type]

    def scores(self, X):
        """Scores (n, labels) for X: a scipy sparse matrix, or core.sparse.SparseRows."""
        return X @ self.W + self.b

    def predict_sets(self, scores):
        """(n, labels) booleans: each label whose score reaches its threshold."""
        return scores >= self.thresholds

    def predict_index(self, scores):
        """The best-scoring label of each document (for the views that show one label, e.g. explain)."""
        return scores.argmax(axis=1)

    @property
    def n_parameters(self):
        return self.W.size + self.b.size

    @property
    def has_proba(self):
        return self.loss.has_proba

    def proba(self, scores):
        """Each label's own probability (n, labels), from its two-class loss; the rows do not sum to 1."""
        n, k = scores.shape
        return self.loss.proba(scores.reshape(-1, 1))[:, 1].reshape(n, k)

    def weight_columns(self):
        return [(label, self.W[:, j], float(self.b[j])) for j, label in enumerate(self.classes)]

    def to_arrays(self):
        return ({"W": self.W, "b": self.b, "thresholds": self.thresholds},
                {"multiclass": self.multiclass, "multilabel": True})

    @classmethod
    def from_arrays(cls, meta, arrays, n_features):
        """The model of a file's metadata and arrays, every array checked against them (ValueError)."""
        classes = require_labels(meta["classes"], minimum=1)
        k = len(classes)
        return cls(meta["model_type"], classes, stored_weights(arrays, n_features, k),
                   require(arrays, "b", "f", (k,), finite=True),
                   require(arrays, "thresholds", "f", (k,), finite=True))

    def describe(self, n_features):
        tuned = ", thresholds tuned" if np.any(self.thresholds != 0) else ""
        return (f"model: {self.model_type} ({self.multiclass}), {len(self.classes)} labels, {n_features} features"
                f"{tuned}")

    def describe_json(self):
        return {"thresholds": dict(zip(self.classes, self.thresholds.tolist()))}
