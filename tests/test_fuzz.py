"""Property-based fuzzing (hypothesis) of what sgdtext reads from files someone else may have written: the config
loader and --set, the document readers, predict's input, and model files (real ones, mutated). Each must end in a
result or one SgdtextError: no other exception, no crash.

The CI run tries a few hundred cases per target; for a longer run: SGDTEXT_FUZZ_EXAMPLES=20000 python -m pytest
tests/test_fuzz.py.
"""

import io
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sgdtext.cli import cli
from sgdtext.config import load_config, validate
from sgdtext.errors import SgdtextError
from sgdtext.io.documents import ReadOptions, read_documents
from sgdtext.models import load_model
from sgdtext.predict import predict_lines

EXAMPLES = int(os.environ.get("SGDTEXT_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])
KEYS = ["data", "features", "model", "training", "output", "train", "epochs", "l2", "type", "extra", "ngram_range",
        "learning_rate", "n_features", "chunk_size", "optimizer", "C", "calibration", "weighting", "token_pattern"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=20),
                    st.sampled_from(["auto", "tfidf", "dual_cd", "mlp", "[", "(?u)\\w+", "sigmoid", "-"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
                      max_leaves=12)


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=5))
def test_any_mapping_validates_or_is_refused_with_a_config_error(raw):
    try:
        validate(raw)
    except SgdtextError:
        pass


@FUZZ
@given(text=st.text(max_size=300), assignments=st.lists(st.text(max_size=40), max_size=3))
def test_any_yaml_text_and_set_loads_or_is_refused(tmp_path_factory, text, assignments):
    path = tmp_path_factory.mktemp("cfg") / "c.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path, assignments, environ={})
    except SgdtextError:
        pass


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".tsv", ".csv", ".jsonl", ".ft", ".txt"]),
       bad_lines=st.sampled_from(["error", "skip"]), header=st.sampled_from(["auto", "yes", "no"]))
def test_any_bytes_read_as_documents_or_are_refused(tmp_path_factory, data, suffix, bad_lines, header):
    path = tmp_path_factory.mktemp("data") / f"d{suffix}"
    path.write_bytes(data)
    try:
        docs = list(read_documents(path, ReadOptions(bad_lines=bad_lines, header=header)))
    except SgdtextError:
        return
    assert all(isinstance(d.label, str) and isinstance(d.text, str) for d in docs)


@pytest.fixture(scope="module")
def sms_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("sms")
    result = CliRunner().invoke(cli, ["train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(out),
                                      "--set", "training.epochs=1"])
    assert result.exit_code == 0, result.output
    return out / "model.npz"


@FUZZ
@given(st.binary(max_size=2000))
def test_any_predict_input_gives_one_line_per_input_line(sms_model, data):
    model, featurizer, _ = load_model(sms_model)
    output = "".join(predict_lines(model, featurizer, [("<stdin>", io.BytesIO(data))]))
    lines = data.split(b"\n")
    expected = len(lines) - 1 if data.endswith(b"\n") else len(lines) if data else 0
    assert output.count("\n") == expected


def loads_and_predicts_or_is_refused(path):
    """The model file is refused with an SgdtextError, or loads and predicts one line per input line."""
    try:
        model, featurizer, _ = load_model(path)
    except SgdtextError:
        return
    output = "".join(predict_lines(model, featurizer, [("<stdin>", io.BytesIO(b"free prize\nhello\n"))]))
    assert output.count("\n") == 2


@FUZZ
@given(position=st.floats(0, 1), value=st.integers(0, 255), cut=st.booleans())
def test_a_model_file_with_a_byte_changed_or_cut_loads_or_is_refused(sms_model, tmp_path_factory, position, value,
                                                                     cut):
    data = bytearray(sms_model.read_bytes())
    at = int(position * (len(data) - 1))
    if cut:
        data = data[:at]
    else:
        data[at] = value
    path = tmp_path_factory.mktemp("mutated") / "model.npz"
    path.write_bytes(bytes(data))
    loads_and_predicts_or_is_refused(path)


replacements = hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.uint8, np.bool_]),
                          shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
                          elements=None)


@FUZZ
@given(name=st.sampled_from(["W", "b", "idf", "vocabulary_blob", "vocabulary_offsets"]), array=replacements,
       meta_key=st.sampled_from([None, "classes", "model_type", "features", "config"]), meta_value=values)
def test_a_model_file_with_an_array_or_metadata_replaced_loads_or_is_refused(sms_model, tmp_path_factory, name,
                                                                              array, meta_key, meta_value):
    with np.load(sms_model, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays[name] = array
    if meta_key is not None:
        meta = json.loads(str(arrays["metadata"]))
        meta[meta_key] = meta_value
        try:
            arrays["metadata"] = np.array(json.dumps(meta))
        except ValueError:  # a value JSON cannot write (NaN is written; a float too large is not)
            return
    path = tmp_path_factory.mktemp("replaced") / "model.npz"
    np.savez(path, **arrays)
    loads_and_predicts_or_is_refused(path)


MESSAGES = sorted(p for p in (REPO / "tests" / "mail" / "maildir").glob("*/*/*") if not p.name.startswith("."))
MAIL_PIECES = [b"From: a@b.c\n", b"Subject: =?utf-8?b?ZnJlZQ==?=\n", b"Content-Type: multipart/mixed; boundary=x\n",
               b"--x\n", b"--x--\n", b"Content-Type: text/html; charset=nonsense\n",
               b"Content-Transfer-Encoding: base64\n", b"Content-Transfer-Encoding: quoted-printable\n", b"\n",
               b"<p>hi<script>x</script>", b"=E9=\n", b"!!notbase64", b"From x\n", b">From y\n", b"\xff\xfe"]


@FUZZ
@given(source=st.sampled_from(MESSAGES), cuts=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(MAIL_PIECES)),
                                                      max_size=6),
       mode=st.sampled_from(["parsed", "raw"]))
def test_any_mutated_real_message_is_read_with_problems_not_exceptions(source, cuts, mode):
    from sgdtext.io.mail import mbox_messages, parse

    data = source.read_bytes()
    for position, piece in cuts:  # real messages with pieces of MIME syntax spliced in anywhere
        at = int(position * len(data))
        data = data[:at] + piece + data[at:]
    mail = parse(data, mode, ["subject", "from"])
    assert isinstance(mail.text, str) and all(isinstance(p, str) for p in mail.problems)
    problems = []
    messages = list(mbox_messages(io.BytesIO(data), "fuzz.mbox", lambda where, what: problems.append(what)))
    assert b"".join(m for _, m in messages).count(b"\n") <= data.count(b"\n")
