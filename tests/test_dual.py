"""training.optimizer: dual_cd against LIBLINEAR (scikit-learn's LinearSVC), its stopping, determinism and warm
start."""

import numpy as np
import pytest
from conftest import REPO, shared_dataset
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC
from test_oracles import load

from sgdtext.core.losses import LOSSES as MODELS
from sgdtext.core.settings import TrainSettings as SgdSettings
from sgdtext.linear.model import LinearModel
from sgdtext.training.fit import fit

SMS = REPO / "data" / "sms-spam"


def dual_fit(name, X, y, classes, sample_weight=None, valid=None, model=None, **settings):
    model = model or LinearModel.zeros(name, classes, X.shape[1])
    history = fit(model, X, y, settings=SgdSettings(optimizer="dual_cd", **settings), rng=np.random.default_rng(0),
                  sample_weight=sample_weight, valid=valid)
    return model, history


def primal(name, X, y, W, b, l2, weights=None, W0=0.0):
    """Mean weighted loss + l2/2 ||(W, b) - W0||² (dual_cd penalises its intercept, as LIBLINEAR)."""
    losses, _ = MODELS[name].loss(X @ W + b, y)
    return np.average(losses, weights=weights) + 0.5 * l2 * np.sum((np.vstack([W, b]) - W0) ** 2)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("intercept", [True, False])
def test_dual_cd_reaches_liblinears_weights_on_sms_spam(name, intercept):
    """Same objective as LinearSVC(loss, C = 1 / (n l2), intercept_scaling 1): same weights, not only accuracy."""
    X, y, classes, _ = load(SMS / "train.tsv", weighting="tfidf")
    l2 = 1e-3
    model, history = dual_fit(name, X, y, classes, l2=l2, epochs=10000, dual_tol=1e-6, fit_intercept=intercept)
    assert history.stop_reason == "converged"
    oracle = LinearSVC(loss=name, C=1 / (X.shape[0] * l2), fit_intercept=intercept, tol=1e-10, max_iter=10**6)
    oracle.fit(X, y)
    np.testing.assert_allclose(model.W[:, 0], oracle.coef_[0], atol=1e-4 * np.abs(oracle.coef_).max())
    assert model.b[0] == pytest.approx(oracle.intercept_[0] if intercept else 0.0, abs=1e-4)
    ours = primal(name, X, y, model.W, model.b, l2)
    best = primal(name, X, y, oracle.coef_.T, oracle.intercept_ if intercept else np.zeros(1), l2)
    assert abs(ours - best) / best <= 1e-6, (ours, best)


