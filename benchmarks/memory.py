"""Peak memory of training on every dataset: sgdtext against the one-process scikit-learn script of issue 19.

    python benchmarks/memory.py [--data-root ../shared/data] [--datasets sms-spam,20newsgroups-bydate] [--repeats 3]

For each dataset (ag-news: the seeded 80/20 split of its test file, benchmarks/data_sets.py), whole processes in
turn, each repeat running every point once: `sgdtext train` on the shipped config where there is one, `sgdtext train`
on a config naming only the data (the defaults), and benchmarks/peers.py sklearn-script
(TfidfVectorizer(sublinear_tf=True) + SGDClassifier(hinge, alpha 1e-4, max_iter 30, tol 1e-4, random_state 0)),
each reading, featurising, training and scoring the test file. Peak RSS from GNU time (compare.run_measured), median
over the repeats, and the ratio sgdtext / script; the time beside it.
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

from compare import CONFIGS, REPO, bench_arguments, run_measured
from data_sets import DATASETS, materialise


def points(name, root, work):
    """(label, command) of the sgdtext runs on one dataset."""
    shipped = REPO / "configs" / f"{CONFIGS.get(name, name)}.yaml"
    plain = work / f"{name}.yaml"
    plain.write_text(f"data:\n  train: {root / name / 'train.tsv'}\n  test: {root / name / 'test.tsv'}\n")
    runs = [("defaults", ["sgdtext", "train", plain, "--out-dir", work / "run", "--quiet"])]
    if shipped.exists():
        runs.insert(0, ("shipped", ["sgdtext", "train", shipped, "--set", f"data.root={root}", "--out-dir",
                                    work / "run", "--quiet"]))
    return runs


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    print("| dataset | run | accuracy | peak RSS MB | script MB | RSS ratio | s | script s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.datasets.split(","):
            root = materialise(args.data_root, name, work / "data")
            runs = points(name, root, work)
            ours = {label: [] for label, _ in runs}
            script = []
            for _ in range(args.repeats):
                for label, command in runs:
                    seconds, rss, _ = run_measured(command)
                    accuracy = json.loads((work / "run" / "metrics.json").read_text())["test"]["accuracy"]
                    ours[label].append((seconds, rss, accuracy))
                seconds, rss, out = run_measured([sys.executable, REPO / "benchmarks" / "peers.py", "sklearn-script",
                                                  root / name / "train.tsv", root / name / "test.tsv", work])
                script.append((seconds, rss, json.loads(out)["accuracy"]))
            med = lambda rows, i: statistics.median(r[i] for r in rows)
            for label, rows in ours.items():
                print(f"| {name} | {label} | {rows[-1][2]:.4f} | {med(rows, 1):.0f} | {med(script, 1):.0f} | "
                      f"{med(rows, 1) / med(script, 1):.2f} | {med(rows, 0):.2f} | {med(script, 0):.2f} |", flush=True)
            print(f"| {name} | the script | {script[-1][2]:.4f} | | {med(script, 1):.0f} | | | {med(script, 0):.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
