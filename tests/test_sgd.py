import numpy as np
import pytest
import scipy.sparse as sp

from sgdtext.core.losses import LOSSES as MODELS
from sgdtext.core.schedules import SCHEDULES
from sgdtext.core.settings import TrainSettings as SgdSettings
from sgdtext.errors import TrainingError
from sgdtext.linear.model import LinearModel
from sgdtext.linear.sgd import SgdState, train_pass
from sgdtext.training.fit import fit


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


def reference_sgd(name, X, y, k, s, seed, sample_weight=None):
    """Plain dense minibatch SGD, every weight touched every step:
    W <- (1 - eta l2) W - eta X_b^T (w_b * G) / B; then the cumulative L1 clip on every weight;
    b <- b - eta sum(w_b * G) / B; returns the last or the averaged (W, b)."""
    rng = np.random.default_rng(seed)
    cols = MODELS[name].one_vector_per_class or k > 2
    W = np.zeros((X.shape[1], k if cols else 1))
    b = np.zeros(W.shape[1])
    W_sum, b_sum, t, u, q = np.zeros_like(W), np.zeros_like(b), 0, 0.0, np.zeros_like(W)
    H, Hb = np.zeros_like(W), np.zeros_like(b)  # adagrad: sums of squared gradients
    scales, N, T = np.zeros(X.shape[1]), 0.0, 0.0  # normalized_adagrad: largest |x_j|, sum of norms, weights
    D = X.toarray()
    sw = np.ones(len(y)) if sample_weight is None else sample_weight
    total = s.epochs * -(-len(y) // s.batch_size)
    for _ in range(s.epochs):
        order = rng.permutation(len(y)) if s.shuffle else np.arange(len(y))
        for start in range(0, len(y), s.batch_size):
            idx = order[start : start + s.batch_size]
            t += 1
            eta = SCHEDULES[s.schedule](s, t, total)
            _, G = MODELS[name].loss(D[idx] @ W + b, y[idx])
            G = G * sw[idx, None] / len(idx)
            if s.optimizer in ("adagrad", "normalized_adagrad"):
                g = D[idx].T @ G
                H += g**2
                rate, divisor = eta, np.sqrt(H)
                if s.optimizer == "normalized_adagrad":  # Ross, Mineiro & Langford, as Vowpal Wabbit
                    x = np.abs(D[idx[0]])
                    grown = x > scales
                    W[grown] *= np.divide(scales, x, out=np.ones_like(x), where=grown & (scales > 0))[grown, None]
                    scales = np.maximum(scales, x)
                    N += sw[idx[0]] * (np.sum(np.divide(x, scales, out=np.zeros_like(x), where=x > 0) ** 2)
                                       + s.fit_intercept)
                    T += sw[idx[0]]
                    rate, divisor = eta * np.sqrt(T / N), divisor * scales[:, None]
                W = (1 - eta * s.l2) * W - rate * np.divide(g, divisor, out=np.zeros_like(g), where=H > 0)
                gb = G.sum(axis=0) if s.fit_intercept else np.zeros_like(b)
                Hb += gb**2
                b = b - rate * np.divide(gb, np.sqrt(Hb), out=np.zeros_like(gb), where=Hb > 0)
                W_sum, b_sum = W_sum + W, b_sum + b
                continue
            W = (1 - eta * s.l2) * W - eta * D[idx].T @ G
            if s.l1:
                u += eta * s.l1
                z = W.copy()
                W = np.where(W > 0, np.maximum(0, W - (u + q)), np.where(W < 0, np.minimum(0, W + (u - q)), W))
                q += W - z
            b = b - eta * G.sum(axis=0)
            W_sum, b_sum = W_sum + W, b_sum + b
    return (W_sum / t, b_sum / t) if s.average else (W, b)


@pytest.mark.parametrize("name", [m for m in MODELS if m != "mlp"])
@pytest.mark.parametrize("k, batch_size", [(2, 1), (3, 7), (3, 60)])
def test_sparse_scaled_sgd_equals_dense_reference(name, k, batch_size):
    X, y = random_problem(k=k)
    s = SgdSettings(epochs=3, learning_rate=0.05, batch_size=batch_size, l2=0.01)
    model = LinearModel.zeros(name, [str(c) for c in range(k)], X.shape[1])
    fit(model, X, y, settings=s, rng=np.random.default_rng(5))
    W, b = reference_sgd(name, X, y, k, s, seed=5)
    np.testing.assert_allclose(model.W, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", [m for m in MODELS if m != "mlp"])
@pytest.mark.parametrize("optimizer", ["adagrad", "normalized_adagrad"])
@pytest.mark.parametrize("changes", [{}, {"average": True}, {"fit_intercept": False, "schedule": "invscaling"}])
def test_adagrad_equals_dense_reference(name, optimizer, changes):
    """optimizer: adagrad (batch_size 1): each weight steps eta g / sqrt(sum of its g²); normalized_adagrad
    also rescales a feature's weights when a larger |x_j| arrives and steps eta sqrt(T/N) g / (sqrt(H) s_j)."""
    X, y = random_problem(k=3)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    s = SgdSettings(epochs=3, learning_rate=0.05, batch_size=1, l2=0.01, optimizer=optimizer, **changes)
    model = LinearModel.zeros(name, [str(c) for c in range(3)], X.shape[1])
    fit(model, X, y, settings=s, rng=np.random.default_rng(5), sample_weight=weights)
    W, b = reference_sgd(name, X, y, 3, s, seed=5, sample_weight=weights)
    np.testing.assert_allclose(model.W, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("changes", [
    {"average": True},
    {"average": True, "l2": 0.0},
    {"l1": 0.02, "l2": 0.0},
    {"schedule": "invscaling", "power_t": 0.25},
    {"schedule": "optimal"},
    {"schedule": "linear", "average": True},
    {"batch_size": 1, "average": True, "schedule": "linear"},
])
@pytest.mark.parametrize("name", ["hinge", "softmax"])
def test_lazy_updates_equal_dense_reference(name, changes):
    """Averaging, lazy L1 (without L2 the lazy clip is exact), schedules and class weights, against dense SGD."""
    X, y = random_problem(k=3, seed=2)
    base = {"epochs": 3, "learning_rate": 0.1, "batch_size": 5, "l2": 0.01}
    s = SgdSettings(**{**base, **changes})
    weights = np.array([1.0, 2.5, 0.5])[y]
    model = LinearModel.zeros(name, ["a", "b", "c"], X.shape[1])
    fit(model, X, y, settings=s, rng=np.random.default_rng(9), sample_weight=weights)
    W, b = reference_sgd(name, X, y, 3, s, seed=9, sample_weight=weights)
    np.testing.assert_allclose(model.W, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-9, atol=1e-12)
    if s.l1:
        assert (model.W == 0).mean() > 0.3  # L1 makes weights exactly zero


def test_scale_folding_keeps_average_exact():
    """A strong L2 underflows the scale many times; the averaged weights must not notice."""
    X, y = random_problem(k=3, seed=4)
    s = SgdSettings(epochs=4, learning_rate=0.5, batch_size=1, l2=1.9, average=True)
    model = LinearModel.zeros("logistic", ["a", "b", "c"], X.shape[1])
    fit(model, X, y, settings=s, rng=np.random.default_rng(1))
    W, b = reference_sgd("logistic", X, y, 3, s, seed=1)
    np.testing.assert_allclose(model.W, W, rtol=1e-6, atol=1e-9)  # a scale of 1e-9 costs digits


def test_schedule_values_at_known_steps():
    s = SgdSettings(learning_rate=0.5, power_t=0.5, l2=0.01)
    assert SCHEDULES["constant"](s, 7, 10) == 0.5
    assert SCHEDULES["invscaling"](s, 4, 10) == 0.25
    assert SCHEDULES["optimal"](s, 1, 10) == pytest.approx(0.5)
    assert SCHEDULES["optimal"](s, 101, 10) == pytest.approx(1 / (0.01 * (1 / 0.005 - 1 + 101)))
    assert [SCHEDULES["linear"](s, t, 4) for t in (1, 2, 3, 4)] == [0.5, 0.375, 0.25, 0.125]


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


@pytest.mark.parametrize("changes", [{}, {"batch_size": 7}, {"optimizer": "adagrad"}, {"fit_intercept": False}])
def test_the_l2_penalty_kept_by_the_steps_equals_the_weights_penalty(changes):
    """The compiled loop keeps sum(V²) up to date, so an epoch's objective needs no pass over the weights."""
    X, y = random_problem(k=3)
    s = SgdSettings(**{"epochs": 3, "learning_rate": 0.05, "batch_size": 1, "l2": 0.01, **changes})
    state = SgdState(np.zeros((X.shape[1], 3)), np.zeros(3), s)
    for epoch in range(3):
        train_pass(state, LinearModel.zeros("softmax", ["a", "b", "c"], X.shape[1]), sp.csr_matrix(X), y,
                   np.ones(len(y)), np.random.default_rng(epoch).permutation(len(y)), total=300, epoch=epoch + 1)
    W = state.V * state.scale
    np.testing.assert_allclose(state.penalty(), 0.5 * 0.01 * np.sum(W**2), rtol=1e-10)
    state.fold()
    np.testing.assert_allclose(state.penalty(), 0.5 * 0.01 * np.sum(state.V**2), rtol=1e-10)
