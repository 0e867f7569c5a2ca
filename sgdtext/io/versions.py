"""A model folder (``output.dir``): every run writes a new version folder, and the live version is the one the
``current`` link names. The link flips atomically, so a reader sees the old model with its metrics or the new model
with its metrics, never a mix and never half a file; ``model.npz`` and ``metrics.json`` in the folder are links
through ``current``. A lock keeps two runs on one folder from interleaving.

    DIR/versions/000007/{model.npz, metrics.json, .complete}
    DIR/current -> versions/000007
    DIR/model.npz -> current/model.npz,  DIR/metrics.json -> current/metrics.json
"""

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path

from sgdtext.errors import SgdtextError

COMPLETE = ".complete"  # written last into a version folder: its files are whole


class ModelFolder:
    def __init__(self, path):
        self.path = Path(path)
        self.versions = self.path / "versions"
        self.current = self.path / "current"

    @contextlib.contextmanager
    def lock(self, wait=0.0):
        """Hold the folder's lock; another run waits up to ``wait`` seconds for it, then stops with a message."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = open(self.path / ".lock", "a")
        except OSError as exc:
            raise SgdtextError(f"cannot write {self.path}: {exc.strerror}; choose a writable output folder") from None
        deadline = time.monotonic() + wait
        with handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SgdtextError(f"{self.path}: another sgdtext run holds this model folder (waited "
                                           f"{wait:g} s); wait for it, or give --wait SECONDS") from None
                    time.sleep(0.1)
            try:
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def complete_versions(self):
        """The version folders whose files are whole, oldest first."""
        if not self.versions.is_dir():
            return []
        return sorted(p for p in self.versions.iterdir() if (p / COMPLETE).exists())

    def live(self):
        """The live version folder, or None."""
        return self.current.resolve() if self.current.is_symlink() and self.current.exists() else None

    def clean(self):
        """Remove what killed runs left: version folders never completed, temporary files and links."""
        if self.versions.is_dir():
            for folder in self.versions.iterdir():
                if folder.is_dir() and not (folder / COMPLETE).exists():
                    shutil.rmtree(folder, ignore_errors=True)
        for leftover in self.path.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def new_version(self):
        """A new, empty version folder, numbered after the last one."""
        self.versions.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name) for p in self.versions.iterdir() if p.name.isdigit()]
        folder = self.versions / f"{max(numbers, default=0) + 1:06d}"
        folder.mkdir()
        return folder

    def seal(self, folder):
        """Mark a version folder's files as whole (after they are written and synced)."""
        (folder / COMPLETE).write_text("")

    def publish(self, folder, names):
        """Make ``folder`` (sealed) the live version: flip ``current`` atomically, and keep the links ``names``
        (the model and metrics file names) in the model folder pointing through it."""
        self.link(self.current, Path("versions") / folder.name)
        for name in names:
            link = self.path / name
            if not link.is_symlink() or os.readlink(link) != str(Path("current") / name):
                self.link(link, Path("current") / name)

    def link(self, path, target):
        """Point the link ``path`` at ``target`` in one rename (replacing a file or link there)."""
        temporary = path.with_name(f".{path.name}.link.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        os.symlink(target, temporary)
        os.replace(temporary, path)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def prune(self, keep):
        """Delete the oldest complete versions so that at most ``keep`` remain; never the live one."""
        live = self.live()
        versions = self.complete_versions()
        for folder in versions[: max(len(versions) - keep, 0)]:
            if folder.resolve() != live:
                shutil.rmtree(folder, ignore_errors=True)

    def links(self):
        """The names of the folder's links through ``current`` (the model and metrics files)."""
        return [p.name for p in self.path.iterdir() if p.is_symlink() and p.name != "current"
                and os.readlink(p).startswith("current")]

    def rollback(self, names):
        """Make the complete version before the live one live again; returns it."""
        live, versions = self.live(), self.complete_versions()
        older = [v for v in versions if live is None or v.resolve() < live]
        if not older:
            raise SgdtextError(f"{self.path}: no earlier complete version to roll back to (versions: "
                               f"{', '.join(v.name for v in versions) or 'none'})")
        self.publish(older[-1], names)
        return older[-1]


def live_model(path, name="model.npz"):
    """The model file ``path`` names: the file itself, or the live model of a model folder."""
    path = Path(path)
    return path / name if path.is_dir() else path
