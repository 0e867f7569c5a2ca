"""sgdtext quantize: fewer features and 8-bit weights, read back by predict, evaluate and inspect; the file's new
arrays checked like every other; what it cannot do said clearly."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli
from sgdtext.io.modelfile import read_model_file, write_model_file
from sgdtext.models import load_model
from sgdtext.quantization import int8_columns

SMS = REPO / "configs" / "sms-spam.yaml"
TEST = REPO / "data" / "sms-spam" / "test.tsv"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("quantize")
    assert run("train", SMS, "--out-dir", root / "vocabulary", "-q").exit_code == 0
    assert run("train", SMS, "--out-dir", root / "hashing", "-q", "--set", "features.n_features=65536",
               "--set", "features.weighting=count").exit_code == 0
    return root


def accuracy(model):
    return json.loads(run("evaluate", model, TEST, "--json", "-q").stdout)["accuracy"]


def test_vocabulary_mode_keeps_the_heaviest_terms_in_eight_bits(models, tmp_path):
    source, small = models / "vocabulary" / "model.npz", tmp_path / "small.npz"
    result = run("quantize", source, "-o", small, "--cutoff", "3000")
    assert result.exit_code == 0 and "3,000 of 44,353 features, int8 weights" in result.stderr
    assert small.stat().st_size < source.stat().st_size / 5
    big, big_features, _ = load_model(source)
    model, featurizer, meta = load_model(small)
    assert featurizer.n_features == 3000 and meta["quantized"]["rows"] == 44353
    norms = (big.W**2).sum(axis=1)
    kept = set(np.argsort(-norms, kind="stable")[:3000].tolist())
    assert set(featurizer.feature_names()) == {big_features.feature_names()[j] for j in kept}
    arrays, _ = read_model_file(small)
    assert arrays["W"].dtype == np.int8 and arrays["vocabulary_offsets"].shape == (3001,)
    column = {name: j for j, name in enumerate(big_features.feature_names())}
    rows = [column[name] for name in featurizer.feature_names()]
    assert np.abs(model.W - big.W[rows]).max() <= np.abs(big.W).max() / 254 + 1e-12  # rounding to nearest
    assert accuracy(small) >= accuracy(source) - 0.01
    assert run("predict", small, input="WINNER! claim your free prize now\n").stdout == "spam\n"
    assert "top positive" in run("inspect", small).stdout


def test_hashing_mode_keeps_rows_and_float32_is_a_choice(models, tmp_path):
    source, small = models / "hashing" / "model.npz", tmp_path / "small.npz"
    assert run("quantize", source, "-o", small, "--cutoff", "2000", "--bits", "32").exit_code == 0
    arrays, _ = read_model_file(small)
    assert arrays["W"].dtype == np.float32 and arrays["W_rows"].shape == (2000,)
    big = load_model(source)[0]
    model = load_model(small)[0]
    assert model.W.shape == big.W.shape
    kept = arrays["W_rows"]
    assert np.array_equal(model.W[kept], big.W[kept]) and not np.delete(model.W, kept, axis=0).any()
    assert accuracy(small) >= accuracy(source) - 0.01


def test_int8_columns_round_to_nearest():
    W = np.array([[0.5, -2.0], [-1.0, 1.0], [0.25, 0.0]])
    q, scale = int8_columns(W)
    assert q.dtype == np.int8 and scale.tolist() == [1.0, 2.0]
    assert q[:, 0].tolist() == [64, -127, 32] and q[:, 1].tolist() == [-127, 64, 0]


def test_what_quantize_cannot_do(models, tmp_path):
    source = models / "vocabulary" / "model.npz"
    same = run("quantize", source, "-o", source)
    assert same.exit_code == 2 and "is the model itself" in same.stderr
    small = tmp_path / "small.npz"
    assert run("quantize", source, "-o", small).exit_code == 0
    again = run("quantize", small, "-o", tmp_path / "smaller.npz")
    assert again.exit_code == 1 and "already quantised" in again.stderr
    assert run("train", REPO / "configs" / "trec-6-mlp.yaml", "--out-dir", tmp_path / "mlp", "-q",
               "--set", "training.epochs=1", "--set", f"data.train={REPO / 'data' / 'sms-spam' / 'train.tsv'}",
               "--set", f"data.test={TEST}").exit_code == 0
    network = run("quantize", tmp_path / "mlp", "-o", tmp_path / "m.npz")
    assert network.exit_code == 1 and "a mlp model; quantize keeps rows of a linear model's weights" in network.stderr


@pytest.mark.parametrize("change, says", [
    (lambda a: a.update(W_rows=a["W_rows"][::-1].copy()), "distinct row numbers in [0, 65536), in order"),
    (lambda a: a.update(W_rows=a["W_rows"] + 70000), "distinct row numbers in [0, 65536), in order"),
    (lambda a: a.update(W_scale=-a["W_scale"]), "'W_scale' must not be negative"),
    (lambda a: a.update(W=a["W"].astype(np.int16) * 300), "must hold int8 values"),
    (lambda a: a.update(W=a["W"][:-1]), "array 'W' must have the shape"),
])
def test_crafted_quantised_files_are_refused_before_use(models, tmp_path, change, says):
    small = tmp_path / "small.npz"
    assert run("quantize", models / "hashing" / "model.npz", "-o", small, "--cutoff", "100").exit_code == 0
    arrays, meta = read_model_file(small)
    change(arrays)
    meta.pop("format_version")
    write_model_file(small, arrays, meta)
    result = run("predict", small, input="hello\n")
    assert result.exit_code == 1 and says in result.stderr and "Traceback" not in result.stderr
