"""training.calibration: Platt's sigmoid on out-of-fold scores, against scikit-learn's CalibratedClassifierCV on the
same folds; predict --proba and --threshold on a calibrated SVM."""

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO, shared_dataset
from sklearn.calibration import CalibratedClassifierCV, _sigmoid_calibration
from sklearn.svm import LinearSVC
from test_oracles import load

from sgdtext.cli import cli
from sgdtext.core.calibration import fit_sigmoid, sigmoid_probabilities
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import DataError
from sgdtext.io.documents import ReadOptions, read_documents
from sgdtext.linear.model import LinearModel
from sgdtext.training.calibration import calibrate, stratified_folds
from sgdtext.training.fit import fit

SMS = REPO / "data" / "sms-spam"


def test_the_sigmoid_fit_is_platts_as_scikit_learn_does_it():
    rng = np.random.default_rng(0)
    positive = rng.random(300) < 0.3
    scores = rng.normal(size=300) + 1.5 * positive
    for F in (scores, 40 * scores):  # large scores are scaled for the fit
        a, b = fit_sigmoid(F, positive)
        a_ref, b_ref = _sigmoid_calibration(F, positive.astype(int))
        assert a == pytest.approx(a_ref, rel=1e-5) and b == pytest.approx(b_ref, rel=1e-5, abs=1e-7)


def test_probabilities_of_two_and_more_columns():
    p = sigmoid_probabilities(np.array([[0.0], [2.0]]), np.array([-1.0]), np.array([0.0]))
    np.testing.assert_allclose(p, [[0.5, 0.5], [1 - 1 / (1 + np.exp(-2)), 1 / (1 + np.exp(-2))]])
    p = sigmoid_probabilities(np.array([[1.0, -1.0, 0.0]]), -np.ones(3), np.zeros(3))
    assert p.sum() == pytest.approx(1.0) and p[0, 0] > p[0, 2] > p[0, 1]


def calibrated(X, y, classes, n_folds=5):
    settings_for = lambda n: TrainSettings(optimizer="dual_cd", l2=1.0 / n, epochs=10000, dual_tol=1e-6)
    model = LinearModel.zeros("squared_hinge", classes, X.shape[1])
    fit(model, X, y, settings=settings_for(X.shape[0]), rng=np.random.default_rng(0))
    calibrate(model, X, y, n_folds=n_folds, settings_for=settings_for, seed=0)
    folds = stratified_folds(y, n_folds, np.random.default_rng([0, 3]))
    oracle = CalibratedClassifierCV(LinearSVC(C=1.0, tol=1e-10, max_iter=10**6), method="sigmoid", ensemble=False,
                                    cv=[(np.flatnonzero(folds != k), np.flatnonzero(folds == k))
                                        for k in range(n_folds)]).fit(X, y)
    return model, oracle


def test_calibrated_svm_equals_calibrated_classifier_cv_on_the_same_folds():
    X, y, classes, featurizer = load(SMS / "train.tsv", weighting="tfidf")
    model, oracle = calibrated(X, y, classes)
    Xt = featurizer.transform(list(read_documents(SMS / "test.tsv", ReadOptions()))).to_scipy()
    ours, theirs = model.proba(model.scores(Xt)), oracle.predict_proba(Xt)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert model.calibration["A"].shape == (1,) and model.has_proba


def test_calibrated_one_vs_rest_equals_calibrated_classifier_cv():
    folder = shared_dataset("trec-6")
    X, y, classes, _ = load(folder / "train.tsv", weighting="tfidf")
    model, oracle = calibrated(X, y, classes)
    ours, theirs = model.proba(model.scores(X[:500])), oracle.predict_proba(X[:500])
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_a_class_smaller_than_the_folds_is_refused():
    X, y, classes, _ = load(SMS / "train.tsv", limit=40, weighting="tfidf")
    model = LinearModel.zeros("hinge", classes, X.shape[1])
    counts = np.bincount(y)
    with pytest.raises(DataError, match=rf"class 'spam' has {counts[1]} training document\(s\), fewer than the 10 "
                                        rf"folds; set calibration_folds to at most {counts[1]}"):
        calibrate(model, X, y, n_folds=10, settings_for=lambda n: TrainSettings(), seed=0)


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_predict_probabilities_and_threshold_from_a_calibrated_svm(tmp_path):
    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set", "model.type=hinge",
                 "--set", "training.calibration=sigmoid", "--set", "training.calibration_folds=3")
    assert result.exit_code == 0, result.output
    model = tmp_path / "model.npz"
    lines = "WINNER!! You have won a FREE prize, call now to claim\nsee you at lunch tomorrow\n"
    proba = run("predict", model, "--proba", input=lines)
    assert proba.exit_code == 0, proba.output
    rows = [line.split("\t") for line in proba.output.splitlines()]
    assert [row[0] for row in rows] == ["spam", "ham"]
    assert all(float(row[1]) + float(row[3]) == pytest.approx(1.0, abs=2e-6) and float(row[1]) > 0.5 for row in rows)
    certain = run("predict", model, "--threshold", "0.5", input=lines)
    assert certain.output == "spam\nham\n"
    strict = run("predict", model, "--threshold", "1.0", "--unknown", "?", input=lines)
    assert strict.output == "?\n?\n"
    empty = run("predict", model, "--threshold", "1.0", "--format", "jsonl", input=lines)
    assert empty.output == '{"label": null}\n{"label": null}\n'
    assert "calibrated (sigmoid)" in run("inspect", model).output.splitlines()[0]


def test_threshold_needs_probabilities_and_unknown_needs_threshold(tmp_path):
    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set", "model.type=hinge",
                 "--set", "training.epochs=1")
    assert result.exit_code == 0, result.output
    refused = run("predict", tmp_path / "model.npz", "--threshold", "0.9", input="hello\n")
    assert refused.exit_code == 2 and "--threshold: a hinge model gives no probabilities" in refused.stderr
    assert "set training.calibration: sigmoid" in refused.stderr
    alone = run("predict", tmp_path / "model.npz", "--unknown", "?", input="hello\n")
    assert alone.exit_code == 2 and "--unknown: names the label printed when no label reaches --threshold" in \
        alone.stderr


def test_calibration_is_refused_where_it_cannot_apply():
    from sgdtext.config import validate
    from sgdtext.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        validate({"data": {"train": "t"}, "model": {"type": "mlp", "hidden_sizes": [4]},
                  "training": {"calibration": "sigmoid"}})
    assert err.value.problems == ["training -> calibration: an mlp's softmax gives probabilities; remove calibration"]
    with pytest.raises(ConfigError) as err:
        validate({"data": {"train": "t", "chunk_size": 10}, "features": {"n_features": 1024},
                  "training": {"calibration": "sigmoid"}})
    assert err.value.problems == ["training -> calibration: calibration trains K more models on the data in memory; "
                                  "remove calibration or data.chunk_size"]
