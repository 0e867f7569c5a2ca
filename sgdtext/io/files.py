"""Atomic output files: a killed run leaves either the old file or the new one, never half of one."""

import contextlib
import os
import tempfile
from pathlib import Path

from sgdtext.errors import SgdtextError


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_writer(path, mode="wb"):
    """Yield a file object whose content replaces ``path`` only when the block ends without error.

    The temporary file lives in the same folder, so the final ``os.replace`` is atomic.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; the file gets the mode open() would give
    except OSError as exc:
        raise SgdtextError(f"cannot write {path}: {exc.strerror}; choose a writable output folder") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:  # disk full, quota, I/O error: the user's to fix
            raise SgdtextError(f"cannot write {path}: {exc.strerror}; free space or choose another output folder "
                               f"(nothing was replaced)") from None
        raise


def write_text_atomic(path, text):
    with atomic_writer(path, "w") as handle:
        handle.write(text)
