"""The lecture's neural networks: N hidden layers and a softmax output (multi-label: a sigmoid per label), trained by
backpropagation.

Shapes: X (n, d) sparse; layer l has W_l (fan_in, width) and b_l (width,); scores (n, k).
Gradients come from the computational graph of ``autodiff`` (each op's backward beside its forward).
The first layer consumes the sparse documents directly: a step restricts the minibatch to the
columns it touches, so the forward and backward cost is O(nnz * h1) and the update touches only the
rows of W_0 for words in the minibatch (see sgdtext.nn.optimizers for momentum and Adam). No I/O here.
"""

from dataclasses import dataclass

import numpy as np

from sgdtext.config.choices import ACTIVATIONS as ACTIVATION_CHOICES
from sgdtext.core.arrays import require, require_labels
from sgdtext.core.losses import LOSSES
from sgdtext.nn import autodiff as ad


# the activations (model.activation): node h, architecture settings a -> node
def sigmoid(h, a):
    return ad.sigmoid(h)


def tanh(h, a):
    return ad.tanh(h)


def relu(h, a):
    return ad.relu(h)


def leaky_relu(h, a):
    return ad.leaky_relu(h, a["leaky_slope"])


def elu(h, a):
    return ad.elu(h, a["elu_alpha"])


def maxout(h, a):
    return ad.maxout(h, a["maxout_pieces"])


def identity(h, a):
    return h  # a linear hidden layer: a low-rank linear model, as fastText's embeddings


ACTIVATIONS = {name: ACTIVATION_CHOICES.load(name) for name in ACTIVATION_CHOICES}
GLOROT = ("sigmoid", "tanh", "identity")  # the others start with He's scale


@dataclass
class Architecture:
    hidden_sizes: tuple
    activation: str = "relu"
    leaky_slope: float = 0.1
    elu_alpha: float = 1.0
    maxout_pieces: int = 2
    dropout: float = 0.0
    wide: bool = False  # a linear path from the features straight to the scores (wide & deep)

    @classmethod
    def from_config(cls, model):
        """The architecture the model section (config.sections.ModelConfig) describes."""
        return cls(**{name: getattr(model, name) for name in cls.__dataclass_fields__})


def checked_architecture(spec):
    """The Architecture a model file's metadata describes, its values checked (ValueError)."""
    if not isinstance(spec, dict) or set(spec) != set(Architecture.__dataclass_fields__):
        raise ValueError(f"architecture must name {', '.join(Architecture.__dataclass_fields__)}")
    sizes = spec["hidden_sizes"]
    if not isinstance(sizes, list) or not sizes or not all(type(h) is int and 1 <= h <= 2**20 for h in sizes):
        raise ValueError(f"architecture hidden_sizes must be a list of widths from 1 to 2^20; it is {str(sizes)[:80]}")
    if spec["activation"] not in ACTIVATIONS or type(spec["maxout_pieces"]) is not int or \
            not 2 <= spec["maxout_pieces"] <= 64 or not isinstance(spec["wide"], bool):
        raise ValueError("architecture activation, maxout_pieces or wide is not one sgdtext writes")
    for name in ("leaky_slope", "elu_alpha", "dropout"):
        if type(spec[name]) not in (int, float) or not np.isfinite(spec[name]):
            raise ValueError(f"architecture {name} must be a number")
    return Architecture(**spec)


