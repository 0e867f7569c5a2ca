"""Giving freed memory back to the system.

glibc keeps freed blocks below its mmap threshold (which rises to 32 MB as large blocks are freed) in the heap, and a
heap only shrinks from its top: the texts of the training documents, freed once their matrix is made, would stay
counted in the process's resident memory while the solver allocates its own arrays elsewhere. ``malloc_trim``
returns the free pages inside the heap too.
"""

import ctypes
import functools


def give_back_free_memory():
    """Return the C heap's free pages to the system (glibc's malloc_trim); nothing where the C library lacks it."""
    trim = malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # the process's own symbols, the C library's among them
    except (OSError, AttributeError):
        return None
