"""Issue 13's reproductions outside the model file: values that are not finite, outputs that would overwrite each
other, file modes, headers a spreadsheet writes, labels that would break predict's framing."""

import json
import os
import re
import stat
import time

import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli
from sgdtext.config import validate
from sgdtext.errors import ConfigError
from sgdtext.training.data import sort_labels


def problems(raw):
    with pytest.raises(ConfigError) as err:
        validate(raw)
    return err.value.problems


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.mark.parametrize("key, value", [("l2", float("nan")), ("nb_scale", float("nan")), ("l2", float("inf")),
                                        ("learning_rate", float("nan"))])
def test_values_that_are_not_finite_are_refused(key, value):
    assert problems({"data": {"train": "t"}, "training": {key: value}})[0].startswith(
        f"training -> {key}: must be a number")
    assert "(finite)" in problems({"data": {"train": "t"}, "training": {key: value}})[0]


@pytest.mark.parametrize("args", [["tune", "--budget", "nan"], ["tune", "--budget", "inf"],
                                  ["train", "--tolerance", "nan"], ["train", "--wait", "inf"]])
def test_command_line_numbers_that_are_not_finite_are_refused(args):
    command, option, value = args
    result = run(command, REPO / "configs" / "sms-spam.yaml", option, value)
    assert result.exit_code == 2 and f"Invalid value for '{option}': {value} is not a finite number." in result.stderr


def test_validation_split_nan_from_the_command_line(tmp_path):
    result = run("check-config", REPO / "configs" / "sms-spam.yaml", "--set", "data.validation_split=.nan")
    assert result.exit_code == 1 and "data -> validation_split: must be a number in [0.0, 0.5] (finite)" in \
        result.stderr


def test_outputs_that_would_overwrite_each_other_or_leave_the_folder():
    assert problems({"data": {"train": "t"}, "output": {"metrics": "model.npz"}}) == [
        "output -> metrics: must differ from output.model (both 'model.npz'), or one would overwrite the other"]
    assert problems({"data": {"train": "t"}, "output": {"model": "."}}) == [
        "output -> model: must be a file name inside output.dir, without a folder; got '.'"]
    assert problems({"data": {"train": "t"}, "output": {"model": "../x.npz"}})[0].startswith("output -> model:")


def test_a_hand_made_regex_that_does_not_compile_is_refused():
    found = problems({"data": {"train": "t"}, "features": {"extra": [{"name": "X", "type": "regex",
                                                                      "pattern": "(unclosed"}]}})
    assert found[0].startswith("features -> extra -> [0] -> pattern: must be a valid regular expression")


def test_model_and_metrics_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set", "training.epochs=1")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for name in ("model.npz", "metrics.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


@pytest.mark.parametrize("header", ["Label\tText", "\ufefflabel\ttext", " LABEL \t Text "])
def test_a_header_in_another_case_or_after_a_byte_order_mark_is_a_header(tmp_path, header):
    data = tmp_path / "train.tsv"
    data.write_text(header + "\nspam\tfree prize\nham\tsee you\nspam\twin cash\nham\tlunch today\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  train: train.tsv\n")
    result = run("train", config, "--out-dir", tmp_path / "run", "--json")
    assert result.exit_code == 0, result.output
    assert '"classes": [\n      "ham",\n      "spam"\n    ]' in result.stdout


