"""Accuracy against training time: sgdtext's configs and the peers' on the same data, whole processes, one run.

    python benchmarks/pareto.py [--data-root ../shared/data] [--datasets 20newsgroups-bydate,spamassassin]
                                [--repeats 3] [--plot pareto.svg]

Each point is `sgdtext train` on a config (the shipped one, its fast one where configs/ has NAME-fast.yaml, the
defaults, and variants of the shipped one and the defaults: --set overrides written in SGDTEXT below) or
benchmarks/peers.py TOOL (settings at the top of peers.py), timed as a whole process (imports, reading,
featurising, training, scoring the test file). In each repeat every point runs once, in turn,
so a busy spell hits them alike; times and peak RSS are medians over the repeats. For each peer the table names
the fastest sgdtext point at least as accurate and the most accurate one, with the time ratio sgdtext / peer taken
repeat by repeat, then the median. --plot draws accuracy against time (log scale), a panel per dataset
(circles: sgdtext; squares: peers; a triangle on the lower edge: far under the best).
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

from compare import CONFIGS, REPO, bench_arguments, peer_train, run_measured

DATASETS = ["20newsgroups-bydate", "spamassassin"]
PEERS = ["sklearn-script", "sklearn-svc", "fasttext", "fasttext-default", "vw"]
SGDTEXT = [  # (name, config: "shipped", "shipped-fast" (where configs/ has one) or "defaults", --set overrides)
    ("shipped", "shipped", []),
    ("shipped fast", "shipped-fast", []),
    ("shipped, words only", "shipped", ["features.ngram_range=[1, 1]"]),
    ("shipped, no NB scaling", "shipped", ["training.nb_scale=0"]),
    ("defaults", "defaults", []),
    ("defaults, words only", "defaults", ["features.ngram_range=[1, 1]"]),
    ("defaults, squared hinge C = 1", "defaults", ["model.type=squared_hinge", "training.C=1"]),
]


def sgdtext_point(kind, overrides, name, root, work):
    """(seconds, peak MB, test accuracy) of one `sgdtext train`."""
    command = ["sgdtext", "train", None, "--out-dir", work / "run", "--quiet"]
    if kind.startswith("shipped"):
        command[2] = shipped_config(name, kind)
        command += ["--set", f"data.root={root}"]
    else:
        command[2] = work / f"{name}-defaults.yaml"
        command[2].write_text(f"data:\n  train: {root / name / 'train.tsv'}\n  test: {root / name / 'test.tsv'}\n")
    command += [arg for value in overrides for arg in ("--set", value)]
    seconds, rss, _ = run_measured(command)
    return seconds, rss, json.loads((work / "run" / "metrics.json").read_text())["test"]["accuracy"]


def shipped_config(name, kind):
    """configs/NAME.yaml for kind "shipped", configs/NAME-fast.yaml for "shipped-fast"."""
    return REPO / "configs" / f"{CONFIGS.get(name, name)}{kind.removeprefix('shipped')}.yaml"


def points_of(name):
    """The entries of SGDTEXT that dataset ``name`` has (a fast config only where configs/ holds one)."""
    return [(label, kind, overrides) for label, kind, overrides in SGDTEXT
            if not kind.startswith("shipped") or shipped_config(name, kind).exists()]


def measure(name, root, repeats, work):
    """{point name: [(seconds, MB, accuracy) per repeat]} for sgdtext's points and the peers'."""
    runs = {}
    for _ in range(repeats):
        for label, kind, overrides in points_of(name):
            runs.setdefault(label, []).append(sgdtext_point(kind, overrides, name, root, work))
        for tool in PEERS:
            seconds, rss, out = peer_train(tool, name, root, work)
            runs.setdefault(tool, []).append((seconds, rss, out["accuracy"]))
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return runs


def summary(runs):
    """{point: (median s, median MB, accuracy)}: the accuracy of the last repeat (every repeat gives the same)."""
    return {point: (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows), rows[-1][2])
            for point, rows in runs.items()}


def ratio(runs, ours, peer):
    return statistics.median(a[0] / b[0] for a, b in zip(runs[ours], runs[peer]))


def print_tables(name, runs):
    points = summary(runs)
    ours = [label for label, _, _ in points_of(name)]
    frontier, best = set(), -1.0
    for point in sorted(points, key=lambda p: (points[p][0], -points[p][2])):
        if points[point][2] > best:
            frontier.add(point)
            best = points[point][2]
    print(f"\n{name}: every point, fastest first (* on the accuracy/time frontier)\n")
    print("| point | test accuracy | s | MB |\n|---|---:|---:|---:|")
    for point in sorted(points, key=lambda p: points[p][0]):
        shown = f"sgdtext: {point}" if point in ours else point
        print(f"| {shown}{' *' if point in frontier else ''} | {points[point][2]:.4f} | {points[point][0]:.2f} | "
              f"{points[point][1]:.0f} |")
    print(f"\n{name}: against each peer (ratio = sgdtext s / peer s, repeat by repeat, median)\n")
    print("| peer | accuracy | s | fastest sgdtext at least as accurate | ratio | most accurate sgdtext | ratio |")
    print("|---|---:|---:|---|---:|---|---:|")
    top = max(ours, key=lambda p: (points[p][2], -points[p][0]))
    for peer in PEERS:
        level = points[peer][2]
        good = [p for p in ours if points[p][2] >= level]
        fastest = min(good, key=lambda p: points[p][0]) if good else None
        at_level = f"{fastest} ({points[fastest][2]:.4f})" if fastest else "none"
        fast_ratio = f"{ratio(runs, fastest, peer):.2f}" if fastest else "-"
        print(f"| {peer} | {level:.4f} | {points[peer][0]:.2f} | {at_level} | {fast_ratio} | "
              f"{top} ({points[top][2]:.4f}) | {ratio(runs, top, peer):.2f} |")
    return points


def plot(results, path):
    """Accuracy against seconds (log scale), one panel per dataset; each point numbered, fastest first, and named in
    the panel's legend; a point far under the best (more than FLOOR below it) is drawn on the lower edge."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    floor = 0.06
    figure = Figure(figsize=(7 * len(results), 6.5), layout="constrained")
    ours = {label for label, _, _ in SGDTEXT}
    for axes, (name, points) in zip(figure.subplots(1, len(results), squeeze=False)[0], results.items()):
        low = max(accuracy for _, _, accuracy in points.values()) - floor
        for number, (point, (seconds, _, accuracy)) in enumerate(sorted(points.items(), key=lambda p: p[1][0]), 1):
            mine, under = point in ours, accuracy < low
            axes.scatter(seconds, max(accuracy, low), marker="v" if under else "o" if mine else "s",
                         color="#0072B2" if mine else "#D55E00",
                         label=f"{number}: {'sgdtext ' if mine else ''}{point} ({accuracy:.4f}, {seconds:.1f} s)")
            axes.annotate(str(number), (seconds, max(accuracy, low)), fontsize=8, xytext=(4, 3),
                          textcoords="offset points")
        axes.set_xscale("log")
        axes.set_ylim(low - 0.005, None)
        axes.set(title=name, xlabel="training process, seconds (log scale)", ylabel="test accuracy")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axes.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: f"{value:g}" if str(value)[0] in "25" else ""))
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, frameon=False)
    figure.savefig(path)


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--plot", type=Path, default=None, help="an .svg or .png file for the figure")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            results[name] = print_tables(name, measure(name, args.data_root, args.repeats, Path(tmp)))
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
