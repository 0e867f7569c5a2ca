"""Learning-rate schedules η_t at step t (from 1) of ``total`` planned; they work on arrays of t too."""

import numpy as np


def constant(s, t, total):
    return s.learning_rate


def invscaling(s, t, total):
    return s.learning_rate / t**s.power_t


def optimal(s, t, total):
    # Bottou's 1 / (l2 (t0 + t)), t0 chosen so that the first step is learning_rate
    t0 = 1.0 / (s.learning_rate * s.l2) - 1.0
    return 1.0 / (s.l2 * (t0 + t))


def linear(s, t, total):
    # fastText's: from learning_rate down towards 0 over the planned steps
    return s.learning_rate * np.maximum(0.0, 1.0 - (t - 1) / total)


SCHEDULES = {"constant": constant, "invscaling": invscaling, "optimal": optimal, "linear": linear}


def learning_rates(s, first, count, total):
    """η_t for the steps t = first, ..., first + count - 1."""
    t = np.arange(first, first + count, dtype=np.float64)
    return np.broadcast_to(np.asarray(SCHEDULES[s.schedule](s, t, total), dtype=np.float64), t.shape).copy()
