"""Multi-label classification (issue 16): label sets read from fastText, JSON Lines and TSV; one-vs-rest training
equal to scikit-learn's per label; thresholds; predict's label sets; the metrics against scikit-learn's."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO
from sklearn.metrics import f1_score, hamming_loss, precision_score, recall_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from sgdtext.cli import cli
from sgdtext.core.settings import TrainSettings
from sgdtext.training.evaluation import label_matrix
from sgdtext.training.metrics import multilabel_metrics
from sgdtext.training.multilabel import best_threshold, fit_one_vs_rest

SMS = REPO / "data" / "sms-spam"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def sms_sets(limit=None):
    """Real texts with label sets: spam or ham, and "money" as well when the text names a price or prize."""
    rows = [line.split("\t", 1) for line in SMS.joinpath("train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    sets = [(label,) + (("money",) if any(w in text.lower() for w in ("£", "$", "prize", "cash")) else ())
            for label, text in rows[:limit]]
    return sets, [text for _, text in rows[:limit]]


@pytest.fixture(scope="module")
def multilabel_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ml")
    sets, texts = sms_sets()
    lines = ["label\ttext"] + [f"{','.join(s)}\t{t}" for s, t in zip(sets, texts)]
    (folder / "train.tsv").write_text("\n".join(lines[:3001]) + "\n", encoding="utf-8")
    (folder / "test.tsv").write_text("\n".join(lines[:1] + lines[3001:]) + "\n", encoding="utf-8")
    return folder


def test_a_label_column_with_several_labels_trains_a_multi_label_model(multilabel_file, tmp_path):
    (tmp_path / "c.yaml").write_text(json.dumps({"data": {
        "train": str(multilabel_file / "train.tsv"), "test": str(multilabel_file / "test.tsv"),
        "label_separator": ","}}))
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "model", "--json")
    assert result.exit_code == 0, result.output
    assert "documents hold several labels (first: " in result.stderr and "training a multi-label model" in \
        result.stderr
    test = json.loads(result.stdout)["test"]
    assert test["multilabel"] and test["micro_f1"] > 0.9 and test["labels"] == ["ham", "money", "spam"]
    assert set(test) >= {"micro_precision", "micro_recall", "macro_f1", "hamming_loss", "precision_at_k", "per_class"}
    texts = ["WINNER! claim your cash prize now, call 0800", "see you at lunch"]
    jsonl = run("predict", tmp_path / "model", "--format", "jsonl", "--proba", input=texts[0] + "\n")
    record = json.loads(jsonl.stdout)
    best_first = sorted(record["proba"], key=record["proba"].get, reverse=True)
    assert set(record["labels"]) == {"spam", "money"} and record["labels"] == best_first
    assert all(p >= 0.5 for p in record["proba"].values())
    tsv = run("predict", tmp_path / "model", input="".join(t + "\n" for t in texts))
    assert tsv.stdout.splitlines() == [",".join(best_first), "ham"]  # best first, joined by the data's separator
    top = run("predict", tmp_path / "model", "--top-k", "1", input=texts[0] + "\n").stdout
    assert top == best_first[0] + "\n"
    none = run("predict", tmp_path / "model", "--threshold", "0.9999", input="see you at lunch\n")
    assert none.exit_code == 0 and none.stdout == "\n"  # the empty set is an empty field
    evaluated = run("evaluate", tmp_path / "model", multilabel_file / "test.tsv")
    assert evaluated.exit_code == 0 and "micro F1" in evaluated.stdout and "Hamming loss" in evaluated.stdout


def test_one_vs_rest_by_dual_cd_equals_linearsvc_per_label(multilabel_file):
    from sgdtext.config import Config, validate
    from sgdtext.text.features import Featurizer
    from sgdtext.training.data import label_sets, read_all, read_options

    raw = {"data": {"train": str(multilabel_file / "train.tsv"), "label_separator": ","},
           "features": {"weighting": "tfidf", "ngram_range": [1, 1]},
           "model": {"type": "squared_hinge", "multilabel": True},
           "training": {"optimizer": "dual_cd", "l2": 1e-3, "dual_tol": 1e-6, "epochs": 10000}}
    config = Config.from_mapping(validate(raw))
    docs = read_all(config.data.train, read_options(config.data, True), print)
    X = Featurizer(config.features).fit_transform(docs).to_scipy()
    labels = ["ham", "money", "spam"]
    Y = label_matrix(label_sets(docs), labels)
    settings = TrainSettings.from_config(config, n_examples=X.shape[0])
    W, b, _ = fit_one_vs_rest("squared_hinge", X, Y, labels, settings, 0, None, workers=1)
    oracle = OneVsRestClassifier(LinearSVC(C=1 / (X.shape[0] * 1e-3), tol=1e-10, max_iter=10**6)).fit(X, Y)
    coef = np.vstack([e.coef_ for e in oracle.estimators_])
    np.testing.assert_allclose(W, coef.T, atol=1e-4 * np.abs(coef).max())
    np.testing.assert_allclose(b, [e.intercept_[0] for e in oracle.estimators_], atol=1e-4)
    W2, b2, _ = fit_one_vs_rest("squared_hinge", X, Y, labels, settings, 0, None, workers=2)
    assert np.array_equal(W, W2) and np.array_equal(b, b2)  # the same weights whatever the processes


def test_the_metrics_equal_scikit_learns():
    rng = np.random.default_rng(0)
    truth, predicted = rng.random((200, 6)) < 0.3, rng.random((200, 6)) < 0.3
    truth[:, 5] = predicted[:, 5] = False  # a label nobody holds or predicts
    m = multilabel_metrics(truth, predicted, rng.random((200, 6)), list("abcdef"))
    assert m["micro_f1"] == pytest.approx(f1_score(truth, predicted, average="micro", zero_division=0))
    assert m["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro", zero_division=0))
    assert m["micro_precision"] == pytest.approx(precision_score(truth, predicted, average="micro", zero_division=0))
    assert m["macro_recall"] == pytest.approx(recall_score(truth, predicted, average="macro", zero_division=0))
    assert m["hamming_loss"] == pytest.approx(hamming_loss(truth, predicted))
    assert m["accuracy"] == pytest.approx(np.mean(np.all(truth == predicted, axis=1)))
    f1s = f1_score(truth, predicted, average=None, zero_division=0)
    assert [m["per_class"][c]["f1"] for c in "abcdef"] == pytest.approx(f1s)


def test_a_tuned_threshold_maximises_f1_on_the_validation_scores():
    scores = np.array([3.0, 2.0, 1.0, 0.5, -1.0, -2.0])
    truth = np.array([True, True, False, True, False, False])
    threshold = best_threshold(scores, truth)
    assert threshold == pytest.approx(-0.25)  # halfway between the lowest score kept (0.5) and the next (-1)
    kept = scores >= threshold
    f1 = 2 * (kept & truth).sum() / (kept.sum() + truth.sum())
    assert f1 == max(2 * (scores >= t)[truth].sum() / ((scores >= t).sum() + truth.sum()) for t in scores)


def test_thresholds_tuned_on_validation_data(multilabel_file, tmp_path):
    (tmp_path / "c.yaml").write_text(json.dumps({"data": {
        "train": str(multilabel_file / "train.tsv"), "label_separator": ",", "validation_split": 0.2},
        "model": {"multilabel": True}, "training": {"thresholds": "per_label"}}))
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "model", "--json")
    assert result.exit_code == 0, result.output
    assert "thresholds tuned" in run("inspect", tmp_path / "model").stdout


def test_multi_label_data_a_single_label_config_and_models_that_cannot_are_refused(multilabel_file, tmp_path):
    base = {"train": str(multilabel_file / "train.tsv"), "label_separator": ","}
    cases = [({"model": {"multilabel": False}}, "holds 2 labels (spam, money), but the model trains single-label"),
             ({"model": {"type": "softmax"}}, "softmax's probabilities share one sum over the labels"),
             ({"model": {"type": "mlp", "hidden_sizes": [8]}, "training": {"class_weight": "balanced"}},
              "a multi-label network weighs documents, not labels"),
             ({"data": {**base, "chunk_size": 500}, "features": {"n_features": 4096},
               "model": {"multilabel": False}}, "but the model trains single-label (model.multilabel: false"),
             ({"model": {"multilabel": True}, "training": {"thresholds": "micro"}},
              "training -> thresholds: micro tunes the thresholds on validation data")]
    for extra, message in cases:
        (tmp_path / "c.yaml").write_text(json.dumps({"data": dict(base)} | extra))
        result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "model")
        assert result.exit_code == 1 and message in result.stderr, (extra, result.stderr)


def test_a_warm_start_goes_on_from_a_multi_label_model(multilabel_file, tmp_path):
    lines = (multilabel_file / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "day1.tsv").write_text("\n".join(lines[:1501]) + "\n", encoding="utf-8")
    (tmp_path / "day2.tsv").write_text("\n".join(lines[:1] + lines[1501:]) + "\n", encoding="utf-8")
    settings = {"model": {"multilabel": True}, "training": {"optimizer": "sgd", "epochs": 3}}
    for day in ("day1", "day2"):
        (tmp_path / f"{day}.yaml").write_text(json.dumps({"data": {"train": f"{day}.tsv", "label_separator": ","},
                                                          **settings}))
    assert run("train", tmp_path / "day1.yaml", "--out-dir", tmp_path / "one").exit_code == 0
    warm = run("train", tmp_path / "day2.yaml", "--out-dir", tmp_path / "two", "--init-model",
               tmp_path / "one" / "model.npz", "--json")
    assert warm.exit_code == 0, warm.output
    cold = run("train", tmp_path / "day2.yaml", "--out-dir", tmp_path / "cold", "--json")
    from sgdtext.models import load_model

    first, second, fresh = (load_model(tmp_path / name / "model.npz")[0] for name in ("one", "two", "cold"))
    assert second.classes == first.classes and second.W.shape[0] >= first.W.shape[0]
    assert not np.array_equal(second.W, fresh.W)  # it went on from day 1's weights, not from zeros
    assert json.loads(warm.stdout)["train"]["micro_f1"] > 0.8 and json.loads(cold.stdout)["train"]["micro_f1"] > 0.8
    single = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path / "single",
                 "--set", "features.ngram_min_df=2")  # the day 2 config's features
    assert single.exit_code == 0
    refused = run("train", tmp_path / "day2.yaml", "--out-dir", tmp_path / "three", "--init-model",
                  tmp_path / "single" / "model.npz")
    assert refused.exit_code == 1 and "label 'money' is not a class of" in refused.stderr


def test_a_network_with_a_sigmoid_per_label(multilabel_file, tmp_path):
    (tmp_path / "c.yaml").write_text(json.dumps({
        "data": {"train": str(multilabel_file / "train.tsv"), "test": str(multilabel_file / "test.tsv"),
                 "label_separator": ",", "validation_split": 0.2},
        "model": {"type": "mlp", "hidden_sizes": [16], "multilabel": True},
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 4, "thresholds": "per_label"}}))
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "model", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["test"]["multilabel"] and metrics["test"]["micro_f1"] > 0.9
    assert "valid_accuracy" in metrics["training"]["epochs"][-1]  # the subset accuracy of the validation data
    described = run("inspect", tmp_path / "model").stdout
    assert "sigmoid output (multi-label): W 16 x 3" in described
    texts = ["WINNER! claim your cash prize now, call 0800", "see you at lunch"]
    out = run("predict", tmp_path / "model", "--format", "jsonl", "--proba", input="".join(t + "\n" for t in texts))
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert "spam" in first["labels"] and second["labels"] == ["ham"]
    assert all(0 <= p <= 1 for p in first["proba"].values())
    from sgdtext.models import load_model

    network = load_model(tmp_path / "model" / "model.npz")[0]
    assert network.multilabel and network.thresholds.shape == (3,) and np.any(network.thresholds != 0)


def test_streaming_trains_a_multi_label_model_a_chunk_at_a_time(multilabel_file, tmp_path):
    config = {"data": {"train": str(multilabel_file / "train.tsv"), "test": str(multilabel_file / "test.tsv"),
                       "label_separator": ",", "chunk_size": 500},
              "features": {"n_features": 2**16},
              "training": {"optimizer": "sgd", "learning_rate": 0.5, "epochs": 3}}
    (tmp_path / "c.yaml").write_text(json.dumps(config))
    runs = [run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / f"m{i}", "--json") for i in range(2)]
    assert runs[0].exit_code == 0, runs[0].output
    assert "training a multi-label model" in runs[0].stderr
    metrics = json.loads(runs[0].stdout)
    assert metrics["test"]["multilabel"] and metrics["test"]["micro_f1"] > 0.9
    assert metrics["training"]["epochs"][-1]["progressive"]
    from sgdtext.models import load_model

    first, second = (load_model(tmp_path / f"m{i}" / "model.npz")[0] for i in range(2))
    assert first.classes == ["ham", "money", "spam"] and np.array_equal(first.W, second.W)  # deterministic
    out = run("predict", tmp_path / "m0", input="WINNER! claim your cash prize now, call 0800\n")
    assert "spam" in out.stdout.strip().split(",")
    warm = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "warm", "--init-model",
               tmp_path / "m0" / "model.npz")
    assert warm.exit_code == 0, warm.output
    assert not np.array_equal(load_model(tmp_path / "warm" / "model.npz")[0].W, first.W)  # went on from m0
    config["training"]["class_weight"] = "balanced"
    (tmp_path / "w.yaml").write_text(json.dumps(config))
    weighted = run("train", tmp_path / "w.yaml", "--out-dir", tmp_path / "weighted", "--json")
    assert weighted.exit_code == 0 and json.loads(weighted.stdout)["test"]["micro_f1"] > 0.85
