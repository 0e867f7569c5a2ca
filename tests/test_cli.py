import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sgdtext.cli import cli

REPO = Path(__file__).resolve().parent.parent
SMS_CONFIG = REPO / "configs" / "sms-spam.yaml"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def sms_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("sms")
    result = run("train", SMS_CONFIG, "--out-dir", out, "--set", "training.epochs=3")
    assert result.exit_code == 0, result.output
    return out / "model.npz"


def test_train_writes_model_and_metrics(sms_model):
    metrics = json.loads((sms_model.parent / "metrics.json").read_text())
    assert set(metrics) >= {"train", "test", "training", "config"}
    assert metrics["test"]["n_documents"] == 1114 and metrics["test"]["labels"] == ["ham", "spam"]
    assert set(metrics["test"]["per_class"]["spam"]) == {"precision", "recall", "f1", "support"}
    training = metrics["training"]
    assert training["stop_reason"] == "max_epochs" and training["stopped_epoch"] == 3
    assert [sorted(e) for e in training["epochs"]] == [["accuracy", "epoch", "loss", "progressive", "seconds"]] * 3
    assert training["documents_per_second"] > 0
    assert metrics["config"]["training"]["epochs"] == 3 and metrics["config"]["model"]["type"] == "logistic"


def test_train_summary_goes_to_stderr_and_json_to_stdout(tmp_path):
    result = run("train", SMS_CONFIG, "--out-dir", tmp_path, "--set", "training.epochs=1", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["training"]["stopped_epoch"] == 1
    assert "test accuracy" in result.stderr and f"wrote {tmp_path / 'model.npz'}" in result.stderr


def test_predict_one_line_per_input_line_in_order(sms_model):
    text = "WINNER!! Claim your FREE prize now, call 09061701461\n\nsee you at lunch\nURGENT! You have won cash\n"
    result = run("predict", sms_model, input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["spam", "ham", "ham", "spam"]


def test_predict_probabilities_top_k_and_jsonl(sms_model):
    result = run("predict", sms_model, "--proba", input="FREE prize call now\n")
    label, p, other, q = result.stdout.rstrip("\n").split("\t")
    assert (label, other) == ("spam", "ham") and abs(float(p) + float(q) - 1) < 1e-5 and float(p) > 0.5
    result = run("predict", sms_model, "--format", "jsonl", "--top-k", "2", input="hello\n")
    assert json.loads(result.stdout) == {"label": "ham", "top": ["ham", "spam"]}
    assert result.stderr == ("sgdtext: --top-k 2: a single-label model ranks its classes (one of them is the "
                             "answer), so each line holds the 2 most likely, best first; a multi-label model "
                             "(model.multilabel) predicts label sets\n")
    result = run("predict", sms_model, "--format", "jsonl", "--proba", input="hello\n")
    record = json.loads(result.stdout)
    assert record["label"] == "ham" and set(record["proba"]) == {"ham", "spam"}


def test_predict_reads_files_and_gzip(sms_model, tmp_path):
    import gzip

    with gzip.open(tmp_path / "in.txt.gz", "wt") as handle:
        handle.write("FREE prize call now\nhello\n")
    (tmp_path / "b.txt").write_text("see you\n")
    result = run("predict", sms_model, tmp_path / "in.txt.gz", tmp_path / "b.txt")
    assert result.stdout.splitlines() == ["spam", "ham", "ham"]


def test_predict_invalid_utf8_is_reported_once(sms_model):
    result = run("predict", sms_model, input=b"caf\xe9 free\nok \xff\n")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
    assert result.stderr == ("sgdtext: 2 input line(s) are not valid UTF-8 (first at <stdin>:1); "
                             "invalid bytes were replaced by U+FFFD\n")


def test_perceptron_has_no_probabilities(tmp_path):
    train = run("train", SMS_CONFIG, "--out-dir", tmp_path, "--set", "model.type=perceptron",
                "--set", "training.epochs=1")
    assert train.exit_code == 0
    result = run("predict", tmp_path / "model.npz", "--proba", input="hi\n")
    assert result.exit_code == 2
    assert "--proba: a perceptron model gives no probabilities" in result.stderr


def test_evaluate_table_and_json(sms_model):
    result = run("evaluate", sms_model, REPO / "data" / "sms-spam" / "test.tsv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(f"{REPO / 'data' / 'sms-spam' / 'test.tsv'}: accuracy 0.9")
    metrics = json.loads(run("evaluate", sms_model, REPO / "data" / "sms-spam" / "test.tsv", "--json").stdout)
    saved = json.loads((sms_model.parent / "metrics.json").read_text())
    assert metrics == saved["test"]


def test_inspect_text_and_json(sms_model):
    result = run("inspect", sms_model, "--top", "3")
    lines = result.stdout.splitlines()
    assert lines[1].startswith("class spam (positive class; negative weights point to ham), intercept")
    assert lines[2].startswith("  top positive: ") and lines[2].count(":") == 4
    data = json.loads(run("inspect", sms_model, "--json").stdout)
    assert data["classes"] == ["ham", "spam"] and list(data["weights"]) == ["spam"]
    with np.load(sms_model) as npz:
        W = npz["W"]
    assert len(data["weights"]["spam"]) == W.shape[0]
    top = max(data["weights"]["spam"].items(), key=lambda kv: kv[1])
    assert top[0] in lines[2]


def test_lecture_example_from_the_cli(tmp_path):
    result = run("train", REPO / "configs" / "slides-perceptron.yaml", "--out-dir", tmp_path, "--trace")
    assert result.exit_code == 0, result.output
    trace = [line for line in result.stderr.splitlines() if line.startswith("epoch")]
    assert trace == [
        "epoch 1 step 1: instance x1 f = (size 0, color 0, shape 0), label +1, w·f = 0, predicts +1: correct; "
        "w = (size 0, color 0, shape 0)",
        "epoch 1 step 2: instance x2 f = (size 2, color 0, shape 0), label +1, w·f = 0, predicts +1: correct; "
        "w = (size 0, color 0, shape 0)",
        "epoch 1 step 3: instance x3 f = (size 0, color 0, shape 1), label -1, w·f = 0, predicts +1: mistake; "
        "w = (size 0, color 0, shape -1)",
        "epoch 1 step 4: instance x4 f = (size 2, color 1, shape 0), label -1, w·f = 0, predicts +1: mistake; "
        "w = (size -2, color -1, shape -1)",
    ]
    weights = json.loads(run("inspect", tmp_path / "model.npz", "--json").stdout)
    assert weights["weights"] == {"+1": {"size": -2.0, "color": -1.0, "shape": -1.0}}
    assert weights["intercept"] == {"+1": 0.0}


def test_bad_config_is_one_message_exit_1(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("data:\n  train: x.tsv\ntraining:\n  learning_rate: -0.1\n  epohcs: 3\n")
    result = run("train", path)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}: 2 problems:\n"
                             "  training -> learning_rate: must be a number > 0; got -0.1\n"
                             "  training -> epohcs: unknown key; did you mean 'epochs'?\n")
    result = run("check-config", path, "--set", "training.learning_rate=0.5", "--set", "training.epohcs=1")
    assert result.exit_code == 1 and "--set 'training.epohcs=1': unknown key; did you mean 'epochs'?" in result.stderr


def test_missing_data_file_is_one_message(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data:\n  train: nowhere.tsv\n")
    result = run("train", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (f"Error: {tmp_path / 'nowhere.tsv'}: no such file (data.train); "
                             f"check data paths (relative to the config file)\n")


def test_bad_model_file_and_usage_errors(tmp_path):
    (tmp_path / "m.npz").write_bytes(b"not a zip")
    result = run("predict", tmp_path / "m.npz", input="hi\n")
    assert result.exit_code == 1 and "not a model file (not an .npz archive)" in result.stderr
    assert run("predict").exit_code == 2
    assert run("train", "c.yaml", "--bogus").exit_code == 2


def test_check_config_prints_the_resolved_config():
    result = run("check-config", SMS_CONFIG)
    assert result.exit_code == 0
    assert "learning_rate: 5.0" in result.stdout and "min_df: 1" in result.stdout
    assert result.stderr == f"sgdtext: {SMS_CONFIG}: ok\n"


def test_every_command_has_help_with_an_example_and_readme_docs():
    readme = (REPO / "README.md").read_text()
    for name in cli.commands:
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout, name
        assert f"sgdtext {name}" in readme, f"README does not document `sgdtext {name}`"


def test_python_dash_m_and_broken_pipe(sms_model, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("free prize call now\n" * 50000)
    with open(big, "rb") as stdin:
        proc = subprocess.run(f"{sys.executable} -m sgdtext predict {sms_model} | head -1", shell=True,
                              stdin=stdin, capture_output=True)
    assert proc.stdout == b"spam\n"
    assert proc.stderr == b""


def test_mlp_end_to_end(tmp_path):
    result = run("train", SMS_CONFIG, "--out-dir", tmp_path, "--set", "model.type=mlp", "--set",
                 "model.hidden_sizes=[16]", "--set", "training.optimizer=adam", "--set", "training.learning_rate=0.01",
                 "--set", "training.epochs=2")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] > 0.95 and metrics["training"]["model_type"] == "mlp"
    predicted = run("predict", tmp_path / "model.npz", "--proba", input="WINNER! FREE prize, call now\nhello\n")
    assert [line.split("\t")[0] for line in predicted.stdout.splitlines()] == ["spam", "ham"]
    shown = run("inspect", tmp_path / "model.npz").stdout.splitlines()
    assert shown[0].startswith("model: mlp, 2 classes,") and "activation relu" in shown[0]
    assert shown[1].startswith("  hidden layer 1: W ") and shown[2].startswith("  softmax output: W 16 x 2, b 2")
    data = json.loads(run("inspect", tmp_path / "model.npz", "--json").stdout)
    assert data["layers"][1] == {"W": [16, 2], "b": [2]} and data["architecture"]["hidden_sizes"] == [16]
    assert run("evaluate", tmp_path / "model.npz", REPO / "data" / "sms-spam" / "test.tsv").exit_code == 0


def test_mlp_settings_are_checked(tmp_path):
    result = run("check-config", SMS_CONFIG, "--set", "model.type=mlp")
    assert "model -> hidden_sizes: type mlp needs at least one hidden layer, e.g. [256]" in result.stderr
    result = run("check-config", SMS_CONFIG, "--set", "training.optimizer=adam")
    assert "training -> optimizer: adam is for type mlp" in result.stderr


def test_predict_in_parallel_gives_the_same_lines(sms_model, tmp_path):
    lines = (REPO / "data" / "sms-spam" / "test.tsv").read_text().splitlines()[1:]
    big = tmp_path / "in.txt"
    big.write_bytes(("\r\n".join(line.split("\t", 1)[1] for line in lines) * 3).encode() + b"\n\xff bad\n")
    one = run("predict", sms_model, big)
    two = run("predict", sms_model, big, "--n-jobs", "2")
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout and len(one.stdout.splitlines()) == 3 * 1114 - 2 + 1
    assert "1 input line(s) are not valid UTF-8" in two.stderr


def test_predict_with_hand_made_features_matches_the_library(tmp_path):
    """predict reads bare lines; a model with hand-made features still gets Documents for them."""
    from sgdtext.io.documents import Document
    from sgdtext.models import load_model

    extra = '[{name: MONEY, type: regex, pattern: "[$£]\\\\d+"}, {name: LENGTH, type: length, transform: log1p}]'
    result = run("train", SMS_CONFIG, "--out-dir", tmp_path, "--set", "training.epochs=2", "--set",
                 f"features.extra={extra}")
    assert result.exit_code == 0, result.output
    model, featurizer, _ = load_model(tmp_path / "model.npz")
    assert [spec["name"] for spec in featurizer.extra] == ["MONEY", "LENGTH"]
    texts = [line.split("\t", 1)[1] for line in (REPO / "data" / "sms-spam" / "test.tsv").read_text().splitlines()[1:]]
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    printed = run("predict", tmp_path / "model.npz", tmp_path / "in.txt").stdout.splitlines()
    X = featurizer.transform([Document(None, text, None, "in.txt") for text in texts])
    assert printed == [model.classes[i] for i in model.predict_index(model.scores(X))]
    plain = featurizer.transform_texts(texts).to_scipy()
    assert (plain != X.to_scipy()).nnz == 0 and plain.shape[1] == featurizer.n_features


def test_wide_network_trains_saves_predicts_and_inspects(tmp_path):
    """model.wide: the mlp with a linear path from the features to the output, through the whole CLI."""
    result = run("train", SMS_CONFIG, "--out-dir", tmp_path, "--set", "model.type=mlp", "--set",
                 "model.hidden_sizes=[8]", "--set", "model.wide=true", "--set", "training.optimizer=adam", "--set",
                 "training.learning_rate=0.01", "--set", "training.epochs=2")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] >= 0.97
    shown = run("inspect", tmp_path / "model.npz")
    assert shown.exit_code == 0 and "wide path (features -> output): U" in shown.stdout
    as_json = json.loads(run("inspect", tmp_path / "model.npz", "--json").stdout)
    assert as_json["architecture"]["wide"] is True and "U" in as_json["layers"][-1]
    lines = (REPO / "data" / "sms-spam" / "test.tsv").read_text().splitlines()[1:]
    (tmp_path / "in.txt").write_text("\n".join(line.split("\t", 1)[1] for line in lines) + "\n")
    printed = run("predict", tmp_path / "model.npz", tmp_path / "in.txt").stdout.splitlines()
    right = sum(p == line.split("\t", 1)[0] for p, line in zip(printed, lines))
    assert len(printed) == len(lines) and abs(right / len(lines) - metrics["test"]["accuracy"]) < 1e-9
    wrong = run("check-config", SMS_CONFIG, "--set", "model.wide=true")
    assert wrong.exit_code == 1 and "model -> wide: only type mlp has a wide path" in wrong.stderr


def test_dual_cd_through_train_and_predict(tmp_path):
    """The LIBLINEAR solver from a config: converges, says so in metrics.json, and its model predicts."""
    settings = ["--set", "model.type=squared_hinge", "--set", "training.optimizer=dual_cd", "--set",
                "training.l2=1e-4", "--set", "training.epochs=200"]
    result = run("train", SMS_CONFIG, "--out-dir", tmp_path, *settings)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["training"]["stop_reason"] == "converged" and metrics["training"]["stopped_epoch"] < 200
    assert metrics["test"]["accuracy"] > 0.97
    texts = (REPO / "data" / "sms-spam" / "test.tsv").read_text().splitlines()[1:21]
    predicted = run("predict", tmp_path / "model.npz", input="\n".join(t.split("\t", 1)[1] for t in texts) + "\n")
    assert predicted.exit_code == 0 and len(predicted.stdout.splitlines()) == 20
    traced = run("train", SMS_CONFIG, "--out-dir", tmp_path / "t", "--trace", *settings, "--set",
                 "training.batch_size=1")
    assert traced.exit_code == 1 and "optimizer dual_cd takes dual coordinate steps" in traced.output
    nb = run("train", SMS_CONFIG, "--out-dir", tmp_path / "nb", *settings, "--set", "training.nb_scale=1")
    assert nb.exit_code == 0, nb.output
    again = run("train", SMS_CONFIG, "--out-dir", tmp_path / "nb2", *settings, "--set", "training.nb_scale=1",
                "--init-model", tmp_path / "nb" / "model.npz")
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "nb2" / "metrics.json").read_text())["test"]["accuracy"] > 0.97
    logistic = run("train", SMS_CONFIG, "--out-dir", tmp_path / "lr", "--set", "training.optimizer=dual_cd", "--set",
                   "training.l2=1e-4", "--set", "training.epochs=200")  # the config's type: logistic
    assert logistic.exit_code == 0, logistic.output
    result = run("predict", tmp_path / "lr" / "model.npz", "--proba", input="FREE prize call now\n")
    label, p, other, q = result.stdout.rstrip("\n").split("\t")
    assert (label, other) == ("spam", "ham") and abs(float(p) + float(q) - 1) < 1e-5


def test_keys_the_optimizer_does_not_read_are_reported_on_stderr(tmp_path):
    result = run("check-config", SMS_CONFIG, "--set", "training.momentum=0.5")
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"sgdtext: {SMS_CONFIG}: training.momentum is set, but model type logistic with "
                             f"optimizer sgd does not use it; remove it\nsgdtext: {SMS_CONFIG}: ok\n")


def test_init_prints_a_starter_config_that_trains(tmp_path):
    train, test = REPO / "data" / "sms-spam" / "train.tsv", REPO / "data" / "sms-spam" / "test.tsv"
    result = run("init", "--data", train, "--test", test)
    assert result.exit_code == 0, result.output
    assert f"# {train}: 4,460 documents, 2 classes\n#   ham 3,862, spam 598\n" in result.output
    assert f"data:\n  train: {train}\n  test: {test}\n" in result.output
    assert "  # char_ngram_range: auto    # letter n-grams beside the words; auto: [2, 5] on short" in result.output
    config = tmp_path / "starter.yaml"
    config.write_text(result.output)
    trained = run("train", config, "--out-dir", tmp_path / "run", "--json")
    assert trained.exit_code == 0, trained.output
    assert "char_ngrams 2-5" in trained.stderr  # what char_ngram_range: auto became for these short messages
    assert json.loads(trained.stdout)["test"]["n_documents"] == 1114