def test_labels_that_would_break_predicts_framing_are_refused(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text('{"label": "a\\tb", "text": "x"}\n{"label": "c", "text": "y"}\n')
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  train: train.jsonl\n")
    result = run("train", config, "--out-dir", tmp_path / "run")
    assert result.exit_code == 1
    assert "the label 'a\\tb' holds a tab or a line break" in result.stderr


def test_a_nan_label_sorts_as_text_whatever_the_hash_seed():
    assert sort_labels(["nan", "1", "-1"]) == ["-1", "1", "nan"]
    assert sort_labels(["1", "-1", "10"]) == ["-1", "1", "10"]


def test_a_file_without_line_breaks_is_refused_not_read_into_memory(tmp_path, monkeypatch):
    from sgdtext.errors import DataError
    from sgdtext.io import documents
    from sgdtext.io.documents import ReadOptions, read_documents

    monkeypatch.setattr(documents, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "endless.tsv"
    path.write_bytes(b"label\ttext\nspam\t" + b"x" * 5000)
    with pytest.raises(DataError, match=r"endless.tsv:2: a line longer than 1,000 bytes"):
        list(read_documents(path, ReadOptions()))


def test_predict_input_without_line_breaks_is_refused(tmp_path, monkeypatch):
    from sgdtext import predict

    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set", "training.epochs=1")
    assert result.exit_code == 0
    monkeypatch.setattr(predict, "MAX_LINE_BYTES", 1000)
    refused = run("predict", tmp_path / "model.npz", input="hello\n" + "x" * 5000)
    assert refused.exit_code == 1 and "<stdin>:2: a line longer than 1,000 bytes" in refused.stderr


def test_a_yaml_alias_bomb_is_refused_with_a_short_message(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, "
                                                     f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                                                     f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
                                                     for i in range(8)]
    config = tmp_path / "bomb.yaml"
    config.write_text("\n".join(lines) + "\ndata:\n  train: t.tsv\ntraining:\n  epochs: *i\n")
    result = run("check-config", config)
    assert result.exit_code == 1 and len(result.stderr) < 5000  # 9^9 leaves, shown cut short
    assert "training -> epochs: must be an int >= 1 or auto; got [[[[...]" in result.stderr


def test_sizes_that_would_exhaust_memory_are_refused():
    assert problems({"data": {"train": "t"}, "training": {"batch_size": 1_000_000_000}}) == [
        "training -> batch_size: must be an int in [1, 1048576]; got 1000000000"]
    assert problems({"data": {"train": "t"}, "model": {"type": "mlp", "hidden_sizes": [100_000_000]}}) == [
        "model -> hidden_sizes: must be a list of widths from 1 to 65536, e.g. [256]; got [100000000]"]


def test_too_many_labels_are_refused(tmp_path, monkeypatch):
    from sgdtext.training import data

    monkeypatch.setattr(data, "MAX_CLASSES", 3)
    (tmp_path / "t.tsv").write_text("".join(f"l{i}\tword {i}\n" for i in range(5)))
    (tmp_path / "c.yaml").write_text("data:\n  train: t.tsv\n")
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "run")
    assert result.exit_code == 1 and "has 5 different labels, more than the 3 sgdtext trains" in result.stderr


def test_a_huge_config_file_is_not_read_whole(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (2 << 20))
    result = run("check-config", path)
    assert result.exit_code == 1 and "is larger than 1,048,576 bytes, which no config is" in result.stderr


def die_in_a_worker(payload, item):
    """A task whose worker is killed, as the kernel's OOM killer would."""
    if item == 3:
        os.kill(os.getpid(), 9)
    return item


def test_a_worker_that_dies_ends_the_work_with_a_message_not_a_hang():
    from sgdtext.core import parallel
    from sgdtext.errors import SgdtextError

    with pytest.raises(SgdtextError, match=r"a worker process died \(killed, or out of memory\)"):
        list(parallel.imap_ordered(die_in_a_worker, None, range(8), 2))
    with pytest.raises(SgdtextError, match=r"a worker process died"):
        parallel.map_ordered(die_in_a_worker, None, [(i,) for i in range(4)], 2)
    assert list(parallel.imap_ordered(die_in_a_worker, None, [0, 1, 2], 2)) == [0, 1, 2]


def sleep_in_a_worker(folder, item):
    """A task that outlives any deadline, leaving its worker's process id in ``folder``."""
    (folder / f"{os.getpid()}.pid").write_text("")
    time.sleep(60)
    return item


def test_work_given_up_at_its_deadline_stops_its_workers(tmp_path):
    """sgdtext tune's folds run until the budget's deadline, not to their end: the workers are killed."""
    from sgdtext.core import parallel

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        parallel.map_until(sleep_in_a_worker, tmp_path, [(i,) for i in range(2)], 2, started + 1.0)
    assert time.monotonic() - started < 30
    pids = [int(path.stem) for path in tmp_path.glob("*.pid")]
    assert pids
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert parallel.map_until(die_in_a_worker, None, [(0,), (1,)], 2, time.monotonic() + 60) == [0, 1]


def fail_in_a_worker(payload, item):
    from sgdtext.errors import TrainingError

    if item == 1:
        raise TrainingError("the loss diverged")
    return item


def sleep_a_little(payload, item):
    time.sleep(0.01 * item)
    return item


def test_work_with_a_deadline_reports_a_dead_worker_or_its_error_at_once():
    """A worker killed (as by the OOM killer) or a task that raises ends the wait there and then, with the message
    or the task's own exception; work given up at every moment of its course ends at its deadline (no wait on a
    pool's locks: tune once hung there for minutes)."""
    from sgdtext.core import parallel
    from sgdtext.errors import TrainingError, WorkerDiedError

    started = time.monotonic()
    with pytest.raises(WorkerDiedError, match=r"a worker process died \(killed, or out of memory\)"):
        parallel.map_until(die_in_a_worker, None, [(0,), (3,), (1,)], 2, started + 60)
    with pytest.raises(TrainingError, match="the loss diverged"):
        parallel.map_until(fail_in_a_worker, None, [(0,), (1,)], 2, started + 60)
    assert time.monotonic() - started < 30
    for k in range(40):
        given = time.monotonic() + 0.005 * k
        try:
            assert parallel.map_until(sleep_a_little, None, [(i,) for i in range(6)], 2, given) == list(range(6))
        except TimeoutError:
            pass
        assert time.monotonic() - given < 5


def test_a_warm_start_on_a_day_of_one_class_and_one_with_other_hand_made_features(tmp_path):
    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path / "base", "--set",
                 "training.epochs=1")
    assert result.exit_code == 0
    lines = (REPO / "data" / "sms-spam" / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "ham.tsv").write_text("\n".join([lines[0]] + [x for x in lines[1:400] if x.startswith("ham")]) + "\n")
    day = ["--init-model", tmp_path / "base" / "model.npz", "--set", f"data.train={tmp_path / 'ham.tsv'}",
           "--set", "training.epochs=1"]
    one_class = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path / "next", *day)
    assert one_class.exit_code == 0, one_class.output
    other = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path / "other", *day, "--set",
                "features.extra=[{name: FREE, type: regex, pattern: free}]")
    assert other.exit_code == 1
    assert "features -> extra: the hand-made features of" in other.stderr and "(none) differ from the config's" in \
        other.stderr


