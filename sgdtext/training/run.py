"""A training run: config -> documents -> features -> model -> solver in the epoch loop -> model file + metrics."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sgdtext import __version__, progress
from sgdtext.config.checks import multilabel_problems
from sgdtext.config.choices import CALIBRATIONS, model_family
from sgdtext.config.loading import shard_paths
from sgdtext.config.sections import Config
from sgdtext.core.memory import give_back_free_memory
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import ConfigError, DataError, SgdtextError
from sgdtext.io.documents import Document
from sgdtext.io.files import write_text_atomic
from sgdtext.io.versions import ModelFolder
from sgdtext.linear.model import LinearModel
from sgdtext.models import round_as_stored, save_model
from sgdtext.nn.network import Architecture, MLPModel
from sgdtext.text.features import Featurizer
from sgdtext.training.data import (
    class_weights,
    featurize,
    is_multilabel,
    label_indices,
    read_all,
    read_options,
    read_training_data,
)
from sgdtext.training.evaluation import evaluate_split
from sgdtext.training.fit import fit
from sgdtext.training.multilabel import train_multilabel
from sgdtext.training.publish import Publishing, gate, gate_documents, lineage
from sgdtext.training.streaming import train_streaming
from sgdtext.training.trace import tracer
from sgdtext.training.warm import warm_start


@dataclass
class TrainResult:
    model: object
    featurizer: Featurizer
    metrics: dict
    model_path: Path
    metrics_path: Path
    promoted: bool = True
    decision: dict | None = None  # the promotion gate's figures, with --promote-if-better


@dataclass
class Fitted:
    """What a training run produced, before it is written out."""

    model: object
    featurizer: Featurizer
    history: object
    metrics: dict  # split name -> metrics
    n_documents: int
    fit_seconds: float


def train(resolved, *, warn=print, on_epoch=None, trace=None, init_model=None, publishing=None):
    """Train as the resolved config (the mapping config.load_config returns) says; publish model and metrics
    together as a new version of the model folder output.dir (io.versions); return a TrainResult (``promoted``
    False when the promotion gate kept the live model). ``trace(line)`` receives each step's trace (--trace)."""
    started = time.perf_counter()
    publishing = publishing or Publishing()
    config = Config.from_mapping(resolved)
    check_request(config, trace, init_model)
    with ModelFolder(config.output.dir).lock(publishing.wait) as folder, progress.recording() as phases:
        folder.clean()
        gate_data = gate_documents(config, publishing, warn) if publishing.promote_if_better else None
        fitted = fit_run(config, warn=warn, on_epoch=on_epoch, trace=trace, init_model=init_model)
        metrics = run_metrics(config, fitted, time.perf_counter() - started, init_model)
        metrics["training"]["phases"] = phases
        return write_outputs(config, fitted, metrics, folder=folder, publishing=publishing, gate_data=gate_data)


def fit_run(config, *, warn=print, on_epoch=None, trace=None, init_model=None):
    """Read, featurise and fit as the typed config says, in memory or streaming, single- or multi-label; returns a
    Fitted."""
    if config.training.engine == "dask":
        from sgdtext.training.cluster import train_on_cluster

        return Fitted(*train_on_cluster(config, warn, on_epoch, init_model))
    if config.data.chunk_size:
        return Fitted(*train_streaming(config, warn, on_epoch, init_model))
    docs = read_all(config.data.train, read_options(config.data, config.model.multilabel), warn)
    if is_multilabel(docs, config.model.multilabel, config.data.train, warn):
        problems = multilabel_problems(config.mapping)
        if trace is not None:
            problems.append("--trace: traces single-label SGD steps")
        if problems:
            raise ConfigError(problems, "multi-label data")
        return Fitted(*train_multilabel(config, docs, warn, init_model, on_epoch))
    handed = [docs]
    del docs  # train_in_memory takes the documents over, so that their texts can go once they are featurised
    return train_in_memory(config, warn, on_epoch, trace, init_model, handed)


