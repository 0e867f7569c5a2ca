"""training.engine: dask on a real LocalCluster of 2 worker processes: parameter mixing is exact where it must be
(one shard = SGD in one process), deterministic, survives a killed worker with the same weights, says clearly
what it cannot do."""

import copy
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli
from sgdtext.config import load_config
from sgdtext.errors import SgdtextError

distributed = pytest.importorskip("distributed", reason="the engine needs the extra 'dask' (dask[distributed])")

SMS = REPO / "data" / "sms-spam"


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """The SMS training file dealt into 4 shard files (a header each)."""
    folder = tmp_path_factory.mktemp("shards")
    head, *rows = (SMS / "train.tsv").read_text().splitlines()
    for i in range(4):
        (folder / f"part-{i}.tsv").write_text("\n".join([head, *rows[i::4]]) + "\n")
    return folder


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes, shared by the tests that name its scheduler."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


def config(tmp_path, train, **training):
    raw = {"data": {"train": train, "test": str(SMS / "test.tsv")},
           "features": {"n_features": 2**18, "weighting": "count", "ngram_range": [1, 2]},
           "model": {"type": "logistic"},
           "training": {"engine": "dask", "epochs": 4, "learning_rate": 0.5, "l2": 1e-5, "batch_size": 8,
                        **training}}
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(raw))
    return path


def train(path, tmp_path, name, *overrides, on_epoch=None):
    from sgdtext.training.run import train as run_training

    resolved = load_config(path, overrides, out_dir=tmp_path / name)
    return run_training(resolved, warn=lambda message: None, on_epoch=on_epoch)


def test_one_shard_is_sgd_in_one_process(tmp_path, cluster):
    """With one shard, mixing must give what SGD gives in one process, averaging and a decaying schedule included."""
    for extra in ({}, {"average": True, "schedule": "invscaling"}):
        path = config(tmp_path, str(SMS / "train.tsv"), shuffle=False, scheduler=cluster.scheduler_address,
                      **extra)
        on_cluster = train(path, tmp_path, "cluster")
        local = train(path, tmp_path, "local", "training.engine=local", "training.optimizer=sgd")
        np.testing.assert_allclose(on_cluster.model.W, local.model.W, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(on_cluster.model.b, local.model.b, rtol=1e-9, atol=1e-12)
        assert on_cluster.metrics["test"]["accuracy"] == local.metrics["test"]["accuracy"]


def test_four_shards_on_two_workers(tmp_path, shards, cluster):
    path = config(tmp_path, str(shards / "part-*.tsv"), scheduler=cluster.scheduler_address)
    first, second = train(path, tmp_path, "a"), train(path, tmp_path, "b")
    assert first.model.W.tobytes() == second.model.W.tobytes()  # deterministic for a seed and partitioning
    local = train(config(tmp_path, str(SMS / "train.tsv")), tmp_path, "local", "training.engine=local",
                  "training.optimizer=sgd")
    assert abs(first.metrics["test"]["accuracy"] - local.metrics["test"]["accuracy"]) <= 0.01
    assert first.metrics["train"]["n_documents"] == 4460 and first.metrics["train"]["accuracy"] > 0.98
    record = first.metrics["training"]["cluster"]
    assert record["workers"] == 2 and record["shards"] == 4 and len(record["shard_cpu_seconds_per_epoch"]) == 4
    # each shard receives and returns only the rows its documents use: less than the whole matrix each
    assert 0 < record["bytes_to_workers_per_epoch"] < 4 * record["whole_matrix_bytes"]
    assert record["bytes_from_workers_per_epoch"] < record["whole_matrix_bytes"]
    assert [p["phase"] for p in first.metrics["training"]["phases"]][:2] == ["reading shards", "training"]
    lineage = first.metrics["lineage"]["data"]["train"]
    assert [entry["path"] for entry in lineage] == [str(shards / f"part-{i}.tsv") for i in range(4)]


def test_validation_rule_and_class_weights_work_as_in_one_process(tmp_path, shards, cluster):
    path = config(tmp_path, [str(shards / f"part-{i}.tsv") for i in range(3)], scheduler=cluster.scheduler_address,
                  early_stopping=True, patience=2, epochs=30, class_weight="balanced")
    raw = json.loads(path.read_text())
    raw["data"]["valid"] = str(shards / "part-3.tsv")
    path.write_text(json.dumps(raw))
    result = train(path, tmp_path, "early")
    training = result.metrics["training"]
    assert training["stop_reason"] == "valid_not_improving" and training["best_epoch"] < training["stopped_epoch"]
    assert result.metrics["valid"]["accuracy"] == max(e["valid_accuracy"] for e in training["epochs"])


def test_a_worker_killed_mid_training_changes_nothing(tmp_path, shards, cluster):
    """The shards of a killed worker are read again by a worker and the epoch redone: the same weights."""
    path = config(tmp_path, str(shards / "part-*.tsv"), scheduler=cluster.scheduler_address, epochs=4)
    undisturbed = train(path, tmp_path, "calm")
    client = distributed.Client(cluster.scheduler_address)
    pids = client.run(os.getpid)
    killed = []

    def kill_one(record):
        if record["epoch"] == 2:
            address, pid = sorted(pids.items())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(address)

    disturbed = train(path, tmp_path, "killed", on_epoch=kill_one)
    assert killed
    assert disturbed.model.W.tobytes() == undisturbed.model.W.tobytes()
    assert disturbed.metrics["test"] == undisturbed.metrics["test"]
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it for the other tests
    client.close()


def test_a_task_that_keeps_killing_its_workers_stops_training_with_one_message(cluster):
    from sgdtext.training.cluster import results

    with distributed.Client(cluster.scheduler_address) as client:
        future = client.submit(os._exit, 1, pure=False)
        with pytest.raises(SgdtextError, match=r"engine dask: killing: the task .* was running on workers that died "
                                               r"each time .* training stopped, nothing was written"):
            results(client, [future], "killing")
        client.wait_for_workers(2, timeout=60)


def test_from_the_command_line_on_a_local_cluster(tmp_path, shards):
    path = config(tmp_path, str(shards / "part-*.tsv"), workers=2, epochs=2)
    result = CliRunner().invoke(cli, ["train", str(path), "--out-dir", str(tmp_path / "cli"), "--log-format", "json"])
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [e["done"] for e in events if e["event"] == "progress" and e["phase"] == "training"] == [1, 2]
    assert json.loads((tmp_path / "cli" / "metrics.json").read_text())["training"]["cluster"]["workers"] == 2


@pytest.mark.parametrize("changes, says", [
    ({"features": {"n_features": None}}, "dask needs hashing mode"),
    ({"features": {"weighting": "tfidf"}}, "tf-idf needs the document frequencies"),
    ({"training": {"optimizer": "adagrad", "batch_size": 1}}, "the workers take plain SGD steps"),
    ({"training": {"l1": 0.001}}, "not with engine dask"),
    ({"model": {"type": "mlp"}}, "trains the single-label linear models"),
    ({"training": {"engine": "local"}}, "a list of files or a glob pattern is read by training.engine: dask"),
])
def test_what_the_engine_cannot_do_is_said_before_anything_runs(tmp_path, shards, changes, says):
    path = config(tmp_path, str(shards / "part-*.tsv"))
    raw = json.loads(path.read_text())
    for section, values in copy.deepcopy(changes).items():
        raw[section].update(values)
    path.write_text(json.dumps(raw))
    result = CliRunner().invoke(cli, ["train", str(path), "--out-dir", str(tmp_path / "bad")])
    assert result.exit_code == 1 and says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "bad").exists()


