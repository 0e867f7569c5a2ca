"""SGD from a stream (``data.chunk_size``): featurised chunks are learned from one at a time, so memory holds one
chunk and the weights, never the corpus.

Each epoch reads the source again (or the chunk cache); examples are shuffled within a chunk (pre-shuffle a file
sorted by class). The epoch's loss and accuracy are progressive (each example scored just before its step, as
Vowpal Wabbit reports them): a stream has no full pass to score.
"""

import numpy as np

from sgdtext.core.sparse import SparseRows
from sgdtext.linear.sgd import SgdState, StateSolver, train_pass


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
        if epoch > 1 and self.cache is not None:
            yield from self.cache
            return
        for X, y in self.chunks():
            if self.cache is not None:
                self.cache.save(X, y)
            yield X, y

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
