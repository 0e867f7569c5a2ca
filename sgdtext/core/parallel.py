"""Work split over processes (fork), in order: featurising chunks of documents, predicting batches.

Forked workers inherit the payload (documents, featuriser, model) copy-on-write, so only the chunk
bounds go to a worker and only its result comes back. Falls back to one process where fork is
unavailable or the work is small.
"""

import collections
import itertools
import multiprocessing
import os

_PAYLOAD = None


def n_workers(n_jobs):
    """n_jobs: None -> every core; otherwise at most n_jobs (>= 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if n_jobs is None else max(1, min(n_jobs, cores))


def _call(task):
    function, args = task
    return function(_PAYLOAD, *args)


def fork_context():
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def map_ordered(function, payload, tasks, workers):
    """[function(payload, *args) for args in tasks], run by ``workers`` forked processes when > 1."""
    global _PAYLOAD
    context = fork_context()
    if workers <= 1 or len(tasks) <= 1 or context is None:
        return [function(payload, *args) for args in tasks]
    _PAYLOAD = payload
    try:
        with context.Pool(min(workers, len(tasks))) as pool:
            return pool.map(_call, [(function, args) for args in tasks], chunksize=1)
    finally:
        _PAYLOAD = None


def imap_ordered(function, payload, items, workers):
    """Lazily yield function(payload, item) for each item, in order, from ``workers`` forked processes.

    At most 2 * workers items are in flight (Pool.imap would read the whole input ahead), so memory
    stays flat on an input of any size.
    """
    global _PAYLOAD
    context = fork_context()
    items = iter(items)
    first = list(itertools.islice(items, 2))
    if workers <= 1 or context is None or len(first) < 2:  # one item: no pool to start
        for item in itertools.chain(first, items):
            yield function(payload, item)
        return
    items = itertools.chain(first, items)
    _PAYLOAD = payload
    pending = collections.deque()
    with context.Pool(workers) as pool:
        for item in items:
            pending.append(pool.apply_async(_call, ((function, (item,)),)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    _PAYLOAD = None


def chunks(sizes, workers, min_size=1_000_000):
    """(start, stop) bounds splitting the items into about 2 * workers runs of similar total size
    (``sizes``, e.g. characters per document), none smaller than ``min_size`` unless it is the only one."""
    total = int(sum(sizes))
    pieces = max(1, min(2 * workers, total // min_size))
    if pieces == 1:
        return [(0, len(sizes))]
    targets = iter(total * i / pieces for i in range(1, pieces))
    bounds, running, target = [0], 0, next(targets)
    for i, size in enumerate(sizes):
        running += size
        if running >= target:
            bounds.append(i + 1)
            target = next(targets, None)
            if target is None:
                break
    bounds.append(len(sizes))
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
