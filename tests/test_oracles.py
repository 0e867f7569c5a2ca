"""The linear learners against independent oracles: a plain perceptron, scikit-learn's solvers, closed-form ridge."""

import numpy as np
import pytest
from conftest import REPO, shared_dataset
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.svm import LinearSVC

from sgdtext.config import DEFAULTS
from sgdtext.core.losses import LOSSES as MODELS
from sgdtext.core.settings import TrainSettings as SgdSettings
from sgdtext.io.documents import ReadOptions, read_documents
from sgdtext.linear.model import LinearModel
from sgdtext.text.features import Featurizer
from sgdtext.training.data import label_indices, sort_labels
from sgdtext.training.fit import fit


def load(path, limit=None, **features):
    docs = list(read_documents(path, ReadOptions()))[:limit]
    featurizer = Featurizer({**DEFAULTS["features"], **features})
    X = featurizer.fit_transform(docs).to_scipy()
    classes = sort_labels(d.label for d in docs)
    return X, label_indices(docs, classes), classes, featurizer


SMS = REPO / "data" / "sms-spam"


def objective(name, X, y, W, b, l2):
    losses, _ = MODELS[name].loss(X @ W + b, y)
    return losses.mean() + 0.5 * l2 * np.sum(W**2)


def test_perceptron_equals_the_plain_lecture_rule_on_real_data():
    X, y, classes, _ = load(SMS / "train.tsv")
    model = LinearModel.zeros("perceptron", classes, X.shape[1])
    fit(model, X, y, settings=SgdSettings(epochs=2, learning_rate=1.0, batch_size=1, shuffle=False),
        rng=np.random.default_rng(0))
    w, b = np.zeros(X.shape[1]), 0.0
    D = X.toarray()
    for _ in range(2):
        for x, label in zip(D, y):
            target = 1.0 if label == 1 else -1.0
            predicted = 1.0 if w @ x + b >= 0 else -1.0  # the lecture: w·f >= 0 predicts +1
            if predicted != target:
                w += target * x
                b += target
    np.testing.assert_allclose(model.W[:, 0], w, rtol=0, atol=1e-12)
    assert model.b[0] == pytest.approx(b, abs=1e-12)


def test_perceptron_accuracy_matches_scikit_learn():
    """scikit-learn updates when y·score <= 0 (a positive example at score 0 is a mistake there, not here)."""
    X, y, classes, featurizer = load(SMS / "train.tsv")
    test_docs = list(read_documents(SMS / "test.tsv", ReadOptions()))
    Xt, yt = featurizer.transform(test_docs).to_scipy(), label_indices(test_docs, classes)
    model = LinearModel.zeros("perceptron", classes, X.shape[1])
    fit(model, X, y, settings=SgdSettings(epochs=5, learning_rate=1.0, batch_size=1, shuffle=False),
        rng=np.random.default_rng(0))
    ours = np.mean(model.predict_index(model.scores(Xt)) == yt)
    theirs = Perceptron(max_iter=5, tol=None, shuffle=False).fit(X, y).score(Xt, yt)
    assert abs(ours - theirs) <= 0.005, (ours, theirs)


@pytest.mark.parametrize("name", ["logistic", "softmax"])
def test_l2_logistic_and_softmax_reach_the_scikit_learn_optimum(name):
    """Full-batch gradient descent to convergence; LogisticRegression (lbfgs, intercept not penalised) at
    C = 1 / (n l2) minimises n/C times the same objective (two classes: logistic; trec-6: multinomial)."""
    if name == "logistic":
        X, y, classes, _ = load(SMS / "train.tsv", limit=1500, weighting="tfidf")
    else:
        X, y, classes, _ = load(shared_dataset("trec-6") / "train.tsv", weighting="tfidf")
    l2 = 1e-3
    model = LinearModel.zeros(name, classes, X.shape[1])
    fit(model, X, y, settings=SgdSettings(epochs=1500, learning_rate=4.0, batch_size=X.shape[0], l2=l2, shuffle=False),
        rng=np.random.default_rng(0))
    oracle = LogisticRegression(C=1 / (X.shape[0] * l2), tol=1e-12, max_iter=10000).fit(X, y)
    best = objective(name, X, y, oracle.coef_.T, oracle.intercept_, l2)
    ours = objective(name, X, y, model.W, model.b, l2)
    assert abs(ours - best) / best <= 1e-4, (ours, best)


def test_hinge_reaches_the_liblinear_optimum():
    """LinearSVC's default is the squared hinge and it penalises its intercept: compare hinge, no intercept."""
    X, y, classes, _ = load(SMS / "train.tsv", limit=1500, weighting="tfidf")
    l2 = 1e-2
    model = LinearModel.zeros("hinge", classes, X.shape[1])
    fit(model, X, y, settings=SgdSettings(epochs=100, learning_rate=1.0, schedule="optimal", average=True,
                                          batch_size=10, l2=l2, fit_intercept=False),
        rng=np.random.default_rng(0))
    oracle = LinearSVC(loss="hinge", C=1 / (X.shape[0] * l2), fit_intercept=False, tol=1e-10, max_iter=200000)
    oracle.fit(X, y)
    best = objective("hinge", X, y, oracle.coef_.T, 0.0, l2)
    ours = objective("hinge", X, y, model.W, 0.0, l2)
    assert abs(ours - best) / best <= 1e-3, (ours, best)


def test_linear_unit_reaches_the_closed_form_ridge_solution():
    X, y, classes, _ = load(SMS / "train.tsv", limit=1000, weighting="tfidf", min_df=3)
    l2 = 1e-2
    model = LinearModel.zeros("linear", classes, X.shape[1])
    fit(model, X, y, settings=SgdSettings(epochs=3000, learning_rate=1.5, batch_size=X.shape[0], l2=l2,
                                          fit_intercept=False, shuffle=False),
        rng=np.random.default_rng(0))
    D, t = X.toarray(), np.where(y == 1, 1.0, -1.0)
    n = len(t)
    w = np.linalg.solve(D.T @ D / n + l2 * np.eye(D.shape[1]), D.T @ t / n)
    np.testing.assert_allclose(model.W[:, 0], w, rtol=1e-6, atol=1e-8)
