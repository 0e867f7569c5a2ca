"""SGD from a stream (``data.chunk_size``): featurised chunks are learned from one at a time, so memory holds one
chunk and the weights, never the corpus.

Each epoch reads the source again (or the chunk cache); examples are shuffled within a chunk (pre-shuffle a file
sorted by class). The epoch's loss and accuracy are progressive (each example scored just before its step, as
Vowpal Wabbit reports them): a stream has no full pass to score.
"""

import numpy as np

from sgdtext.core.sparse import SparseRows
from sgdtext.linear.model import LinearModel
from sgdtext.linear.sgd import SgdState, StateSolver, compiled_arrays, train_pass


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


def featurised_chunks(chunks, cache, epoch):
    """The chunks of an epoch: read (and kept in ``cache`` on the first epoch), or read back from the cache."""
    if epoch > 1 and cache is not None:
        yield from cache
        return
    for X, y in chunks():
        if cache is not None:
            cache.save(X, y)
        yield X, y


class StreamSolver(StateSolver):
    """SGD epochs over the chunks ``chunks()`` yields (a fresh iterator per epoch, of (X, y) with X SparseRows or
    CSR and y class indices), n documents in all. ``class_weight`` (k,) or None weighs each class; ``cache`` (a
    ChunkCache or None) keeps the first epoch's chunks for the others."""

    has_full = False

    def __init__(self, model, chunks, settings, rng, *, n, chunk_size, class_weight=None, cache=None):
        self.model, self.chunks, self.s, self.rng = model, chunks, settings, rng
        self.class_weight, self.cache = class_weight, cache
        self.state = SgdState(model.W, model.b, settings, model.adaptive)
        self.total = planned_steps(n, chunk_size, settings.batch_size, settings.epochs)
        self.progress, self.n_seen = None, 0

    def featurised(self, epoch):
        return featurised_chunks(self.chunks, self.cache, epoch)

    def run_epoch(self, epoch):
        s = self.s
        loss = correct = seen = 0
        for X, y in self.featurised(epoch):
            weights = np.ones(len(y)) if self.class_weight is None else self.class_weight[y]
            order = self.rng.permutation(len(y)) if s.shuffle else np.arange(len(y))
            chunk_loss, chunk_correct = train_pass(self.state, self.model, X, y, weights, order, total=self.total,
                                                   epoch=epoch)
            loss, correct, seen = loss + chunk_loss, correct + chunk_correct, seen + len(y)
        self.progress, self.n_seen = (loss / max(seen, 1), correct / max(seen, 1)), seen


class MultiLabelStreamSolver:
    """SGD epochs over the chunks for a multi-label linear model (linear.multilabel): on every chunk each label's
    two-class problem takes its steps (its own SgdState; the chunk's order shared), so an epoch reads the data once
    for all the labels. ``chunks()`` yields (X, Y) with Y (n, labels) of 0/1. The progressive figures are the loss
    summed over the labels and the share of (document, label) decisions right before their step."""

    has_progressive, has_full = True, False

    def __init__(self, model, chunks, settings, rng, *, n, chunk_size, cache=None, label_weights=None):
        """``label_weights``: (positive, negative) weights (labels,) each, or None (every example weighs 1)."""
        self.model, self.chunks, self.s, self.rng, self.cache = model, chunks, settings, rng, cache
        self.label_weights = label_weights
        self.binary = [LinearModel(model.model_type, ["", label], np.ascontiguousarray(model.W[:, [j]]),
                                   model.b[[j]].copy()) for j, label in enumerate(model.classes)]
        self.states = [SgdState(m.W, m.b, settings) for m in self.binary]
        self.total = planned_steps(n, chunk_size, settings.batch_size, settings.epochs)
        self.progress, self.n_seen = None, 0

    def run_epoch(self, epoch):
        loss = correct = seen = 0
        for X, Y in featurised_chunks(self.chunks, self.cache, epoch):
            order = self.rng.permutation(len(Y)) if self.s.shuffle else np.arange(len(Y))
            arrays = compiled_arrays(X)
            for j, (state, model) in enumerate(zip(self.states, self.binary)):
                state.mark(X.indices)
                y = np.asarray(Y[:, j], dtype=np.int64)
                weights = np.ones(len(y)) if self.label_weights is None else \
                    np.where(y == 1, self.label_weights[0][j], self.label_weights[1][j])
                label_loss, label_correct = train_pass(state, model, X, y, weights, order, total=self.total,
                                                       epoch=epoch, arrays=arrays)
                loss, correct = loss + label_loss, correct + label_correct
            seen += len(Y)
        self.progress = (loss / max(seen, 1), correct / max(seen * len(self.states), 1))
        self.n_seen = seen

    def progressive_figures(self):
        return self.progress

    def penalty(self):
        return sum(state.penalty() for state in self.states)

    def scores(self, X):
        return np.column_stack([state.scores(X)[:, 0] for state in self.states])

    def snapshot(self):
        return [state.snapshot() for state in self.states]

    def finish(self, best):
        steps = sum(state.finish(model, None if best is None else best[j])
                    for j, (state, model) in enumerate(zip(self.states, self.binary)))
        self.model.W = np.column_stack([model.W[:, 0] for model in self.binary])
        self.model.b = np.array([model.b[0] for model in self.binary])
        return steps // max(len(self.states), 1)
