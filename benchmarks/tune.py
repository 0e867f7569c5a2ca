"""Pick a config's features and SGD settings on validation data, never on the test set.

    python benchmarks/tune.py configs/trec-6.yaml [--data-root ../shared/data] [--grid vw] [--seeds 3] [--folds 5]

For each feature setting the documents are featurised once; each SGD setting is trained on the training
data less a stratified 10 % validation split (or on train.tsv when the dataset has a valid.tsv), or on
each of --folds cross-validation folds, and ranked by the mean validation accuracy (± its standard error over the
folds and seeds). The test accuracy is printed for the record only. Runs by hand.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from sgdtext.config import Config, load_config
from sgdtext.config.choices import model_family
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import TrainingError
from sgdtext.linear.model import LinearModel
from sgdtext.nn.network import Architecture, MLPModel
from sgdtext.text.features import Featurizer
from sgdtext.training.data import label_indices, read_all, read_options, read_training_data
from sgdtext.training.fit import fit

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
    # 13-14: whitespace or word + punctuation tokens, raw counts (Vowpal Wabbit's input; for --grid vw)
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"\S+", "weighting": "count", "norm": "none"},
    {"ngram_range": [1, 2], "min_df": 1, "token_pattern": r"(?u)\w+|[^\w\s]", "weighting": "count", "norm": "none"},
    {"ngram_range": [1, 3], "min_df": 1, "token_pattern": r"\S+", "weighting": "count", "norm": "none"},
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
     "training.learning_rate": lr, "training.batch_size": batch, "training.epochs": epochs, "training.l2": 0.0}
    for h, act, lr, batch, epochs in [(64, "relu", 0.003, 16, 6), (128, "relu", 0.002, 16, 5),
                                      (64, "tanh", 0.002, 16, 8), (64, "tanh", 0.004, 32, 4),
                                      (64, "tanh", 0.008, 64, 4)]
]

MLP_WIDE = [  # the network with a linear path from the features to the output (model.wide)
    {**setting, "model.wide": True} for setting in MLP
] + [
    {"model.type": "mlp", "model.hidden_sizes": [64], "model.activation": "tanh", "model.wide": True,
     "training.optimizer": "adam", "training.learning_rate": lr, "training.batch_size": batch,
     "training.epochs": epochs, "training.l2": 0.0}
    for lr, batch, epochs in [(0.01, 16, 4), (0.004, 16, 8), (0.02, 64, 6)]
]

FASTTEXT_MLP = [  # fastText's model: a linear embedding layer (identity activation), softmax, linear decay
    {"model.type": "mlp", "model.hidden_sizes": [h], "model.activation": "identity", "training.optimizer": opt,
     "training.learning_rate": lr, "training.schedule": "linear", "training.batch_size": 4,
     "training.epochs": epochs, "training.l2": 0.0}
    for h, opt, lr, epochs in [(10, "sgd", 0.5, 25), (50, "sgd", 0.5, 25), (50, "sgd", 2.0, 25), (10, "adam", 0.01, 10),
                               (50, "adam", 0.005, 10)]
]

VW_LIKE = [  # Vowpal Wabbit's default optimiser (normalized adaptive steps), one-vs-rest or softmax
    {"model.type": loss, "model.fit_intercept": True, "training.optimizer": "normalized_adagrad",
     "training.batch_size": 1, "training.schedule": "constant", "training.l2": l2, "training.learning_rate": lr,
     "training.epochs": epochs}
    for loss in ("logistic", "hinge", "softmax")
    for lr, epochs, l2 in [(0.25, 10, 0.0), (0.5, 5, 0.0), (0.5, 10, 0.0), (1.0, 10, 0.0), (0.5, 10, 1e-6),
                           (0.5, 20, 1e-5)]
]

DUAL = [  # optimizer dual_cd (the optimum of each objective, LIBLINEAR's solvers), with and without NB-SVM scaling;
    # the settings the trec-50, 20 newsgroups and spamassassin configs were picked from (--folds 5 --repeats 2 or 4)
    {"model.type": loss, "model.fit_intercept": intercept, "training.optimizer": "dual_cd", "training.l2": l2,
     "training.epochs": 1000, "training.nb_scale": nb}
    for loss, intercept, l2, nb in [
        ("squared_hinge", True, 3e-5, 0.0), ("squared_hinge", True, 5e-5, 0.0), ("squared_hinge", True, 8.8e-5, 0.0),
        ("squared_hinge", True, 1e-4, 0.0), ("squared_hinge", True, 1.6e-4, 0.0), ("squared_hinge", True, 2.3e-4, 0.0),
        ("squared_hinge", True, 3e-4, 0.0), ("squared_hinge", True, 1e-3, 0.0), ("squared_hinge", False, 5e-5, 0.0),
        ("squared_hinge", False, 1.6e-4, 0.0), ("hinge", True, 3e-5, 0.0), ("hinge", True, 1.15e-4, 0.0),
        ("squared_hinge", False, 5e-5, 1.0), ("squared_hinge", False, 1.1e-4, 1.0),
        ("squared_hinge", False, 2.2e-4, 1.0), ("squared_hinge", False, 4.4e-4, 1.0),
        ("squared_hinge", False, 2.2e-4, 1.5), ("squared_hinge", True, 2.2e-4, 1.0),
        ("squared_hinge", True, 1e-4, 1.0), ("squared_hinge", True, 3e-4, 1.0), ("squared_hinge", True, 1e-3, 1.0),
        ("hinge", True, 1e-4, 1.0), ("logistic", True, 1e-4, 0.0), ("logistic", True, 1e-4, 1.0)]
]

GRIDS = {"config": [{}], "dual": DUAL, "linear": MODELS, "svm": SVM, "adagrad": ADAGRAD, "vw": VW_LIKE,
         "fasttext": FASTTEXT_LIKE, "mlp": MLP, "mlp-wide": MLP_WIDE, "fasttext-mlp": FASTTEXT_MLP}


def apply(config, changes):
    config = {section: dict(values) for section, values in config.items()}
    for path, value in changes.items():
        section, key = path.split(".") if "." in path else ("features", path)
        config[section][key] = value
    return config


def splits(base, docs, y, valid_docs, folds, repeats=1):
    """(training docs, their classes, validation docs) to score each setting on: the one validation split, or
    the ``folds`` stratified folds of all the training data (each held out once), ``repeats`` times over
    differently shuffled folds: less selection noise (a deterministic solver gains nothing from more seeds)."""
    if not folds:
        return [(docs, y, valid_docs)]
    from sklearn.model_selection import StratifiedKFold

    seed = base["training"]["seed"]
    chosen = [part for r in range(repeats)
              for part in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + r).split(docs, y)]
    return [([docs[i] for i in keep], y[keep], [docs[i] for i in held]) for keep, held in chosen]


def short(changes):
    """A setting in a line: the keys without their section, the defaults of the grids left out."""
    return " ".join(f"{key.split('.')[-1]}={value}" for key, value in changes.items()
                    if key not in ("training.batch_size", "training.schedule"))


def train_one(c, classes, X, y, seed):
    config = Config.from_mapping(c)
    if model_family(config.model.type) == "network":
        model = MLPModel.initial(classes, X.shape[1], Architecture.from_config(config.model),
                                 np.random.default_rng(1), first_fan_in=X.nnz / X.shape[0])
    else:
        model = LinearModel.zeros(config.model.type, classes, X.shape[1])
    fit(model, X, y, settings=TrainSettings.from_config(config, n_examples=X.shape[0]),
        rng=np.random.default_rng(seed))
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--grid", choices=tuple(GRIDS), default="linear",
                        help="which grid of model settings to try (default: linear, plain SGD; dual: dual_cd with "
                             "and without NB-SVM scaling; config: the config as it is)")
    parser.add_argument("--features", type=int, nargs="*",
                        help="indices into FEATURES (default: all; --features alone: the config's own)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="train each setting with this many seeds (shuffling orders) and rank by the mean "
                             "validation accuracy: less selection noise on small validation sets")
    parser.add_argument("--folds", type=int, default=0,
                        help="rank by the mean accuracy over this many stratified cross-validation folds of the "
                             "training data instead of one validation split (valid.tsv is then not used)")
    parser.add_argument("--peer", action="store_true",
                        help="also score scikit-learn's LinearSVC(C=1) (benchmarks/peers.py's strongest linear peer) "
                             "on the same folds and features: where the configs stand against it before the test set")
    parser.add_argument("--repeats", type=int, default=1,
                        help="with --folds: repeat the cross-validation over this many different fold splits")
    args = parser.parse_args()
    environ = {"SGDTEXT_DATA": args.data_root} if args.data_root else dict(os.environ)
    base = load_config(args.config, environ=environ)
    if args.folds:
        base["data"]["valid"], base["data"]["validation_split"] = None, 0.0
    elif not base["data"]["valid"]:
        base["data"]["validation_split"] = 0.1
    quiet = lambda message: None
    docs, y, classes, valid_docs = read_training_data(Config.from_mapping(base), quiet)
    test_docs = read_all(base["data"]["test"], read_options(base["data"]), quiet)
    yt = label_indices(test_docs, classes)
    parts = splits(base, docs, y, valid_docs, args.folds, args.repeats)
    results = []
    if args.features is None:
        chosen = [{}] if args.grid == "config" else FEATURES
    else:
        chosen = [FEATURES[i] for i in args.features] or [{}]
    for features in chosen:
        config = apply(base, features)
        matrices = []
        for part_docs, part_y, part_valid in parts:
            featurizer = Featurizer(config["features"])
            X = featurizer.fit_transform(part_docs).to_scipy()
            matrices.append((X, part_y, featurizer.transform(part_valid).to_scipy(), label_indices(part_valid, classes),
                             featurizer.transform(test_docs).to_scipy()))
        if args.peer:
            from sklearn.svm import LinearSVC

            started = time.perf_counter()
            valid_accs, test_accs = [], []
            for X, part_y, Xv, yv, Xt in matrices:
                svc = LinearSVC(C=1.0).fit(X, part_y)
                valid_accs.append(np.mean(svc.predict(Xv) == yv))
                test_accs.append(np.mean(svc.predict(Xt) == yt))
            seconds = (time.perf_counter() - started) / len(matrices)
            print(f"valid {np.mean(valid_accs):.4f}  test {np.mean(test_accs):.4f}  {seconds:5.1f} s  "
                  f"{short(features)} | peer LinearSVC(C=1)", file=sys.stderr, flush=True)
        for changes in GRIDS[args.grid]:
            c = apply(config, changes)
            started = time.perf_counter()
            valid_accs, test_accs = [], []
            try:
                for X, part_y, Xv, yv, Xt in matrices:
                    for seed in range(c["training"]["seed"], c["training"]["seed"] + args.seeds):
                        model = train_one(c, classes, X, part_y, seed)
                        valid_accs.append(np.mean(model.predict_index(model.scores(Xv)) == yv))
                        test_accs.append(np.mean(model.predict_index(model.scores(Xt)) == yt))
            except TrainingError as exc:  # diverged: this setting scores nothing
                print(f"failed: {exc}  {features} {changes}", file=sys.stderr, flush=True)
                valid_accs, test_accs = [0.0], [0.0]
            seconds = (time.perf_counter() - started) / (args.seeds * len(matrices))
            valid_acc, test_acc = np.mean(valid_accs), np.mean(test_accs)
            spread = np.std(valid_accs, ddof=1) / np.sqrt(len(valid_accs)) if len(valid_accs) > 1 else 0.0
            results.append((valid_acc, test_acc, seconds, {**features, **changes}))
            print(f"valid {valid_acc:.4f} ±{spread:.4f}  test {test_acc:.4f}  {seconds:5.1f} s  {short(features)} | "
                  f"{short(changes)}", file=sys.stderr, flush=True)
    best = max(results, key=lambda r: r[0])
    print(f"best on validation: valid {best[0]:.4f}, test {best[1]:.4f}: {best[3]}")


if __name__ == "__main__":
    main()
