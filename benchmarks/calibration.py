"""Probabilities on test data: sgdtext's calibrated squared hinge and its default logistic regression against
scikit-learn's CalibratedClassifierCV(LinearSVC()), on the same features.

    python benchmarks/calibration.py [--data-root ../shared/data] [--datasets sms-spam,trec-6,sst-2]

For each dataset: the features of a config naming only its data (sgdtext's defaults), then (a) squared hinge by
dual_cd, C = 1, with training.calibration: sigmoid (5 folds), (b) CalibratedClassifierCV(LinearSVC(C=1),
method="sigmoid", ensemble=False) on the same matrix and the same folds, (c) the default logistic regression (C =
30), its own probabilities. Prints each one's test log-loss, accuracy and a reliability table: the test documents
binned by the probability of their predicted label, each bin's mean probability against its accuracy.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import LinearSVC

from data_sets import DATASETS, materialise
from sgdtext.config import Config, validate
from sgdtext.core.settings import TrainSettings
from sgdtext.io.documents import ReadOptions, read_documents
from sgdtext.linear.model import LinearModel
from sgdtext.text.features import Featurizer
from sgdtext.training.calibration import calibrate, stratified_folds
from sgdtext.training.data import label_indices, sort_labels
from sgdtext.training.fit import fit

REPO = Path(__file__).resolve().parent.parent
BINS = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001]


def log_loss(probs, y):
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-15, 1.0))))


def reliability(probs, y):
    """Rows (bin, documents, mean probability of the predicted label, accuracy)."""
    top, predicted = probs.max(axis=1), probs.argmax(axis=1)
    rows = []
    for low, high in zip(BINS[:-1], BINS[1:]):
        inside = (top >= low) & (top < high)
        if inside.any():
            rows.append((f"[{low:.2f}, {min(high, 1):.2f})", int(inside.sum()), float(top[inside].mean()),
                         float(np.mean(predicted[inside] == y[inside]))))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", type=lambda value: Path(value).resolve(),
                        default=REPO.parent / "shared" / "data")
    parser.add_argument("--datasets", default="sms-spam,trec-6,sst-2")
    args = parser.parse_args()
    for name in args.datasets.split(","):
        assert name in DATASETS, name
        root = materialise(args.data_root, name)
        train = list(read_documents(root / name / "train.tsv", ReadOptions(format="tsv")))
        test = list(read_documents(root / name / "test.tsv", ReadOptions(format="tsv")))
        config = Config.from_mapping(validate({"data": {"train": "t"}}))
        featurizer = Featurizer(config.features)
        X = featurizer.fit_transform(train).to_scipy()
        Xt = featurizer.transform(test).to_scipy()
        classes = sort_labels(d.label for d in train)
        y, yt = label_indices(train, classes), label_indices(test, classes)
        keep = yt >= 0
        Xt, yt = Xt[keep], yt[keep]
        svm_settings = lambda n: TrainSettings(optimizer="dual_cd", l2=1.0 / n, epochs=1000)
        svm = LinearModel.zeros("squared_hinge", classes, X.shape[1])
        fit(svm, X, y, settings=svm_settings(X.shape[0]), rng=np.random.default_rng(0))
        calibrate(svm, X, y, n_folds=5, settings_for=svm_settings, seed=0)
        folds = stratified_folds(y, 5, np.random.default_rng([0, 3]))
        oracle = CalibratedClassifierCV(LinearSVC(C=1.0), method="sigmoid", ensemble=False,
                                        cv=[(np.flatnonzero(folds != k), np.flatnonzero(folds == k))
                                            for k in range(5)]).fit(X, y)
        logistic = LinearModel.zeros("logistic", classes, X.shape[1])
        fit(logistic, X, y, settings=TrainSettings.from_config(config, n_examples=X.shape[0]),
            rng=np.random.default_rng(0))
        results = {"sgdtext squared hinge + sigmoid": svm.proba(svm.scores(Xt)),
                   "CalibratedClassifierCV(LinearSVC)": oracle.predict_proba(Xt),
                   "sgdtext default (logistic, C = 30)": logistic.proba(logistic.scores(Xt))}
        print(f"\n{name} ({len(yt)} test documents)\n")
        print("| model | log-loss | accuracy | reliability: bin, documents, mean p, accuracy |")
        print("|---|---:|---:|---|")
        for label, probs in results.items():
            table = "; ".join(f"{b} {n} {p:.3f} {a:.3f}" for b, n, p, a in reliability(probs, yt))
            print(f"| {label} | {log_loss(probs, yt):.4f} | {np.mean(probs.argmax(axis=1) == yt):.4f} | {table} |")


if __name__ == "__main__":
    main()
