"""Crafted model files (issue 13's reproductions): each is refused with one message and exit 1, before any compiled
code sees its arrays; none crashes, reads out of bounds or predicts."""

import json
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    out = tmp_path_factory.mktemp("good")
    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", out, "--set", "training.epochs=1")
    assert result.exit_code == 0, result.output
    with np.load(out / "model.npz", allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def crafted(tmp_path, good, *, meta=None, **arrays):
    """good's arrays with some replaced (None: removed), and its metadata changed by ``meta(dict)``."""
    values = {**good, **arrays}
    metadata = json.loads(str(good["metadata"]))
    if meta is not None:
        meta(metadata)
    values["metadata"] = np.array(json.dumps(metadata))
    path = tmp_path / "crafted.npz"
    np.savez(path, **{name: value for name, value in values.items() if value is not None})
    return path


def refused(path, *expected):
    result = run("predict", path, input="hi\nfree prize now\n")
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    return result.stderr


def test_the_good_model_predicts(good, tmp_path):
    assert run("predict", crafted(tmp_path, good), input="hi\n").exit_code == 0


@pytest.mark.parametrize("rows", [0, 1, 10])
def test_weights_with_the_wrong_number_of_rows(good, tmp_path, rows):
    refused(crafted(tmp_path, good, W=np.zeros((rows, 1))), "array 'W' must have the shape", f"it has ({rows}, 1)")


def test_weights_with_too_many_columns_and_a_wrong_intercept(good, tmp_path):
    d = good["W"].shape[0]
    refused(crafted(tmp_path, good, W=np.zeros((d, 5))), "array 'W' must have the shape")
    refused(crafted(tmp_path, good, b=np.zeros(3)), "array 'b' must have the shape (1)")
    refused(crafted(tmp_path, good, W=np.zeros((0, 1000))), "array 'W' must have the shape")


def test_weights_that_are_not_finite_or_not_numbers(good, tmp_path):
    W = good["W"].copy()
    W[3, 0] = np.nan
    refused(crafted(tmp_path, good, W=W), "'W' holds values that are not finite")
    refused(crafted(tmp_path, good, W=good["W"].astype(np.int64)), "array 'W' must be floating-point")


def test_vocabulary_offsets_reversed_out_of_range_or_inside_a_character(good, tmp_path):
    offsets = good["vocabulary_offsets"]
    refused(crafted(tmp_path, good, vocabulary_offsets=offsets[::-1].copy()), "offsets must run in order")
    beyond = offsets.copy()
    beyond[-1] += 100
    refused(crafted(tmp_path, good, vocabulary_offsets=beyond), "offsets must run in order")
    blob = good["vocabulary_blob"].copy()
    blob[:2] = np.frombuffer("é".encode(), dtype=np.uint8)
    shifted = offsets.copy()
    shifted[1] = 1  # the second term would start inside "é"
    refused(crafted(tmp_path, good, vocabulary_blob=blob, vocabulary_offsets=shifted), "fall between characters")


def test_a_vocabulary_that_is_not_utf8(good, tmp_path):
    blob = good["vocabulary_blob"].copy()
    blob[0] = 0xFF
    refused(crafted(tmp_path, good, vocabulary_blob=blob), "is not UTF-8")


def test_idf_of_the_wrong_length(good, tmp_path):
    refused(crafted(tmp_path, good, idf=good["idf"][:10]), "array 'idf' must have the shape")


@pytest.mark.parametrize("model_type", ["svm", None, ["logistic"]])
def test_an_unknown_model_type(good, tmp_path, model_type):
    refused(crafted(tmp_path, good, meta=lambda m: m.update(model_type=model_type)), "is not one sgdtext has")


@pytest.mark.parametrize("classes", [[], "hamspam", ["ham"], ["ham", "ham"], ["a", "b", "c", "d"], [1, 2]])
def test_classes_that_do_not_fit(good, tmp_path, classes):
    refused(crafted(tmp_path, good, meta=lambda m: m.update(classes=classes)), "not a model sgdtext wrote")


def test_features_settings_out_of_range(good, tmp_path):
    def hashing(m):
        m["config"]["features"]["n_features"] = 2**40

    refused(crafted(tmp_path, good, meta=hashing), "features -> n_features")


def test_metadata_nested_very_deep(good, tmp_path):
    path = tmp_path / "deep.npz"
    np.savez(path, **{**good, "metadata": np.array("[" * 100_000 + "]" * 100_000)})
    refused(path, "has no sgdtext metadata")
    np.savez(path, **{**good, "metadata": np.array(json.dumps({"format_version": 1, "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[
        [[[[[[]]]]]] ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}))})
    refused(path, "its metadata is not what `sgdtext train` writes")


def test_a_compressed_member_is_refused_before_it_is_decompressed(good, tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, **{**good, "W": np.zeros((good["W"].shape[0], 1))})
    refused(path, "is compressed or declares")
    with zipfile.ZipFile(path) as archive:
        assert any(info.compress_type != zipfile.ZIP_STORED for info in archive.infolist())


def test_a_missing_array(good, tmp_path):
    refused(crafted(tmp_path, good, idf=None), "array 'idf' is missing")


def test_hashed_column_names_out_of_range(good, tmp_path):
    def hashing(m):
        m["config"]["features"].update(n_features=1024, weighting="count", min_df=1, max_df=1.0)

    names = {"hash_names_blob": np.frombuffer(b"free", dtype=np.uint8), "hash_names_offsets": np.array([0, 4]),
             "hash_names_columns": np.array([5000]), "hash_names_signs": np.array([1])}
    arrays = {"idf": None, "vocabulary_blob": None, "vocabulary_offsets": None, "W": np.zeros((1024, 1))}
    refused(crafted(tmp_path, good, meta=hashing, **arrays, **names), "the hashed columns' names must be")


@pytest.mark.parametrize("header", [b"{'descr': ',f8', 'fortran_order': False, 'shape': (3,), }",
                                    b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,\n"])
def test_an_array_header_that_is_not_a_python_literal(good, tmp_path, header):
    """numpy reads an array's header as a Python literal and its type as a dtype string: one byte changed there (a
    type ',f8', a header cut short) raised SyntaxError or tokenize's TokenError, not numpy's ValueError."""
    path = crafted(tmp_path, good)
    padded = header + b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("extra.npy", b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded + bytes(24))
    refused(path, "not a readable model file (an array's header is not numpy's)")