def test_without_a_terminal_training_logs_timestamped_epoch_lines(tmp_path):
    import re

    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set", "training.epochs=2")
    assert result.exit_code == 0
    logged = [line for line in result.stderr.splitlines() if " sgdtext: epoch " in line]
    assert len(logged) == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ sgdtext: epoch 2: loss \d\.\d{4} accuracy \d\.\d{4} "
                        r"\(\d+\.\d\d s\)", logged[1])


def test_check_data_reports_what_is_worth_knowing(tmp_path):
    (tmp_path / "train.tsv").write_text("label\ttext\nspam\tfree prize\nham\tsee you\nham\tsee you\nspam\tsee you\n"
                                        "ham\t \n")
    (tmp_path / "test.tsv").write_text("label\ttext\nham\tsee you\nother\tnew words here\n")
    (tmp_path / "c.yaml").write_text("data:\n  train: train.tsv\n  test: test.tsv\n")
    result = run("check-data", tmp_path / "c.yaml")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"train: {tmp_path / 'train.tsv'}: 5 documents, 2 labels\n  labels: ham 3, spam 2\n" in out
    assert "  ! 1 empty documents\n" in out and "  ! 2 duplicate documents\n" in out
    assert "  ! 1 texts that appear under two labels\n" in out
    assert "  ! 1 documents also in the training data (the score flatters)\n" in out
    assert "  ! labels training never saw: other" in out


