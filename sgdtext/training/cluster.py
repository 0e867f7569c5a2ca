"""Training on a Dask cluster (``training.engine: dask``) by iterative parameter mixing (McDonald, Hall & Mann,
"Distributed training strategies for the structured perceptron", NAACL 2010).

Each file of data.train is a shard. A worker reads and featurises its shard once (hashing mode: no vocabulary
travels) and keeps it in memory, its columns renumbered to the ones the shard uses. Each epoch, every shard gets the
rows of the current weights it uses, takes one epoch of SGD on them from there, and sends back those rows; the driver
averages the shards' weights, each weighing by its number of documents. Rows a shard does not use only shrink under
its L2 steps by a common factor, which a sentinel row (1.0 in every column, used by no document) measures exactly;
so what travels each way is the shard's rows, not the whole matrix. Averaged SGD averages each shard's pass the same
way, and the model keeps the mean over the epochs.

Every task is a pure function of its inputs (the shard, the weights, the seed, the epoch): a task lost with its
worker is run again elsewhere (Dask reads the shard again from its file) and gives the same result, so a killed worker
costs time, never correctness; a task that keeps killing its workers stops training with one message.

The loop (training.loop) runs unchanged on the driver: stopping rules, validation and metrics as in one process.
"""

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sgdtext import progress
from sgdtext.config.loading import shard_paths
from sgdtext.core.figures import squared_norm
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import ConfigError, DataError, SgdtextError
from sgdtext.io.documents import ReadStats, read_documents
from sgdtext.linear.model import LinearModel
from sgdtext.linear.sgd import SgdState, train_pass
from sgdtext.models import round_as_stored
from sgdtext.text.features import MAX_HASH_NAMES, Featurizer
from sgdtext.training.data import class_weight_table, label_indices, read_all, read_options, sort_labels
from sgdtext.training.loop import run_epochs
from sgdtext.training.metrics import classification_metrics
from sgdtext.training.streaming import stream_metrics

NAMING_SAMPLE = 5000  # documents of each shard whose terms name hashed columns (for inspect and explain)


# ---- on the workers ----

@dataclass
class Shard:
    """One file's documents as features: X (n, used columns) CSR over ``columns``, the global columns it uses."""

    path: str
    X: object
    columns: np.ndarray
    labels: list
    hash_names: dict
    problems: list = field(default_factory=list)
    y: np.ndarray | None = None


def load_shard(path, options, features):
    """Read and featurise the file ``path`` (a worker's task; the result stays in the worker's memory)."""
    stats = ReadStats()
    docs = list(read_documents(path, options, stats))
    featurizer = Featurizer(features)
    featurizer.fit_transform([])  # hashing mode: nothing to learn
    featurizer.learn_names([doc.text for doc in docs[:NAMING_SAMPLE]])
    X = featurizer.transform(docs).to_scipy().tocsr()
    columns = np.unique(X.indices)
    local = sp.csr_matrix((X.data, np.searchsorted(columns, X.indices).astype(np.int32), X.indptr),
                          shape=(X.shape[0], len(columns)))
    problems = [f"{path}: skipped {stats.n_skipped} malformed record(s)"] if stats.n_skipped else []
    labels = [doc.label for doc in docs]
    if any(not isinstance(label, str) for label in labels):
        raise DataError(f"{path}: a document with other than one label; engine dask trains single-label models")
    return Shard(path, local, columns, labels, featurizer.hash_names, problems)


def shard_summary(shard):
    """What the driver needs of a shard: its size, label counts, columns, some column names, problems."""
    counts = {}
    for label in shard.labels:
        counts[label] = counts.get(label, 0) + 1
    return len(shard.labels), counts, shard.columns, shard.hash_names, shard.problems


def labelled_shard(shard, classes):
    """The shard with its class indices (kept on the worker for the epochs)."""
    index = {label: i for i, label in enumerate(classes)}
    shard.y = np.fromiter((index[label] for label in shard.labels), dtype=np.int64, count=len(shard.labels))
    return shard


@dataclass
class EpochPart:
    """A shard's epoch: its rows of the weights after the pass, the sentinel's value (the shrink of every row it did
    not use), b; with averaging the same for the pass's mean weights; the progressive figures; its seconds."""

    rows: np.ndarray
    shrink: float
    b: np.ndarray
    mean_rows: np.ndarray | None
    mean_shrink: float
    mean_b: np.ndarray | None
    n: int
    loss: float
    correct: int
    seconds: float


