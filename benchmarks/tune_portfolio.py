"""What starting `sgdtext tune`'s search from its portfolio (sgdtext.training.tune.PORTFOLIO) is worth: the same
search with and without it, the chosen settings of each scored on documents neither saw. Uses the training files
only: the test files are never read.

    python benchmarks/tune_portfolio.py [--data-root ../shared/data] [--datasets sms-spam,sst-2] [--cuts 2]
                                        [--budget 60] [--mode valid|folds]

Each dataset's training file is cut at random into a search part (64 %), a validation part (16 %) and a held-out
part (20 %), as benchmarks/tune_selection.py cuts it; `sgdtext tune` searches a config naming the search part (with
--mode valid, the validation part as data.valid; with --mode folds, 5-fold cross-validation of the search part) for
the budget, once from the portfolio and once with TPE alone; the chosen settings of each are trained on the search
part and scored on the held-out part, beside the config as it is (the defaults). Runs one after the other (a budget
is wall time: nothing else may run).
"""

import statistics
import tempfile
from pathlib import Path

from compare import bench_arguments
from sgdtext.errors import SgdtextError
from sgdtext.training import tune as tuning
from tune_selection import DATASETS, config, cut, held_out_score


def chosen_on_held_out(root, name, seed, budget, mode, portfolio):
    """The held-out accuracy of the config as it is and of the search's choice, and the number of trials run."""
    saved = list(tuning.PORTFOLIO)
    tuning.PORTFOLIO[:] = saved if portfolio else []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            cut(root, name, seed, folder)
            result = tuning.tune(*config(folder, "valid" if mode == "valid" else None), budget=budget, seed=0,
                                 warn=lambda message: None)
            scorer = tuning.Search(*config(folder, "held"), n_folds=5, metric="accuracy", seed=0,
                                   warn=lambda message: None)
            return held_out_score(scorer, result.trials[0]), held_out_score(scorer, result.best), result
    finally:
        tuning.PORTFOLIO[:] = saved


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--cuts", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--mode", choices=("valid", "folds"), default="valid")
    args = parser.parse_args()
    print("| dataset | cut | defaults, held-out | TPE alone: trials, chosen, held-out | from the portfolio: trials, "
          "chosen, held-out | portfolio - TPE alone |")
    print("|---|---:|---:|---|---|---:|")
    gains = []
    for name in args.datasets.split(","):
        for seed in range(1, args.cuts + 1):
            cells = []
            try:
                for portfolio in (False, True):
                    base, held, result = chosen_on_held_out(args.data_root, name, seed, args.budget, args.mode,
                                                            portfolio)
                    cells.append((held, f"{len(result.trials)}, {result.best.number}, {held:.4f}"))
            except SgdtextError as error:  # e.g. a class with fewer documents than the folds
                print(f"| {name} | {seed} | not run: {error} | | | |", flush=True)
                continue
            gains.append(cells[1][0] - cells[0][0])
            print(f"| {name} | {seed} | {base:.4f} | {cells[0][1]} | {cells[1][1]} | {100 * gains[-1]:+.2f} points |",
                  flush=True)
    print(f"portfolio - TPE alone: mean {100 * statistics.mean(gains):+.2f} points over {len(gains)} runs: ahead on "
          f"{sum(g > 0 for g in gains)}, level on {sum(g == 0 for g in gains)}, behind on {sum(g < 0 for g in gains)}")


if __name__ == "__main__":
    main()