def test_evaluate_reads_a_tsv_with_its_header_whatever_the_model_was_trained_on(tmp_path):
    rows = [line.split("\t", 1) for line in (REPO / "data" / "sms-spam" / "train.tsv").read_text().splitlines()[1:300]]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"category": label, "body": text}) + "\n"
                                                  for label, text in rows))
    (tmp_path / "c.yaml").write_text("data:\n  train: train.jsonl\n  label_field: category\n  text_field: body\n")
    assert run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "run").exit_code == 0
    (tmp_path / "test.tsv").write_text("label\ttext\nspam\tfree prize call now\nham\tsee you at lunch\n")
    result = run("evaluate", tmp_path / "run", tmp_path / "test.tsv", "--label-field", "label", "--text-field", "text",
                 "--json")
    assert result.exit_code == 0, result.output
    assert '"n_documents": 2' in result.stdout


@pytest.mark.parametrize("expression, message", [
    ("1" * 400 + " * x", "a number is too large for a float"),
    ("-" * 900 + "x", "nests too deeply for grad"),
    ("x" * 3000, "grad takes at most 2,000"),
])
def test_grad_refuses_expressions_it_cannot_take(expression, message):
    result = run("grad", expression, "x=1")
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


def test_a_truncated_gzip_input_to_predict_is_one_message(tmp_path):
    import gzip

    assert run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set",
               "training.epochs=1").exit_code == 0
    whole = gzip.compress(b"free prize\n" * 1000)
    (tmp_path / "cut.gz").write_bytes(whole[: len(whole) // 2])
    result = run("predict", tmp_path / "model.npz", tmp_path / "cut.gz")
    assert result.exit_code == 1 and "cut.gz:1: cannot read on:" in result.stderr


def test_a_full_stdout_is_one_message(tmp_path):
    import subprocess
    import sys

    assert run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path, "--set",
               "training.epochs=1").exit_code == 0
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "sgdtext", "predict", str(tmp_path / "model.npz")],
                              input=b"hello\n", stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1 and b"cannot write the output: No space left on device" in proc.stderr


def test_cr_only_line_endings_are_refused_not_merged(tmp_path):
    from sgdtext.errors import DataError
    from sgdtext.io.documents import ReadOptions, read_documents

    path = tmp_path / "mac.tsv"
    path.write_bytes(b"label\ttext\rspam\tfree prize\rham\tsee you\r")
    with pytest.raises(DataError, match=r"mac.tsv:1: the lines end with CR alone"):
        list(read_documents(path, ReadOptions()))


def test_utf16_and_binary_files_are_refused_at_their_first_line(tmp_path):
    """A file saved as UTF-16 (Windows' "Unicode") splits into lines of garbage with NUL bytes: refused as training
    data; predict keeps its one output line per input line and says why they are garbage."""
    from sgdtext.errors import DataError
    from sgdtext.io.documents import ReadOptions, read_documents

    text = "label\ttext\nspam\tfree prize\nham\tsee you\n"
    (tmp_path / "windows.tsv").write_bytes(text.encode("utf-16"))
    with pytest.raises(DataError, match=r"windows.tsv:1: not UTF-8 text: the first line holds a UTF-16 byte-order"):
        list(read_documents(tmp_path / "windows.tsv", ReadOptions()))
    (tmp_path / "blob.tsv").write_bytes(b"\x7fELF\x02\x01\x00\x00\rlabel\ttext\n")
    with pytest.raises(DataError, match=r"blob.tsv:1: not UTF-8 text: the first line holds NUL bytes"):
        list(read_documents(tmp_path / "blob.tsv", ReadOptions()))
    result = run("train", REPO / "configs" / "sms-spam.yaml", "--out-dir", tmp_path / "run", "--set",
                 "training.epochs=1")
    assert result.exit_code == 0
    data = text.encode("utf-16-le")  # lines end in 0a 00: the last NUL is a line of its own
    predicted = run("predict", tmp_path / "run" / "model.npz", input=data)
    assert predicted.exit_code == 0 and predicted.stdout.count("\n") == data.count(b"\n") + 1
    assert "<stdin>:1: not UTF-8 text: the first line holds NUL bytes" in predicted.stderr
    assert "predicted as read; convert it to UTF-8" in predicted.stderr


