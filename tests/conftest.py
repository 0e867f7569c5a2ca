"""Shared fixtures. Benchmark data is found through SGDTEXT_DATA (default: ../shared/data beside the repo)."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA_ROOT = Path(os.environ.get("SGDTEXT_DATA", REPO.parent / "shared" / "data"))


def shared_dataset(name):
    """The folder of a shared benchmark dataset, or skip the test with the reason."""
    folder = DATA_ROOT / name
    if not (folder / "train.tsv").exists():
        pytest.skip(f"dataset {name!r} not found under {DATA_ROOT}; set SGDTEXT_DATA to the benchmark data root")
    return folder


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> path of a new file under tmp_path."""
    def _write(name, text, mode="w"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if mode == "wb":
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path
    return _write