class MLPModel:
    """Learned state: classes and params [W_0, b_0, ..., W_L, b_L] (+ [U] with ``arch.wide``: scores gain X U,
    a linear model of the features beside the network, so the network contains the linear model);
    the architecture is a setting."""

    model_type = "mlp"
    family = "network"
    has_proba = True

    def __init__(self, classes, params, arch, *, multilabel=False, thresholds=None):
        """``multilabel``: sigmoid outputs, one per label, trained on binary cross-entropy; a label is predicted
        when its score reaches its threshold (0: probability 0.5), as a multi-label linear model's."""
        self.classes = list(classes)
        self.params = params
        self.arch = arch
        self.multilabel = multilabel
        self.thresholds = (np.zeros(len(self.classes)) if thresholds is None else thresholds) if multilabel else None

    @property
    def loss(self):
        """The output's loss: softmax cross-entropy, or (multi-label) the logistic loss of each output unit."""
        return LOSSES["logistic"] if self.multilabel else LOSSES["mlp"]

    @property
    def multiclass(self):
        return "multi-label (sigmoid outputs)" if self.multilabel else "native"

    @classmethod
    def initial(cls, classes, n_features, arch, rng, *, first_fan_in, multilabel=False):
        """Seeded initialisation: uniform with Glorot's scale (sigmoid, tanh) or He's (the ReLU family).

        The first layer's fan-in is the mean number of non-zeros per document, not the vocabulary size:
        that is how many of its rows one document sums.
        """
        pieces = arch.maxout_pieces if arch.activation == "maxout" else 1
        params, fan_in = [], n_features
        widths = list(arch.hidden_sizes) + [len(classes)]
        for layer, width in enumerate(widths):
            out = width * pieces if layer < len(widths) - 1 else width
            effective = first_fan_in if layer == 0 else fan_in
            gain = 1.0 if arch.activation in GLOROT or layer == len(widths) - 1 else 2.0
            limit = np.sqrt(3.0 * gain / max(effective, 1.0))
            params += [rng.uniform(-limit, limit, size=(fan_in, out)), np.zeros(out)]
            fan_in = width
        if arch.wide:
            params.append(np.zeros((n_features, len(classes))))  # the linear path starts as a linear model does
        return cls(classes, params, arch, multilabel=multilabel)

    @property
    def layers(self):
        """The parameters of the network's layers after the first (the wide path's U excluded)."""
        return self.params[2 : 2 * (len(self.arch.hidden_sizes) + 1)]

    @property
    def n_parameters(self):
        return sum(p.size for p in self.params)

    def hidden(self, pre, layers, dropout_rng=None):
        """From the first layer's pre-activation node through the other layers; returns the scores node."""
        settings = vars(self.arch)
        act = ACTIVATIONS[self.arch.activation]
        h = act(pre, settings)
        for i in range(0, len(layers), 2):
            if dropout_rng is not None and self.arch.dropout:
                keep = 1.0 - self.arch.dropout
                h = h * ((dropout_rng.random(h.value.shape) < keep) / keep)  # inverted dropout
            h = h @ layers[i] + layers[i + 1]
            if i + 2 < len(layers):
                h = act(h, settings)
        return h

    def scores(self, X):
        """Scores (n, k) for X (scipy sparse or features.SparseRows), no dropout."""
        pre = ad.Node(X @ self.params[0] + self.params[1])
        scores = self.hidden(pre, [ad.Node(p, op="const") for p in self.layers]).value
        return scores + X @ self.params[-1] if self.arch.wide else scores

    def predict_index(self, scores):
        return scores.argmax(axis=1)

    def predict_sets(self, scores):
        """Multi-label: (n, labels) booleans, each label whose score reaches its threshold."""
        return scores >= self.thresholds

    def proba(self, scores):
        """Softmax probabilities, or (multi-label) each label's own sigmoid probability."""
        if self.multilabel:
            n, k = scores.shape
            return self.loss.proba(scores.reshape(-1, 1))[:, 1].reshape(n, k)
        return self.loss.proba(scores)

    @property
    def network(self):
        """[W_0, b_0, ..., W_L, b_L]: the parameters without the wide path's U."""
        return self.params[: len(self.params) - self.arch.wide]

    def to_arrays(self):
        """(arrays, metadata) for the model file."""
        arrays = {f"param_{i}": p for i, p in enumerate(self.params)}
        meta = {"multiclass": self.multiclass, "architecture": vars(self.arch)}
        if self.multilabel:
            arrays["thresholds"], meta["multilabel"] = self.thresholds, True
        return arrays, meta

    @classmethod
    def from_arrays(cls, meta, arrays, n_features):
        """The network of a file's metadata and arrays, every parameter's shape checked against the architecture
        (ValueError)."""
        multilabel = meta.get("multilabel") is True
        classes = require_labels(meta["classes"], minimum=1 if multilabel else 2)
        arch = checked_architecture(meta["architecture"])
        pieces = arch.maxout_pieces if arch.activation == "maxout" else 1
        fan_in, shapes = n_features, []
        for layer, width in enumerate(list(arch.hidden_sizes) + [len(classes)]):
            out = width * pieces if layer < len(arch.hidden_sizes) else width
            shapes += [(fan_in, out), (out,)]
            fan_in = width
        if arch.wide:
            shapes.append((n_features, len(classes)))
        params = [require(arrays, f"param_{i}", "f", shape, finite=True) for i, shape in enumerate(shapes)]
        thresholds = require(arrays, "thresholds", "f", (len(classes),), finite=True) if multilabel else None
        return cls(classes, params, arch, multilabel=multilabel, thresholds=thresholds)

    def describe(self, n_features):
        """The layers with their shapes and parameter counts, a line each."""
        a = self.arch
        act = a.activation + (f" (slope {a.leaky_slope})" if a.activation == "leaky_relu" else
                              f" (alpha {a.elu_alpha})" if a.activation == "elu" else
                              f" ({a.maxout_pieces} pieces)" if a.activation == "maxout" else "")
        lines = [f"model: mlp, {len(self.classes)} classes, {n_features} features, "
                 f"{self.n_parameters:,} parameters, activation {act}, dropout {a.dropout}"]
        network = self.network
        for i in range(0, len(network), 2):
            W, b = network[i], network[i + 1]
            output = "sigmoid output (multi-label)" if self.multilabel else "softmax output"
            kind = output if i + 2 == len(network) else f"hidden layer {i // 2 + 1}"
            lines.append(f"  {kind}: W {W.shape[0]} x {W.shape[1]}, b {b.shape[0]}: {W.size + b.size:,} parameters")
        if a.wide:
            U = self.params[-1]
            lines.append(f"  wide path (features -> output): U {U.shape[0]} x {U.shape[1]}: {U.size:,} parameters")
        lines.append("  classes: " + ", ".join(self.classes))
        return "\n".join(lines)

    def describe_json(self):
        """The architecture, the layers' shapes and the parameter count."""
        network = self.network
        layers = [{"W": list(network[i].shape), "b": list(network[i + 1].shape)} for i in range(0, len(network), 2)]
        if self.arch.wide:
            layers.append({"U": list(self.params[-1].shape)})
        return {"architecture": vars(self.arch), "layers": layers, "n_parameters": int(self.n_parameters)}

    def weight_columns(self):
        """None: a network has no weight per feature and class."""
        return []
