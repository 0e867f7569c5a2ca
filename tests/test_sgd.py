import numpy as np
import pytest
import scipy.sparse as sp

from sgdtext.errors import TrainingError
from sgdtext.models import MODELS, LinearModel
from sgdtext.sgd import SgdSettings, fit


def lecture_data():
    X = sp.csr_matrix(np.array([[0, 0, 0], [2, 0, 0], [0, 0, 1], [2, 1, 0]], dtype=float))
    return X, np.array([1, 1, 0, 0])  # classes ["-1", "+1"]: index 1 is +1


def test_lecture_perceptron_example():
    X, y = lecture_data()
    model = LinearModel.zeros("perceptron", ["-1", "+1"], 3)
    steps = []
    history = fit(model, X, y, settings=SgdSettings(epochs=1, learning_rate=1.0, batch_size=1, shuffle=False,
                                                    fit_intercept=False),
                  rng=np.random.default_rng(0), on_step=lambda info: steps.append(info["W"][:, 0].tolist()))
    assert model.W[:, 0].tolist() == [-2.0, -1.0, -1.0]
    assert steps == [[0, 0, 0], [0, 0, 0], [0, 0, -1], [-2, -1, -1]]
    assert history.stop_reason == "max_epochs" and history.steps == 4


def random_problem(n=60, d=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.15, random_state=seed, format="csr") * 3
    y = rng.integers(0, k, size=n)
    return sp.csr_matrix(X), y


def reference_sgd(name, X, y, k, s, seed):
    """Plain dense minibatch SGD: W <- (1 - lr l2) W - lr X_b^T G / B; b <- b - lr mean(G)."""
    rng = np.random.default_rng(seed)
    cols = MODELS[name].one_vector_per_class or k > 2
    W = np.zeros((X.shape[1], k if cols else 1))
    b = np.zeros(W.shape[1])
    D = X.toarray()
    for _ in range(s.epochs):
        order = rng.permutation(len(y)) if s.shuffle else np.arange(len(y))
        for start in range(0, len(y), s.batch_size):
            idx = order[start : start + s.batch_size]
            _, G = MODELS[name].loss(D[idx] @ W + b, y[idx])
            W = (1 - s.learning_rate * s.l2) * W - s.learning_rate * D[idx].T @ G / len(idx)
            b = b - s.learning_rate * G.mean(axis=0)
    return W, b


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("k, batch_size", [(2, 1), (3, 7), (3, 60)])
def test_sparse_scaled_sgd_equals_dense_reference(name, k, batch_size):
    X, y = random_problem(k=k)
    s = SgdSettings(epochs=3, learning_rate=0.05, batch_size=batch_size, l2=0.01)
    model = LinearModel.zeros(name, [str(c) for c in range(k)], X.shape[1])
    fit(model, X, y, settings=s, rng=np.random.default_rng(5))
    W, b = reference_sgd(name, X, y, k, s, seed=5)
    np.testing.assert_allclose(model.W, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-10, atol=1e-12)


def test_same_seed_same_weights_bit_for_bit():
    X, y = random_problem()
    runs = []
    for _ in range(2):
        model = LinearModel.zeros("softmax", ["a", "b", "c"], X.shape[1])
        fit(model, X, y, settings=SgdSettings(epochs=4, batch_size=5, l2=1e-3), rng=np.random.default_rng(42))
        runs.append(model.W.copy())
    assert runs[0].tobytes() == runs[1].tobytes()
    other = LinearModel.zeros("softmax", ["a", "b", "c"], X.shape[1])
    fit(other, X, y, settings=SgdSettings(epochs=4, batch_size=5, l2=1e-3), rng=np.random.default_rng(43))
    assert other.W.tobytes() != runs[0].tobytes()


def test_divergence_stops_with_advice():
    X, y = random_problem(k=2)
    model = LinearModel.zeros("linear", ["a", "b"], X.shape[1])
    with pytest.raises(TrainingError, match=r"training diverged at epoch \d+, step \d+ .*lower "
                                            r"training.learning_rate \(now 1000.0\), e.g. to 100"):
        fit(model, X * 100, y, settings=SgdSettings(epochs=50, learning_rate=1000.0, batch_size=4),
            rng=np.random.default_rng(0))


def test_loss_rules_stop_training():
    X, y = lecture_data()
    s = SgdSettings(epochs=100, learning_rate=1.0, batch_size=1, shuffle=False, fit_intercept=True,
                    loss_lower_bound=0.0)
    model = LinearModel.zeros("perceptron", ["-1", "+1"], 3)
    history = fit(model, X, y, settings=s, rng=np.random.default_rng(0))
    assert history.stop_reason == "loss_near_lower_bound"
    assert history.epochs[-1]["loss"] == 0.0 and all(e["loss"] > 0 for e in history.epochs[:-1])
    s = SgdSettings(epochs=100, learning_rate=0.1, batch_size=2, tol=10.0, patience=3)
    model = LinearModel.zeros("logistic", ["-1", "+1"], 3)
    history = fit(model, X, y, settings=s, rng=np.random.default_rng(0))
    # the loss never improves by 10 on the best so far (inf at the start counts once)
    assert history.stop_reason == "loss_not_improving" and history.stopped_epoch == 4


def test_validation_rule_keeps_best_weights():
    X, y = random_problem(n=80, k=2, seed=3)
    Xv, yv = random_problem(n=40, k=2, seed=4)
    s = SgdSettings(epochs=200, learning_rate=0.5, batch_size=4, early_stopping=True, patience=3)
    model = LinearModel.zeros("logistic", ["a", "b"], X.shape[1])
    history = fit(model, X, y, settings=s, rng=np.random.default_rng(0), valid=(Xv, yv))
    assert history.stop_reason == "valid_not_improving"
    accs = [e["valid_accuracy"] for e in history.epochs]
    assert history.stopped_epoch == len(accs) < 200
    assert history.best_epoch == int(np.argmax(accs)) + 1
    assert all(a <= accs[history.best_epoch - 1] for a in accs[history.best_epoch:])
    best_acc = np.mean(model.predict_index(model.scores(Xv)) == yv)
    assert best_acc == max(accs)
