"""Optimisers for the network's parameters: plain SGD, momentum (optionally Nesterov's), AdaGrad, Adam.

Plain SGD follows the gradient, which crawls along a flat direction and jitters across a steep one;
momentum averages successive steps, so the jitter cancels and the flat direction gathers speed; Adam
also divides each coordinate's step by a running estimate of its gradient's size.

``update(name, param, grad, rows, lr)`` changes ``param`` in place. ``rows`` (an index array) says the
gradient is only for those rows of a large parameter (the first layer's rows of the words in the
minibatch): the step and the optimiser's state touch only them. For plain SGD that is exact; momentum
and Adam then keep per-row state that moves only when the row is in a minibatch (as PyTorch's SparseAdam).
"""

import numpy as np

from sgdtext.config.choices import OPTIMIZERS as OPTIMIZER_CHOICES
from sgdtext.config.choices import optimizers_for


class Sgd:
    def __init__(self, settings):
        self.s = settings
        self.state = {}

    def step_done(self):
        """Called once after every step (Adam counts steps for its bias correction)."""

    def update(self, name, param, grad, rows, lr):
        if rows is None:
            param -= lr * grad
        else:
            param[rows] -= lr * grad

    def slot(self, name, param):
        if name not in self.state:
            self.state[name] = np.zeros_like(param)
        return self.state[name]


class Momentum(Sgd):
    """v <- mu v - lr g; w <- w + v (Nesterov: w <- w + mu v - lr g)."""

    def update(self, name, param, grad, rows, lr):
        mu = self.s.momentum
        velocity = self.slot(name, param)
        index = slice(None) if rows is None else rows
        v = mu * velocity[index] - lr * grad
        velocity[index] = v
        param[index] += (mu * v - lr * grad) if self.s.nesterov else v


class AdaGrad(Sgd):
    """Duchi et al.: h <- h + g²; w <- w - lr g / (sqrt(h) + eps): each coordinate's step shrinks with the
    gradients it has had, so rare features (words) keep large steps."""

    def update(self, name, param, grad, rows, lr):
        h = self.slot(name + ".h", param)
        index = slice(None) if rows is None else rows
        h_new = h[index] + grad**2
        h[index] = h_new
        param[index] -= lr * grad / (np.sqrt(h_new) + self.s.epsilon)


class Adam(Sgd):
    """Kingma & Ba: m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g²; w <- w - lr m̂ / (sqrt(v̂) + eps)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.t = 0

    def step_done(self):
        self.t += 1

    def update(self, name, param, grad, rows, lr):
        b1, b2, eps = self.s.beta1, self.s.beta2, self.s.epsilon
        t = self.t + 1
        m, v = self.slot(name + ".m", param), self.slot(name + ".v", param)
        if rows is not None and param.ndim == 2:  # the first layer's rows: compiled, in place
            from sgdtext.nn._adam_fast import adam_rows

            adam_rows(param, m, v, np.ascontiguousarray(grad, dtype=np.float64), np.asarray(rows, dtype=np.int64),
                      lr, b1, b2, eps, t)
            return
        index = slice(None) if rows is None else rows
        m_new = b1 * m[index] + (1 - b1) * grad
        v_new = b2 * v[index] + (1 - b2) * grad**2
        m[index], v[index] = m_new, v_new
        param[index] -= lr * (m_new / (1 - b1**t)) / (np.sqrt(v_new / (1 - b2**t)) + eps)


OPTIMIZERS = {name: OPTIMIZER_CHOICES.load(name) for name in optimizers_for("network")}  # name -> update rule
