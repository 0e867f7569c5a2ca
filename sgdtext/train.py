"""Training orchestration: config -> documents -> features -> model -> SGD -> model file + metrics."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sgdtext import __version__
from sgdtext.documents import ReadOptions, ReadStats, read_documents
from sgdtext.errors import DataError, SgdtextError
from sgdtext.features import Featurizer
from sgdtext.files import write_text_atomic
from sgdtext.metrics import classification_metrics
from sgdtext.modelfile import save_model
from sgdtext.models import LinearModel
from sgdtext.backprop import MlpSettings, fit_mlp
from sgdtext.mlp import Architecture, MLPModel
from sgdtext.sgd import SgdSettings, fit
from sgdtext.stream import document_chunks, evaluate_stream, fit_stream, scan_labels


@dataclass
class TrainResult:
    model: LinearModel
    featurizer: Featurizer
    metrics: dict
    model_path: Path
    metrics_path: Path


def read_options(data_config):
    return ReadOptions(**{name: data_config[name] for name in ReadOptions._fields})


def read_all(path, options, warn):
    """Every document of ``path``; problems the reader counted are reported through ``warn``."""
    stats = ReadStats()
    docs = list(read_documents(path, options, stats))
    if stats.n_skipped:
        first = "; ".join(f"{where}: {why}" for where, why in stats.skipped[:2])
        warn(f"skipped {stats.n_skipped} malformed record(s) in {path} (first: {first})")
    if stats.n_invalid_utf8:
        warn(f"{stats.n_invalid_utf8} record(s) of {path} are not valid UTF-8 (first at "
             f"{stats.first_invalid_utf8}); invalid bytes were replaced by U+FFFD")
    if not docs:
        raise DataError(f"{path}: has no documents; check data.format and the file")
    return docs


def sort_labels(labels):
    """Classes in a stable order: numerically when every label is a number (so -1 < +1), else as text."""
    labels = set(labels)
    try:
        return sorted(labels, key=lambda label: (float(label), label))
    except ValueError:
        return sorted(labels)


def stratified_split(y, fraction, rng):
    """Indices (keep, held_out): ``fraction`` of each class held out, chosen by ``rng``."""
    held = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n = int(round(fraction * len(members)))
        held.extend(rng.permutation(members)[:n])
    held = np.sort(np.array(held, dtype=np.int64))
    return np.setdiff1d(np.arange(len(y)), held), held


def label_indices(docs, classes):
    index = {label: i for i, label in enumerate(classes)}
    return np.array([index.get(doc.label, -1) for doc in docs], dtype=np.int64)


def evaluate_split(model, X, docs):
    """Metrics of ``model`` on labelled documents; labels the model never saw count as errors."""
    classes = list(model.classes) + sort_labels({d.label for d in docs} - set(model.classes))
    y = label_indices(docs, classes)
    pred = model.predict_index(model.scores(X))
    return classification_metrics(y, pred, classes)


def sgd_settings(config):
    """The training section (and model.fit_intercept) as the settings of the learner's loop."""
    t = config["training"]
    cls = MlpSettings if config["model"]["type"] == "mlp" else SgdSettings
    fields = {name: t[name] for name in cls.__dataclass_fields__ if name in t}
    return cls(**fields, fit_intercept=config["model"]["fit_intercept"])


def architecture(config):
    m = config["model"]
    return Architecture(**{name: m[name] for name in Architecture.__dataclass_fields__})


