"""The README's Python examples run as written (from a folder that has the repository's data/)."""

import os
import re

from conftest import REPO


def test_the_python_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    os.symlink(REPO / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # the README is ours: its examples are code we ship
    assert namespace["classifier"].predict(["WINNER! free prize, call now"]) == ["spam"]
    assert (tmp_path / "spam.npz").exists()
    assert set(namespace["grid"].best_params_) == {"C", "model"} and namespace["grid"].best_score_ > 0.97
