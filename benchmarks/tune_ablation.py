"""What one part of `sgdtext tune`'s search changes: the same search with it and without it, each chosen setting
trained on a search part and scored on a held-out part neither search saw. Uses the training files only: the test
files are never read. The parts: the per-trial time limit (``trial-limit``: a trial stopped after a tenth of the
budget, or twice the seconds of the config as it is) and the point tried first on short documents (``start-point``:
the low-rank network).

    python benchmarks/tune_ablation.py [--without trial-limit|start-point] [--data-root ../shared/data]
                                       [--budget 60] [--cuts 1] [--datasets sst-5,20newsgroups-bydate:500-1000]

A dataset may name a band of document lengths in characters (NAME:LO-HI, HI excluded): the documents of its
training file of that length, for corpora of another size and length than the shipped ones. Each is cut at random
(numpy default_rng(cut)) into a search part (80 %) and a held-out part (20 %); `sgdtext tune` cross-validates a
config naming the search part (5 folds) for the budget, once as it is and once without the part (with no limit on a
trial but the budget; with no point tried first); then each chosen setting, and the config as it is, are trained on
the search part and scored on the held-out part. Runs one after the other (a budget is wall time: nothing else may
run).
"""

import tempfile
from contextlib import nullcontext
from pathlib import Path
from unittest.mock import patch

import numpy as np
from tune_selection import config, held_out_score

from compare import bench_arguments
from sgdtext.errors import SgdtextError
from sgdtext.training import tune as tuning

DATASETS = {"trial-limit": ["20newsgroups-bydate:500-1000", "20newsgroups-bydate:1000-2000", "sst-5"],  # the
            "start-point": ["sst-5", "sst-2", "trec-6", "trec-50"]}  # README's runs
# What each part is replaced by when it is left out: a module attribute of sgdtext.training.tune and its value.
WITHOUT = {"trial-limit": ("TRIAL_SHARE", float("inf")), "start-point": ("start_points", lambda docs: [])}


def cut(root, spec, seed, folder):
    """Write the search and held-out parts of ``spec`` (NAME or NAME:LO-HI) into ``folder``; their sizes."""
    name, _, band = spec.partition(":")
    lines = (root / name / "train.tsv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    if band:
        low, high = (int(part) for part in band.split("-"))
        rows = [row for row in rows if low <= len(row.split("\t", 1)[1]) < high]
    order = np.random.default_rng(seed).permutation(len(rows))
    parts = {"held": order[:len(rows) // 5], "search": order[len(rows) // 5:]}
    for part, index in parts.items():
        (folder / f"{part}.tsv").write_text("\n".join([header] + [rows[i] for i in index]) + "\n", encoding="utf-8")
    return {part: len(index) for part, index in parts.items()}


def searched(folder, budget, without=None):
    """The tune result of the search part, with the part ``without`` (a key of WITHOUT) left out."""
    with patch.object(tuning, *WITHOUT[without]) if without else nullcontext():
        return tuning.tune(*config(folder, None), budget=budget, seed=0, warn=lambda message: None)


def counts(result):
    """A search's trials: all, complete, stopped as too slow."""
    states = [t.state for t in result.trials]
    return f"{len(states)} ({states.count('complete')} complete, {states.count('too slow')} too slow)"


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--without", choices=list(WITHOUT), default="trial-limit")
    parser.add_argument("--datasets")
    parser.add_argument("--cuts", type=int, default=1)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    print(f"| dataset | cut | search / held-out documents | config as it is, held-out | without the {args.without}: "
          f"trials, chosen's folds mean, held-out | with it: trials, chosen's folds mean, held-out | with - without |")
    print("|---|---:|---:|---:|---|---|---:|")
    gains = []
    for spec in (args.datasets.split(",") if args.datasets else DATASETS[args.without]):
        for seed in range(1, args.cuts + 1):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                sizes = cut(args.data_root, spec, seed, folder)
                try:
                    results = {"without": searched(folder, args.budget, args.without),
                               "with": searched(folder, args.budget)}
                except SgdtextError as error:  # e.g. a class with fewer documents than the folds
                    print(f"| {spec} | {seed} | not run: {error} | | | | |", flush=True)
                    continue
                scorer = tuning.Search(*config(folder, "held"), n_folds=5, metric="accuracy", seed=0,
                                       warn=lambda message: None)
                base = held_out_score(scorer, results["with"].trials[0])
                held = {way: held_out_score(scorer, result.best) for way, result in results.items()}
            gains.append(held["with"] - held["without"])
            cells = [f"{counts(results[way])}, {results[way].best.mean:.4f}, {held[way]:.4f}"
                     for way in ("without", "with")]
            print(f"| {spec} | {seed} | {sizes['search']} / {sizes['held']} | {base:.4f} | {cells[0]} | {cells[1]} | "
                  f"{100 * gains[-1]:+.2f} points |", flush=True)
    if not gains:
        return
    print(f"with - without: mean {100 * np.mean(gains):+.2f} points over {len(gains)} searches: ahead on "
          f"{sum(g > 0 for g in gains)}, level on {sum(g == 0 for g in gains)}, behind on {sum(g < 0 for g in gains)}")


if __name__ == "__main__":
    main()