def test_a_pattern_that_matches_nothing_and_an_unreachable_scheduler(tmp_path, shards):
    nothing = CliRunner().invoke(cli, ["check-config", str(config(tmp_path, str(shards / "none-*.tsv")))])
    assert nothing.exit_code == 1 and "no file matches" in nothing.stderr
    path = config(tmp_path, str(shards / "part-*.tsv"), scheduler="tcp://127.0.0.1:9")
    result = CliRunner().invoke(cli, ["train", str(path), "--out-dir", str(tmp_path / "x"), "--quiet"])
    assert result.exit_code == 1 and "cannot reach a Dask scheduler at tcp://127.0.0.1:9" in result.stderr


def test_without_dask_the_engine_says_which_extra_to_install(tmp_path, shards):
    path = config(tmp_path, str(shards / "part-*.tsv"))
    code = ("import sys; sys.modules['distributed'] = None\nfrom sgdtext.cli import main\n"
            f"sys.argv = ['sgdtext', 'train', {str(path)!r}, '--out-dir', {str(tmp_path / 'o')!r}, '-q']\nmain()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1 and "pip install 'sgdtext[dask]'" in result.stderr


def test_dual_cd_solves_each_column_on_a_worker_as_one_process_would(tmp_path, shards, cluster):
    """A three-class problem: each one-vs-rest column is a task over all the shards; with the rows in the same order
    the weights are those of dual_cd in one process (the same per-class seeds), to rounding: NB-SVM's document
    counts are summed over a column's two sides rather than over the three classes."""
    three = tmp_path / "three"
    three.mkdir()
    whole = ["label\ttext"]
    for i in range(4):
        head, *rows = (shards / f"part-{i}.tsv").read_text().splitlines()
        rows = [("question" if label == "ham" and "?" in text else label) + "\t" + text
                for label, text in (row.split("\t", 1) for row in rows)]
        (three / f"part-{i}.tsv").write_text("\n".join([head, *rows]) + "\n")
        whole += rows
    (three / "all.tsv").write_text("\n".join(whole) + "\n")
    settings = {"optimizer": "dual_cd", "epochs": "auto", "l2": "auto", "class_weight": "balanced"}
    path = config(tmp_path, str(three / "part-*.tsv"), scheduler=cluster.scheduler_address, **settings)
    raw = json.loads(path.read_text())
    raw["model"]["type"], raw["training"]["nb_scale"] = "squared_hinge", 1.0
    path.write_text(json.dumps(raw))
    on_cluster = train(path, tmp_path, "dual")
    local = train(path, tmp_path, "dual-local", "training.engine=local", f"data.train={three / 'all.tsv'}")
    assert on_cluster.model.classes == local.model.classes == ["ham", "question", "spam"]
    np.testing.assert_allclose(on_cluster.model.W, local.model.W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(on_cluster.model.b, local.model.b, rtol=1e-9, atol=1e-12)
    training = on_cluster.metrics["training"]
    assert training["stop_reason"] == "converged"
    assert training["stopped_epoch"] == local.metrics["training"]["stopped_epoch"]
    assert on_cluster.metrics["test"]["accuracy"] == local.metrics["test"]["accuracy"]
