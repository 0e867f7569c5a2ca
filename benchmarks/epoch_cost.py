"""Cost of an SGD epoch against the vocabulary size: it must follow the non-zeros, not the columns.

    python benchmarks/epoch_cost.py [--data-root ../shared/data] [--repeats 3]

20 newsgroups in hashing mode with 131,072 and 1,310,720 columns (10x), softmax (20 weight vectors), L2
(the scaled-weight trick), 5 epochs; the figure is the SGD loop's time per epoch (metrics.json
per-epoch "seconds", evaluation included): the first epoch (which also pays the page faults of a freshly
zeroed weight matrix, once) and the median of epochs 2-5, each the median of --repeats runs.
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import REPO, bench_arguments, run_measured  # noqa: E402


def per_epoch(n_features, root, work, extra):
    run_measured(["sgdtext", "train", str(REPO / "configs" / "20newsgroups-softmax.yaml"), "--out-dir", str(work),
                  "--set", f"data.root={root}", "--set", f"features.n_features={n_features}",
                  "--set", "features.min_df=1", "--set", "training.epochs=5", "--set", "training.l2=1e-6",
                  "--set", "output.train_metrics=false", *extra])
    epochs = json.loads((work / "metrics.json").read_text())["training"]["epochs"]
    return epochs[0]["seconds"], statistics.median(e["seconds"] for e in epochs[1:])


def main():
    parser = bench_arguments(__doc__)
    args = parser.parse_args()
    print("| setting | columns | first epoch s | later epochs s (median) | ratio of later epochs |\n"
          "|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("softmax, l2", []), ("hinge, l2 + l1, averaged", [
                "--set", "model.type=hinge", "--set", "training.l1=1e-6", "--set", "training.average=true"])):
            small = [per_epoch(131072, args.data_root, Path(tmp), extra) for _ in range(args.repeats)]
            large = [per_epoch(1310720, args.data_root, Path(tmp), extra) for _ in range(args.repeats)]
            (f1, s1), (f2, s2) = [(statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
                                  for runs in (small, large)]
            print(f"| {name} | 131,072 | {f1:.3f} | {s1:.3f} | |\n| {name} | 1,310,720 | {f2:.3f} | {s2:.3f} | "
                  f"{s2 / s1:.2f} |")


if __name__ == "__main__":
    main()
