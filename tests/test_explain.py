"""sgdtext explain: each document's features with value, weight and contribution summing, with the intercept, to
the score predict used."""

import json

import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli

TEXTS = "WINNER!! free prize, call now\nsee you at lunch tomorrow\nok\n\n"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.mark.parametrize("model_type", ["logistic", "softmax", "hinge"])
def test_contributions_and_intercept_sum_to_the_score_predict_used(tmp_path, model_type):
    assert run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set",
               f"model.type={model_type}", "--set", "training.epochs=2").exit_code == 0
    result = run("explain", tmp_path / "model.npz", "--top", "3", "--json", input=TEXTS)
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.stdout.splitlines()]
    predicted = run("predict", tmp_path / "model.npz", input=TEXTS).stdout.splitlines()
    assert [item["label"] for item in items] == predicted
    for item in items:
        total = item["intercept"] + sum(f["contribution"] for f in item["features"]) + item["rest"]
        assert total == pytest.approx(item["score"], abs=1e-9)
        assert len(item["features"]) <= 3
        assert all(f["contribution"] == pytest.approx(f["value"] * f["weight"]) for f in item["features"])
    assert items[0]["features"][0]["feature"] in ("free", "call", "prize", "now", "winner", "free prize")
    assert items[3]["features"] == [] and items[3]["rest"] == 0.0  # the empty document: the intercept alone


def test_a_network_has_nothing_to_explain(tmp_path):
    assert run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set", "model.type=mlp",
               "--set", "model.hidden_sizes=[4]", "--set", "training.epochs=1").exit_code == 0
    result = run("explain", tmp_path / "model.npz", input="hello\n")
    assert result.exit_code == 1 and "which a mlp model does not have; use a linear model" in result.stderr


@pytest.mark.parametrize("streaming", [False, True])
def test_hashed_columns_are_named_by_the_terms_seen_in_training(tmp_path, streaming):
    args = ["--set", "features.n_features=65536", "--set", "training.epochs=1"]
    if streaming:
        args += ["--set", "data.chunk_size=1000", "--set", "features.weighting=count"]
    assert run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, *args).exit_code == 0
    weights = json.loads(run("inspect", tmp_path, "--json").stdout)["weights"]["spam"]
    assert weights["free"] > 0 and weights["call"] > 0 and weights["i"] < 0  # signs of alternate_sign folded in
    item = json.loads(run("explain", tmp_path, "--json", input="free prize\n").stdout)
    assert {f["feature"] for f in item["features"]} >= {"free", "prize"}
