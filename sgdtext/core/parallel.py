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

from sgdtext.errors import WorkerDiedError

_PAYLOAD = None
WORKER_DIED = ("a worker process died (killed, or out of memory); run again with --n-jobs 1 (or features.n_jobs: 1), "
               "or with more memory")


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
    """map_ordered, given up at ``deadline`` (a time.monotonic() value): the forked workers still running are killed
    and TimeoutError raised. Each task runs in a process of its own (a fork, about 10 ms; at most ``workers`` at a
    time) that sends its result back through a pipe: no lock or queue is shared with a process that may be killed,
    so giving up cannot wait on one (a multiprocessing.Pool terminated at the wrong moment can). A worker that dies
    ends the work with WorkerDiedError. Without fork the tasks run in this process to their end. No deadline (infinity):
    map_ordered."""
    context = fork_context()
    if context is None or deadline == float("inf"):
        return map_ordered(function, payload, tasks, workers)
    from multiprocessing.connection import wait

    waiting = collections.deque(enumerate(tasks))
    running = {}  # the pipe a worker answers on -> (its task's index, the worker)
    results = [None] * len(tasks)
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                index, args = waiting.popleft()
                reader, writer = context.Pipe(duplex=False)
                worker = context.Process(target=_answer, args=(writer, function, payload, args), daemon=True)
                worker.start()
                writer.close()
                running[reader] = (index, worker)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            for reader in wait(list(running), timeout=left):
                index, worker = running.pop(reader)
                try:
                    succeeded, value = reader.recv()
                except EOFError:
                    raise WorkerDiedError(WORKER_DIED) from None
                finally:
                    reader.close()
                    worker.join()
                if not succeeded:
                    raise value
                results[index] = value
        return results
    finally:
        for reader, (_, worker) in running.items():
            worker.kill()
            worker.join()
            reader.close()


def _answer(writer, function, payload, args):
    """Run one task of map_until in its worker and send (True, its result) or (False, the exception it raised)."""
    try:
        answer = (True, function(payload, *args))
    except Exception as error:
        answer = (False, error)
    try:
        writer.send(answer)
    except Exception as error:  # a result or an exception that cannot be pickled
        writer.send((False, RuntimeError(f"{function.__name__}: its result could not be sent back: {error}")))
    writer.close()


def on_threads(function, parts):
    """[function(start, stop) for (start, stop) in parts], each on a thread of its own, in order: for compiled code
    that lets go of the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(parts)) as pool:
        return list(pool.map(lambda part: function(*part), parts))


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
        raise WorkerDiedError(WORKER_DIED) from None
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
