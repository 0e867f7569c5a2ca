"""Training from a stream (``data.chunk_size``): documents are read, featurised and learned from a chunk at a time
(the solver is sgdtext.linear.stream), so memory holds one chunk and the weights, never the corpus.

Hashing mode only (a vocabulary would need the whole corpus first). Standard input (``data.train: "-"``) can be
read once: one epoch, with ``data.classes`` given.
"""

import contextlib
import fcntl
import shutil
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

from sgdtext import progress
from sgdtext.config.checks import multilabel_problems
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import ConfigError, DataError
from sgdtext.io.documents import ReadStats, read_documents
from sgdtext.linear.model import LinearModel
from sgdtext.linear.multilabel import MultiLabelModel
from sgdtext.linear.stream import ChunkCache, MultiLabelStreamSolver, StreamSolver
from sgdtext.models import round_as_stored
from sgdtext.text.features import Featurizer
from sgdtext.training.data import (
    class_weight_table,
    is_multilabel,
    label_indices,
    label_sets,
    read_all,
    read_options,
    sort_labels,
)
from sgdtext.training.evaluation import evaluate_chunks, label_matrix
from sgdtext.training.loop import run_epochs
from sgdtext.training.multilabel import label_weight_table
from sgdtext.training.warm import warm_start


def document_chunks(path, options, size, warn=None, *, shown_as=("reading", None), total=None):
    """Lists of at most ``size`` documents of ``path``, in file order; the pass is shown as a phase ``shown_as``
    (name, detail: the path when None) of ``total`` documents (None: unknown)."""
    stats = ReadStats()
    docs = read_documents(path, options, stats)
    name, detail = shown_as
    with progress.phase(name, detail=detail or str(path), total=total, unit="documents") as shown:
        while True:
            chunk = list(islice(docs, size))
            if not chunk:
                break
            yield chunk
            shown.advance(len(chunk))
    if warn is not None and (stats.n_skipped or stats.n_invalid_utf8):
        warn(f"{path}: skipped {stats.n_skipped} malformed record(s), {stats.n_invalid_utf8} line(s) not valid "
             f"UTF-8 (first at {stats.first_invalid_utf8 or (stats.skipped[0][0] if stats.skipped else '-')})")


def scan_labels(path, options, size):
    """(counts of each label, number of documents, the first document with other than one label or None) of
    ``path`` in one reading pass, for the classes, class weights and step count."""
    counts, n, several = {}, 0, None
    for chunk in document_chunks(path, options, size, shown_as=("scanning labels", None)):
        for doc in chunk:
            n += 1
            if isinstance(doc.label, str):
                counts[doc.label] = counts.get(doc.label, 0) + 1
                continue
            several = several or doc
            for label in doc.label:
                counts[label] = counts.get(label, 0) + 1
    if not n:
        raise DataError(f"{path}: has no documents; check data.format and the file")
    return counts, n, several


CHUNK_PREFIX = "sgdtext-chunks-"
STREAM_CHUNK = 10000  # documents a chunk when the data section sets no chunk_size (evaluating other engines' runs)


