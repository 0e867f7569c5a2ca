"""Every autodiff op against central finite differences, over several shapes and with broadcasting."""

import numpy as np
import pytest
import scipy.sparse as sp

from sgdtext.nn import autodiff as ad

RNG = np.random.default_rng(0)


def numeric_grad(f, arrays, eps=1e-6):
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            up = f(*arrays)
            a[idx] = old - eps
            down = f(*arrays)
            a[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def check(op, *shapes, positive=False, away_from_zero=False):
    """Compare d(sum(op(...) * R))/d(inputs) by backprop and by finite differences."""
    arrays = [RNG.normal(size=s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    if away_from_zero:  # kinks (relu, max) at 0: keep inputs off them
        arrays = [a + np.sign(a) * 0.1 for a in arrays]
    arrays = [np.array(a, dtype=np.float64) for a in arrays]  # 0-d arrays, not numpy scalars
    out_shape = op(*[ad.Node(a) for a in arrays]).value.shape
    R = RNG.normal(size=out_shape)
    nodes = [ad.Node(a) for a in arrays]
    ad.total(op(*nodes) * R).backward()
    expected = numeric_grad(lambda *xs: float(np.sum(op(*[ad.Node(x) for x in xs]).value * R)), arrays)
    for node, e in zip(nodes, expected):
        np.testing.assert_allclose(node.grad, e, rtol=1e-5, atol=1e-7)


SHAPES_BINARY = [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (2, 2))]


@pytest.mark.parametrize("op", [ad.add, ad.sub, ad.mul, ad.div])
@pytest.mark.parametrize("shapes", SHAPES_BINARY)
def test_binary_ops(op, shapes):
    check(op, *shapes, positive=op is ad.div)


@pytest.mark.parametrize("shapes", SHAPES_BINARY)
def test_power_in_base_and_exponent(shapes):
    check(ad.power, *shapes, positive=True)


@pytest.mark.parametrize("shapes", SHAPES_BINARY)
def test_maximum(shapes):
    check(ad.maximum, *shapes, away_from_zero=True)


@pytest.mark.parametrize("op", [ad.neg, ad.exp, ad.tanh, ad.sigmoid, ad.relu, ad.leaky_relu, ad.elu,
                                lambda a: ad.leaky_relu(a, 0.3), lambda a: ad.elu(a, 0.5)])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_unary_ops(op, shape):
    check(op, shape, away_from_zero=True)


def test_log():
    check(ad.log, (3, 2), positive=True)


@pytest.mark.parametrize("pieces", [2, 3])
def test_maxout(pieces):
    check(lambda a: ad.maxout(a, pieces), (4, 2 * pieces))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((1, 5), (5, 1))])
def test_matmul(shapes):
    check(ad.matmul, *shapes)


def test_sparse_matmul_gradient_is_x_transpose_g():
    X = sp.random(5, 7, density=0.3, random_state=1, format="csr")
    W = RNG.normal(size=(7, 3))
    check(lambda w: ad.matmul(X, w), (7, 3))
    node = ad.Node(W)
    R = RNG.normal(size=(5, 3))
    ad.total(ad.matmul(X, node) * R).backward()
    np.testing.assert_allclose(node.grad, X.T @ R)


def test_softmax_cross_entropy():
    y = np.array([0, 2, 1, 2])
    weights = np.array([1.0, 2.0, 0.5, 1.0])
    check(lambda s: ad.softmax_cross_entropy(s, y), (4, 3))
    check(lambda s: ad.softmax_cross_entropy(s, y, weights), (4, 3))


def test_lecture_example_sum_times():
    x, y, z = ad.Node(-2.0), ad.Node(5.0), ad.Node(-4.0)
    f = (x + y) * z
    f.backward()
    assert (float(f.value), float(x.grad), float(y.grad), float(z.grad)) == (-12.0, -4.0, -4.0, 3.0)


def test_lecture_example_sigmoid_neuron():
    w0, x0, w1, x1, w2 = (ad.Node(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    f = 1 / (1 + ad.exp(-(w0 * x0 + w1 * x1 + w2)))
    f.backward()
    assert float(f.value) == pytest.approx(0.73, abs=0.005)
    got = [round(float(n.grad), 2) for n in (w0, x0, w1, x1, w2)]
    assert got == [-0.20, 0.39, -0.39, -0.59, 0.20]


def test_gradients_add_at_branches():
    x = ad.Node(3.0)
    f = x * x + ad.tanh(x)  # x feeds three operations
    f.backward()
    assert float(x.grad) == pytest.approx(2 * 3.0 + 1 - np.tanh(3.0) ** 2)
    f.backward()  # a second backward starts from zero, it does not add to the first
    assert float(x.grad) == pytest.approx(2 * 3.0 + 1 - np.tanh(3.0) ** 2)


def test_deep_graph_needs_no_recursion():
    x = ad.Node(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert float(x.grad) == pytest.approx(1.0001**5000)
