"""How `sgdtext tune` chooses with data.valid: the trial best on the validation split alone against the one chosen
(the best trials also cross-validated on the training data, ranked on all their held-out documents), in the same
search, both scored on documents neither saw. Uses the training files only: the test files are never read.

    python benchmarks/tune_selection.py [--data-root ../shared/data] [--datasets sms-spam,sst-2] [--cuts 2]
                                        [--budget 60]

Each dataset's training file is cut at random (numpy default_rng(cut)) into a search part (64 %), a validation part
(16 %, data.valid) and a held-out part (20 %). `sgdtext tune` searches a config naming only the search and
validation parts for the budget; then the two trials' settings are trained on the search part and scored on the
held-out part. Runs one after the other (a budget is wall time: nothing else may run).
"""

import statistics
import tempfile
from pathlib import Path

import numpy as np

from compare import bench_arguments
from sgdtext.config.loading import load_config, raw_config
from sgdtext.training.tune import Search, Trial, ranked, tune

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
    path = folder / f"{valid}.yaml"
    path.write_text(f"data:\n  train: search.tsv\n  valid: {valid}.tsv\n")
    return raw_config(path), load_config(path)


def held_out_score(scorer, trial):
    """Accuracy of ``trial``'s settings trained on the search part, on the held-out part."""
    scored = Trial(trial.number, trial.changes)
    scorer.evaluate(scored, trial.changes, lambda step, mean: None, float("inf"))
    return scored.scores[0]


def run(root, name, seed, budget):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sizes = cut(root, name, seed, folder)
        result = tune(*config(folder, "valid"), budget=budget, seed=0, warn=lambda message: None)
        by_valid = min(ranked(result.trials), key=lambda t: (-t.scores[0], t.number))  # scores[0]: on data.valid
        scorer = Search(*config(folder, "held"), n_folds=5, metric="accuracy", seed=0, warn=lambda message: None)
        return (sizes, len(result.trials), by_valid, held_out_score(scorer, by_valid), result.best,
                held_out_score(scorer, result.best))


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--cuts", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    print("| dataset | cut | held-out documents | trials | best on valid: trial, valid, held-out | chosen: trial, "
          "valid + folds, held-out | chosen - best on valid |")
    print("|---|---:|---:|---:|---|---|---:|")
    gains = []
    for name in args.datasets.split(","):
        for seed in range(1, args.cuts + 1):
            sizes, n_trials, by_valid, by_valid_held, chosen, chosen_held = run(args.data_root, name, seed,
                                                                                args.budget)
            gains.append(chosen_held - by_valid_held)
            print(f"| {name} | {seed} | {sizes['held']} | {n_trials} | {by_valid.number}, {by_valid.scores[0]:.4f}, "
                  f"{by_valid_held:.4f} | {chosen.number}, {chosen.mean:.4f}, {chosen_held:.4f} | "
                  f"{100 * gains[-1]:+.2f} points |", flush=True)
    print(f"\nmean {100 * statistics.mean(gains):+.2f} points over {len(gains)} runs: ahead on "
          f"{sum(g > 0 for g in gains)}, level on {sum(g == 0 for g in gains)}, behind on {sum(g < 0 for g in gains)}")


if __name__ == "__main__":
    main()