def shard_epoch(shard, rows, b, model_type, classes, settings, epoch, seed, number, class_weight):
    """One epoch of SGD on the shard from ``rows`` (its columns' weights) and ``b`` (a worker's task)."""
    started = time.process_time()
    k = rows.shape[1]
    model = LinearModel(model_type, classes, np.vstack([rows, np.ones((1, k))]), b.copy())
    state = SgdState(model.W, model.b, settings)
    n = len(shard.y)
    per_epoch = -(-n // settings.batch_size)
    state.w.steps = (epoch - 1) * per_epoch  # the schedule goes on from the epochs before
    order = np.random.default_rng([seed, number, epoch]).permutation(n) if settings.shuffle else np.arange(n)
    weights = np.ones(n) if class_weight is None else class_weight[shard.y]
    loss, correct = train_pass(state, model, shard.X, shard.y, weights, order, total=settings.epochs * per_epoch,
                               epoch=epoch)
    state.fold()
    V = state.V
    mean_rows = mean_b = None
    mean_shrink = 1.0
    if settings.average:  # A holds the sum of the weights over the pass's steps
        steps = max(state.t - (epoch - 1) * per_epoch, 1)
        mean_rows, mean_shrink, mean_b = state.A[:-1] / steps, float(state.A[-1, 0] / steps), state.b_sum / steps
    return EpochPart(V[:-1].copy(), float(V[-1, 0]), state.b.copy(), mean_rows, mean_shrink, mean_b, n, float(loss),
                     int(correct), time.process_time() - started)


class FixedSeeds:
    """Stands in for the run's generator where a solver draws its per-class seeds: the seed the driver drew for
    this class, so a class solved alone gets the seed it would get among all the classes in one process."""

    def __init__(self, seed):
        self.seed = seed

    def integers(self, low, high, size):
        return np.full(size, self.seed, dtype=np.int64)


def dual_column(c, k, seed, model_type, settings, class_weight, n_features, *shards):
    """Class c's one-vs-rest problem solved to its optimum by dual coordinate descent over all the shards (a
    worker's task; Dask brings the other workers' shards to it): (weights (d,), intercept, passes, converged)."""
    from sgdtext.linear.dual import DualState

    X = sp.vstack([sp.csr_matrix((s.X.data, s.columns[s.X.indices], s.X.indptr), shape=(s.X.shape[0], n_features))
                   for s in shards], format="csr")
    y = np.concatenate([s.y for s in shards])
    weights = None if class_weight is None else class_weight[y]
    positive = (y == c) if k > 1 else (y == 1)
    model = LinearModel(model_type, ["rest", "class"], np.zeros((n_features, 1)), np.zeros(1))
    state = DualState(model, X, positive.astype(np.int64), settings, FixedSeeds(seed), weights)
    passes, converged = 0, False
    while passes < settings.epochs and not converged:
        converged = bool(state.run_class(0))
        passes += 1
    W, b = state.weights()
    return np.ascontiguousarray(W[:, 0]), float(b[0]), passes, converged


def dual_on_cluster(client, model, shards, settings, seed, class_weight):
    """Every weight column's problem as a task of its own (one-vs-rest columns are independent): the model's W and b
    set; returns the History (no per-epoch records: the columns converge apart)."""
    from distributed import as_completed

    from sgdtext.training.loop import History

    k = model.W.shape[1]
    seeds = np.random.default_rng(seed).integers(1, 2**62, size=k)  # as the one-process solver draws them
    futures = {client.submit(dual_column, c, k, int(seeds[c]), model.model_type, settings, class_weight,
                             model.W.shape[0], *shards, pure=False): c for c in range(k)}
    done = {}
    with progress.phase("training", detail="dual_cd, a column a task", total=k, unit="columns") as shown:
        for future in as_completed(futures):
            done[futures[future]] = results(client, [future], f"column {futures[future]}")[0]
            shown.advance(passes=max(passes for _, _, passes, _ in done.values()))
    for c, (w, b, _, _) in done.items():
        model.W[:, c], model.b[c] = w, b
    passes = max(p for _, _, p, _ in done.values())
    converged = all(flag for _, _, _, flag in done.values())
    return History(stop_reason="converged" if converged else "max_epochs", stopped_epoch=passes)


def shard_confusion(shard, rows, b, model_type, classes):
    """The confusion matrix of the weights on the shard (training metrics, a worker's task)."""
    model = LinearModel(model_type, classes, rows, b)
    predicted = model.predict_index(model.scores(shard.X))
    k = len(classes)
    return np.bincount(shard.y * k + predicted, minlength=k * k).reshape(k, k)


# ---- on the driver ----

def connect(training):
    """A Dask client: to training.scheduler, or to a new LocalCluster of training.workers processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SgdtextError("training.engine dask needs Dask, the optional extra 'dask': pip install "
                           "'sgdtext[dask]' (or pip install 'dask[distributed]')") from None
    if training.scheduler:
        try:
            return Client(training.scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise SgdtextError(f"training.scheduler: cannot reach a Dask scheduler at {training.scheduler} ({exc}); "
                               f"start one with `dask scheduler` and workers with `dask worker ADDRESS`, or remove "
                               f"training.scheduler to train on a LocalCluster") from None
    cluster = LocalCluster(n_workers=training.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def results(client, futures, what):
    """The futures' results, in order; a worker lost too often, or the cluster gone, is one clear message."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        return client.gather(futures)
    except KilledWorker as exc:
        raise SgdtextError(f"engine dask: {what}: the task {exc.task} was running on workers that died each time "
                           f"(last: {exc.last_worker.address if exc.last_worker else '?'}); training stopped, "
                           f"nothing was written; look at the workers' logs (memory limits?)") from None
    except FutureCancelledError:
        raise SgdtextError(f"engine dask: {what}: the scheduler cancelled the work (it lost its workers or was "
                           f"stopped); training stopped, nothing was written") from None


class MixingSolver:
    """The loop's solver for iterative parameter mixing (training.loop's protocol): one epoch is one round of shard
    epochs on the workers and their average on the driver."""

    has_progressive, has_full = True, False

    def __init__(self, client, model, shards, columns, sizes, settings, seed, class_weight):
        self.client, self.model, self.shards, self.columns = client, model, shards, columns
        self.sizes, self.s, self.seed, self.class_weight = np.asarray(sizes, dtype=float), settings, seed, class_weight
        self.share = self.sizes / self.sizes.sum()
        self.mean_sum, self.epochs_done = None, 0
        self.progress = None
        self.travelled = []  # (bytes to the workers, bytes back) per epoch
        self.worker_seconds = []  # per epoch: each shard's compute seconds

    def run_epoch(self, epoch):
        model, s = self.model, self.s
        sent = [model.W[cols] for cols in self.columns]
        futures = [self.client.submit(shard_epoch, shard, rows, model.b, model.model_type, model.classes, s, epoch,
                                      self.seed, number, self.class_weight, pure=False)
                   for number, (shard, rows) in enumerate(zip(self.shards, sent))]
        parts = results(self.client, futures, f"epoch {epoch}")
        old = model.W
        W = self.mixed(old, [(part.rows, part.shrink) for part in parts])
        b = sum(p * part.b for p, part in zip(self.share, parts))
        if s.average:
            mean = self.mixed(old, [(part.mean_rows, part.mean_shrink) for part in parts])
            mean_b = sum(p * part.mean_b for p, part in zip(self.share, parts))
            self.mean_sum = (mean, mean_b) if self.mean_sum is None else (self.mean_sum[0] + mean,
                                                                         self.mean_sum[1] + mean_b)
        model.W, model.b = W, np.asarray(b, dtype=float)
        self.epochs_done = epoch
        n = sum(part.n for part in parts)
        self.progress = (sum(part.loss for part in parts) / n, sum(part.correct for part in parts) / n)
        back = sum(part.rows.nbytes + part.b.nbytes + (part.mean_rows.nbytes if part.mean_rows is not None else 0)
                   for part in parts)
        self.travelled.append((sum(rows.nbytes + model.b.nbytes for rows in sent), back))
        self.worker_seconds.append([part.seconds for part in parts])

    def mixed(self, old, pieces):
        """The shards' weights averaged by their documents, from each shard's (rows it used after its pass, the
        shrink of the rows it did not use): sum over shards of p (shrink old + rows - shrink old[its columns])."""
        W = old * float(sum(p * shrink for p, (_, shrink) in zip(self.share, pieces)))
        for p, cols, (rows, shrink) in zip(self.share, self.columns, pieces):
            W[cols] += p * (rows - shrink * old[cols])
        return W

    def evaluated(self):
        """(W, b) to score and keep: the mean over the epochs of the averaged passes, or the current weights."""
        if self.s.average and self.mean_sum is not None:
            return self.mean_sum[0] / self.epochs_done, self.mean_sum[1] / self.epochs_done
        return self.model.W, self.model.b

    def progressive_figures(self):
        return self.progress

    def penalty(self):
        W, _ = self.evaluated()
        return 0.5 * self.s.l2 * squared_norm(W)

    def scores(self, X):
        W, b = self.evaluated()
        return X @ W + b

    def snapshot(self):
        W, b = self.evaluated()
        return W.copy(), b.copy()

    def finish(self, best):
        W, b = best if best is not None else self.evaluated()
        self.model.W, self.model.b = np.ascontiguousarray(W), np.asarray(b, dtype=float).copy()
        return int(sum(-(-int(n) // self.s.batch_size) for n in self.sizes) * self.epochs_done)


def train_on_cluster(config, warn, on_epoch, init_model):
    """Returns (model, featurizer, history, metrics, n_documents, fit_seconds), as training.streaming does."""
    if init_model is not None:
        raise ConfigError(["--init-model: a warm start trains in one process; use training.engine local"],
                          "engine dask")
    data, training = config.data, config.training
    options = read_options(data, multilabel=False)
    paths = shard_paths(data.train)
    client, cluster = connect(training)
    try:
        shards = [client.submit(load_shard, path, options, config.features, pure=False) for path in paths]
        with progress.phase("reading shards", detail=f"{len(paths)} files", total=len(paths), unit="shards") as shown:
            summaries = results(client, [client.submit(shard_summary, shard) for shard in shards], "reading the shards")
            shown.advance(len(paths), documents=sum(s[0] for s in summaries))
        counts, sizes, columns, names = {}, [], [], {}
        for path, (n, shard_counts, cols, hash_names, problems) in zip(paths, summaries):
            if n == 0:
                raise DataError(f"{path}: has no documents; remove it from data.train")
            for problem in problems:
                warn(problem)
            for label, count in shard_counts.items():
                counts[label] = counts.get(label, 0) + count
            sizes.append(n)
            columns.append(cols)
            for column, name in hash_names.items():
                if len(names) < MAX_HASH_NAMES:
                    names.setdefault(column, name)
        classes = sort_labels(data.classes or counts)
        if len(classes) < 2:
            raise DataError(f"data.train: one class ({classes[0]!r}) in all the shards; a classifier needs two")
        shards = [client.submit(labelled_shard, shard, classes, pure=False) for shard in shards]
        featurizer = Featurizer(config.features)
        featurizer.fit_transform([])
        featurizer.hash_names = names
        model = LinearModel.zeros(config.model.type, classes, featurizer.n_features)
        class_weight = class_weight_table(training.class_weight, classes,
                                          np.array([counts.get(label, 0) for label in classes]))
        valid = None
        if data.valid:
            valid_docs = read_all(data.valid, options, warn)
            Xv, yv = featurizer.transform(valid_docs).to_scipy(), label_indices(valid_docs, classes)
            valid = (Xv[yv >= 0], yv[yv >= 0])
        settings = TrainSettings.from_config(config, n_examples=sum(sizes))
        fit_started = time.perf_counter()
        if settings.optimizer == "dual_cd":
            solver = None
            history = dual_on_cluster(client, model, shards, settings, training.seed, class_weight)
        else:
            solver = MixingSolver(client, model, shards, columns, sizes, settings, training.seed, class_weight)
            history = run_epochs(solver, settings, valid=valid, on_epoch=on_epoch)
        fit_seconds = time.perf_counter() - fit_started
        round_as_stored(model, config.output.weights)
        metrics = {}
        if config.output.train_metrics:
            with progress.phase("evaluating", detail="train, on the workers", total=sum(sizes), unit="documents"):
                matrices = results(client, [client.submit(shard_confusion, shard, model.W[cols], model.b,
                                                          model.model_type, classes)
                                            for shard, cols in zip(shards, columns)], "training metrics")
                metrics["train"] = confusion_metrics(sum(matrices), classes)
        metrics.update(stream_metrics(config, model, featurizer, options, warn, splits=("valid", "test")))
        history.cluster = cluster_record(client, solver, len(paths))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return model, featurizer, history, metrics, sum(sizes), fit_seconds


def confusion_metrics(C, classes):
    """classification_metrics of a confusion matrix (its documents' true and predicted classes in order)."""
    k = len(classes)
    cells = np.asarray(C).ravel()
    pairs = np.repeat(np.arange(k * k), cells)
    return classification_metrics(pairs // k, pairs % k, classes)


def cluster_record(client, solver, n_shards):
    """What the run cost on the cluster: workers, shards, bytes each way per epoch, each shard's compute (parameter
    mixing; dual_cd moves the shards to each column's task instead)."""
    if solver is None:
        return {"workers": len(client.scheduler_info().get("workers", {})), "shards": n_shards,
                "training": "dual_cd, one task per weight column over all the shards"}
    to_workers = [t for t, _ in solver.travelled]
    back = [b for _, b in solver.travelled]
    return {"workers": len(client.scheduler_info().get("workers", {})), "shards": n_shards,
            "bytes_to_workers_per_epoch": int(np.median(to_workers)) if to_workers else 0,
            "bytes_from_workers_per_epoch": int(np.median(back)) if back else 0,
            "shard_cpu_seconds_per_epoch": [round(float(np.median(s)), 4) for s in zip(*solver.worker_seconds)],
            "whole_matrix_bytes": int(solver.model.W.nbytes)}
