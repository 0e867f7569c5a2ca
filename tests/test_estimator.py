"""sgdtext.TextClassifier inside scikit-learn's tools: Pipeline, GridSearchCV, cross_val_score, clone; the same
accuracy as the command line for the same settings."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import sgdtext
from sgdtext.cli import cli


def sms(name, limit=None):
    rows = [line.split("\t", 1) for line in (REPO / "data" / "sms-spam" / name).read_text().splitlines()[1:limit]]
    return [text for _, text in rows], [label for label, _ in rows]


def test_the_same_accuracy_as_the_command_line(tmp_path):
    X, y = sms("train.tsv")
    Xt, yt = sms("test.tsv")
    ours = sgdtext.TextClassifier().fit(X, y).score(Xt, yt)
    (tmp_path / "c.yaml").write_text(f"data:\n  train: {REPO / 'data/sms-spam/train.tsv'}\n"
                                     f"  test: {REPO / 'data/sms-spam/test.tsv'}\n")
    result = CliRunner().invoke(cli, ["train", str(tmp_path / "c.yaml"), "--out-dir", str(tmp_path / "run"), "--json"])
    assert ours == json.loads(result.stdout)["test"]["accuracy"]


def test_in_a_pipeline_a_grid_search_and_cross_validation():
    X, y = sms("train.tsv", 1500)
    lower = FunctionTransformer(lambda texts: [t.lower() for t in texts])
    pipeline = Pipeline([("lower", lower), ("classify", sgdtext.TextClassifier())])
    grid = GridSearchCV(pipeline, {"classify__C": [1.0, 30.0], "classify__model": ["logistic", "squared_hinge"]},
                        cv=3).fit(X, y)
    assert grid.best_score_ > 0.95 and set(grid.best_params_) == {"classify__C", "classify__model"}
    scores = cross_val_score(sgdtext.TextClassifier(ngram_range=(1, 1)), X, y, cv=3)
    assert len(scores) == 3 and scores.min() > 0.9
    copy = clone(sgdtext.TextClassifier(C=3.0))
    assert copy.get_params()["C"] == 3.0


def test_char_ngram_range_is_a_parameter_and_auto_is_decided_by_the_texts():
    X, y = sms("train.tsv", 1500)
    auto = sgdtext.TextClassifier().fit(X, y)  # short messages: auto adds character 2-5-grams
    assert auto.classifier_.featurizer.settings.char_ngram_range == [2, 5]
    words = sgdtext.TextClassifier(char_ngram_range=None).fit(X, y)
    assert words.classifier_.featurizer.settings.char_ngram_range is None and words.n_features_ < auto.n_features_
    short = sgdtext.TextClassifier(char_ngram_range=(3, 4)).fit(X, y)
    assert short.classifier_.featurizer.settings.char_ngram_range == [3, 4]
    with pytest.raises(ValueError, match="char_ngram_range: must be"):
        sgdtext.TextClassifier(char_ngram_range=(5, 2)).fit(X, y)


def test_labels_keep_their_type_and_probabilities_their_order():
    X, y = sms("train.tsv", 800)
    numeric = np.where(np.array(y) == "spam", 1, 0)
    model = sgdtext.TextClassifier().fit(X, numeric)
    assert model.classes_.tolist() == [0, 1] and model.predict(["free prize call now"]).tolist() == [1]
    assert model.predict_proba(["free prize call now"]).shape == (1, 2)


def test_the_errors_scikit_learn_users_expect():
    X, y = sms("train.tsv", 100)
    with pytest.raises(NotFittedError):
        sgdtext.TextClassifier().predict(["hello"])
    with pytest.raises(ValueError, match="X has 99 documents but y has 98 labels"):
        sgdtext.TextClassifier().fit(X, y[:98])
    with pytest.raises(ValueError, match="X must be an iterable of strings"):
        sgdtext.TextClassifier().fit([1, 2], ["a", "b"])
    fitted = sgdtext.TextClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X must be an iterable of strings, one document each; got one string"):
        fitted.predict("hello")
    with pytest.raises(ValueError, match="X must be an iterable of strings"):
        fitted.predict_proba([b"bytes"])
    with pytest.raises(ValueError, match=r"sample_weight has 3 values for 99 documents"):
        sgdtext.TextClassifier().fit(X, y, sample_weight=[1, 2, 3])
    with pytest.raises(ValueError, match=r"model -> type: must be one of .*; got 'svm'"):
        sgdtext.TextClassifier(model="svm").fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter 'learnin_rate' for TextClassifier; did you mean "
                                         "'learning_rate'?"):
        sgdtext.TextClassifier().set_params(learnin_rate=0.1)


def test_partial_fit_over_chunks_equals_the_streaming_command_line(tmp_path):
    X, y = sms("train.tsv")
    settings = {"features": {"n_features": 2**18, "weighting": "count"},
                "training": {"optimizer": "sgd", "l2": 1e-5, "learning_rate": 0.5, "batch_size": 8, "epochs": 1}}
    model = sgdtext.TextClassifier(model="logistic", config=settings)
    for start in range(0, len(X), 1000):
        model.partial_fit(X[start:start + 1000], y[start:start + 1000], classes=["ham", "spam"])
    (tmp_path / "c.yaml").write_text(
        f"data: {{train: {REPO / 'data/sms-spam/train.tsv'}, chunk_size: 1000, chunk_cache: false}}\n"
        "features: {n_features: 262144, weighting: count}\nmodel: {type: logistic}\n"
        "training: {optimizer: sgd, l2: 1.0e-5, learning_rate: 0.5, batch_size: 8, epochs: 1}\n")
    result = CliRunner().invoke(cli, ["train", str(tmp_path / "c.yaml"), "--out-dir", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    streamed = sgdtext.load(tmp_path / "run")
    np.testing.assert_allclose(model.classifier_.model.W, streamed.model.W, rtol=1e-6, atol=1e-12)  # (float32 file)
    Xt, yt = sms("test.tsv")
    assert model.predict(Xt).tolist() == streamed.predict(Xt)
    assert model.score(Xt, yt) > 0.95


def test_partial_fit_needs_the_classes_first_and_sgd():
    X, y = sms("train.tsv", 200)
    with pytest.raises(ValueError, match="classes must be given on the first call to partial_fit"):
        sgdtext.TextClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="partial_fit steps SGD a batch at a time"):
        sgdtext.TextClassifier(config={"training": {"average": True}}).partial_fit(X, y, classes=["ham", "spam"])
    model = sgdtext.TextClassifier().partial_fit(X, y, classes=["ham", "spam", "other"])
    with pytest.raises(ValueError, match="y holds 'new', not one of the classes given on the first call"):
        model.partial_fit(["x"], ["new"])


def test_a_fitted_classifier_pickles_through_joblib(tmp_path):
    import joblib

    X, y = sms("train.tsv", 800)
    model = sgdtext.TextClassifier().fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    again = joblib.load(tmp_path / "model.joblib")
    Xt, _ = sms("test.tsv")
    assert again.predict(Xt).tolist() == model.predict(Xt).tolist()
    np.testing.assert_allclose(again.predict_proba(Xt[:50]), model.predict_proba(Xt[:50]))


def test_linear_classifier_partial_fit_steps_as_the_text_classifier_on_the_same_matrix():
    X, y = sms("train.tsv")
    settings = {"features": {"n_features": 2**16, "weighting": "count"},
                "training": {"optimizer": "sgd", "l2": 1e-5, "learning_rate": 0.5, "batch_size": 8}}
    texts = sgdtext.TextClassifier(model="hinge", config=settings)
    numbers = sgdtext.LinearClassifier(model="hinge", optimizer="sgd", l2=1e-5, learning_rate=0.5, batch_size=8)
    for start in range(0, len(X), 1000):
        texts.partial_fit(X[start:start + 1000], y[start:start + 1000], classes=["ham", "spam"])
        matrix = texts.classifier_.featurizer.transform_texts(X[start:start + 1000]).to_scipy()
        numbers.partial_fit(matrix, y[start:start + 1000], classes=["ham", "spam"])
    np.testing.assert_array_equal(numbers.coef_, texts.classifier_.model.W.T)
    np.testing.assert_array_equal(numbers.intercept_, texts.classifier_.model.b)
    Xt, yt = sms("test.tsv")
    assert numbers.score(texts.classifier_.featurizer.transform_texts(Xt).to_scipy(), yt) == texts.score(Xt, yt) > 0.95


def test_partial_fit_after_fit_goes_on_from_the_fitted_weights():
    X, y = sms("train.tsv", 1500)
    model = sgdtext.TextClassifier().fit(X[:1000], y[:1000])
    before = model.classifier_.model.W.copy()
    model.partial_fit(X[1000:], y[1000:])
    after = model.classifier_.model.W
    assert after.shape == before.shape and not np.array_equal(after, before)
    assert np.corrcoef(before.ravel(), after.ravel())[0, 1] > 0.5  # a step from there, not a fresh start
    with pytest.raises(ValueError, match=r"classes \['a', 'b'\] differ from the ones the model was started with"):
        model.partial_fit(X[:10], y[:10], classes=["a", "b"])
    refit = model.fit(X[:1000], y[:1000])  # fit starts again
    np.testing.assert_array_equal(refit.classifier_.model.W, before)


def test_partial_fit_refuses_what_streaming_cannot_train():
    X, y = sms("train.tsv", 200)
    network = sgdtext.TextClassifier(model="mlp", config={"model": {"hidden_sizes": [4]}, "training": {"epochs": 1}})
    with pytest.raises(ValueError, match="streaming is for the linear models; an mlp trains in memory"):
        network.fit(X, y).partial_fit(X, y)
    calibrated = sgdtext.TextClassifier(model="squared_hinge", config={"training": {"calibration": "sigmoid"}})
    with pytest.raises(ValueError, match="calibration trains K more models on the data in memory"):
        calibrated.fit(X, y).partial_fit(X, y)


def test_the_docstring_examples_run(monkeypatch):
    import doctest

    import sgdtext.api
    import sgdtext.estimator

    monkeypatch.chdir(REPO)  # the examples name data/ relative to the repository
    for module in (sgdtext.api, sgdtext.estimator):
        failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert attempted > 0 and failed == 0, module.__name__
