"""Candidate defaults across every dataset at once, by cross-validation on the training data only.

    python benchmarks/defaults.py [--data-root ../shared/data] [--folds 5] [--candidates 0,1,2] [--datasets ...]
                                  [--length 500-1000]

Each candidate is a set of config values on top of a config that names only its data; each is scored by the mean
accuracy over K stratified folds of each dataset's training data (ag-news: the 80 % training part of the seeded
80/20 split of its test file, benchmarks/data_sets.py), beside scikit-learn's TfidfVectorizer() + LinearSVC() at
their defaults on the same folds. The defaults are the candidate with the best mean over the datasets that is, on
no dataset, under LinearSVC's mean. The test files are never read. Runs by hand.

--length LO-HI keeps only the training documents of LO to HI characters (HI excluded): a dataset's documents of one
length, to see where a setting that depends on the length (char_ngram_range: auto) should change.
"""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from data_sets import DATASETS, training_data
from sgdtext.config import Config, validate
from sgdtext.core.settings import TrainSettings
from sgdtext.linear.model import LinearModel
from sgdtext.text.features import Featurizer
from sgdtext.training.fit import fit

REPO = Path(__file__).resolve().parent.parent
PLAIN = {"features.weighting": "tfidf", "training.optimizer": "dual_cd", "training.epochs": 1000, "training.l2": "auto",
         "training.C": 1.0, "features.ngram_range": [1, 1], "features.token_pattern": r"(?u)\b\w\w+\b",
         "features.sublinear_tf": False, "features.ngram_min_df": 1,
         "features.char_ngram_range": None}  # C = 1 / l2_scale; scikit-learn's features unless a candidate says
