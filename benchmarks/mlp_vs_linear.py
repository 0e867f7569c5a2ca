"""The mlp configs against sgdtext's linear configs on the same data: accuracy and whole-process time.

    python benchmarks/mlp_vs_linear.py [--data-root ../shared/data] [--repeats 3]

Target (issue 5): the mlp reaches at least the linear config's test accuracy minus 0.5 points and trains
in at most 3x its time (`sgdtext train`, whole process, median of --repeats runs, ratio run by run).
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import REPO, bench_arguments, run_measured  # noqa: E402

PAIRS = [("20newsgroups", "20newsgroups-mlp"), ("trec-6", "trec-6-mlp"), ("sst-2", "sst-2-mlp")]


def train(config, root, out):
    seconds, rss, _ = run_measured(["sgdtext", "train", str(REPO / "configs" / f"{config}.yaml"), "--set",
                                    f"data.root={root}", "--out-dir", str(out)])
    return seconds, json.loads((out / "metrics.json").read_text())["test"]["accuracy"]


def main():
    parser = bench_arguments(__doc__)
    args = parser.parse_args()
    print("| dataset | linear acc | mlp acc | difference (points) | linear s | mlp s | time ratio |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for linear, mlp in PAIRS:
            runs = [(train(linear, args.data_root, Path(tmp) / "l"), train(mlp, args.data_root, Path(tmp) / "m"))
                    for _ in range(args.repeats)]
            (lt, la), (mt, ma) = runs[-1]
            lts, mts = statistics.median(r[0][0] for r in runs), statistics.median(r[1][0] for r in runs)
            ratio = statistics.median(r[1][0] / r[0][0] for r in runs)
            print(f"| {linear} | {la:.4f} | {ma:.4f} | {100 * (ma - la):+.2f} | {lts:.2f} | {mts:.2f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
