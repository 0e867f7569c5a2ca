"""A time limit on featurising a batch of documents, so a regular expression that backtracks catastrophically
(``features.token_pattern`` or a hand-made ``regex`` feature such as ``(a|aa)+$``) ends in a message, not a hang.

Python's ``re`` engine checks for signals while it matches, so SIGALRM from an interval timer stops it. The limit
applies where signals can: in a process's main thread (the command line, and the worker processes it forks), when no
one else has a SIGALRM handler or a timer running; elsewhere (a notebook's thread, a program with its own alarm) the
work runs without one. The limit is generous (BASE_SECONDS plus SECONDS_PER_CHARACTER, ten times slower than any
sane pattern): only a pattern whose time grows exponentially with a document's length reaches it.
"""

import signal
import threading
from contextlib import contextmanager

from sgdtext.errors import SgdtextError

BASE_SECONDS = 30.0
SECONDS_PER_CHARACTER = 1e-5


class TimeLimitReached(Exception):
    """Raised in the main thread by the SIGALRM handler."""


def _reached(signum, frame):
    raise TimeLimitReached


def limit_for(n_characters):
    return BASE_SECONDS + SECONDS_PER_CHARACTER * n_characters


@contextmanager
def time_limit(seconds, what):
    """Run the block for at most ``seconds`` (where signals allow, see above), else raise SgdtextError naming
    ``what`` was being featurised."""
    usable = (threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
              and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))
    if not usable:
        yield
        return
    signal.signal(signal.SIGALRM, _reached)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except TimeLimitReached:
        raise SgdtextError(
            f"featurising {what} took more than {seconds:.3g} s: a regular expression of the config "
            "(features.token_pattern, or a regex in features.extra) backtracks catastrophically on these texts; "
            "simplify it (no nested or overlapping repeats such as (a+)+ or (a|aa)+)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