CANDIDATES = [
    {**PLAIN, "model.type": "squared_hinge"},  # 0: LinearSVC's model and features (C = 1)
    {**PLAIN, "model.type": "logistic"},  # 1: LIBLINEAR's logistic regression
    {**PLAIN, "model.type": "squared_hinge", "features.ngram_range": [1, 2], "features.sublinear_tf": True},  # 2
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True},  # 3
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "training.l2_scale": 0.1},  # 4: C = 10
    {**PLAIN, "model.type": "squared_hinge", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b"},  # 5: one-letter words kept
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.l2_scale": 0.1},  # 6
    {**PLAIN, "model.type": "squared_hinge", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.nb_scale": 1.0},  # 7: NB-SVM
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.l2_scale": 0.3},  # 8: C = 3.3
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.l2_scale": 1 / 30},  # 9: C = 30
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.l2_scale": 0.01},  # 10: C = 100
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.l2_scale": 1 / 30, "features.min_df": 2},  # 11
    {**PLAIN, "model.type": "squared_hinge", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "features.min_df": 2},  # 12
    {**PLAIN, "model.type": "logistic", "features.ngram_range": [1, 2], "features.sublinear_tf": True,
     "features.token_pattern": r"(?u)\b\w+\b", "training.l2_scale": 1 / 30, "features.ngram_min_df": 2},  # 13
]
CANDIDATES += [{**CANDIDATES[13], "training.dual_tol": tol} for tol in (0.3, 1.0)]  # 14, 15: (13) stopped sooner
CANDIDATES += [{**CANDIDATES[15], "training.nb_scale": power} for power in (1.0, 0.5)]  # 16, 17: (15) NB-scaled
CANDIDATES += [{**CANDIDATES[16], "training.l2_scale": 0.1}]  # 18: (16) at C = 10
CANDIDATES += [{**CANDIDATES[15], "features.token_pattern": pattern}
               for pattern in (r"(?u)\w+|[^\w\s]", r"\S+")]  # 19, 20: (15) with punctuation marks, whitespace tokens
VW_RECIPE = {"features.weighting": "count", "features.norm": "none", "features.sublinear_tf": False,
             "features.ngram_range": [1, 2], "features.ngram_min_df": 1, "features.min_df": 1,
             "features.token_pattern": r"\S+", "model.type": "logistic", "training.optimizer": "normalized_adagrad",
             "training.batch_size": 1, "training.schedule": "constant", "training.epochs": 10,
             "training.learning_rate": 0.25, "training.l2": 0.0,
             "features.char_ngram_range": None}  # configs/sst-2.yaml's model and features
CANDIDATES += [VW_RECIPE, {**VW_RECIPE, "features.token_pattern": r"(?u)\w+|[^\w\s]"}]  # 21, 22: (21) punctuation
CANDIDATES += [{**CANDIDATES[15], "features.char_ngram_range": span}
               for span in ([2, 5], [1, 4])]  # 23, 24: (15) with character n-grams inside word boundaries
CANDIDATES += [{**CANDIDATES[15], "features.char_ngram_range": "auto"}]  # 25: (23) on short documents, else (15)
CANDIDATES += [{**CANDIDATES[25], "features.ngram_range": [1, 1]}]  # 26: (25) without word pairs
CANDIDATES += [{**CANDIDATES[26], "model.type": "squared_hinge", "training.l2_scale": 1.0,
                "training.dual_tol": 0.1}]  # 27: (26) by LinearSVC's loss and C


def config_of(values):
    raw = {"data": {"train": "unused"}}
    for key, value in values.items():
        if key == "training.l2_scale":
            continue  # C = 1 / l2_scale, applied to the settings below
        section, name = key.split(".")
        raw.setdefault(section, {})[name] = value
    return Config.from_mapping(validate(raw))


def score_candidate(values, docs, y, folds):
    """Accuracy on each fold, and the seconds it took."""
    config, accs, started = config_of(values), [], time.perf_counter()
    classes = sorted(set(y))
    index = {label: i for i, label in enumerate(classes)}
    labels = np.array([index[label] for label in y])
    for keep, held in folds:
        featurizer = Featurizer(config.features)
        X = featurizer.fit_transform([docs[i] for i in keep]).to_scipy()
        Xv = featurizer.transform([docs[i] for i in held]).to_scipy()
        model = LinearModel.zeros(config.model.type, classes, X.shape[1])
        settings = TrainSettings.from_config(config, n_examples=len(keep))
        if "training.l2_scale" in values:  # C = 1 / l2_scale
            settings = replace(settings, l2=settings.l2 * values["training.l2_scale"])
        fit(model, X, labels[keep], settings=settings, rng=np.random.default_rng(0))
        accs.append(float(np.mean(model.predict_index(model.scores(Xv)) == labels[held])))
    return accs, time.perf_counter() - started


def score_linear_svc(docs, y, folds):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts, labels, accs, started = [d.text for d in docs], np.array(y), [], time.perf_counter()
    for keep, held in folds:
        vectorizer = TfidfVectorizer()
        X = vectorizer.fit_transform([texts[i] for i in keep])
        svc = LinearSVC().fit(X, labels[keep])
        accs.append(float(np.mean(svc.predict(vectorizer.transform([texts[i] for i in held])) == labels[held])))
    return accs, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", type=lambda value: Path(value).resolve(),
                        default=REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--candidates", default=",".join(map(str, range(len(CANDIDATES)))))
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--length", type=lambda value: tuple(int(part) for part in value.split("-")),
                        help="only the documents of LO-HI characters (HI excluded), e.g. 500-1000")
    args = parser.parse_args()
    chosen = [int(i) for i in args.candidates.split(",")]
    means = {c: [] for c in ["svc"] + chosen}
    print("| dataset | LinearSVC() | " + " | ".join(f"candidate {c}" for c in chosen) + " |")
    print("|---|---:|" + "---:|" * len(chosen))
    for name in args.datasets.split(","):
        docs, y = training_data(args.data_root, name)
        if args.length:
            docs = [doc for doc in docs if args.length[0] <= len(doc.text) < args.length[1]]
            y = [doc.label for doc in docs]
        folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        row = []
        for c in ["svc"] + chosen:
            accs, seconds = score_linear_svc(docs, y, folds) if c == "svc" else score_candidate(CANDIDATES[c], docs,
                                                                                                  y, folds)
            means[c].append(np.mean(accs))
            row.append(f"{np.mean(accs):.4f} ±{np.std(accs, ddof=1) / np.sqrt(len(accs)):.4f} ({seconds:.0f} s)")
        print(f"| {name} | " + " | ".join(row) + " |", flush=True)
    print("| mean | " + " | ".join(f"{np.mean(means[c]):.4f}" for c in ["svc"] + chosen) + " |")
    wins = {c: all(a >= b for a, b in zip(means[c], means["svc"])) for c in chosen}
    print("\nat least LinearSVC on every dataset: " + ", ".join(f"{c}: {wins[c]}" for c in chosen), file=sys.stderr)


if __name__ == "__main__":
    main()