@pytest.mark.parametrize("intercept", [True, False])
def test_dual_cd_logistic_reaches_liblinears_logistic_regression(intercept):
    """L2 logistic regression by LIBLINEAR's dual solver: the weights of LogisticRegression(solver="liblinear") at
    C = 1 / (n l2), which penalises its intercept as dual_cd does; one-vs-rest on trec-6 (shared data) too."""
    X, y, classes, _ = load(SMS / "train.tsv", weighting="tfidf")
    l2 = 1e-3
    model, history = dual_fit("logistic", X, y, classes, l2=l2, epochs=10000, dual_tol=1e-8, fit_intercept=intercept)
    assert history.stop_reason == "converged"
    oracle = LogisticRegression(solver="liblinear", C=1 / (X.shape[0] * l2), fit_intercept=intercept, tol=1e-10,
                                max_iter=10**5).fit(X, y)
    np.testing.assert_allclose(model.W[:, 0], oracle.coef_[0], atol=1e-5 * np.abs(oracle.coef_).max())
    assert model.b[0] == pytest.approx(oracle.intercept_[0] if intercept else 0.0, abs=1e-5)
    X, y, classes, _ = load(shared_dataset("trec-6") / "train.tsv", weighting="tfidf", min_df=2)
    model, _ = dual_fit("logistic", X, y, classes, l2=l2, epochs=10000, dual_tol=1e-8, fit_intercept=intercept)
    oracle = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=1 / (X.shape[0] * l2),
                                                    fit_intercept=intercept, tol=1e-10, max_iter=10**5)).fit(X, y)
    coef = np.vstack([e.coef_ for e in oracle.estimators_])
    np.testing.assert_allclose(model.W, coef.T, atol=1e-5 * np.abs(coef).max())
    np.testing.assert_allclose(model.proba(model.scores(X)), oracle.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("intercept", [True, False])
def test_dual_cd_linear_unit_reaches_the_closed_form_ridge_solution(intercept):
    """The delta rule's loss 1/2 (t - o)² with l2: ridge regression on +-1 targets, the intercept a penalised
    constant feature; against the normal equations."""
    X, y, classes, _ = load(SMS / "train.tsv", limit=1000, weighting="tfidf", min_df=3)
    l2 = 1e-2
    model, history = dual_fit("linear", X, y, classes, l2=l2, epochs=100000, dual_tol=1e-9, fit_intercept=intercept)
    assert history.stop_reason == "converged"
    D, t = X.toarray(), np.where(y == 1, 1.0, -1.0)
    if intercept:
        D = np.hstack([D, np.ones((len(D), 1))])
    n = len(t)
    w = np.linalg.solve(D.T @ D / n + l2 * np.eye(D.shape[1]), D.T @ t / n)
    np.testing.assert_allclose(model.W[:, 0], w[:X.shape[1]], rtol=0, atol=1e-6)
    assert model.b[0] == pytest.approx(w[-1] if intercept else 0.0, abs=1e-6)


def test_dual_cd_one_vs_rest_with_class_weights_equals_liblinear_on_trec6():
    """Six classes, each its own binary problem; an example's class weight scales its C in every one of them, as
    LinearSVC's sample_weight (its class_weight scales only the positive side of each one-vs-rest problem)."""
    X, y, classes, _ = load(shared_dataset("trec-6") / "train.tsv", weighting="tfidf", min_df=2)
    l2 = 2e-4
    counts = np.bincount(y)
    weight = len(y) / (len(classes) * counts)  # balanced
    model, history = dual_fit("squared_hinge", X, y, classes, sample_weight=weight[y], l2=l2, epochs=10000,
                              dual_tol=1e-6)
    oracle = LinearSVC(C=1 / (l2 * weight[y].sum()), tol=1e-10, max_iter=10**6).fit(X, y, sample_weight=weight[y])
    np.testing.assert_allclose(model.W, oracle.coef_.T, atol=1e-4 * np.abs(oracle.coef_).max())
    np.testing.assert_allclose(model.b, oracle.intercept_, atol=1e-4)
    assert np.mean(model.predict_index(model.scores(X)) == oracle.predict(X)) == 1.0


def test_dual_cd_weights_are_the_same_whatever_the_threads(monkeypatch):
    X, y, classes, _ = load(shared_dataset("trec-6") / "train.tsv", weighting="tfidf")
    runs = []
    for cores in ({0, 1}, {0}, {0, 1}):
        monkeypatch.setattr("os.sched_getaffinity", lambda pid, cores=cores: cores)
        model, _ = dual_fit("hinge", X, y, classes, l2=1e-4, epochs=5)
        runs.append((model.W.copy(), model.b.copy()))
    for W, b in runs[1:]:
        assert np.array_equal(W, runs[0][0]) and np.array_equal(b, runs[0][1])
    other = LinearModel.zeros("hinge", classes, X.shape[1])
    fit(other, X, y, settings=SgdSettings(optimizer="dual_cd", l2=1e-4, epochs=5), rng=np.random.default_rng(1))
    assert not np.array_equal(other.W, runs[0][0])  # the seed does choose the order


def test_dual_cd_stopping_rules():
    X, y, classes, _ = load(SMS / "train.tsv", weighting="tfidf")
    _, history = dual_fit("hinge", X, y, classes, l2=1e-3, epochs=2, dual_tol=1e-9)
    assert (history.stop_reason, history.stopped_epoch) == ("max_epochs", 2)
    _, history = dual_fit("hinge", X, y, classes, l2=1e-3, epochs=500)
    assert history.stop_reason == "converged" and 1 < history.stopped_epoch < 500
    losses = [record["loss"] for record in history.epochs]
    assert losses[-1] < losses[0]  # the primal objective, evaluated each epoch
    assert history.steps >= X.shape[0] * history.stopped_epoch // 10  # coordinate steps (shrinking skips some)
    half = X.shape[0] // 2
    _, history = dual_fit("hinge", X[:half], y[:half], classes, valid=(X[half:], y[half:]), l2=1e-3, epochs=500,
                          dual_tol=1e-9, early_stopping=True, patience=2)
    assert history.stop_reason == "valid_not_improving" and history.best_epoch is not None


def test_dual_cd_warm_start_minimises_the_penalty_around_the_old_weights():
    """From weights W0 the solver minimises mean loss + l2/2 ||W - W0||²: no small move lowers that."""
    X, y, classes, _ = load(SMS / "train.tsv", weighting="tfidf")
    half = X.shape[0] // 2
    first, _ = dual_fit("squared_hinge", X[:half], y[:half], classes, l2=1e-3, epochs=1000, dual_tol=1e-8)
    W0 = np.vstack([first.W, first.b])
    second, history = dual_fit("squared_hinge", X[half:], y[half:], classes, model=first, l2=1e-3, epochs=1000,
                               dual_tol=1e-8)
    assert history.stop_reason == "converged"
    Xs, ys = X[half:], y[half:]
    best = primal("squared_hinge", Xs, ys, second.W, second.b, 1e-3, W0=W0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        move = rng.normal(size=W0.shape) * 1e-3
        assert primal("squared_hinge", Xs, ys, second.W + move[:-1], second.b + move[-1], 1e-3, W0=W0) > best
    cold, _ = dual_fit("squared_hinge", Xs, ys, classes, l2=1e-3, epochs=1000, dual_tol=1e-8)
    assert not np.allclose(cold.W, second.W)  # the old weights did matter


def test_nb_scales_are_the_naive_bayes_log_count_ratios():
    """Against a loop over classes and features written from Wang & Manning's formula (binarised counts)."""
    from sgdtext.linear.dual import nb_scales

    X, y, classes, _ = load(SMS / "train.tsv", limit=300, weighting="tfidf")
    D = (X.toarray() != 0).astype(float)
    weights = np.linspace(0.5, 2.0, len(y))
    for k, positive in ((1, [1]), (2, [0, 1])):  # two classes as one column (sgdtext's) and as one-vs-rest
        R = nb_scales(X, y, k, weights, 0.5, 1.5)
        for row, c in enumerate(positive):
            p = 0.5 + (weights[y == c, None] * D[y == c]).sum(axis=0)
            q = 0.5 + (weights[y != c, None] * D[y != c]).sum(axis=0)
            np.testing.assert_allclose(R[row], np.abs(np.log(p / p.sum()) - np.log(q / q.sum())) ** 1.5,
                                       rtol=1e-9, atol=1e-12)


def test_nb_scale_equals_liblinear_on_the_scaled_features():
    """With nb_scale the solver is LinearSVC on X diag(R), and the model's weights are R times its weights."""
    from sgdtext.linear.dual import nb_scales

    X, y, classes, _ = load(SMS / "train.tsv", weighting="tfidf")
    l2 = 1e-3
    model, history = dual_fit("squared_hinge", X, y, classes, l2=l2, epochs=10000, dual_tol=1e-6, nb_scale=1.0,
                              nb_alpha=1.0)
    R = nb_scales(X, y, 1, np.ones(len(y)), 1.0, 1.0)[0]
    oracle = LinearSVC(C=1 / (X.shape[0] * l2), tol=1e-10, max_iter=10**6).fit(X.multiply(R).tocsr(), y)
    expected = oracle.coef_[0] * R
    np.testing.assert_allclose(model.W[:, 0], expected, atol=1e-4 * np.abs(expected).max())
    assert model.b[0] == pytest.approx(oracle.intercept_[0], abs=1e-4)
    plain, _ = dual_fit("squared_hinge", X, y, classes, l2=l2, epochs=10000, dual_tol=1e-6)
    assert not np.allclose(plain.W, model.W, atol=1e-3)


@pytest.mark.parametrize("k, width, d", [(1, 5, 5), (3, 7, 6), (20, 1001, 1000), (7, 13, 13), (5, 4, 3), (2, 1, 0)])
def test_the_weights_turn_feature_major_in_their_own_memory(k, width, d):
    """finish hands the model W = Wt[:, :d].T without a second copy: the transposition in place gives that matrix."""
    from sgdtext.linear._dual_fast import to_feature_major

    Wt = np.random.default_rng(k).normal(size=(k, width))
    expected = Wt[:, :d].T.copy()
    to_feature_major(Wt, d)
    np.testing.assert_array_equal(Wt.reshape(-1)[:d * k].reshape(d, k), expected)
