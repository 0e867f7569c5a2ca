"""How `sgdtext tune` chooses: in the same search, the trial best on the first scores the search took of every trial,
the trial best on all its scores (the best trials scored again), and the one chosen (that one, or the config as it
is when within a standard error of it), each scored on documents none of them saw. Uses the training files only: the
test files are never read.

    python benchmarks/tune_selection.py [--data-root ../shared/data] [--datasets sms-spam,sst-2] [--cuts 2]
                                        [--budget 60] [--mode valid|folds]

Each dataset's training file is cut at random (numpy default_rng(cut)) into a search part (64 %), a validation part
(16 %) and a held-out part (20 %). `sgdtext tune` searches for the budget a config naming the search part and, with
--mode valid, the validation part as data.valid (the best trials are then also cross-validated on the search part);
with --mode folds, the search part alone, by 5-fold cross-validation (the stochastic ones among the best trials then
run their folds with more seeds; the validation part is not used). Then the trials' settings are trained on the
search part and scored on the held-out part. Runs one after the other (a budget is wall time: nothing else may run).
"""

import statistics
import tempfile
from pathlib import Path

import numpy as np

from compare import bench_arguments
from sgdtext.config.loading import load_config, raw_config
from sgdtext.errors import SgdtextError
from sgdtext.training.tune import Search, Trial, best_sure, ranked, tune

DATASETS = ["sms-spam", "sst-2", "sst-5", "trec-6", "trec-50"]


def cut(root, name, seed, folder):
    """Write the search, valid and held-out parts of ``name``'s train.tsv into ``folder``; their sizes."""
    lines = (root / name / "train.tsv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    order = np.random.default_rng(seed).permutation(len(rows))
    n_held = len(rows) // 5
    n_valid = (len(rows) - n_held) // 5
    parts = {"held": order[:n_held], "valid": order[n_held:n_held + n_valid], "search": order[n_held + n_valid:]}
    for part, index in parts.items():
        (folder / f"{part}.tsv").write_text("\n".join([header] + [rows[i] for i in index]) + "\n", encoding="utf-8")
    return {part: len(index) for part, index in parts.items()}


def config(folder, valid):
    """The config of the search part, with ``valid`` (a part's name) as data.valid, or none."""
    path = folder / f"{valid or 'search'}.yaml"
    path.write_text("data:\n  train: search.tsv\n" + (f"  valid: {valid}.tsv\n" if valid else ""))
    return raw_config(path), load_config(path)


def first_mean(trial, n_scores):
    """A trial's mean over the scores the search took of every trial (its first ``n_scores``: data.valid's, or
    its folds' with the first seed)."""
    return float(np.average(trial.scores[:n_scores], weights=trial.sizes[:n_scores]))


def held_out_score(scorer, trial):
    """Accuracy of ``trial``'s settings trained on the search part, on the held-out part."""
    scored = Trial(trial.number, trial.changes)
    scorer.evaluate(scored, trial.changes, lambda step, mean: None, float("inf"))
    return scored.scores[0]


def run(root, name, seed, budget, mode):
    """The held-out accuracy of the three trials of one search: best on the first scores, on all, and chosen."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sizes = cut(root, name, seed, folder)
        searched = config(folder, "valid" if mode == "valid" else None)
        result = tune(*searched, budget=budget, seed=0, warn=lambda message: None)
        n_scores = 1 if mode == "valid" else result.n_folds
        first = min(ranked(result.trials), key=lambda t: (-first_mean(t, n_scores), t.number))
        best = best_sure(Search(*searched, n_folds=5, metric="accuracy", seed=0, warn=lambda message: None),
                         result.trials)
        scorer = Search(*config(folder, "held"), n_folds=5, metric="accuracy", seed=0, warn=lambda message: None)
        trials = {t.number: t for t in (first, best, result.best)}
        held = {number: held_out_score(scorer, t) for number, t in trials.items()}
        return sizes, len(result.trials), (first, first_mean(first, n_scores)), best, result.best, held


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--cuts", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--mode", choices=("valid", "folds"), default="valid")
    args = parser.parse_args()
    scored_first, scored_again = ("valid", "valid + folds") if args.mode == "valid" else ("one seed", "every seed")
    print(f"| dataset | cut | held-out documents | trials | best on {scored_first}: trial, its score, held-out | "
          f"best on {scored_again}: trial, its score, held-out | chosen: trial, held-out | best on {scored_again} - "
          f"best on {scored_first} | chosen - best on {scored_again} |")
    print("|---|---:|---:|---:|---|---|---|---:|---:|")
    gains = {"again": [], "chosen": []}
    for name in args.datasets.split(","):
        for seed in range(1, args.cuts + 1):
            try:
                sizes, n_trials, (first, first_score), best, chosen, held = run(
                    args.data_root, name, seed, args.budget, args.mode)
            except SgdtextError as error:  # e.g. a class with fewer documents than the folds
                print(f"| {name} | {seed} | not run: {error} | | | | | | |", flush=True)
                continue
            gains["again"].append(held[best.number] - held[first.number])
            gains["chosen"].append(held[chosen.number] - held[best.number])
            print(f"| {name} | {seed} | {sizes['held']} | {n_trials} | {first.number}, {first_score:.4f}, "
                  f"{held[first.number]:.4f} | {best.number}, {best.mean:.4f}, {held[best.number]:.4f} | "
                  f"{chosen.number}, {held[chosen.number]:.4f} | {100 * gains['again'][-1]:+.2f} points | "
                  f"{100 * gains['chosen'][-1]:+.2f} points |", flush=True)
    for what, label in (("again", f"best on {scored_again} - best on {scored_first}"),
                        ("chosen", f"chosen - best on {scored_again}")):
        values = gains[what]
        print(f"{label}: mean {100 * statistics.mean(values):+.2f} points over {len(values)} runs: ahead on "
              f"{sum(g > 0 for g in values)}, level on {sum(g == 0 for g in values)}, behind on "
              f"{sum(g < 0 for g in values)}")

if __name__ == "__main__":
    main()