@contextlib.contextmanager
def chunk_folder():
    """A temporary folder for the chunk cache, locked while in use; the folders of runs that were killed (their
    lock free) are removed first."""
    for stale in Path(tempfile.gettempdir()).glob(f"{CHUNK_PREFIX}*"):
        with contextlib.suppress(OSError), open(stale / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises when its run is alive
            shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=CHUNK_PREFIX) as folder, open(Path(folder) / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


def labelled_chunks(featurizer, documents, classes):
    """(X, y) of each chunk of documents: its features and class indices."""
    index = {label: i for i, label in enumerate(classes)}
    for chunk in documents:
        featurizer.learn_names([doc.text for doc in chunk])  # (bounded: stops once it has its share of names)
        yield featurizer.transform(chunk), np.array([index[doc.label] for doc in chunk], dtype=np.int64)


def labelled_sets(featurizer, documents, labels):
    """(X, Y) of each chunk of multi-label documents: its features and its 0/1 label rows (n, labels)."""
    for chunk in documents:
        featurizer.learn_names([doc.text for doc in chunk])
        yield featurizer.transform(chunk), label_matrix(label_sets(chunk), labels).astype(np.uint8)


def train_streaming(config, warn, on_epoch, init_model):
    """Returns (model, featurizer, history, metrics, n_documents, fit_seconds)."""
    data, size, setting = config.data, config.data.chunk_size, config.model.multilabel
    options = read_options(data, multilabel=setting if data.train != "-" else setting is True)
    if data.train == "-":
        counts, n, several = {label: 0 for label in data.classes}, None, None
        source_once = [document_chunks("-", options, size, warn)]
        documents = lambda: source_once.pop()  # stdin can be read once
    else:
        counts, n, several = scan_labels(data.train, options, size)
        documents = lambda: document_chunks(data.train, options, size, warn, shown_as=("streaming", None), total=n)
    classes = sort_labels(data.classes or counts)
    unknown = sorted(set(counts) - set(classes))
    if unknown:
        raise DataError(f"{data.train}: label {unknown[0]!r} is not in data.classes; add it")
    if is_multilabel([] if several is None else [several], setting, data.train, warn):
        return train_multilabel_stream(config, classes, counts, n, documents, options, warn, on_epoch, init_model)
    if init_model is None:
        featurizer = Featurizer(config.features)
        featurizer.fit_transform([])  # hashing: nothing to learn
        model = LinearModel.zeros(config.model.type, classes, featurizer.n_features)
    else:
        model, featurizer = warm_start(init_model, config, classes, [], warn)
    y_counts = np.array([counts.get(label, 0) for label in model.classes])
    class_weight = class_weight_table(config.training.class_weight, model.classes, y_counts)
    valid = None
    if data.valid:
        valid_docs = read_all(data.valid, options, warn)
        Xv, yv = featurizer.transform(valid_docs).to_scipy(), label_indices(valid_docs, model.classes)
        valid = (Xv[yv >= 0], yv[yv >= 0])
    settings = TrainSettings.from_config(config, n_examples=n or size)
    fit_started = time.perf_counter()
    with chunk_folder() as folder:
        cache = ChunkCache(folder) if data.chunk_cache and settings.epochs > 1 else None
        solver = StreamSolver(model, lambda: labelled_chunks(featurizer, documents(), model.classes), settings,
                              np.random.default_rng(config.training.seed), n=n or size, chunk_size=size,
                              class_weight=class_weight, cache=cache)
        history = run_epochs(solver, settings, valid=valid, on_epoch=on_epoch)
    history.n_documents = solver.n_seen
    fit_seconds = time.perf_counter() - fit_started
    metrics = stream_metrics(config, round_as_stored(model, config.output.weights), featurizer, options, warn)
    return model, featurizer, history, metrics, history.n_documents, fit_seconds


def train_multilabel_stream(config, labels, counts, n, documents, options, warn, on_epoch, init_model):
    """The multi-label model of a stream: one pass over the chunks an epoch steps every label (linear.stream's
    MultiLabelStreamSolver), from scratch or from ``init_model``'s weights; returns as train_streaming."""
    problems = multilabel_problems(config.mapping)
    if config.training.class_weight == "balanced" and not n:
        problems.append("training -> class_weight: balanced needs the label counts, which standard input cannot "
                        "give ahead; give a mapping, or a file")
    if problems:
        raise ConfigError(problems, "multi-label data")
    data, size = config.data, config.data.chunk_size
    if init_model is None:
        featurizer = Featurizer(config.features)
        featurizer.fit_transform([])  # hashing: nothing to learn
        model = MultiLabelModel(config.model.type, labels, np.zeros((featurizer.n_features, len(labels))),
                                np.zeros(len(labels)))
    else:
        model, featurizer = warm_start(init_model, config, labels, [], warn)
        if not getattr(model, "multilabel", False):
            raise DataError(f"--init-model {init_model}: a single-label model; a multi-label run goes on from a "
                            "multi-label model")
        labels = model.classes
    valid = None
    if data.valid:
        valid_docs = read_all(data.valid, options._replace(multilabel=True), warn)
        valid = (featurizer.transform(valid_docs).to_scipy(), label_matrix(label_sets(valid_docs), labels))
    settings = TrainSettings.from_config(config, n_examples=n or size)
    fit_started = time.perf_counter()
    with chunk_folder() as folder:
        cache = ChunkCache(folder) if data.chunk_cache and settings.epochs > 1 else None
        solver = MultiLabelStreamSolver(model, lambda: labelled_sets(featurizer, documents(), labels), settings,
                                        np.random.default_rng(config.training.seed), n=n or size, chunk_size=size,
                                        cache=cache, label_weights=label_weight_table(
                                            config.training.class_weight, labels,
                                            [counts.get(label, 0) for label in labels], n))
        history = run_epochs(solver, settings, valid=valid, on_epoch=on_epoch)
    history.n_documents = solver.n_seen
    fit_seconds = time.perf_counter() - fit_started
    metrics = stream_metrics(config, round_as_stored(model, config.output.weights), featurizer,
                             options._replace(multilabel=True), warn)
    return model, featurizer, history, metrics, history.n_documents, fit_seconds


def stream_metrics(config, model, featurizer, options, warn, splits=("train", "valid", "test")):
    """The metrics of each of ``splits``, read again a chunk at a time (train only when output.train_metrics and not
    standard input)."""
    data, size, metrics = config.data, config.data.chunk_size or STREAM_CHUNK, {}
    if "train" in splits and data.train != "-" and config.output.train_metrics:
        metrics["train"] = evaluate_chunks(model, featurizer, document_chunks(data.train, options, size,
                                                                              shown_as=("evaluating", "train")))
    for split in ("valid", "test"):
        path = getattr(data, split)
        if path and split in splits:
            metrics[split] = evaluate_chunks(model, featurizer, document_chunks(path, options, size, warn,
                                                                                shown_as=("evaluating", split)))
    return metrics
