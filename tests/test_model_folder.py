"""The model folder (train --out-dir): versions published together, the promotion gate, rollback, the lock, kills
at random moments, and the nightly cron script."""

import errno
import hashlib
import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli
from sgdtext.io.versions import ModelFolder

SMS = REPO / "data" / "sms-spam"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture
def data(tmp_path):
    """A small training file, the same with every label flipped, a gate file and a config naming the first."""
    lines = (SMS / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "train.tsv").write_text("\n".join(lines[:1201]) + "\n", encoding="utf-8")
    flip = {"spam": "ham", "ham": "spam"}
    flipped = [lines[0]] + [flip[line.split("\t", 1)[0]] + "\t" + line.split("\t", 1)[1] for line in lines[1:1201]]
    (tmp_path / "flipped.tsv").write_text("\n".join(flipped) + "\n", encoding="utf-8")
    gate = (SMS / "test.tsv").read_text(encoding="utf-8").splitlines()[:401]
    (tmp_path / "gate.tsv").write_text("\n".join(gate) + "\n", encoding="utf-8")
    (tmp_path / "spam.yaml").write_text("data:\n  train: train.tsv\n")
    return tmp_path


def live_state(folder):
    """(model bytes' digest, the metrics' lineage time, the model's lineage time) of the live pair."""
    model, metrics = folder / "model.npz", folder / "metrics.json"
    with np.load(model, allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
    return (hashlib.sha256(model.read_bytes()).hexdigest(), json.loads(metrics.read_text())["lineage"]["time"],
            meta["lineage"]["time"])


def test_each_run_is_a_version_and_the_live_pair_flips_together(data):
    out = data / "models"
    for _ in range(3):
        assert run("train", data / "spam.yaml", "--out-dir", out, "--keep", "2").exit_code == 0
    assert sorted(p.name for p in (out / "versions").iterdir()) == ["000002", "000003"]
    assert os.readlink(out / "current") == "versions/000003" and os.readlink(out / "model.npz") == "current/model.npz"
    _, metrics_time, model_time = live_state(out)
    assert metrics_time == model_time
    predicted = run("predict", out, input="WINNER free prize call now\n")
    assert predicted.exit_code == 0 and predicted.output == "spam\n"
    lineage = json.loads((out / "metrics.json").read_text())["lineage"]
    assert lineage["data"]["train"]["sha256"] == hashlib.sha256((data / "train.tsv").read_bytes()).hexdigest()


def test_a_worse_model_is_trained_but_not_promoted(data):
    out = data / "models"
    first = run("train", data / "spam.yaml", "--out-dir", out, "--promote-if-better", "--gate", data / "gate.tsv")
    assert first.exit_code == 0 and "no live model yet" in first.stderr and "promoted" in first.stderr
    before = live_state(out)
    worse = run("train", data / "spam.yaml", "--out-dir", out, "--promote-if-better", "--gate", data / "gate.tsv",
                "--set", "data.train=flipped.tsv")
    assert worse.exit_code == 3, worse.output
    assert "kept the live model" in worse.stderr
    assert live_state(out) == before
    candidate = json.loads((out / "versions" / "000002" / "metrics.json").read_text())["promotion"]
    assert candidate["candidate"] < candidate["live"] and candidate["promoted"] is False
    rolled = run("rollback", out)
    assert rolled.exit_code == 1 and "no earlier complete version to roll back to" in rolled.stderr


def test_rollback_makes_the_previous_version_live(data):
    out = data / "models"
    assert run("train", data / "spam.yaml", "--out-dir", out).exit_code == 0
    first = live_state(out)
    assert run("train", data / "spam.yaml", "--out-dir", out, "--set", "data.train=flipped.tsv").exit_code == 0
    assert live_state(out) != first
    result = run("rollback", out)
    assert result.exit_code == 0 and result.stderr == f"sgdtext: {out}: version 000001 is live again\n"
    assert live_state(out) == first


def test_a_second_run_waits_for_the_lock_then_gives_up(data):
    out = data / "models"
    with ModelFolder(out).lock():
        result = run("train", data / "spam.yaml", "--out-dir", out, "--wait", "0.3")
    assert result.exit_code == 1
    assert "another sgdtext run holds this model folder (waited 0.3 s); wait for it, or give --wait SECONDS" in \
        result.stderr



def test_two_real_processes_on_one_folder_never_interleave(data):
    out = data / "models"
    slow = [sys.executable, "-m", "sgdtext", "train", str(data / "spam.yaml"), "--out-dir", str(out),
            "--set", "training.optimizer=sgd", "--set", "training.epochs=8000"]  # a few seconds
    log = data / "first.log"
    with open(log, "w") as handle:
        first = subprocess.Popen(slow, stdout=subprocess.DEVNULL, stderr=handle)
    try:
        while first.poll() is None and " epoch " not in log.read_text():  # training: it holds the lock
            time.sleep(0.05)
        assert first.poll() is None, "the first run ended before the second started: the test proves nothing"
        quick = [sys.executable, "-m", "sgdtext", "train", str(data / "spam.yaml"), "--out-dir", str(out)]
        refused = subprocess.run(quick + ["--wait", "0.5"], capture_output=True, text=True)
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1
        assert "another sgdtext run holds this model folder (waited 0.5 s)" in refused.stderr
        assert first.poll() is None, "the first run ended while the second waited: the test proves nothing"
        waited = subprocess.run(quick + ["--wait", "300"], capture_output=True, text=True)  # until the first ends
        assert waited.returncode == 0, waited.stderr
        assert first.wait(timeout=300) == 0
    finally:
        first.kill()
        first.wait()
    runs = [json.loads((out / "versions" / v / "metrics.json").read_text()) for v in ("000001", "000002")]
    assert [r["config"]["training"]["optimizer"] for r in runs] == ["sgd", "dual_cd"]  # one after the other
    assert runs[0]["lineage"]["time"] <= runs[1]["lineage"]["time"]
    assert os.readlink(out / "current") == "versions/000002"


def test_a_disk_full_after_the_model_keeps_the_live_pair(data, monkeypatch):
    out = data / "models"
    assert run("train", data / "spam.yaml", "--out-dir", out).exit_code == 0
    before = live_state(out)
    real_fsync = os.fsync

    def full_for_the_metrics(fd):  # the model file is written; the metrics file finds the disk full
        if "metrics.json" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_for_the_metrics)
    result = run("train", data / "spam.yaml", "--out-dir", out)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    last = result.stderr.splitlines()[-1]  # after the epoch log lines, one message
    assert last.startswith("Error: cannot write ") and last.endswith(
        "versions/000002/metrics.json: No space left on device; free space or choose another output folder "
        "(nothing was replaced)")
    assert live_state(out) == before and os.readlink(out / "current") == "versions/000001"
    assert not (out / "versions" / "000002" / ".complete").exists()
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert run("train", data / "spam.yaml", "--out-dir", out).exit_code == 0  # the next run sweeps and publishes
    assert all((p / ".complete").exists() for p in (out / "versions").iterdir())
    assert not [p for p in (out / "versions").rglob(".*.tmp")]

