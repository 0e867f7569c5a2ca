"""Publishing a run into its model folder (io.versions): the lineage recorded with it, and, with
``--promote-if-better``, the gate: the candidate and the live model scored on the same held-out documents, the
candidate made live only when it is not worse than the live model by more than the tolerance."""

import datetime
import hashlib
import socket
from dataclasses import dataclass
from pathlib import Path

from sgdtext import __version__
from sgdtext.config.loading import shard_paths
from sgdtext.errors import SgdtextError
from sgdtext.models import load_model
from sgdtext.training.data import read_all, read_options
from sgdtext.training.evaluation import evaluate_split


@dataclass(frozen=True)
class Publishing:
    """How a run is published: versions kept, seconds to wait for the folder's lock, and the promotion gate."""

    keep: int = 5
    wait: float = 0.0
    promote_if_better: bool = False
    gate: str | None = None  # held-out documents for the gate (default: data.valid, else data.test)
    tolerance: float = 0.0  # the candidate may be this much less accurate than the live model


def file_fingerprint(path):
    """{"path", "bytes", "sha256"} of a data or model file ("-" and folders: the path, and a folder's size)."""
    if path is None or path == "-":
        return {"path": path}
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return {"path": str(path), "files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def lineage(config, init_model):
    """Where a model came from: its data files, the model it continued, when, where, which sgdtext."""
    data = {split: file_fingerprint(getattr(config.data, split)) for split in ("valid", "test")
            if getattr(config.data, split)}
    shards = shard_paths(config.data.train) if config.training.engine == "dask" else [config.data.train]
    data["train"] = file_fingerprint(shards[0]) if len(shards) == 1 else [file_fingerprint(p) for p in shards]
    return {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "sgdtext_version": __version__, "host": socket.gethostname(), "data": data,
            "init_model": file_fingerprint(init_model) if init_model else None}


def gate_documents(config, publishing, warn):
    """(path, documents) of the gate's held-out data."""
    path = publishing.gate or config.data.valid or config.data.test
    if path is None:
        raise SgdtextError("--promote-if-better compares the new model with the live one on held-out documents; "
                           "give --gate FILE, or data.valid or data.test in the config")
    return path, read_all(path, read_options(config.data), warn)


def gate(candidate, featurizer, live_path, path, docs):
    """The promotion decision: {"gate", "documents", "candidate", "live", "promoted"} (accuracies)."""
    score = evaluate_split(candidate, featurizer.transform(docs), docs)["accuracy"]
    decision = {"gate": str(path), "documents": len(docs), "candidate": score, "live": None, "promoted": True}
    if live_path is not None and live_path.exists():
        live, live_featurizer, _ = load_model(live_path)
        decision["live"] = evaluate_split(live, live_featurizer.transform(docs), docs)["accuracy"]
    return decision
