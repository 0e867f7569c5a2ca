"""The lecture's neural networks: N hidden layers and a softmax output, trained by backpropagation.

Shapes: X (n, d) sparse; layer l has W_l (fan_in, width) and b_l (width,); scores (n, k).
Gradients come from the computational graph of ``autodiff`` (each op's backward beside its forward).
The first layer consumes the sparse documents directly: a step restricts the minibatch to the
columns it touches, so the forward and backward cost is O(nnz * h1) and the update touches only the
rows of W_0 for words in the minibatch (see optim for momentum and Adam). No I/O here.
"""

from dataclasses import dataclass

import numpy as np

from sgdtext import autodiff as ad
from sgdtext.models import softmax

ACTIVATIONS = {
    "sigmoid": lambda h, a: ad.sigmoid(h),
    "tanh": lambda h, a: ad.tanh(h),
    "relu": lambda h, a: ad.relu(h),
    "leaky_relu": lambda h, a: ad.leaky_relu(h, a["leaky_slope"]),
    "elu": lambda h, a: ad.elu(h, a["elu_alpha"]),
    "maxout": lambda h, a: ad.maxout(h, a["maxout_pieces"]),
    "identity": lambda h, a: h,  # a linear hidden layer: a low-rank linear model, as fastText's embeddings
}
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


class MLPModel:
    """Learned state: classes and params [W_0, b_0, ..., W_L, b_L] (+ [U] with ``arch.wide``: scores gain X U,
    a linear model of the features beside the network, so the network contains the linear model);
    the architecture is a setting."""

    model_type = "mlp"
    has_proba = True

    def __init__(self, classes, params, arch):
        self.classes = list(classes)
        self.params = params
        self.arch = arch

    @classmethod
    def initial(cls, classes, n_features, arch, rng, *, first_fan_in):
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
        return cls(classes, params, arch)

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

    def proba(self, scores):
        return softmax(scores)
