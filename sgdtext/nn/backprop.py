"""The network's solver: minibatch SGD on an MLPModel, gradients by backpropagation over the graph.

It answers the epoch loop's protocol (sgdtext.training.loop) like the linear solvers, so the schedules, stopping
rules, validation and class weights are the same. L2 is weight decay added to the gradient of what a step touches
(for W_0: the minibatch's rows).
"""

import numpy as np
import scipy.sparse as sp

from sgdtext.core.figures import check_finite, figures
from sgdtext.core.schedules import SCHEDULES
from sgdtext.nn import autodiff as ad
from sgdtext.nn.optimizers import OPTIMIZERS


def step_graph(model, Xc, cols, y, weights, dropout_rng):
    """Forward and backward of one minibatch; returns (loss node, scores, parameter nodes)."""
    wide = model.arch.wide
    nodes = [ad.Node(model.params[0][cols])] + [ad.Node(p) for p in model.params[1 : len(model.params) - wide]]
    pre = ad.matmul(Xc, nodes[0]) + nodes[1]
    scores = model.hidden(pre, nodes[2:], dropout_rng)
    if wide:  # the linear path: the minibatch's rows of U, as for W_0
        nodes.append(ad.Node(model.params[-1][cols]))
        scores = scores + ad.matmul(Xc, nodes[-1])
    loss = (ad.sigmoid_cross_entropy(scores, y, weights) if model.multilabel else
            ad.loss_node(scores, y, model.loss, weights))
    loss.backward()
    return loss, scores.value, nodes


class NetworkSolver:
    """Minibatch epochs on X (n, d) CSR and class indices y (n,) (multi-label: 0/1 rows Y (n, labels)) for an
    MLPModel (parameters updated in place).
    The network has no progressive figures: each epoch is scored on a full pass."""

    has_progressive = False
    has_full = True

    def __init__(self, model, X, y, settings, rng, *, sample_weight=None, on_step=None):
        self.model, self.X, self.y, self.s, self.rng = model, sp.csr_matrix(X), y, settings, rng
        n = self.X.shape[0]
        self.weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.optimizer = OPTIMIZERS[settings.optimizer](settings)
        self.schedule = SCHEDULES[settings.schedule]
        self.total = settings.epochs * -(-n // settings.batch_size)
        self.steps = 0

    def run_epoch(self, epoch):
        s, model, n = self.s, self.model, self.X.shape[0]
        order = self.rng.permutation(n) if s.shuffle else np.arange(n)
        Xe, ye, we = self.X[order], self.y[order], self.weights[order]
        for start in range(0, n, s.batch_size):
            stop = min(start + s.batch_size, n)
            Xb = Xe[start:stop]
            cols, inv = np.unique(Xb.indices, return_inverse=True)
            Xc = sp.csr_matrix((Xb.data, inv.astype(np.int32), Xb.indptr), shape=(stop - start, len(cols)))
            loss, scores, nodes = step_graph(model, Xc, cols, ye[start:stop], we[start:stop], self.rng)
            check_finite(np.atleast_1d(loss.value), scores, epoch, self.steps + 1, s)
            eta = self.schedule(s, self.steps + 1, self.total)
            for i, (param, node) in enumerate(zip(model.params, nodes)):
                grad = np.zeros_like(node.value) if node.grad is None else node.grad
                if i % 2 == 0 and s.l2:  # weights, not biases
                    grad = grad + s.l2 * node.value
                sparse_rows = i == 0 or (model.arch.wide and i == len(model.params) - 1)  # W_0 and U
                self.optimizer.update(f"p{i}", param, grad, cols if sparse_rows else None, eta)
            self.optimizer.step_done()
            self.steps += 1

    def penalty(self):
        s = self.s
        return 0.5 * s.l2 * sum(float(np.vdot(W, W)) for W in self.model.params[::2]) if s.l2 else 0.0

    def full_figures(self):
        return figures(self.model, self.model.scores(self.X), self.y, self.weights)

    def scores(self, X):
        return self.model.scores(X)

    def snapshot(self):
        return [p.copy() for p in self.model.params]

    def finish(self, best):
        if best is not None:
            for param, saved in zip(self.model.params, best):
                param[...] = saved
        return self.steps