def test_a_device_without_line_breaks_is_refused_when_its_format_is_guessed(tmp_path, monkeypatch):
    """data.format auto reads no more of an extensionless file than the fastText label prefix."""
    from sgdtext.errors import DataError
    from sgdtext.io import documents
    from sgdtext.io.documents import ReadOptions, read_documents

    monkeypatch.setattr(documents, "MAX_LINE_BYTES", 1000)
    (tmp_path / "endless").write_bytes(b"x" * 5000)
    with pytest.raises(DataError, match=r"endless:1: a line longer than 1,000 bytes"):
        list(read_documents(tmp_path / "endless", ReadOptions()))


def test_chunk_folders_of_killed_streaming_runs_are_swept(tmp_path, monkeypatch):
    import tempfile

    from sgdtext.training.streaming import chunk_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "sgdtext-chunks-dead"
    stale.mkdir()
    (stale / "chunk-000000.npz").write_bytes(b"x")
    with chunk_folder() as folder:
        assert not stale.exists() and os.path.isdir(folder)
        with chunk_folder() as other:  # a live run's folder (locked) is left alone
            assert os.path.isdir(folder) and other != folder


@pytest.mark.parametrize("where", ["token_pattern", "extra"])
def test_a_regex_that_backtracks_catastrophically_ends_in_a_message_not_a_hang(tmp_path, monkeypatch, where):
    import sgdtext.text.deadline

    monkeypatch.setattr(sgdtext.text.deadline, "BASE_SECONDS", 0.5)
    rows = ["label\ttext", "a\tan ordinary message", "b\t" + "a" * 60 + "!", "a\tanother one", "b\tand one more"]
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n")
    features = ({"token_pattern": "(?:a|aa)+$"} if where == "token_pattern" else
                {"extra": [{"name": "AS", "type": "regex", "pattern": "(?:a|aa)+$"}]})
    (tmp_path / "c.yaml").write_text(json.dumps({"data": {"train": "train.tsv"}, "features": features}))
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "run")
    assert result.exit_code == 1, result.output
    assert re.search(r"took more than 0\.5\d* s: a regular expression of the config", result.stderr)
    assert "backtracks catastrophically" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "run" / "model.npz").exists()


def test_a_model_whose_pattern_backtracks_catastrophically_ends_predict_with_a_message(tmp_path, monkeypatch):
    """A model file may come from anyone: its token_pattern, harmless on its training texts, meets a line that makes it
    backtrack; predict's lookup of a few lines in the stored vocabulary is held to the time limit too."""
    import sgdtext.text.deadline

    rows = ["label\ttext", "a\tan ordinary message", "b\tbanana bread", "a\tanother one", "b\tand one more"]
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n")
    features = {"token_pattern": "(?:a|aa)+$|\\w+"}
    (tmp_path / "c.yaml").write_text(json.dumps({"data": {"train": "train.tsv"}, "features": features}))
    assert run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "run").exit_code == 0
    monkeypatch.setattr(sgdtext.text.deadline, "BASE_SECONDS", 0.5)
    result = run("predict", tmp_path / "run" / "model.npz", input="banana\n" + "a" * 60 + "!\n")
    assert result.exit_code == 1 and "backtracks catastrophically" in result.stderr, result.output
    assert result.stdout == ""
