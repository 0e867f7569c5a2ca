"""`sgdtext tune` against fastText's autotune: the same budget, the same validation data, from a config that names
only its data.

    python -m pip install -e ".[bench]"     # fastText
    python benchmarks/tune_vs_autotune.py [--data-root ../shared/data] [--datasets sms-spam,trec-6] [--budget 60]

For each dataset its training file is split 80/20 (stratified, RandomState(1)); both tools search on the 80 % with
the 20 % as validation data (sgdtext: data.valid; fastText: autotuneValidationFile) for the budget (default 60 s,
300 s on 20 newsgroups and spamassassin), then their tuned models, trained on the 80 %, are scored on the test file
neither has seen. fastText reads the text lower-cased with punctuation split off, as its tutorial and peers.py do.
Runs one after the other (a budget is wall time: nothing else may run).
"""

import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from compare import bench_arguments
from data_sets import DATASETS, materialise, split_80_20
from peers import ft_text, read_tsv

LONG = {"20newsgroups-bydate": 300, "spamassassin": 300}


def write_tsv(path, labels, texts):
    path.write_text("label\ttext\n" + "".join(f"{label}\t{text}\n" for label, text in zip(labels, texts)),
                    encoding="utf-8")


def sgdtext_tuned(work, train, valid, test, budget):
    config = work / "plain.yaml"
    config.write_text(f"data:\n  train: {train}\n  valid: {valid}\n  test: {test}\n")
    started = time.perf_counter()
    subprocess.run(["sgdtext", "tune", config, "--budget", str(budget), "--out", work / "tuned.yaml"], check=True,
                   capture_output=True)
    seconds = time.perf_counter() - started
    subprocess.run(["sgdtext", "train", work / "tuned.yaml", "--out-dir", work / "run"], check=True,
                   capture_output=True)
    header = (work / "tuned.yaml").read_text().splitlines()[0]
    accuracy = json.loads((work / "run" / "metrics.json").read_text())["test"]["accuracy"]
    return accuracy, seconds, header


def fasttext_tuned(work, train, valid, test, budget):
    import fasttext

    for name, (labels, texts) in (("train", train), ("valid", valid)):
        (work / f"{name}.ft").write_text("".join(f"__label__{label} {ft_text(text)}\n"
                                                 for label, text in zip(labels, texts)), encoding="utf-8")
    started = time.perf_counter()
    model = fasttext.train_supervised(input=str(work / "train.ft"), autotuneValidationFile=str(work / "valid.ft"),
                                      autotuneDuration=budget, thread=2, verbose=0)
    seconds = time.perf_counter() - started
    predicted, _ = model.predict([ft_text(t) for t in test[1]])
    return float(np.mean([p[0][len("__label__"):] == t for p, t in zip(predicted, test[0])])), seconds


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--budget", type=float, default=60)
    args = parser.parse_args()
    print("| dataset | budget s | sgdtext tune: test accuracy | its search | fastText autotune: test accuracy |")
    print("|---|---:|---:|---|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.datasets.split(","):
            root = materialise(args.data_root, name, work / "data")
            labels, texts = read_tsv(root / name / "train.tsv")
            keep, held = split_80_20(labels, seed=1)
            train = ([labels[i] for i in keep], [texts[i] for i in keep])
            valid = ([labels[i] for i in held], [texts[i] for i in held])
            write_tsv(work / "train.tsv", *train)
            write_tsv(work / "valid.tsv", *valid)
            budget = LONG.get(name, args.budget)
            ours, _, search = sgdtext_tuned(work, work / "train.tsv", work / "valid.tsv", root / name / "test.tsv",
                                            budget)
            theirs, _ = fasttext_tuned(work, train, valid, read_tsv(root / name / "test.tsv"), budget)
            print(f"| {name} | {budget:.0f} | {ours:.4f} | {search.removeprefix('# Tuned by `sgdtext tune` ')} | "
                  f"{theirs:.4f} |", flush=True)


if __name__ == "__main__":
    main()