def check_request(config, trace, init_model):
    data = config.data
    named = [(name, getattr(data, name)) for name in ("valid", "test")]
    if config.training.engine == "dask":
        shards = shard_paths(data.train)
        if not shards:
            raise DataError(f"data.train: no file matches {data.train}; check the pattern")
        named += [("train", path) for path in shards]
    else:
        named.append(("train", data.train))
    for name, path in named:  # fail before training, not after it
        if path and path != "-" and not Path(path).exists():
            raise DataError(f"{path}: no such file (data.{name}); check data paths (relative to "
                            f"{'data.root' if data.root else 'the config file'})")
    linear = model_family(config.model.type) == "linear"
    if trace and (config.training.batch_size != 1 or not linear):
        raise SgdtextError(f"--trace prints the lecture's per-example steps of a linear model: it needs "
                           f"training.batch_size: 1 (got {config.training.batch_size}) and a linear "
                           f"model.type (got {config.model.type})")
    if trace and config.training.optimizer == "dual_cd":
        raise SgdtextError("--trace prints SGD steps; optimizer dual_cd takes dual coordinate steps: use optimizer "
                           "sgd to trace")
    if init_model and not linear:
        raise SgdtextError("--init-model: warm start is for the linear models; an mlp trains from its seed")


MAX_MODEL_BYTES = 1 << 34  # 16 GiB of weights


def new_model(config, classes, X, rng):
    """The untrained model the config describes, for the classes and the columns of X (n, d); refused when its
    first weight matrix alone would take more than MAX_MODEL_BYTES."""
    width = sum(config.model.hidden_sizes[:1]) or len(classes)
    if X.shape[1] * width * 8 > MAX_MODEL_BYTES:
        raise DataError(f"the model would hold {X.shape[1]:,} features x {width:,} columns of weights, more than "
                        f"{MAX_MODEL_BYTES >> 30} GiB; lower features.n_features or max_features, or the widths")
    if model_family(config.model.type) == "network":
        first_fan_in = X.nnz / max(X.shape[0], 1)
        return MLPModel.initial(classes, X.shape[1], Architecture.from_config(config.model), rng,
                                first_fan_in=first_fan_in)
    return LinearModel.zeros(config.model.type, classes, X.shape[1])


SCALE_RATIO = 10.0  # a hand-made column this many times the size of the word columns' values is worth a warning


def hand_made_scale_notes(featurizer, X):
    """A warning for each hand-made column (identity transform) whose values dwarf the word columns': its weight
    then moves the score more than a whole document's words, and one L2 strength fits neither."""
    n_text = featurizer.n_text_features
    if not featurizer.extra or n_text == 0:
        return []
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))  # (read from the CSR arrays: no copy of X)
    words = X.data[X.indices < n_text]
    typical = float(np.percentile(np.abs(words), 99)) if words.size else 1.0
    notes = []
    for j, spec in enumerate(featurizer.extra):
        if spec["transform"] != "identity":
            continue
        column = X.indices == n_text + j
        values = np.zeros(X.shape[0])
        values[rows[column]] = np.abs(X.data[column])
        high = float(np.percentile(values, 99))
        if high > SCALE_RATIO * max(typical, 1e-12):
            notes.append(f"features.extra {spec['name']}: values up to {high:g} (99th percentile) against "
                         f"{typical:.3g} for the word columns; a column that large outweighs the text (and one l2 fits "
                         f"neither): set its transform: log1p (or binary)")
    return notes


