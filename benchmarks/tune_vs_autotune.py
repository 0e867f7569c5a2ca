"""`sgdtext tune` against fastText's autotune: the same budget, the same validation data, from a config that names
only its data.

    python -m pip install -e ".[bench]"     # fastText
    python benchmarks/tune_vs_autotune.py [--data-root ../shared/data] [--datasets sms-spam,trec-6] [--budget 60]
                                          [--splits 1]

For each dataset its training file is split 80/20 (stratified, RandomState(1)); both tools search on the 80 % with
the 20 % as validation data (sgdtext: data.valid; fastText: autotuneValidationFile) for the budget (default 60 s,
300 s on 20 newsgroups and spamassassin), then their tuned models, trained on the 80 %, are scored on the test file
neither has seen. Then each tool's tuned settings are trained again on the whole training file, as a user does once
the search is over (sgdtext: `sgdtext train TUNED.yaml` with data.train the whole file and no data.valid; fastText:
train_supervised with the arguments autotune found), and scored on the test file: the figure to set beside the
peers of compare.py, which train on the whole file too. fastText reads the text lower-cased with punctuation split
off, as its tutorial and peers.py do. Runs one after the other (a budget is wall time: nothing else may run).
Autotune may try a model larger than the machine's memory (on trec-6 it once grew past 24 GB and the kernel killed
the run); under `ulimit -v` such a try fails with MemoryError, reported as nan.

Each pair of accuracies comes with the test documents only one of the two tools got right, each way, and McNemar's
exact test on them (benchmarks/compare.py's mcnemar): below 0.05, a difference unlikely between equally accurate
models. With --splits N, each dataset is searched N times, on the 80/20 splits of RandomState(1) to RandomState(N), a
row each, then a row of the means over the splits: on a few thousand documents which settings a search chooses
depends on its validation split, and the mean says more than any one split.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from compare import bench_arguments, mcnemar, sgdtext_predictions
from data_sets import DATASETS, materialise, split_80_20
from peers import ft_text, read_tsv

LONG = {"20newsgroups-bydate": 300, "spamassassin": 300}


def write_tsv(path, labels, texts):
    path.write_text("label\ttext\n" + "".join(f"{label}\t{text}\n" for label, text in zip(labels, texts)),
                    encoding="utf-8")


def sgdtext_tuned(work, train, valid, test, budget, whole):
    """([test predictions trained on the 80 %, on the whole file ``whole``], search seconds, the search's header
    line and whether it kept the config as it was)."""
    config = work / "plain.yaml"
    config.write_text(f"data:\n  train: {train}\n  valid: {valid}\n  test: {test}\n")
    started = time.perf_counter()
    subprocess.run(["sgdtext", "tune", config, "--budget", str(budget), "--out", work / "tuned.yaml"], check=True,
                   capture_output=True)
    seconds = time.perf_counter() - started
    predicted = []
    for changes in ([], ["--set", f"data.train={whole}", "--set", "data.valid=null"]):
        subprocess.run(["sgdtext", "train", work / "tuned.yaml", "--out-dir", work / "run", *changes], check=True,
                       capture_output=True)
        predicted.append(sgdtext_predictions(work / "run" / "model.npz", read_tsv(test)[1]))
    lines = (work / "tuned.yaml").read_text().splitlines()
    kept = any(line.startswith("# Kept:") or line == "# Best settings: (the config as it is)" for line in lines)
    print(f"{test}: sgdtext tune's " + next((line[2:] for line in lines if line.startswith("# Best settings:")),
                                           "best settings: (none written)"), file=sys.stderr, flush=True)
    return predicted, seconds, lines[0] + (" (kept the config as it was)" if kept else "")


def fasttext_tuned(work, train, valid, test, budget):
    """([test predictions trained on the 80 %, on the 80 % and the 20 % together], search seconds)."""
    import fasttext

    for name, (labels, texts) in (("train", train), ("valid", valid)):
        (work / f"{name}.ft").write_text("".join(f"__label__{label} {ft_text(text)}\n"
                                                 for label, text in zip(labels, texts)), encoding="utf-8")
    (work / "whole.ft").write_text((work / "train.ft").read_text() + (work / "valid.ft").read_text())
    started = time.perf_counter()
    model = fasttext.train_supervised(input=str(work / "train.ft"), autotuneValidationFile=str(work / "valid.ft"),
                                      autotuneDuration=int(budget), thread=2, verbose=0)
    seconds = time.perf_counter() - started
    texts = [ft_text(t) for t in test[1]]
    labels = lambda m: [p[0][len("__label__"):] for p in m.predict(texts)[0]]
    searched, found = labels(model), model.f.getArgs()
    del model  # autotune's model can be gigabytes (a bucket of millions by a dim of hundreds): one at a time
    print(f"fastText autotune's arguments: dim {found.dim}, epoch {found.epoch}, lr {found.lr:.3g}, wordNgrams "
          f"{found.wordNgrams}, minn-maxn {found.minn}-{found.maxn}, bucket {found.bucket}, loss {found.loss.name}",
          file=sys.stderr, flush=True)
    again = fasttext.train_supervised(
        input=str(work / "whole.ft"), lr=found.lr, dim=found.dim, ws=found.ws, epoch=found.epoch,
        minCount=found.minCount, minn=found.minn, maxn=found.maxn, neg=found.neg, wordNgrams=found.wordNgrams,
        loss=found.loss.name, bucket=found.bucket, lrUpdateRate=found.lrUpdateRate, t=found.t, thread=2, verbose=0)
    return [searched, labels(again)], seconds


def accuracy(predicted, truth):
    return float(np.mean([p == t for p, t in zip(predicted, truth)]))


def compared(ours, theirs, truth):
    """The table's cells for one pair of tuned models: both accuracies, and the paired test (theirs None: failed)."""
    if theirs is None:
        return [f"{accuracy(ours, truth):.4f}", "nan", ""]
    only_ours, only_theirs, p = mcnemar(ours, theirs, truth)
    return [f"{accuracy(ours, truth):.4f}", f"{accuracy(theirs, truth):.4f}",
            f"{only_ours} / {only_theirs}, p = {p:.2f}"]


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--splits", type=int, default=1)
    args = parser.parse_args()
    print("| dataset | budget s | its search | sgdtext tune (80 %) | fastText autotune (80 %) | right only by "
          "sgdtext / by fastText, McNemar | sgdtext, whole file | fastText, whole file | right only by, McNemar |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.datasets.split(","):
            root = materialise(args.data_root, name, work / "data")
            labels, texts = read_tsv(root / name / "train.tsv")
            budget = LONG.get(name, args.budget)
            test = read_tsv(root / name / "test.tsv")
            scores = []  # per split: sgdtext and fastText on the 80 %, then on the whole file
            for split in range(1, args.splits + 1):
                keep, held = split_80_20(labels, seed=split)
                train = ([labels[i] for i in keep], [texts[i] for i in keep])
                valid = ([labels[i] for i in held], [texts[i] for i in held])
                write_tsv(work / "train.tsv", *train)
                write_tsv(work / "valid.tsv", *valid)
                ours, _, search = sgdtext_tuned(work, work / "train.tsv", work / "valid.tsv",
                                                root / name / "test.tsv", budget, root / name / "train.tsv")
                try:
                    theirs, _ = fasttext_tuned(work, train, valid, test, budget)
                except MemoryError:  # autotune can pick a model too large for the machine (run under ulimit -v)
                    theirs = [None, None]
                cells = [name if args.splits == 1 else f"{name}, split {split}", f"{budget:.0f}",
                         search.removeprefix("# Tuned by `sgdtext tune` ")]
                scores.append([])
                for mine, other in zip(ours, theirs):  # trained on the 80 %, then on the whole file
                    cells += compared(mine, other, test[0])
                    scores[-1] += [accuracy(mine, test[0]),
                                   float("nan") if other is None else accuracy(other, test[0])]
                print("| " + " | ".join(cells) + " |", flush=True)
            if args.splits > 1:
                means = np.mean(scores, axis=0)
                print(f"| {name}, mean of {args.splits} splits | {budget:.0f} | | {means[0]:.4f} | {means[1]:.4f} | | "
                      f"{means[2]:.4f} | {means[3]:.4f} | |", flush=True)


if __name__ == "__main__":
    main()
