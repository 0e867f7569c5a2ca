"""A small input (one predict line) is counted by looking its terms up in the model's sorted packed vocabulary
instead of building the term index of the whole vocabulary: the same features, the same predictions."""

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli
from sgdtext.io.documents import ReadOptions, read_documents
from sgdtext.models import load_model
from sgdtext.text.features import PackedTerms, in_byte_order


@pytest.mark.parametrize("chars", ["null", "[2,5]"])
def test_one_line_at_a_time_equals_the_whole_index(tmp_path, chars):
    assert CliRunner().invoke(cli, ["train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(tmp_path),
                                    "-q", "--set", f"features.char_ngram_range={chars}"]).exit_code == 0
    model, small, meta = load_model(tmp_path / "model.npz")
    _, whole, _ = load_model(tmp_path / "model.npz")
    whole.prepare_transform()
    assert meta["features"]["vocabulary_sorted"] is True and small.packed_sorted
    texts = [d.text for d in read_documents(str(REPO / "data" / "sms-spam" / "test.tsv"), ReadOptions(format="tsv"))]
    for text in texts:
        a, b = small.transform_texts([text]).to_scipy(), whole.transform_texts([text]).to_scipy()
        assert sorted(a.indices.tolist()) == sorted(b.indices.tolist())
        assert abs(a - b).max() <= 1e-12 if (a - b).nnz else True
        assert model.predict_index(model.scores(a)) == model.predict_index(model.scores(b))
    assert small._index is None  # it never built the whole index


def test_packed_lookup_and_order_check():
    terms = ["00", "00 01", "a", "ab", "b c", "zz", "é"]
    blob = b"".join(t.encode() for t in terms)
    offsets = np.cumsum([0] + [len(t.encode()) for t in terms])
    lookup = PackedTerms(np.frombuffer(blob, dtype=np.uint8), offsets)
    assert [lookup.get(t) for t in terms] == list(range(len(terms)))
    assert lookup.get("aa") == -1 and lookup.get("") == -1 and lookup.get("zzz") == -1 and len(lookup) == 7
    assert in_byte_order(np.frombuffer(blob, dtype=np.uint8), offsets)
    swapped = terms[:2] + ["b c", "a"] + terms[4:]
    blob = b"".join(t.encode() for t in swapped)
    assert not in_byte_order(np.frombuffer(blob, dtype=np.uint8), np.cumsum([0] + [len(t.encode()) for t in swapped]))


def test_a_warm_started_vocabulary_is_not_looked_up_in_place(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(tmp_path / "a"),
                               "-q"]).exit_code == 0
    more = tmp_path / "more.tsv"
    more.write_text("label\ttext\nspam\taaaa zzzz brand new words\nham\tbbbb new words here\n")
    result = runner.invoke(cli, ["train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(tmp_path / "b"),
                                 "-q", "--init-model", str(tmp_path / "a" / "model.npz"), "--set",
                                 f"data.train={more}", "--set", "training.epochs=1"])
    assert result.exit_code == 0, result.stderr
    _, featurizer, meta = load_model(tmp_path / "b" / "model.npz")
    assert meta["features"]["vocabulary_sorted"] is False and not featurizer.packed_sorted
    assert CliRunner().invoke(cli, ["predict", str(tmp_path / "b" / "model.npz")], input="zzzz words\n").exit_code == 0


def test_float32_weights_are_scored_as_stored_with_the_float64_scores_to_the_bit(tmp_path):
    """predict keeps a model's float32 weights as stored (no float64 copy of W) and widens each weight as the
    compiled product reads it: the scores are those of the float64 copy, bit for bit; quantised weights stay
    float64."""
    from sgdtext.core._rows_fast import csr_matmul
    from sgdtext.quantization import quantize

    rng = np.random.default_rng(0)
    W = rng.standard_normal((50, 3)).astype(np.float32)
    data, indices = rng.standard_normal(40), rng.integers(0, 50, 40).astype(np.int32)
    indptr = np.array([0, 10, 10, 25, 40], dtype=np.int64)
    wide, narrow = np.empty((4, 3)), np.empty((4, 3))
    csr_matmul(data, indices, indptr, W.astype(np.float64), wide)
    csr_matmul(data, indices, indptr, W, narrow)
    assert wide.tobytes() == narrow.tobytes()

    assert CliRunner().invoke(cli, ["train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(tmp_path),
                                    "-q"]).exit_code == 0
    eager, featurizer, _ = load_model(tmp_path / "model.npz")
    stored = load_model(tmp_path / "model.npz", for_prediction=True)[0]
    assert eager.W.dtype == np.float64 and stored.W.dtype == np.float32
    texts = [d.text for d in read_documents(str(REPO / "data" / "sms-spam" / "test.tsv"), ReadOptions(format="tsv"))]
    X = featurizer.transform_texts(texts)
    assert eager.scores(X).tobytes() == stored.scores(X).tobytes()
    quantize(tmp_path / "model.npz", tmp_path / "small.npz", cutoff=None, bits=8)
    assert load_model(tmp_path / "small.npz", for_prediction=True)[0].W.dtype == np.float64
