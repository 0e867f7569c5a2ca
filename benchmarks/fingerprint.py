"""The learned state of every shipped config, as one hash per model: does a change keep the weights bit for bit?

    python benchmarks/fingerprint.py [--data-root ../shared/data] [--sgdtext PATH] [--configs sms-spam,trec-6]

Trains each config (and variants of the SMS config that reach other code paths) with `sgdtext train` (PATH:
another installation's executable, e.g. the one of a checkout before a change) and prints, per run, the test
accuracy, the SHA-256 of the model file's arrays (the metadata string left out: it holds the version and the
output paths) and of metrics.json's figures (times and paths left out). Two runs print the same table exactly
when every array is the same to the bit.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# (name, config, overrides): the shipped configs run as they are, and these variants on the bundled SMS data reach
# the code paths no shipped config takes
SMS = "sms-spam"
VARIANTS = [
    ("sms-hinge-averaged-l1", SMS, ["model.type=hinge", "training.average=true", "training.l1=1e-5"]),
    ("sms-softmax-invscaling", SMS, ["model.type=softmax", "training.schedule=invscaling", "training.batch_size=1"]),
    ("sms-huber-optimal", SMS, ["model.type=modified_huber", "training.schedule=optimal", "training.l2=1e-4"]),
    ("sms-linear-adagrad", SMS, ["model.type=linear", "training.optimizer=adagrad", "training.batch_size=1",
                                 "training.learning_rate=0.1"]),
    ("sms-perceptron-loss-rule", SMS, ["model.type=perceptron", "training.tol=0.001", "training.epochs=20"]),
    ("sms-logistic-dual", SMS, ["training.optimizer=dual_cd", "training.l2=1e-3", "training.epochs=50"]),
    ("sms-linear-dual", SMS, ["model.type=linear", "training.optimizer=dual_cd", "training.l2=1e-3"]),
    ("sms-hinge-dual-early", SMS, ["model.type=hinge", "training.optimizer=dual_cd", "training.l2=1e-3",
                                   "data.validation_split=0.1", "training.early_stopping=true"]),
    ("sms-stream", SMS, ["data.chunk_size=1000", "features.n_features=65536", "features.weighting=count",
                         "training.class_weight=balanced"]),
    ("sms-mlp-adam", SMS, ["model.type=mlp", "model.hidden_sizes=[32]", "training.optimizer=adam",
                           "training.learning_rate=0.01", "training.epochs=3", "model.activation=tanh"]),
    ("sms-mlp-momentum", SMS, ["model.type=mlp", "model.hidden_sizes=[16, 8]", "training.optimizer=momentum",
                               "training.learning_rate=0.1", "training.epochs=3", "model.activation=maxout",
                               "model.dropout=0.2", "model.wide=true"]),
]


def fingerprint(model_path):
    """SHA-256 over the names, dtypes, shapes and bytes of every array but the metadata."""
    digest = hashlib.sha256()
    with np.load(model_path, allow_pickle=False) as npz:
        for name in sorted(npz.files):
            if name == "metadata":
                continue
            array = np.ascontiguousarray(npz[name])
            digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def metrics_fingerprint(metrics):
    """SHA-256 of the metrics.json figures that do not depend on time or paths: every split's metrics and the
    per-epoch history (seconds left out; the phases, which are timings, too)."""
    training = {key: value for key, value in metrics["training"].items() if "second" not in key and key != "phases"}
    training["epochs"] = [{key: value for key, value in record.items() if key != "seconds"}
                          for record in training["epochs"]]
    splits = {key: value for key, value in metrics.items() if key in ("train", "valid", "test")}
    return hashlib.sha256(json.dumps([splits, training], sort_keys=True).encode()).hexdigest()[:16]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", type=lambda value: Path(value).resolve(),
                        default=REPO.parent / "shared" / "data")
    parser.add_argument("--sgdtext", default="sgdtext", help="the sgdtext executable to run")
    parser.add_argument("--configs", default=None, help="comma-separated config names (default: every one)")
    args = parser.parse_args()
    runs = [(p.stem, p.stem, []) for p in sorted((REPO / "configs").glob("*.yaml"))] + VARIANTS
    if args.configs:
        runs = [run for run in runs if run[0] in args.configs.split(",")]
    environ = {**os.environ, "SGDTEXT_DATA": str(args.data_root)}
    print("| run | test accuracy | arrays SHA-256 | metrics SHA-256 |\n|---|---:|---|---|")
    for name, config, overrides in runs:
        with tempfile.TemporaryDirectory() as out:
            command = [args.sgdtext, "train", str(REPO / "configs" / f"{config}.yaml"), "--out-dir", out]
            command += [arg for assignment in overrides for arg in ("--set", assignment)]
            proc = subprocess.run(command, capture_output=True, text=True, env=environ)
            if proc.returncode:
                print(f"| {name} | failed: {proc.stderr.strip().splitlines()[-1]} | | |")
                continue
            metrics = json.loads((Path(out) / "metrics.json").read_text())
            accuracy = metrics.get("test", metrics["train"])["accuracy"]
            print(f"| {name} | {accuracy:.4f} | {fingerprint(Path(out) / 'model.npz')} | "
                  f"{metrics_fingerprint(metrics)} |", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