def tracer(X, y, classes, names, emit):
    """An on_step callback printing each step in the lecture's terms (for batch_size 1)."""
    shown = min(len(names), 20)

    def vector(values):
        return "(" + ", ".join(f"{names[j]} {values[j]:g}" for j in range(shown)) + (", ...)" if len(names) > shown
                                                                                        else ")")

    def on_step(info):
        i = info["index"]
        scores, W = info["scores"][0], info["W"]
        f = X[i].toarray().ravel()
        if len(scores) == 1:
            predicted = classes[1] if scores[0] >= 0 else classes[0]
            score = f"w·f = {scores[0]:g}"
            new_w = vector(W[:, 0])
        else:
            predicted = classes[int(np.argmax(scores))]
            score = "scores " + ", ".join(f"{c} {s:g}" for c, s in zip(classes, scores))
            new_w = "; ".join(f"{c}: {vector(W[:, j])}" for j, c in enumerate(classes))
        verdict = "mistake" if predicted != classes[y[i]] else "correct"
        emit(f"epoch {info['epoch']} step {info['step']}: instance x{i + 1} f = {vector(f)}, "
             f"label {classes[y[i]]}, {score}, predicts {predicted}: {verdict}; w = {new_w}")

    return on_step


def class_weight_table(setting, classes, counts):
    """Weight of each class (k,) from training.class_weight and the class counts, or None."""
    if setting is None:
        return None
    if setting == "balanced":
        return counts.sum() / (len(classes) * np.maximum(counts, 1))
    unknown = sorted(set(setting) - set(classes))
    if unknown:
        raise SgdtextError(f"training -> class_weight: label {unknown[0]!r} is not in the training data "
                           f"(classes: {', '.join(classes)}); fix the label")
    return np.array([setting.get(label, 1.0) for label in classes])


def class_weights(setting, classes, y):
    """Per-example weights from training.class_weight, or None."""
    table = class_weight_table(setting, classes, np.bincount(y, minlength=len(classes)))
    return None if table is None else table[y]


def warm_start(path, config, classes, docs, warn):
    """Model and featuriser of ``path``, ready to go on training on ``docs`` (see README, warm start)."""
    from sgdtext.modelfile import load_model

    model, featurizer, meta = load_model(path)
    old = meta["config"]
    problems = [f"features -> {key}: {old['features'][key]!r} in {path}, {value!r} in the config"
                for key, value in config["features"].items()
                if key not in ("extra", "n_jobs") and old["features"].get(key) != value]  # n_jobs: same matrix
    if model.model_type != config["model"]["type"]:
        problems.append(f"model -> type: {model.model_type!r} in {path}, {config['model']['type']!r} in the config")
    if problems:
        raise SgdtextError(f"--init-model {path}: the config differs from the model it continues:\n  "
                           + "\n  ".join(problems) + "\nuse the model's settings (sgdtext check-config shows yours)")
    unknown = sorted(set(classes) - set(model.classes))
    if unknown:
        raise DataError(f"{config['data']['train']}: label {unknown[0]!r} is not a class of {path} "
                        f"({', '.join(model.classes)}); a warm start keeps the classes: train a new model")
    n_text = featurizer.n_text_features
    added = featurizer.extend(docs)
    if added:
        rows = np.zeros((added, model.W.shape[1]))
        model.W = np.vstack([model.W[:n_text], rows, model.W[n_text:]])
        adaptive = model.adaptive
        if adaptive is not None:  # new terms: no gradients yet, no scale yet
            adaptive["H"] = np.vstack([adaptive["H"][:n_text], rows, adaptive["H"][n_text:]])
            if len(adaptive["xscale"]) > 1:
                x = adaptive["xscale"]
                adaptive["xscale"] = np.concatenate([x[:n_text], np.zeros(added), x[n_text:]])
        warn(f"warm start: {added} new term(s) added to the vocabulary of {path} with zero weights")
    return model, featurizer


def read_training_data(config, warn):
    """Training documents, their classes and class indices, and the validation documents (or None)."""
    data, options = config["data"], read_options(config["data"])
    docs = read_all(data["train"], options, warn)
    classes = sort_labels(d.label for d in docs)
    if len(classes) < 2:
        raise DataError(f"{data['train']}: every document has the label {classes[0]!r}; "
                        f"a classifier needs at least two classes")
    y = label_indices(docs, classes)
    valid_docs = read_all(data["valid"], options, warn) if data["valid"] else None
    if valid_docs is None and data["validation_split"]:
        split_rng = np.random.default_rng([config["training"]["seed"], 1])
        keep, held = stratified_split(y, data["validation_split"], split_rng)
        valid_docs = [docs[i] for i in held]
        docs, y = [docs[i] for i in keep], y[keep]
    return docs, y, classes, valid_docs


