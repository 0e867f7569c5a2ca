"""Training a multi-label model: for a linear model type, one two-class problem per label (one-vs-rest) on the same
features, each fitted by the model type's solver and optimizer (training.fit, as a single-label two-class model),
labels spread over processes; for the network, one network with a sigmoid output per label trained on binary
cross-entropy; then the thresholds, fixed or tuned on validation data.

Per label, the examples holding it are the positive class; ``training.class_weight`` balanced weighs the label's
positives and negatives as a two-class problem's classes, a mapping weighs the positive documents of the labels it
names. Each label's problem has its own seeded random stream, so the weights do not depend on the processes used.
"""

import time

import numpy as np

from sgdtext import progress
from sgdtext.config.choices import model_family
from sgdtext.core import parallel
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import DataError, SgdtextError
from sgdtext.linear.model import LinearModel
from sgdtext.linear.multilabel import MultiLabelModel
from sgdtext.models import round_as_stored
from sgdtext.nn.network import Architecture, MLPModel
from sgdtext.text.features import Featurizer
from sgdtext.training.data import MAX_CLASSES, featurize, label_sets, read_all, read_options, sort_labels
from sgdtext.training.evaluation import evaluate_split, label_matrix
from sgdtext.training.fit import fit
from sgdtext.training.loop import History
from sgdtext.training.warm import warm_start


def label_weight_table(setting, labels, positives, n):
    """(positive weights, negative weights), each (labels,), of the labels' two-class problems from
    training.class_weight, ``positives`` (labels,) the documents holding each label of ``n``; or None."""
    if setting is None:
        return None
    if setting == "balanced":
        positives = np.asarray(positives, dtype=float)
        return n / (2 * np.maximum(positives, 1)), n / (2 * np.maximum(n - positives, 1))
    return np.array([setting.get(label, 1.0) for label in labels]), np.ones(len(labels))


def fit_label(payload, j):
    """(weights, intercept, history) of label j's two-class model (from ``start``'s column j in a warm start)."""
    model_type, X, Y, labels, settings, seed, table, start = payload
    positive = Y[:, j]
    model = LinearModel.zeros(model_type, ["", labels[j]], X.shape[1])
    if start is not None:
        model.W[:, 0], model.b[0] = start[0][:, j], start[1][j]
    weights = None if table is None else np.where(positive, table[0][j], table[1][j])
    history = fit(model, X, positive.astype(np.int64), settings=settings, rng=np.random.default_rng([seed, 3, j]),
                  sample_weight=weights)
    return model.W[:, 0].copy(), float(model.b[0]), history


def fit_one_vs_rest(model_type, X, Y, labels, settings, seed, class_weight, workers=None, start=None):
    """(W (d, labels), b (labels,), History summing the labels' fits); ``start``: (W, b) to go on from."""
    table = label_weight_table(class_weight, labels, Y.sum(axis=0), Y.shape[0])
    payload = (model_type, X, Y, labels, settings, seed, table, start)
    fitted = parallel.map_ordered(fit_label, payload, [(j,) for j in range(len(labels))],
                                  parallel.n_workers(workers))
    W = np.column_stack([w for w, _, _ in fitted])
    b = np.array([b for _, b, _ in fitted])
    histories = [h for _, _, h in fitted]
    reasons = sorted({h.stop_reason for h in histories})
    history = History(stop_reason=reasons[0] if len(reasons) == 1 else "per label: " + ", ".join(reasons),
                      stopped_epoch=max(h.stopped_epoch for h in histories),
                      steps=sum(h.steps for h in histories))
    return W, b, history


def best_threshold(scores, truth):
    """The score threshold that maximises F1 of these decisions (scores (m,), truth (m,) booleans): halfway between
    the lowest score kept and the next one below; 0 when nothing is true."""
    if not truth.any():
        return 0.0
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order]
    tp = np.cumsum(t)
    f1 = 2 * tp / (np.arange(1, len(s) + 1) + t.sum())
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # cut only between different scores
    cut = last[np.argmax(f1[last])]
    return float((s[cut] + s[cut + 1]) / 2) if cut + 1 < len(s) else float(s[cut]) - 1e-9


