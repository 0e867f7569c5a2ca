"""Training the network (mlp.MLPModel) by minibatch SGD, gradients by backpropagation over the graph.

Same schedules, stopping rules, validation and class weights as the linear learners (sgd.epoch_loop).
L2 is weight decay added to the gradient of what a step touches (for W_0: the minibatch's rows).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sgdtext import autodiff as ad
from sgdtext.optim import OPTIMIZERS
from sgdtext.sgd import SCHEDULES, SgdSettings, check_finite, epoch_loop, epoch_record


@dataclass
class MlpSettings(SgdSettings):
    optimizer: str = "sgd"
    momentum: float = 0.9
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8


def step_graph(model, Xc, cols, y, weights, dropout_rng):
    """Forward and backward of one minibatch; returns (loss node, scores, parameter nodes)."""
    wide = model.arch.wide
    nodes = [ad.Node(model.params[0][cols])] + [ad.Node(p) for p in model.params[1 : len(model.params) - wide]]
    pre = ad.matmul(Xc, nodes[0]) + nodes[1]
    scores = model.hidden(pre, nodes[2:], dropout_rng)
    if wide:  # the linear path: the minibatch's rows of U, as for W_0
        nodes.append(ad.Node(model.params[-1][cols]))
        scores = scores + ad.matmul(Xc, nodes[-1])
    loss = ad.softmax_cross_entropy(scores, y, weights)
    loss.backward()
    return loss, scores.value, nodes


def fit_mlp(model, X, y, *, settings, rng, valid=None, sample_weight=None, on_epoch=None):
    """Train ``model`` in place on X (n, d) CSR and class indices y (n,); returns a History."""
    s = settings
    X = sp.csr_matrix(X)
    n = X.shape[0]
    weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    optimizer = OPTIMIZERS[s.optimizer](s)
    schedule = SCHEDULES[s.schedule]
    total = s.epochs * -(-n // s.batch_size)
    steps = [0]

    def run_epoch(epoch):
        order = rng.permutation(n) if s.shuffle else np.arange(n)
        Xe, ye, we = X[order], y[order], weights[order]
        for start in range(0, n, s.batch_size):
            stop = min(start + s.batch_size, n)
            Xb = Xe[start:stop]
            cols, inv = np.unique(Xb.indices, return_inverse=True)
            Xc = sp.csr_matrix((Xb.data, inv.astype(np.int32), Xb.indptr), shape=(stop - start, len(cols)))
            loss, scores, nodes = step_graph(model, Xc, cols, ye[start:stop], we[start:stop], rng)
            check_finite(np.atleast_1d(loss.value), scores, epoch, steps[0] + 1, s)
            eta = schedule(s, steps[0] + 1, total)
            for i, (param, node) in enumerate(zip(model.params, nodes)):
                grad = np.zeros_like(node.value) if node.grad is None else node.grad
                if i % 2 == 0 and s.l2:  # weights, not biases
                    grad = grad + s.l2 * node.value
                sparse_rows = i == 0 or (model.arch.wide and i == len(model.params) - 1)  # W_0 and U
                optimizer.update(f"p{i}", param, grad, cols if sparse_rows else None, eta)
            optimizer.step_done()
            steps[0] += 1

    def evaluate():
        penalty = 0.5 * s.l2 * sum(float(np.vdot(W, W)) for W in model.params[::2]) if s.l2 else 0.0
        return epoch_record(model, model.scores(X), y, weights, penalty, valid,
                            None if valid is None else model.scores(valid[0]))

    history, best = epoch_loop(s, has_valid=valid is not None, run_epoch=run_epoch, evaluate=evaluate,
                               snapshot=lambda: [p.copy() for p in model.params], on_epoch=on_epoch)
    history.steps = steps[0]
    if best is not None:
        for param, saved in zip(model.params, best):
            param[...] = saved
    return history