def new_model(config, classes, featurizer, X, rng):
    if config["model"]["type"] == "mlp":
        first_fan_in = X.nnz / max(X.shape[0], 1)
        return MLPModel.initial(classes, featurizer.n_features, architecture(config), rng, first_fan_in=first_fan_in)
    return LinearModel.zeros(config["model"]["type"], classes, featurizer.n_features)


def check_request(config, trace, init_model):
    data = config["data"]
    for name in ("train", "valid", "test"):  # fail before training, not after it
        if data[name] and data[name] != "-" and not Path(data[name]).exists():
            raise DataError(f"{data[name]}: no such file (data.{name}); check data paths (relative to "
                            f"{'data.root' if data['root'] else 'the config file'})")
    if trace and (config["training"]["batch_size"] != 1 or config["model"]["type"] == "mlp"):
        raise SgdtextError(f"--trace prints the lecture's per-example steps of a linear model: it needs "
                           f"training.batch_size: 1 (got {config['training']['batch_size']}) and a linear "
                           f"model.type (got {config['model']['type']})")
    if trace and config["training"]["optimizer"] == "dual_cd":
        raise SgdtextError("--trace prints SGD steps; optimizer dual_cd takes dual coordinate steps: use optimizer "
                           "sgd to trace")
    if init_model and config["model"]["type"] == "mlp":
        raise SgdtextError("--init-model: warm start is for the linear models; an mlp trains from its seed")


@dataclass
class Fitted:
    """What a training run produced, before it is written out."""

    model: object
    featurizer: Featurizer
    history: object
    metrics: dict  # split name -> metrics
    n_documents: int
    fit_seconds: float


def train(config, *, warn=print, on_epoch=None, trace=None, init_model=None):
    """Train as ``config`` (resolved) says; write model and metrics atomically; return a TrainResult."""
    started = time.perf_counter()
    check_request(config, trace, init_model)
    if config["data"]["chunk_size"]:
        fitted = train_streaming(config, warn, on_epoch, init_model)
    else:
        fitted = train_in_memory(config, warn, on_epoch, trace, init_model)
    return write_outputs(config, fitted, time.perf_counter() - started)


def train_in_memory(config, warn, on_epoch, trace, init_model):
    data, n_jobs = config["data"], config["features"]["n_jobs"]
    docs, y, classes, valid_docs = read_training_data(config, warn)
    if init_model is None:
        featurizer = Featurizer(config["features"])
        X = featurizer.fit_transform(docs, n_jobs=n_jobs).to_scipy()
        model = new_model(config, classes, featurizer, X, np.random.default_rng([config["training"]["seed"], 2]))
    else:
        model, featurizer = warm_start(init_model, config, classes, docs, warn)
        classes = model.classes
        y = label_indices(docs, classes)
        X = featurizer.transform(docs, n_jobs=n_jobs).to_scipy()
    splits, valid = {"train": (X, docs)}, None
    if valid_docs is not None:
        Xv = featurizer.transform(valid_docs, n_jobs=n_jobs).to_scipy()
        splits["valid"] = (Xv, valid_docs)
        yv = label_indices(valid_docs, classes)
        valid = (Xv[yv >= 0], yv[yv >= 0])
    kwargs = {"settings": sgd_settings(config), "rng": np.random.default_rng(config["training"]["seed"]),
              "valid": valid, "on_epoch": on_epoch,
              "sample_weight": class_weights(config["training"]["class_weight"], classes, y)}
    fit_started = time.perf_counter()
    if isinstance(model, MLPModel):
        history = fit_mlp(model, X, y, **kwargs)
    else:
        on_step = tracer(X, y, classes, featurizer.feature_names(), trace) if trace else None
        history = fit(model, X, y, on_step=on_step, **kwargs)
    fit_seconds = time.perf_counter() - fit_started
    if data["test"]:
        test_docs = read_all(data["test"], read_options(data), warn)
        splits["test"] = (featurizer.transform(test_docs, n_jobs=n_jobs).to_scipy(), test_docs)
    metrics = {name: evaluate_split(model, Xs, ds) for name, (Xs, ds) in splits.items()}
    return Fitted(model, featurizer, history, metrics, len(docs), fit_seconds)


