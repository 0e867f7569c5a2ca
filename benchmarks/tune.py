"""Pick a config's features and SGD settings on validation data, never on the test set.

    python benchmarks/tune.py configs/trec-6.yaml [--data-root ../shared/data] [--grid quick]

For each feature setting the documents are featurised once; each SGD setting is trained on the training
data less a stratified 10 % validation split (or on train.tsv when the dataset has a valid.tsv), and
ranked by validation accuracy. The test accuracy is printed for the record only. Runs by hand.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from sgdtext.config import load_config
from sgdtext.errors import TrainingError
from sgdtext.features import Featurizer
from sgdtext.mlp import MLPModel
from sgdtext.models import LinearModel
from sgdtext.train import (architecture, label_indices, read_all, read_options, read_training_data, sgd_settings)
from sgdtext.backprop import fit_mlp
from sgdtext.sgd import fit

FEATURES = [
    {"ngram_range": [1, 2], "min_df": 2},
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]"},
    {"ngram_range": [1, 3], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]"},
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]", "char_ngram_range": [2, 5]},
    {"ngram_range": [1, 3], "min_df": 2, "token_pattern": r"(?u)\w+|[^\w\s]", "char_ngram_range": [1, 4]},
    # 5-7: unweighted counts, as Vowpal Wabbit and fastText see them (for the adagrad grid above all)
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]", "weighting": "binary", "norm": "none"},
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]", "weighting": "binary", "norm": "l2"},
    {"ngram_range": [1, 3], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]", "weighting": "binary", "norm": "none"},
    # 8-9: counts divided by the document's length, as fastText averages its word vectors
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]", "weighting": "count", "norm": "l1"},
    {"ngram_range": [1, 2], "min_df": 1, "weighting": "count", "norm": "l1"},
    # 10-12: whitespace tokens as Vowpal Wabbit splits them (keeps "n't", "'s", ":)" whole)
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"\S+"},
    {"ngram_range": [1, 2], "min_df": 2, "token_pattern": r"\S+"},
    {"ngram_range": [1, 3], "min_df": 1, "token_pattern": r"\S+"},
]
MODELS = [
    {"model.type": "hinge", "model.fit_intercept": False, "training.batch_size": 1, "training.schedule": "optimal",
     "training.l2": l2, "training.learning_rate": lr, "training.epochs": 20}
    for l2, lr in [(1e-5, 17.8), (3e-5, 10.0), (1e-4, 5.0), (3e-4, 2.0)]
] + [
    {"model.type": "modified_huber", "model.fit_intercept": False, "training.batch_size": 1,
     "training.schedule": "optimal", "training.l2": l2, "training.learning_rate": lr, "training.epochs": 20}
    for l2, lr in [(3e-5, 5.0), (1e-4, 2.0)]
] + [
    {"model.type": "logistic", "model.fit_intercept": False, "training.batch_size": 1, "training.schedule": "optimal",
     "training.l2": l2, "training.learning_rate": lr, "training.epochs": 20}
    for l2, lr in [(1e-5, 10.0), (3e-5, 10.0), (1e-4, 5.0)]
] + [
    {"model.type": "softmax", "model.fit_intercept": True, "training.batch_size": 8, "training.schedule": "constant",
     "training.l2": l2, "training.learning_rate": lr, "training.epochs": 15}
    for l2, lr in [(0.0, 5.0), (1e-5, 5.0), (1e-6, 10.0)]
]

SVM = [  # LIBLINEAR's squared hinge and averaged SGD (ASGD), by Bottou's optimal schedule
    {"model.type": loss, "model.fit_intercept": False, "training.batch_size": 1, "training.schedule": "optimal",
     "training.l2": l2, "training.learning_rate": lr, "training.epochs": epochs, "training.average": average}
    for loss, l2, lr, epochs, average in [
        ("squared_hinge", 3e-5, 1.0, 20, False), ("squared_hinge", 1e-4, 1.0, 20, False),
        ("squared_hinge", 1e-5, 1.0, 20, False), ("hinge", 3e-5, 10.0, 20, True), ("hinge", 1e-5, 17.8, 20, True),
        ("hinge", 3e-5, 10.0, 40, False), ("modified_huber", 1e-5, 5.0, 20, True)]
]

ADAGRAD = [  # per-weight adaptive steps (Vowpal Wabbit's --adaptive), one example at a time
    {"model.type": loss, "model.fit_intercept": True, "training.optimizer": "adagrad", "training.batch_size": 1,
     "training.schedule": "constant", "training.l2": l2, "training.learning_rate": lr, "training.epochs": epochs,
     "training.average": average}
    for loss in ("hinge", "logistic", "softmax")
    for l2, lr, epochs, average in [(0.0, 0.5, 5, False), (1e-6, 0.5, 10, False), (1e-5, 0.5, 10, False),
                                    (1e-6, 1.0, 10, True), (0.0, 0.2, 10, True), (0.0, 0.1, 5, False),
                                    (1e-5, 0.1, 10, True)]
]

FASTTEXT_LIKE = [  # fastText's recipe on a linear softmax: no penalty, learning rate decaying linearly to 0
    {"model.type": loss, "model.fit_intercept": True, "training.batch_size": 1, "training.schedule": "linear",
     "training.l2": 0.0, "training.learning_rate": lr, "training.epochs": epochs, "training.average": False}
    for loss in ("softmax", "logistic") for lr in (2.0, 10.0, 50.0) for epochs in (10, 25)
]

MLP = [
    {"model.type": "mlp", "model.hidden_sizes": [h], "model.activation": act, "training.optimizer": "adam",
     "training.learning_rate": lr, "training.batch_size": 16, "training.epochs": epochs, "training.l2": 0.0}
    for h, act, lr, epochs in [(64, "relu", 0.003, 6), (128, "relu", 0.002, 5), (64, "tanh", 0.002, 8)]
]

FASTTEXT_MLP = [  # fastText's model: a linear embedding layer (identity activation), softmax, linear decay
    {"model.type": "mlp", "model.hidden_sizes": [h], "model.activation": "identity", "training.optimizer": opt,
     "training.learning_rate": lr, "training.schedule": "linear", "training.batch_size": 4,
     "training.epochs": epochs, "training.l2": 0.0}
    for h, opt, lr, epochs in [(10, "sgd", 0.5, 25), (50, "sgd", 0.5, 25), (50, "sgd", 2.0, 25), (10, "adam", 0.01, 10),
                               (50, "adam", 0.005, 10)]
]


def apply(config, changes):
    config = {section: dict(values) for section, values in config.items()}
    for path, value in changes.items():
        section, key = path.split(".") if "." in path else ("features", path)
        config[section][key] = value
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--grid", choices=("linear", "svm", "adagrad", "fasttext", "mlp", "fasttext-mlp"), default="linear",
                        help="which grid of model settings to try (default: linear, plain SGD)")
    parser.add_argument("--features", type=int, nargs="*", help="indices into FEATURES (default: all)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="train each setting with this many seeds (shuffling orders) and rank by the mean "
                             "validation accuracy: less selection noise on small validation sets")
    args = parser.parse_args()
    environ = {"SGDTEXT_DATA": args.data_root} if args.data_root else dict(os.environ)
    base = load_config(args.config, environ=environ)
    if not base["data"]["valid"]:
        base["data"]["validation_split"] = 0.1
    quiet = lambda message: None
    docs, y, classes, valid_docs = read_training_data(base, quiet)
    test_docs = read_all(base["data"]["test"], read_options(base["data"]), quiet)
    yv, yt = label_indices(valid_docs, classes), label_indices(test_docs, classes)
    results = []
    for features in [FEATURES[i] for i in args.features] if args.features else FEATURES:
        config = apply(base, features)
        featurizer = Featurizer(config["features"])
        X = featurizer.fit_transform(docs).to_scipy()
        Xv, Xt = featurizer.transform(valid_docs).to_scipy(), featurizer.transform(test_docs).to_scipy()
        grid = {"linear": MODELS, "svm": SVM, "adagrad": ADAGRAD, "fasttext": FASTTEXT_LIKE, "mlp": MLP,
                "fasttext-mlp": FASTTEXT_MLP}[args.grid]
        for changes in grid:
            c = apply(config, changes)
            started = time.perf_counter()
            valid_accs, test_accs = [], []
            for seed in range(c["training"]["seed"], c["training"]["seed"] + args.seeds):
                rng = np.random.default_rng(seed)
                try:
                    if c["model"]["type"] == "mlp":
                        model = MLPModel.initial(classes, X.shape[1], architecture(c), np.random.default_rng(1),
                                                 first_fan_in=X.nnz / X.shape[0])
                        fit_mlp(model, X, y, settings=sgd_settings(c), rng=rng)
                    else:
                        model = LinearModel.zeros(c["model"]["type"], classes, X.shape[1])
                        fit(model, X, y, settings=sgd_settings(c), rng=rng)
                except TrainingError as exc:  # diverged: this setting scores nothing
                    print(f"failed: {exc}  {features} {changes}", file=sys.stderr, flush=True)
                    valid_accs, test_accs = [0.0], [0.0]
                    break
                valid_accs.append(np.mean(model.predict_index(model.scores(Xv)) == yv))
                test_accs.append(np.mean(model.predict_index(model.scores(Xt)) == yt))
            seconds = (time.perf_counter() - started) / args.seeds
            valid_acc, test_acc = np.mean(valid_accs), np.mean(test_accs)
            results.append((valid_acc, test_acc, seconds, {**features, **changes}))
            print(f"valid {valid_acc:.4f}  test {test_acc:.4f}  {seconds:5.1f} s  {features} {changes}",
                  file=sys.stderr, flush=True)
    best = max(results, key=lambda r: r[0])
    print(f"best on validation: valid {best[0]:.4f}, test {best[1]:.4f}: {best[3]}")


if __name__ == "__main__":
    main()
