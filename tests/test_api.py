"""The Python API: sgdtext.train and sgdtext.load, a Classifier giving the same numbers as the command line."""

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

import sgdtext
from sgdtext.cli import cli
from sgdtext.config import Config, load_config
from sgdtext.errors import SgdtextError

SMS = REPO / "data" / "sms-spam"
TEXTS = ["WINNER!! free prize, call now", "see you at lunch", ""]


def test_train_from_a_mapping_a_path_or_a_config_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mapping = {"data": {"train": str(SMS / "train.tsv"), "test": str(SMS / "test.tsv")}}
    classifier, metrics = sgdtext.train(mapping)
    assert classifier.classes_ == ["ham", "spam"] and classifier.predict(TEXTS)[:2] == ["spam", "ham"]
    assert metrics["test"]["accuracy"] > 0.98 and not list(tmp_path.iterdir())  # nothing written
    from_path, _ = sgdtext.train(REPO / "configs" / "sms-spam.yaml")
    from_config, _ = sgdtext.train(Config.from_mapping(load_config(REPO / "configs" / "sms-spam.yaml")))
    np.testing.assert_array_equal(from_path.model.W, from_config.model.W)


def test_the_same_numbers_as_the_command_line(tmp_path):
    classifier, _ = sgdtext.train(REPO / "configs" / "sms-spam.yaml", out_dir=tmp_path)
    assert (tmp_path / "model.npz").exists()
    loaded = sgdtext.load(tmp_path)
    cli_labels = CliRunner().invoke(cli, ["predict", str(tmp_path / "model.npz")], input="\n".join(TEXTS) + "\n")
    assert loaded.predict(TEXTS) == classifier.predict(TEXTS) == cli_labels.stdout.splitlines()
    cli_proba = CliRunner().invoke(cli, ["predict", str(tmp_path / "model.npz"), "--proba", "--format", "jsonl"],
                                   input="\n".join(TEXTS) + "\n")
    import json

    expected = [json.loads(line)["proba"]["spam"] for line in cli_proba.stdout.splitlines()]
    np.testing.assert_allclose(loaded.predict_proba(TEXTS)[:, 1], expected, atol=1e-6)
    scores = loaded.decision_function(TEXTS)
    assert scores.shape == (3,) and ((scores >= 0) == (np.array(loaded.predict(TEXTS)) == "spam")).all()
    explanation = loaded.explain(TEXTS[0], top=3)
    assert explanation["label"] == "spam" and len(explanation["features"]) == 3
    loaded.save(tmp_path / "copy.npz")
    assert sgdtext.load(tmp_path / "copy.npz").predict(TEXTS) == loaded.predict(TEXTS)


def test_texts_that_are_not_strings_and_models_without_probabilities():
    classifier, _ = sgdtext.train({"data": {"train": str(SMS / "train.tsv")}, "model": {"type": "hinge"}})
    with pytest.raises(SgdtextError, match="texts must be a list of strings"):
        classifier.predict("one string, not a list")
    with pytest.raises(SgdtextError, match="texts must be a list of strings"):
        classifier.predict(["ok", 3])
    with pytest.raises(SgdtextError, match="a hinge model gives no probabilities"):
        classifier.predict_proba(["hello"])
