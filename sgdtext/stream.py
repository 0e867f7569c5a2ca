"""Training from a stream (``data.chunk_size``): documents are read, featurised and learned from a chunk at
a time, so memory holds one chunk and the weights, never the corpus.

Hashing mode only (a vocabulary would need the whole corpus first). Each epoch reads the file again;
examples are shuffled within a chunk (pre-shuffle a file sorted by class). The epoch's loss and
accuracy are progressive (each example scored just before its step, as Vowpal Wabbit reports them).
Standard input (``data.train: "-"``) can be read once: one epoch, with ``data.classes`` given.
"""

import tempfile
from itertools import islice

import numpy as np

from sgdtext.documents import ReadStats, read_documents
from sgdtext.errors import DataError
from sgdtext.metrics import classification_metrics
from sgdtext.sparse import SparseRows
from sgdtext.sgd import SgdState, epoch_loop, train_pass


def document_chunks(path, options, size, warn=None):
    """Lists of at most ``size`` documents of ``path``, in file order."""
    stats = ReadStats()
    docs = read_documents(path, options, stats)
    while True:
        chunk = list(islice(docs, size))
        if not chunk:
            break
        yield chunk
    if warn is not None and (stats.n_skipped or stats.n_invalid_utf8):
        warn(f"{path}: skipped {stats.n_skipped} malformed record(s), {stats.n_invalid_utf8} line(s) not valid "
             f"UTF-8 (first at {stats.first_invalid_utf8 or (stats.skipped[0][0] if stats.skipped else '-')})")


def scan_labels(path, options, size):
    """Counts of each label in ``path`` (one reading pass), for the classes, class weights and step count."""
    counts = {}
    for chunk in document_chunks(path, options, size):
        for doc in chunk:
            counts[doc.label] = counts.get(doc.label, 0) + 1
    if not counts:
        raise DataError(f"{path}: has no documents; check data.format and the file")
    return counts


def planned_steps(n, chunk_size, batch_size, epochs):
    """Steps of ``epochs`` passes over n documents in chunks (a batch never spans two chunks)."""
    full, rest = divmod(n, chunk_size)
    return epochs * (full * -(-chunk_size // batch_size) + -(-rest // batch_size))


class ChunkCache:
    """The featurised chunks of the first epoch on disk (a temporary folder), read back in later epochs
    instead of reading and featurising the text again, as Vowpal Wabbit's cache file does."""

    def __init__(self, folder):
        self.folder = folder
        self.paths = []

    def save(self, X, y):
        path = f"{self.folder}/chunk-{len(self.paths):06d}.npz"
        np.savez(path, data=X.data.astype(np.float32), indices=X.indices, indptr=X.indptr, y=y, n_cols=X.shape[1])
        self.paths.append(path)

    def __iter__(self):
        for path in self.paths:
            with np.load(path) as z:
                y = z["y"]
                yield SparseRows(z["data"].astype(np.float64), z["indices"], z["indptr"], (len(y), int(z["n_cols"]))), y


def fit_stream(model, featurizer, source, *, n, class_weight, settings, rng, chunk_size, valid=None,
               on_epoch=None, cache=True):
    """Train ``model`` on the chunks ``source()`` yields (a fresh iterator per epoch) of n documents in all.

    ``class_weight`` (k,) or None weighs each class. With ``cache`` the featurised chunks of the first
    epoch are kept in a temporary folder for the others (exact: counts are small integers in float32).
    Returns a History.
    """
    with tempfile.TemporaryDirectory(prefix="sgdtext-chunks-") as folder:
        store = ChunkCache(folder) if cache and settings.epochs > 1 else None
        return stream_epochs(model, featurizer, source, n, class_weight, settings, rng, chunk_size, valid,
                             on_epoch, store)


def stream_epochs(model, featurizer, source, n, class_weight, s, rng, chunk_size, valid, on_epoch, store):
    state = SgdState(model.W, model.b, s, model.adaptive)
    total = planned_steps(n, chunk_size, s.batch_size, s.epochs)
    index = {label: i for i, label in enumerate(model.classes)}
    progress = {}

    def featurised(epoch):
        if epoch > 1 and store is not None:
            yield from store
            return
        for chunk in source():
            X = featurizer.transform(chunk)
            y = np.array([index[doc.label] for doc in chunk], dtype=np.int64)
            if store is not None:
                store.save(X, y)
            yield X, y

    def run_epoch(epoch):
        loss = correct = seen = 0
        for X, y in featurised(epoch):
            weights = np.ones(len(y)) if class_weight is None else class_weight[y]
            order = rng.permutation(len(y)) if s.shuffle else np.arange(len(y))
            chunk_loss, chunk_correct = train_pass(state, model, X, y, weights, order, total=total, epoch=epoch)
            loss, correct, seen = loss + chunk_loss, correct + chunk_correct, seen + len(y)
        progress.update(loss=loss / max(seen, 1), accuracy=correct / max(seen, 1), seen=seen)

    def evaluate():
        record = {"loss": progress["loss"] + state.penalty(), "accuracy": progress["accuracy"], "progressive": True}
        if valid is not None:
            record["valid_accuracy"] = float(np.mean(model.predict_index(state.scores(valid[0])) == valid[1]))
        return record

    history, best = epoch_loop(s, has_valid=valid is not None, run_epoch=run_epoch, evaluate=evaluate,
                               snapshot=state.snapshot, on_epoch=on_epoch)
    history.n_documents = progress["seen"]
    return state.finish(model, history, best)


def evaluate_stream(model, featurizer, chunks):
    """Metrics of ``model`` over labelled chunks of documents, one chunk in memory at a time."""
    truth, predicted = [], []
    for chunk in chunks:
        predicted.append(model.predict_index(model.scores(featurizer.transform(chunk))))
        truth.extend(doc.label for doc in chunk)
    classes = list(model.classes) + sorted(set(truth) - set(model.classes))
    index = {label: i for i, label in enumerate(classes)}
    y = np.fromiter(map(index.__getitem__, truth), dtype=np.int64, count=len(truth))
    return classification_metrics(y, np.concatenate(predicted) if predicted else np.zeros(0, np.int64), classes)
