"""A config that names only its data, against scikit-learn's TfidfVectorizer() + LinearSVC() at their defaults.

    python benchmarks/plain.py [--data-root ../shared/data] [--datasets sms-spam,trec-6] [--repeats 3]
                               [--set features.char_ngram_range=[2,5]]

What a new user gets on their own data: for each dataset, `sgdtext train` on a config with only data.train and
data.test (every other key at its default) against benchmarks/peers.py sklearn-svc-default, both whole processes,
pair by pair in the same run (medians of --repeats; the ratio is sgdtext / peer, run by run). ag-news: the seeded
80/20 split of its test file (benchmarks/data_sets.py). --set (repeatable, as `sgdtext train --set`) measures a
candidate default: the defaults with those keys changed.

Whether a difference in accuracy is more than chance: the test documents only one of the two got right, each way,
and McNemar's exact test on them (the two-sided binomial p-value of those counts; below 0.05: unlikely by chance).
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

from compare import REPO, bench_arguments, mcnemar, run_measured, sgdtext_predictions
from data_sets import DATASETS, materialise
from peers import read_tsv


def paired(model, test, peer_predictions):
    """(documents only sgdtext got right, only the peer got right, McNemar's exact p) on the test file."""
    labels, texts = read_tsv(test)
    theirs = peer_predictions.read_text(encoding="utf-8").splitlines()
    return mcnemar(sgdtext_predictions(model, texts), theirs, labels)


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="a key changed from its default, as sgdtext train --set (repeatable)")
    args = parser.parse_args()
    print("| dataset | sgdtext defaults | TfidfVectorizer() + LinearSVC() | right only by sgdtext / by the peer | "
          "McNemar p | sgdtext s | peer s | time ratio | sgdtext MB | peer MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.datasets.split(","):
            root = materialise(args.data_root, name, work / "data")
            config = work / f"{name}.yaml"
            config.write_text(f"data:\n  train: {root / name / 'train.tsv'}\n  test: {root / name / 'test.tsv'}\n")
            ours, theirs, ratios = [], [], []
            overrides = [part for pair in args.set for part in ("--set", pair)]
            for _ in range(args.repeats):
                seconds, rss, _ = run_measured(["sgdtext", "train", config, *overrides, "--out-dir", work / "run"])
                accuracy = json.loads((work / "run" / "metrics.json").read_text())["test"]["accuracy"]
                ours.append((seconds, rss, accuracy))
                peer_seconds, peer_rss, out = run_measured([sys.executable, REPO / "benchmarks" / "peers.py",
                                                            "sklearn-svc-default", root / name / "train.tsv",
                                                            root / name / "test.tsv", work])
                theirs.append((peer_seconds, peer_rss, json.loads(out)["accuracy"]))
                ratios.append(seconds / peer_seconds)
            only_ours, only_theirs, p = paired(work / "run" / "model.npz", root / name / "test.tsv",
                                               work / "sklearn-svc-default.predictions")
            med = lambda rows, i: statistics.median(r[i] for r in rows)
            print(f"| {name} | {ours[-1][2]:.4f} | {theirs[-1][2]:.4f} | {only_ours} / {only_theirs} | {p:.3f} | "
                  f"{med(ours, 0):.2f} | {med(theirs, 0):.2f} | {statistics.median(ratios):.2f} | {med(ours, 1):.0f} | "
                  f"{med(theirs, 1):.0f} |", flush=True)


if __name__ == "__main__":
    main()
