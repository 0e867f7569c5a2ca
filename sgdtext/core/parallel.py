"""Work split over processes (fork), in order: featurising chunks of documents, predicting batches.

Forked workers inherit the payload (documents, featuriser, model) copy-on-write, so only the chunk
bounds go to a worker and only its result comes back. Falls back to one process where fork is
unavailable or the work is small. multiprocessing and concurrent.futures are imported when a pool is first wanted
(about 13 ms of a one-line predict's start otherwise).
"""

import collections
import contextlib
import itertools
import os
import time

from sgdtext.errors import SgdtextError

_PAYLOAD = None


def n_workers(n_jobs):
    """n_jobs: None -> every core; otherwise at most n_jobs (>= 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if n_jobs is None else max(1, min(n_jobs, cores))


def _call(task):
    function, args = task
    return function(_PAYLOAD, *args)


def fork_context():
    import multiprocessing

    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def map_ordered(function, payload, tasks, workers):
    """[function(payload, *args) for args in tasks], run by ``workers`` forked processes when > 1."""
    context = fork_context() if workers > 1 and len(tasks) > 1 else None
    if context is None:
        return [function(payload, *args) for args in tasks]
    with forked_pool(payload, min(workers, len(tasks)), context) as pool:
        return [f.result() for f in [pool.submit(_call, (function, args)) for args in tasks]]


def map_until(function, payload, tasks, workers, deadline):
    """map_ordered, given up at ``deadline`` (a time.monotonic() value): the forked workers are killed and
    TimeoutError raised. Even one task runs in a forked worker (about 10 ms), so that it can be stopped; without
    fork the tasks run in this process to their end. A worker that dies loses its task: the wait then ends at the
    deadline. No deadline (infinity): map_ordered, which reports a dead worker."""
    import multiprocessing

    global _PAYLOAD
    context = fork_context()
    if context is None or deadline == float("inf"):
        return map_ordered(function, payload, tasks, workers)
    _PAYLOAD = payload
    try:
        with context.Pool(min(workers, len(tasks))) as pool:  # leaving the block terminates the workers
            pending = pool.map_async(_call, [(function, args) for args in tasks])
            try:
                return pending.get(timeout=max(deadline - time.monotonic(), 0.0))
            except multiprocessing.TimeoutError:
                raise TimeoutError from None
    finally:
        _PAYLOAD = None


def imap_ordered(function, payload, items, workers):
    """Lazily yield function(payload, item) for each item, in order, from ``workers`` forked processes.

    At most 2 * workers items are in flight (Pool.imap would read the whole input ahead), so memory
    stays flat on an input of any size.
    """
    items = iter(items)
    first = list(itertools.islice(items, 2))
    context = fork_context() if workers > 1 and len(first) == 2 else None
    if context is None:  # one worker, one item or no fork: no pool to start
        for item in itertools.chain(first, items):
            yield function(payload, item)
        return
    pending = collections.deque()
    with forked_pool(payload, workers, context) as pool:
        for item in itertools.chain(first, items):
            pending.append(pool.submit(_call, (function, (item,))))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextlib.contextmanager
def forked_pool(payload, workers, context):
    """A process pool whose workers are forked with ``payload`` in place (copy-on-write), shut down on exit. A worker
    that dies (killed, out of memory) ends the work with a message, not a hang, whether a result or a submission
    finds the pool broken."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _PAYLOAD
    _PAYLOAD = payload
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield pool
    except BrokenProcessPool:
        raise SgdtextError("a worker process died (killed, or out of memory); run again with --n-jobs 1 (or "
                           "features.n_jobs: 1), or with more memory") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
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