def test_kills_at_random_moments_leave_the_old_pair_or_the_new_one(data):
    out = data / "models"
    assert run("train", data / "spam.yaml", "--out-dir", out).exit_code == 0
    states = {live_state(out)}
    rng = random.Random(13)
    command = [sys.executable, "-m", "sgdtext", "train", str(data / "spam.yaml"), "--out-dir", str(out)]
    for _ in range(100):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.6))
        proc.kill()
        proc.wait()
        state = live_state(out)  # loadable, and model and metrics from the same run
        assert state[1] == state[2]
        states.add(state)
    assert run("train", data / "spam.yaml", "--out-dir", out).exit_code == 0
    left = sorted(p.name for p in out.iterdir())
    assert left == [".lock", "current", "metrics.json", "model.npz", "versions"]
    assert all((p / ".complete").exists() for p in (out / "versions").iterdir())
    assert len(states) > 1  # some runs finished between kills: the test did see new pairs


def test_the_nightly_script_promotes_then_keeps(data):
    script = REPO / "configs" / "nightly.sh"
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    first = subprocess.run(["sh", script, data / "spam.yaml", data / "models", data / "gate.tsv"], env=env,
                           capture_output=True, text=True, cwd=data)
    assert first.returncode == 0 and "promoted a new model" in first.stdout, first.stderr
    with open(data / "train.tsv", "a", encoding="utf-8") as handle:  # the next day: more data
        handle.write("".join(line + "\n" for line in (SMS / "train.tsv").read_text().splitlines()[1201:1601]))
    second = subprocess.run(["sh", script, data / "spam.yaml", data / "models", data / "gate.tsv"], env=env,
                            capture_output=True, text=True, cwd=data)
    assert second.returncode == 0, second.stderr
    (data / "train.tsv").write_text((data / "flipped.tsv").read_text())  # a day of mislabelled data
    third = subprocess.run(["sh", script, data / "spam.yaml", data / "models", data / "gate.tsv"], env=env,
                           capture_output=True, text=True, cwd=data)
    assert third.returncode == 3 and "kept the live model" in third.stdout, third.stderr