def train_streaming(config, warn, on_epoch, init_model):
    """data.chunk_size: read, featurise and learn a chunk at a time (see stream.py)."""
    data, size = config["data"], config["data"]["chunk_size"]
    options = read_options(data)
    if data["train"] == "-":
        counts = {label: 0 for label in data["classes"]}
        source_once = [document_chunks("-", options, size, warn)]
        source = lambda: source_once.pop()  # stdin can be read once
    else:
        counts = scan_labels(data["train"], options, size)
        source = lambda: document_chunks(data["train"], options, size, warn)
    classes = sort_labels(data["classes"] or counts)
    unknown = sorted(set(counts) - set(classes))
    if unknown:
        raise DataError(f"{data['train']}: label {unknown[0]!r} is not in data.classes; add it")
    n = sum(counts.values()) or None
    if init_model is None:
        featurizer = Featurizer(config["features"])
        featurizer.fit_transform([])  # hashing: nothing to learn
        model = LinearModel.zeros(config["model"]["type"], classes, featurizer.n_features)
    else:
        model, featurizer = warm_start(init_model, config, classes, [], warn)
    y_counts = np.array([counts.get(label, 0) for label in model.classes])
    class_weight = class_weight_table(config["training"]["class_weight"], model.classes, y_counts)
    valid, metrics = None, {}
    if data["valid"]:
        valid_docs = read_all(data["valid"], options, warn)
        Xv, yv = featurizer.transform(valid_docs).to_scipy(), label_indices(valid_docs, model.classes)
        valid = (Xv[yv >= 0], yv[yv >= 0])
    fit_started = time.perf_counter()
    history = fit_stream(model, featurizer, source, n=n or size, class_weight=class_weight,
                         settings=sgd_settings(config), rng=np.random.default_rng(config["training"]["seed"]),
                         chunk_size=size, valid=valid, on_epoch=on_epoch, cache=data["chunk_cache"])
    fit_seconds = time.perf_counter() - fit_started
    if data["train"] != "-" and config["output"]["train_metrics"]:
        metrics["train"] = evaluate_stream(model, featurizer, document_chunks(data["train"], options, size))
    for split in ("valid", "test"):
        if data[split]:
            metrics[split] = evaluate_stream(model, featurizer, document_chunks(data[split], options, size, warn))
    return Fitted(model, featurizer, history, metrics, history.n_documents, fit_seconds)


def write_outputs(config, fitted, seconds):
    """metrics.json and the model file, both atomically; returns the TrainResult."""
    model, featurizer, history = fitted.model, fitted.featurizer, fitted.history
    metrics = dict(fitted.metrics)
    metrics["training"] = {
        "model_type": model.model_type,
        "classes": model.classes,
        "n_documents": fitted.n_documents,
        "n_features": featurizer.n_features,
        "n_parameters": int(model.n_parameters),
        "epochs": history.epochs,
        "stop_reason": history.stop_reason,
        "stopped_epoch": history.stopped_epoch,
        "best_epoch": history.best_epoch,
        "steps": history.steps,
        "fit_seconds": round(fitted.fit_seconds, 4),
        "total_seconds": round(seconds, 4),
        "documents_per_second": round(fitted.n_documents * history.stopped_epoch / max(fitted.fit_seconds, 1e-9), 1),
    }
    metrics["config"] = config
    metrics["sgdtext_version"] = __version__
    out = Path(config["output"]["dir"])
    model_path, metrics_path = out / config["output"]["model"], out / config["output"]["metrics"]
    save_model(model_path, model, featurizer, config)
    write_text_atomic(metrics_path, json.dumps(metrics, indent=2) + "\n")
    return TrainResult(model, featurizer, metrics, model_path, metrics_path)
