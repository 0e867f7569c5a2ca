"""Progress and logs: a line per phase off a terminal, JSON lines for machines, nothing with --quiet, bars kept as
one-line summaries on a terminal, and the dual solver's convergence measure where its epochs cannot be counted."""

import json
import os
import pty
import re
import subprocess
import sys

from click.testing import CliRunner
from conftest import REPO

from sgdtext import progress
from sgdtext.cli import cli

SMS = REPO / "configs" / "sms-spam.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_quiet_prints_nothing_but_errors(tmp_path):
    done = run("train", SMS, "--out-dir", tmp_path, "--quiet", "--set", "training.epochs=2",
               "--set", "training.momentum=0.5")  # (a warning: momentum is not read by sgd)
    assert done.exit_code == 0 and done.stderr == ""
    failed = run("train", SMS, "--out-dir", tmp_path, "--quiet", "--set", "data.train=missing.tsv")
    assert failed.exit_code == 1 and "missing.tsv: no such file" in failed.stderr


def test_json_log_lines_name_every_phase_and_epoch(tmp_path):
    result = run("train", SMS, "--out-dir", tmp_path, "--log-format", "json", "--set", "training.epochs=3",
                 "--set", "training.momentum=0.5")
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stderr.splitlines()]  # every line is one JSON object
    ended = [(e["phase"], e["detail"]) for e in events if e["event"] == "end"]
    train_file = str(REPO / "data" / "sms-spam" / "train.tsv")
    assert ended[:3] == [("reading", train_file), ("featurising", "train"), ("training", None)]
    assert {("evaluating", "train"), ("evaluating", "test"), ("writing", str(tmp_path / "versions" / "000001"))} <= \
        set(ended)
    reading = next(e for e in events if e["event"] == "end" and e["phase"] == "reading")
    assert reading["done"] == 4460 and reading["unit"] == "documents" and reading["per_second"] > 0
    epochs = [e for e in events if e["event"] == "progress" and e["phase"] == "training"]
    assert [e["done"] for e in epochs] == [1, 2, 3] and all(e["total"] == 3 for e in epochs)
    assert all(0 <= e["accuracy"] <= 1 and e["loss"] > 0 for e in epochs)
    assert any(e["event"] == "warning" and "momentum" in e["message"] for e in events)
    result_event = events[-1]
    assert result_event["event"] == "result" and result_event["test"]["accuracy"] > 0.9
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", e["time"]) for e in events)


def test_text_log_lines_and_the_dual_solvers_convergence(tmp_path):
    result = run("train", SMS, "--out-dir", tmp_path, "--set", "training.optimizer=dual_cd",
                 "--set", "training.epochs=auto", "--set", "model.type=squared_hinge")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ sgdtext: ", line) for line in lines)
    epochs = [line for line in lines if " sgdtext: epoch " in line]
    assert epochs and all(re.search(r"violation \d+\.\d{4} converged [01]/1 \(\d+\.\d\d s\)$", line)
                          for line in epochs)
    assert "converged 1/1" in epochs[-1]
    summary = next(line for line in lines if " sgdtext: training: " in line)
    assert f"training: {len(epochs)} epoch" in summary and "stopped converged" in summary
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    last = metrics["training"]["epochs"][-1]
    assert last["violation"] <= metrics["config"]["training"]["dual_tol"] and last["converged_classes"] == 1
    phases = [p["phase"] for p in metrics["training"]["phases"]]
    assert phases[:3] == ["reading", "featurising", "training"] and phases.count("evaluating") == 2


def test_streaming_shows_each_pass_over_the_file(tmp_path):
    result = run("train", SMS, "--out-dir", tmp_path, "--log-format", "json", "--set", "data.chunk_size=1000",
                 "--set", "training.epochs=2", "--set", "data.chunk_cache=false", "--set", "features.n_features=65536",
                 "--set", "features.weighting=count")
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stderr.splitlines()]
    passes = [e for e in events if e["event"] == "end" and e["phase"] == "streaming"]
    assert [(e["done"], e["total"]) for e in passes] == [(4460, 4460)] * 2
    assert any(e["event"] == "end" and e["phase"] == "scanning labels" for e in events)


def test_on_a_terminal_each_phase_ends_as_a_summary_line(tmp_path):
    """Under a real pseudo-terminal: bars while phases run, replaced by one summary line each."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "sgdtext", "train", str(SMS), "--out-dir", str(tmp_path),
                                "--set", "training.epochs=3"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=follower, env={**os.environ, "COLUMNS": "120"})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    shown = [line.strip() for line in re.split(r"[\r\n]", re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", screen)) if line]
    assert any(re.fullmatch(r"reading \S+train\.tsv: 4,460 documents in \d+\.\d\d s \([\d,]+ documents/s\)", line)
               for line in shown), shown
    assert any(line.startswith("training: 3 epochs in ") and "stopped max_epochs" in line for line in shown)
    assert any(line.startswith("evaluating test: 1,114 documents in ") for line in shown)
    assert not any(re.search(r"\d{4}-\d\d-\d\dT", line) for line in shown)  # no log timestamps on a terminal


def test_the_library_is_silent_unless_a_reporter_is_installed(capsys):
    with progress.phase("reading", unit="documents") as shown:
        shown.advance(5)
    assert capsys.readouterr().err == ""
    with progress.recording() as records, progress.reporting(progress.LogLines(sys.stderr)):
        with progress.phase("featurising", total=5, unit="documents") as shown:
            shown.advance(5, features=7)
    assert records[0]["done"] == 5 and records[0]["features"] == 7
    assert "featurising: 5 documents in" in capsys.readouterr().err
