import numpy as np
import pytest
from loss_oracles import ORACLES

from sgdtext.core.losses import LOSSES as MODELS
from sgdtext.core.losses import logistic_proba, softmax
from sgdtext.linear.model import LinearModel, n_columns

DIFFERENTIABLE = ["logistic", "softmax", "hinge", "squared_hinge", "modified_huber", "linear"]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@pytest.mark.parametrize("k", [1, 4])
def test_loss_gradient_matches_finite_differences(name, k):
    if name == "softmax" and k == 1:
        k = 2
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(7, k)) * 2
    y = rng.integers(0, max(k, 2), size=7)
    loss_fn = MODELS[name].loss
    _, G = loss_fn(scores, y)
    eps = 1e-6
    numeric = np.zeros_like(scores)
    for idx in np.ndindex(scores.shape):
        up, down = scores.copy(), scores.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (loss_fn(up, y)[0].sum() - loss_fn(down, y)[0].sum()) / (2 * eps)
    np.testing.assert_allclose(G, numeric, rtol=1e-5, atol=1e-7)


def test_losses_at_known_points():
    s = np.array([[0.0], [2.0], [-1.0]])
    y = np.array([1, 0, 0])
    np.testing.assert_allclose(MODELS["logistic"].loss(s, y)[0], [np.log(2), np.log1p(np.e**2), np.log1p(np.e**-1)])
    np.testing.assert_allclose(MODELS["hinge"].loss(s, y)[0], [1.0, 3.0, 0.0])
    np.testing.assert_allclose(MODELS["linear"].loss(s, y)[0], [0.5, 4.5, 0.0])
    np.testing.assert_allclose(MODELS["squared_hinge"].loss(s, y)[0], [1.0, 9.0, 0.0])
    np.testing.assert_allclose(MODELS["modified_huber"].loss(s, y)[0], [1.0, 8.0, 0.0])
    np.testing.assert_allclose(MODELS["softmax"].loss(np.array([[1.0, 1.0]]), np.array([0]))[0], [np.log(2)])


def test_perceptron_rule_and_tie():
    loss, G = MODELS["perceptron"].loss(np.array([[0.0], [0.0], [-0.5], [3.0]]), np.array([1, 0, 1, 0]))
    # score 0 predicts +1: right for a positive, a mistake for a negative
    np.testing.assert_array_equal(loss, [0, 1, 1, 1])
    np.testing.assert_array_equal(G[:, 0], [0, 1, -1, 1])  # step -G: w += y* f on a mistake


def test_multiclass_perceptron_rule():
    _, G = MODELS["perceptron"].loss(np.array([[1.0, 3.0, 2.0], [5.0, 0.0, 0.0]]), np.array([2, 0]))
    np.testing.assert_array_equal(G, [[0, 1, -1], [0, 0, 0]])


def test_columns_and_probabilities():
    assert n_columns("logistic", 2) == 1 and n_columns("softmax", 2) == 2 and n_columns("hinge", 5) == 5
    p = logistic_proba(np.array([[0.0], [100.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.0, 1.0]], atol=1e-12)
    np.testing.assert_allclose(softmax(np.array([[1000.0, 1000.0, 1000.0]])), [[1 / 3] * 3])
    model = LinearModel.zeros("perceptron", ["-1", "+1"], 3)
    assert model.predict_index(np.zeros((2, 1))).tolist() == [1, 1]  # the lecture: w·f >= 0 predicts +1


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("k", [1, 2, 5])
def test_compiled_losses_equal_their_numpy_oracles(name, k):
    if MODELS[name].one_vector_per_class and k == 1:
        k = 2
    rng = np.random.default_rng(k)
    scores = rng.normal(size=(50, k)) * 3
    scores[:5] = 0.0  # the ties of the perceptron's rule
    y = rng.integers(0, max(k, 2), size=50)
    losses, G = MODELS[name].loss(scores, y)
    expected_losses, expected_G = ORACLES[name](scores, y)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(G, expected_G, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(MODELS[name].losses(scores, y), losses)  # the losses alone: the same values