def tuned_thresholds(scores, truth, mode):
    """Thresholds (labels,) tuned on validation scores and truth: per label for its F1, or one for micro F1."""
    if mode == "micro":
        return np.full(scores.shape[1], best_threshold(scores.ravel(), truth.ravel()))
    return np.array([best_threshold(scores[:, j], truth[:, j]) for j in range(scores.shape[1])])


def train_multilabel(config, docs, warn, init_model=None, on_epoch=None):
    """Featurise, fit one-vs-rest (from ``init_model``'s weights in a warm start) or a network with a sigmoid per
    label, set the thresholds, evaluate: (model, featurizer, history, metrics, n, seconds)."""
    data, training = config.data, config.training
    sets = label_sets(docs)
    labels = sort_labels({label for s in sets for label in s})
    if not labels:
        raise DataError(f"{data.train}: no document holds a label; a multi-label model needs at least one")
    if len(labels) > MAX_CLASSES:
        raise DataError(f"{data.train}: has {len(labels):,} different labels, more than the {MAX_CLASSES:,} sgdtext "
                        f"trains; check data.label_separator and the label column")
    options = read_options(data, multilabel=True)
    valid_docs = read_all(data.valid, options, warn) if data.valid else None
    if valid_docs is None and data.validation_split:
        held = np.random.default_rng([training.seed, 1]).permutation(len(docs))[:int(round(data.validation_split *
                                                                                          len(docs)))]
        kept = np.setdiff1d(np.arange(len(docs)), held)
        valid_docs, docs = [docs[i] for i in np.sort(held)], [docs[i] for i in kept]
        sets = label_sets(docs)
    start = None
    if init_model is None:
        featurizer = Featurizer(config.features)
        X = featurize(featurizer, docs, config.features.n_jobs, "train", fit=True)
    else:
        previous, featurizer = warm_start(init_model, config, labels, docs, warn)
        if not getattr(previous, "multilabel", False):
            raise SgdtextError(f"--init-model {init_model}: a single-label model; a multi-label run goes on from a "
                               "multi-label model")
        labels, start = previous.classes, (previous.W, previous.b)
        X = featurize(featurizer, docs, config.features.n_jobs, "train")
    Xv = None if valid_docs is None else featurize(featurizer, valid_docs, config.features.n_jobs, "valid")
    Yv = None if valid_docs is None else label_matrix(label_sets(valid_docs), labels)
    started = time.perf_counter()
    settings = TrainSettings.from_config(config, n_examples=X.shape[0])
    Y = label_matrix(sets, labels)
    if model_family(config.model.type) == "network":  # one network, a sigmoid output per label
        model = MLPModel.initial(labels, X.shape[1], Architecture.from_config(config.model),
                                 np.random.default_rng([training.seed, 2]), first_fan_in=X.nnz / max(X.shape[0], 1),
                                 multilabel=True)
        history = fit(model, X, Y.astype(np.int64), settings=settings, rng=np.random.default_rng(training.seed),
                      valid=None if Xv is None else (Xv, Yv), on_epoch=on_epoch)
    else:
        with progress.phase("training", detail="one-vs-rest", total=len(labels), unit="labels") as shown:
            W, b, history = fit_one_vs_rest(config.model.type, X, Y, labels, settings, training.seed,
                                            training.class_weight, start=start)
            shown.advance(len(labels))
        model = MultiLabelModel(config.model.type, labels, W, b)
    round_as_stored(model, config.output.weights)
    splits = {"train": (X, docs)}
    if Xv is not None:
        splits["valid"] = (Xv, valid_docs)
        if training.thresholds != "fixed":
            model.thresholds = tuned_thresholds(model.scores(Xv), Yv, training.thresholds)
    seconds = time.perf_counter() - started
    if data.test:
        test_docs = read_all(data.test, options, warn)
        splits["test"] = (featurize(featurizer, test_docs, config.features.n_jobs, "test"), test_docs)
    metrics = {name: evaluate_split(model, Xs, ds, name) for name, (Xs, ds) in splits.items()}
    return model, featurizer, history, metrics, len(docs), seconds
