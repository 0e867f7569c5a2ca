"""Reverse-mode differentiation over a computational graph of numpy arrays.

Each operation computes its forward value and, right beside it, a closure with its local backward rule
(a vector-Jacobian product). ``Node.backward()`` orders the graph topologically and makes one reverse
pass applying the chain rule; gradients *add* (``+=``) where a value feeds several operations, so
branches are handled. Broadcasting in the forward pass is undone in the backward pass (``unbroadcast``).
"""

import numpy as np

from sgdtext.core.losses import LOSSES


class Node:
    """A value in the graph: ``value`` (ndarray), ``grad`` (same shape, after backward), its parents."""

    __slots__ = ("value", "grad", "parents", "op", "label", "_backward")

    def __init__(self, value, parents=(), op="input", label=None):
        self.value = np.asarray(value, dtype=np.float64)
        self.grad = None
        self.parents = parents
        self.op = op
        self.label = label
        self._backward = None

    def __repr__(self):
        return f"Node({self.op}, {self.label or ''}, value={self.value!r})"

    def accumulate(self, g):
        """Add a contribution to this node's gradient: gradients add at branches."""
        if self.grad is None:
            self.grad = np.zeros_like(self.value)
        self.grad += unbroadcast(g, self.value.shape)

    def topological(self):
        order, seen = [], set()
        stack = [(self, False)]
        while stack:  # iterative, so deep graphs do not hit the recursion limit
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
        return order

    def backward(self, seed=None):
        """d(self)/d(node) for every node of the graph into ``node.grad``; returns the nodes in order."""
        order = self.topological()
        for node in order:
            node.grad = None
        self.grad = np.ones_like(self.value) if seed is None else np.asarray(seed, dtype=np.float64)
        for node in reversed(order):
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)
        return order

    # operators, so that expressions read like the math
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(other, self)
    def __pow__(self, other): return power(self, other)
    def __rpow__(self, other): return power(other, self)
    def __neg__(self): return neg(self)
    def __matmul__(self, other): return matmul(self, other)


def as_node(x):
    return x if isinstance(x, Node) else Node(x, op="const")


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def make(value, parents, op, backward):
    node = Node(value, parents, op)
    node._backward = backward
    return node


# ---------------------------------------------------------------- elementwise binary


def add(a, b):
    a, b = as_node(a), as_node(b)

    def backward(g):
        a.accumulate(g)
        b.accumulate(g)
    return make(a.value + b.value, (a, b), "add", backward)


def sub(a, b):
    a, b = as_node(a), as_node(b)

    def backward(g):
        a.accumulate(g)
        b.accumulate(-g)
    return make(a.value - b.value, (a, b), "sub", backward)


def mul(a, b):
    a, b = as_node(a), as_node(b)

    def backward(g):
        a.accumulate(g * b.value)
        b.accumulate(g * a.value)
    return make(a.value * b.value, (a, b), "mul", backward)


def div(a, b):
    a, b = as_node(a), as_node(b)

    def backward(g):
        a.accumulate(g / b.value)
        b.accumulate(-g * a.value / b.value**2)
    return make(a.value / b.value, (a, b), "div", backward)


def power(a, b):
    a, b = as_node(a), as_node(b)
    out = a.value ** b.value

    def backward(g):
        a.accumulate(g * b.value * a.value ** (b.value - 1))
        if b.op != "const":  # d/db a^b = a^b ln a, defined for a > 0
            with np.errstate(divide="ignore", invalid="ignore"):
                b.accumulate(g * out * np.log(np.where(a.value > 0, a.value, np.nan)))
    return make(out, (a, b), "pow", backward)


def maximum(a, b):
    """Elementwise max; at a tie the gradient goes to the first argument."""
    a, b = as_node(a), as_node(b)
    first = a.value >= b.value

    def backward(g):
        a.accumulate(g * first)
        b.accumulate(g * ~first)
    return make(np.maximum(a.value, b.value), (a, b), "max", backward)


# ---------------------------------------------------------------- elementwise unary


def neg(a):
    a = as_node(a)
    return make(-a.value, (a,), "neg", lambda g: a.accumulate(-g))


def exp(a):
    a = as_node(a)
    out = np.exp(a.value)
    return make(out, (a,), "exp", lambda g: a.accumulate(g * out))


def log(a):
    a = as_node(a)
    return make(np.log(a.value), (a,), "log", lambda g: a.accumulate(g / a.value))


