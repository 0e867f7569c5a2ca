"""Is isotonic calibration worth adding beside Platt's sigmoid? Cross-validation on the training data only.

    python benchmarks/isotonic.py [--data-root ../shared/data] [--folds 5] [--datasets sms-spam,trec-6]

For each dataset's training data (ag-news: the 80 % part of benchmarks/data_sets.py's split), K stratified outer
folds; on each, the features of a config naming only its data (sgdtext's defaults) are fitted on the other folds,
and scikit-learn's CalibratedClassifierCV(LinearSVC(C=1), ensemble=False, cv=5) is fitted there twice, with
method="sigmoid" (what training.calibration: sigmoid computes, checked against it by a test) and
method="isotonic" (scikit-learn's IsotonicRegression(out_of_bounds="clip") per column, the columns then normalised).
Prints the mean over the outer folds (± standard error) of the held-out fold's log-loss, Brier score (the squared
distance of the probability vector from the true class's, summed over classes) and accuracy of the most probable
class. The test files are never read. Runs by hand.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from data_sets import DATASETS, training_data
from sgdtext.config import Config, validate
from sgdtext.text.features import Featurizer

REPO = Path(__file__).resolve().parent.parent
METHODS = ("sigmoid", "isotonic")


def scores(probs, y):
    """(log-loss, Brier score, accuracy) of probabilities (n, k) for class indices y."""
    truth = np.eye(probs.shape[1])[y]
    log_loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-15, 1.0))))
    brier = float(np.mean(np.sum((probs - truth) ** 2, axis=1)))
    return log_loss, brier, float(np.mean(probs.argmax(axis=1) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", type=lambda value: Path(value).resolve(),
                        default=REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    config = Config.from_mapping(validate({"data": {"train": "unused"}}))
    print("| dataset | method | log-loss | Brier | accuracy |")
    print("|---|---|---:|---:|---:|")
    for name in args.datasets.split(","):
        docs, labels = training_data(args.data_root, name)
        classes = sorted(set(labels))
        y = np.array([classes.index(label) for label in labels])
        results = {method: [] for method in METHODS}
        outer = StratifiedKFold(args.folds, shuffle=True, random_state=0)
        for keep, held in outer.split(np.zeros(len(y)), y):
            featurizer = Featurizer(config.features)
            X = featurizer.fit_transform([docs[i] for i in keep]).to_scipy()
            Xh = featurizer.transform([docs[i] for i in held]).to_scipy()
            inner = list(StratifiedKFold(5, shuffle=True, random_state=1).split(np.zeros(len(keep)), y[keep]))
            for method in METHODS:
                calibrated = CalibratedClassifierCV(LinearSVC(C=1.0), method=method, ensemble=False, cv=inner)
                results[method].append(scores(calibrated.fit(X, y[keep]).predict_proba(Xh), y[held]))
        for method in METHODS:
            figures = np.array(results[method])
            means, errors = figures.mean(axis=0), figures.std(axis=0, ddof=1) / np.sqrt(len(figures))
            print(f"| {name} | {method} | " + " | ".join(f"{m:.4f} ± {e:.4f}" for m, e in zip(means, errors)) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
