"""The network: whole-network gradients against finite differences, XOR, optimisers, sparse first layer."""

import numpy as np
import pytest
import scipy.sparse as sp

from sgdtext.core.losses import LOSSES as MODELS
from sgdtext.core.settings import TrainSettings as MlpSettings
from sgdtext.core.settings import TrainSettings as SgdSettings
from sgdtext.linear.model import LinearModel
from sgdtext.nn import autodiff as ad
from sgdtext.nn.backprop import step_graph
from sgdtext.nn.network import ACTIVATIONS, Architecture, MLPModel
from sgdtext.nn.optimizers import OPTIMIZERS
from sgdtext.training.fit import fit
from sgdtext.training.fit import fit as fit_mlp


def network(activation, hidden=(5, 4), d=6, k=3, seed=0, wide=False):
    arch = Architecture(hidden_sizes=hidden, activation=activation, leaky_slope=0.2, elu_alpha=0.7, maxout_pieces=3,
                        wide=wide)
    return MLPModel.initial(["a", "b", "c"][:k], d, arch, np.random.default_rng(seed), first_fan_in=2.0)


@pytest.mark.parametrize("activation, wide", [(name, False) for name in ACTIVATIONS] + [("tanh", True), ("relu", True)])
def test_whole_network_gradient_matches_finite_differences(activation, wide):
    model = network(activation, wide=wide)
    if wide:  # U starts at 0; move it so its gradient is checked away from the start
        model.params[-1][...] = np.random.default_rng(3).normal(size=model.params[-1].shape)
    X = sp.csr_matrix(np.random.default_rng(1).normal(size=(7, 6)) * (np.random.default_rng(2).random((7, 6)) < 0.5))
    y = np.array([0, 1, 2, 1, 0, 2, 2])
    cols = np.arange(6)
    _, _, nodes = step_graph(model, X, cols, y, np.ones(7), dropout_rng=None)
    assert len(nodes) == len(model.params)

    def loss():  # the scores as predict computes them (the wide path: X U added to the network's)
        return float(ad.softmax_cross_entropy(ad.Node(model.scores(X)), y).value)

    eps = 1e-6
    for param, node in zip(model.params, nodes):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + eps
            up = loss()
            param[idx] = old - eps
            down = loss()
            param[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(node.grad, numeric, rtol=1e-4, atol=1e-7)


def xor_data():
    X = sp.csr_matrix(np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 25, dtype=float))
    y = np.array([0, 1, 1, 0] * 25)
    return X, y


def test_mlp_learns_xor_that_every_linear_model_fails():
    X, y = xor_data()
    for name in ("perceptron", "logistic", "softmax", "hinge", "linear"):
        linear = LinearModel.zeros(name, ["no", "yes"], 2)
        fit(linear, X, y, settings=SgdSettings(epochs=50, learning_rate=0.1, batch_size=4),
            rng=np.random.default_rng(0))
        assert np.mean(linear.predict_index(linear.scores(X)) == y) <= 0.75, name
    model = MLPModel.initial(["no", "yes"], 2, Architecture(hidden_sizes=(8,), activation="tanh"),
                             np.random.default_rng(0), first_fan_in=1.0)
    fit_mlp(model, X, y, settings=MlpSettings(epochs=200, learning_rate=0.5, batch_size=8, optimizer="momentum"),
            rng=np.random.default_rng(0))
    assert np.mean(model.predict_index(model.scores(X)) == y) == 1.0


def test_same_seed_same_weights_and_dropout_is_seeded():
    X, y = xor_data()
    runs = []
    for _ in range(2):
        model = MLPModel.initial(["no", "yes"], 2, Architecture(hidden_sizes=(6, 4), dropout=0.2),
                                 np.random.default_rng(3), first_fan_in=1.0)
        fit_mlp(model, X, y, settings=MlpSettings(epochs=5, learning_rate=0.01, optimizer="adam"),
                rng=np.random.default_rng(4))
        runs.append(b"".join(p.tobytes() for p in model.params))
    assert runs[0] == runs[1]


def test_plain_sgd_touches_only_the_minibatch_rows_of_the_first_layer():
    model = network("relu", hidden=(4,), d=10)
    before = model.params[0].copy()
    X = sp.csr_matrix(([1.0, 2.0, 1.0], [2, 7, 2], [0, 2, 3]), shape=(2, 10))
    fit_mlp(model, X, np.array([0, 1]), settings=MlpSettings(epochs=1, learning_rate=0.5, batch_size=2),
            rng=np.random.default_rng(0))
    changed = np.flatnonzero(np.any(model.params[0] != before, axis=1))
    assert set(changed) <= {2, 7} and len(changed) > 0


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_steps_follow_their_formulas(name):
    s = MlpSettings(momentum=0.8, beta1=0.9, beta2=0.99, epsilon=1e-8)
    opt = OPTIMIZERS[name](s)
    w = np.array([1.0, -2.0])
    grads = [np.array([0.5, 0.1]), np.array([-0.2, 0.3])]
    w_ref, v, m, sq = w.copy(), np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate(grads, 1):
        opt.update("w", w, g, None, 0.1)
        opt.step_done()
        if name == "sgd":
            w_ref -= 0.1 * g
        elif name == "momentum":
            v = 0.8 * v - 0.1 * g
            w_ref += v
        elif name == "adagrad":
            sq = sq + g**2
            w_ref -= 0.1 * g / (np.sqrt(sq) + 1e-8)
        else:
            m, sq = 0.9 * m + 0.1 * g, 0.99 * sq + 0.01 * g**2
            w_ref -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(sq / (1 - 0.99**t)) + 1e-8)
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)


def test_nesterov_momentum():
    s = MlpSettings(momentum=0.5, nesterov=True)
    opt = OPTIMIZERS["momentum"](s)
    w = np.array([1.0])
    opt.update("w", w, np.array([2.0]), None, 0.1)  # v = -0.2; w += 0.5 v - 0.1 g = -0.3
    np.testing.assert_allclose(w, [0.7])


def test_mlp_in_the_model_table():
    assert MODELS["mlp"].proba is not None


def test_adam_on_rows_follows_its_formula_and_leaves_other_rows_alone():
    """The first layer's Adam step runs compiled on the minibatch's rows (_sgd_fast.adam_rows)."""
    s = MlpSettings(beta1=0.9, beta2=0.99, epsilon=1e-8)
    opt = OPTIMIZERS["adam"](s)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 3))
    w_ref, m, sq = w.copy(), np.zeros((6, 3)), np.zeros((6, 3))
    for t, rows in enumerate([np.array([0, 4]), np.array([4, 5, 1])], 1):
        g = rng.normal(size=(len(rows), 3))
        opt.update("w", w, g, rows, 0.1)
        opt.step_done()
        m[rows], sq[rows] = 0.9 * m[rows] + 0.1 * g, 0.99 * sq[rows] + 0.01 * g**2
        w_ref[rows] -= 0.1 * (m[rows] / (1 - 0.9**t)) / (np.sqrt(sq[rows] / (1 - 0.99**t)) + 1e-8)
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)
    assert np.array_equal(w[[2, 3]], w_ref[[2, 3]])