def tanh(a):
    a = as_node(a)
    out = np.tanh(a.value)
    return make(out, (a,), "tanh", lambda g: a.accumulate(g * (1.0 - out**2)))


def sigmoid(a):
    a = as_node(a)
    out = 0.5 * (1.0 + np.tanh(0.5 * a.value))  # stable for large |x|
    return make(out, (a,), "sigmoid", lambda g: a.accumulate(g * out * (1.0 - out)))


def relu(a):
    a = as_node(a)
    on = a.value > 0
    return make(a.value * on, (a,), "relu", lambda g: a.accumulate(g * on))


def leaky_relu(a, slope=0.1):
    """max(slope x, x), the lecture's leaky ReLU with slope 0.1."""
    a = as_node(a)
    factor = np.where(a.value > 0, 1.0, slope)
    return make(a.value * factor, (a,), "leaky_relu", lambda g: a.accumulate(g * factor))


def elu(a, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    a = as_node(a)
    neg_part = alpha * np.expm1(np.minimum(a.value, 0.0))
    out = np.where(a.value > 0, a.value, neg_part)
    return make(out, (a,), "elu", lambda g: a.accumulate(g * np.where(a.value > 0, 1.0, neg_part + alpha)))


def maxout(a, pieces):
    """(n, h * pieces) -> (n, h): the max of each group of ``pieces`` consecutive units."""
    a = as_node(a)
    n, width = a.value.shape
    grouped = a.value.reshape(n, width // pieces, pieces)
    arg = grouped.argmax(axis=2)

    def backward(g):
        full = np.zeros_like(grouped)
        np.put_along_axis(full, arg[..., None], g[..., None], axis=2)
        a.accumulate(full.reshape(n, width))
    return make(np.take_along_axis(grouped, arg[..., None], axis=2)[..., 0], (a,), "maxout", backward)


# ---------------------------------------------------------------- linear algebra and losses


def matmul(a, b):
    """a @ b for 2-d arrays; ``a`` may be a scipy sparse matrix constant (the documents)."""
    if not isinstance(a, Node) and hasattr(a, "tocsr"):  # sparse input: no gradient to the data
        b = as_node(b)
        return make(a @ b.value, (b,), "sparse_matmul", lambda g: b.accumulate(a.T @ g))
    a, b = as_node(a), as_node(b)

    def backward(g):
        a.accumulate(g @ b.value.T)
        b.accumulate(a.value.T @ g)
    return make(a.value @ b.value, (a, b), "matmul", backward)


def total(a):
    a = as_node(a)
    return make(a.value.sum(), (a,), "sum", lambda g: a.accumulate(np.broadcast_to(g, a.value.shape)))


def loss_node(scores, y, loss, weights=None):
    """Mean (optionally weighted) loss of the scores (n, k) against class indices y (n,): ``loss`` is a loss object
    of sgdtext.core.losses, whose compiled rows give the values and the gradient."""
    scores = as_node(scores)
    n = len(y)
    w = np.ones(n) if weights is None else weights
    losses, G = loss.loss(scores.value, y)
    value = (w * losses).sum() / n

    def backward(g):
        scores.accumulate(g * G * (w / n)[:, None])
    return make(value, (scores,), f"{type(loss).__name__.lower()}_loss", backward)


def sigmoid_cross_entropy(scores, Y, weights=None):
    """Multi-label: mean (optionally weighted) over the documents of the binary cross-entropy of sigmoid(scores)
    (n, k) against Y (n, k) of 0/1, summed over the labels; each unit's loss and gradient are the compiled logistic
    loss's."""
    scores = as_node(scores)
    n, k = scores.value.shape
    w = np.ones(n) if weights is None else weights
    losses, G = LOSSES["logistic"].loss(scores.value.reshape(-1, 1), np.asarray(Y).reshape(-1).astype(np.int64))
    value = (w * losses.reshape(n, k).sum(axis=1)).sum() / n
    G = G.reshape(n, k)

    def backward(g):
        scores.accumulate(g * G * (w / n)[:, None])
    return make(value, (scores,), "sigmoid_cross_entropy", backward)


def softmax_cross_entropy(scores, y, weights=None):
    """Mean (optionally weighted) cross-entropy of softmax(scores) (n, k) against class indices y (n,)."""
    return loss_node(scores, y, LOSSES["softmax"], weights)