def train_in_memory(config, warn, on_epoch, trace, init_model, handed=None):
    """``handed``: a list holding the training documents already read (taken out of it), or None to read them."""
    data, n_jobs = config.data, config.features.n_jobs
    docs, y, classes, valid_docs = read_training_data(config, warn, min_classes=1 if init_model else 2,
                                                      docs=handed.pop() if handed else None)
    if init_model is None:
        featurizer = Featurizer(config.features)
        X = featurize(featurizer, docs, n_jobs, "train", fit=True)
        for note in hand_made_scale_notes(featurizer, X):
            warn(note)
        model = new_model(config, classes, X, np.random.default_rng([config.training.seed, 2]))
    else:
        model, featurizer = warm_start(init_model, config, classes, docs, warn)
        classes = model.classes
        y = label_indices(docs, classes)
        X = featurize(featurizer, docs, n_jobs, "train")
    n_docs, docs = len(docs), labels_only(docs)
    give_back_free_memory()  # the texts' pages, before the solver's arrays are made
    splits, valid, Xv = {"train": (X, docs)}, None, None
    if valid_docs is not None:
        Xv = featurize(featurizer, valid_docs, n_jobs, "valid")
        valid_docs = labels_only(valid_docs)
        splits["valid"] = (Xv, valid_docs)
        yv = label_indices(valid_docs, classes)
        valid = (Xv[yv >= 0], yv[yv >= 0])
    on_step = tracer(X, y, classes, featurizer.feature_names(), trace) if trace else None
    sample_weight = class_weights(config.training.class_weight, classes, y)
    settings_for = lambda n: TrainSettings.from_config(config, n_examples=n)
    fit_started = time.perf_counter()
    history = fit(model, X, y, settings=settings_for(X.shape[0]), rng=np.random.default_rng(config.training.seed),
                  valid=valid, on_epoch=on_epoch, on_step=on_step, sample_weight=sample_weight)
    if config.training.calibration != "none":
        with progress.phase("calibrating", detail=config.training.calibration,
                            total=config.training.calibration_folds, unit="folds"):
            CALIBRATIONS.load(config.training.calibration)(model, X, y, n_folds=config.training.calibration_folds,
                                                            settings_for=settings_for, seed=config.training.seed,
                                                            sample_weight=sample_weight)
    fit_seconds = time.perf_counter() - fit_started
    round_as_stored(model, config.output.weights)
    metrics = {name: evaluate_split(model, Xs, ds, name) for name, (Xs, ds) in splits.items()}
    X = Xv = valid = splits = None  # the training matrices go before the test set's is made
    if data.test:
        test_docs = read_all(data.test, read_options(data), warn)
        metrics["test"] = evaluate_split(model, featurize(featurizer, test_docs, n_jobs, "test"), test_docs,
                                         "test")
    return Fitted(model, featurizer, history, metrics, n_docs, fit_seconds)


def labels_only(docs):
    """The documents without their text and fields: what evaluation reads of them (labels, where), so the texts can
    go once their matrix is made."""
    return [Document(doc.label, "", None, doc.where) for doc in docs]


def run_metrics(config, fitted, seconds, init_model):
    """metrics.json's content: each split's metrics, the training record, the config and the lineage."""
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
    if history.cluster is not None:
        metrics["training"]["cluster"] = history.cluster
    metrics["config"] = config.mapping
    metrics["sgdtext_version"] = __version__
    metrics["lineage"] = lineage(config, init_model)
    return metrics


def write_outputs(config, fitted, metrics, *, folder, publishing, gate_data):
    """Write model and metrics into a new version folder, then make it live, unless the gate keeps the live model;
    returns the TrainResult."""
    model, featurizer = fitted.model, fitted.featurizer
    names = (config.output.model, config.output.metrics)
    decision = None
    if gate_data is not None:
        live = folder.live()
        decision = gate(model, featurizer, None if live is None else live / config.output.model, *gate_data)
        decision["promoted"] = decision["live"] is None or decision["candidate"] >= decision["live"] - \
            publishing.tolerance
        metrics["promotion"] = {**decision, "tolerance": publishing.tolerance}
    version = folder.new_version()
    with progress.phase("writing", detail=str(version)):
        save_model(version / config.output.model, model, featurizer, config.mapping, lineage=metrics["lineage"])
        write_text_atomic(version / config.output.metrics, json.dumps(metrics, indent=2) + "\n")
        folder.seal(version)
    promoted = decision is None or decision["promoted"]
    if promoted:
        folder.publish(version, names)
    folder.prune(publishing.keep)
    out = folder.path if promoted else version
    return TrainResult(model, featurizer, metrics, out / config.output.model, out / config.output.metrics,
                       promoted=promoted, decision=decision)
