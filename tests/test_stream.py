"""Training from a stream: chunk by chunk, the same learner as in memory."""

import json

import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli
from sgdtext.config import load_config
from sgdtext.errors import ConfigError
from sgdtext.linear.stream import planned_steps
from sgdtext.training.run import train

HASHING = ["features.n_features=262144", "features.weighting=count", "features.sublinear_tf=false",
           "training.epochs=3", "training.learning_rate=0.5"]


def run(tmp_path, *overrides):
    config = load_config(REPO / "configs" / "sms-spam.yaml", [*HASHING, *overrides], out_dir=tmp_path, environ={})
    return train(config, warn=lambda message: None)


def test_one_chunk_equals_training_in_memory_bit_for_bit(tmp_path):
    memory = run(tmp_path / "memory")
    stream = run(tmp_path / "stream", "data.chunk_size=100000")
    assert stream.model.W.tobytes() == memory.model.W.tobytes()
    assert stream.metrics["test"] == memory.metrics["test"]
    assert stream.metrics["training"]["epochs"][0]["progressive"] is True


def test_chunk_cache_changes_nothing(tmp_path):
    cached = run(tmp_path / "a", "data.chunk_size=700")
    uncached = run(tmp_path / "b", "data.chunk_size=700", "data.chunk_cache=false")
    assert cached.model.W.tobytes() == uncached.model.W.tobytes()


def test_small_chunks_learn_as_well(tmp_path):
    result = run(tmp_path, "data.chunk_size=500", "training.class_weight=balanced")
    assert result.metrics["test"]["accuracy"] >= 0.97
    assert result.metrics["train"]["n_documents"] == 4460
    assert result.metrics["training"]["n_documents"] == 4460 and result.metrics["training"]["steps"] == \
        planned_steps(4460, 500, 8, 3)  # sms-spam.yaml: batch_size 8


def test_standard_input(tmp_path):
    text = (REPO / "data" / "sms-spam" / "train.tsv").read_text()
    result = CliRunner().invoke(cli, ["train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(tmp_path),
                                      *[a for o in HASHING[:3] for a in ("--set", o)], "--set", "data.train=-",
                                      "--set", "data.chunk_size=1000", "--set", "data.classes=[ham, spam]",
                                      "--set", "training.epochs=1"], input=text)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["training"]["n_documents"] == 4460 and "train" not in metrics
    assert metrics["test"]["accuracy"] > 0.95


def test_streaming_settings_are_checked(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(REPO / "configs" / "sms-spam.yaml", ["data.chunk_size=100", "data.validation_split=0.1"],
                    environ={})
    assert err.value.problems == [
        "data -> chunk_size: streaming needs hashing mode (a vocabulary needs the whole corpus first); set "
        "features.n_features, e.g. 1048576",
        "data -> chunk_size: tf-idf needs the document frequencies of the whole corpus; use features.weighting "
        "count or binary when streaming",
        "data -> validation_split: not available when streaming; give data.valid instead",
    ]


def test_planned_steps():
    assert planned_steps(10, 4, 3, 2) == 2 * (2 * 2 + 1)
