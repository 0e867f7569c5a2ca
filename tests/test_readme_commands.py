"""Every shell block of the README runs as written, in a temporary copy of the repository's configs/ and data/, as
sqlite-utils and click test their docs: each command exits 0, and where the README shows a command's output
(``$ command`` lines followed by output), the output matches ("..." in the README stands for lines left out).

Set up for the commands, not written in the README: a HOME whose ``~/Maildir`` holds the test messages and an
``inbox.mbox`` beside them (the mail quickstart's stand-ins for a user's own mail). Blocks that need the shared
benchmark data skip with the reason when it is absent; the Set up block (install, then pytest) is what CI runs.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import DATA_ROOT, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)
SETUP_BLOCK = 0  # python -m pip install ...; python -m pytest: this test runs inside it


def commands(block):
    """(command, expected output lines or None) of a block: ``$ ``-prefixed commands with their output after them,
    else one command a line (comments and blank lines left out)."""
    lines = block.splitlines()
    if any(line.startswith("$ ") for line in lines):
        found = []
        for line in lines:
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
        return found
    return [(line, None) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def needs_shared_data(block):
    return any(name in block for name in ("configs/spamassassin", "configs/20newsgroups", "configs/trec",
                                          "configs/sst"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(REPO / "configs", root / "configs")
    shutil.copytree(REPO / "data", root / "data")
    home = root / "home"
    for box in ("new", "cur", "tmp"):
        (home / "Maildir" / box).mkdir(parents=True)
    for message in (REPO / "tests" / "mail" / "maildir").glob("*/new/*"):
        shutil.copy(message, home / "Maildir" / "new" / message.name)
    shutil.copy(REPO / "tests" / "mail" / "labelled.mbox", root / "inbox.mbox")
    env = {**os.environ, "HOME": str(home), "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
           "SGDTEXT_DATA": str(DATA_ROOT), "COLUMNS": "120"}
    return root, env


def matches(expected, actual):
    """The README's shown output against the real one; a line "..." stands for any lines."""
    pattern = "\n".join(".*?" if line == "..." else re.escape(line.rstrip()) for line in expected)
    return re.fullmatch(pattern, "\n".join(line.rstrip() for line in actual.rstrip("\n").splitlines()), re.S)


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_the_readme_shell_block_runs(workspace, number):
    block = BLOCKS[number]
    if number == SETUP_BLOCK:
        assert "pip install -e" in block and "pytest" in block
        pytest.skip("the install and test commands: CI runs them, and this test runs inside them")
    if needs_shared_data(block) and not (DATA_ROOT / "spamassassin" / "train.tsv").exists():
        pytest.skip(f"needs the shared benchmark data under {DATA_ROOT}; set SGDTEXT_DATA to it")
    root, env = workspace
    for command, expected in commands(block):
        done = subprocess.run(command, shell=True, cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"README block {number + 1}: {command}\n{done.stderr}"
        if expected is not None:
            assert matches(expected, done.stdout), f"README block {number + 1}: {command}\n{done.stdout}"


def test_every_block_is_found_and_a_shown_output_is_checked():
    assert len(BLOCKS) >= 5
    assert any(expected for block in BLOCKS for _, expected in commands(block))


def test_the_readme_hand_made_features_config_is_the_shipped_one():
    block = re.search(r"`configs/sms-spam-handmade.yaml` \(the lecture's.*?```yaml\n(.*?)```", README, re.S).group(1)
    shipped = (REPO / "configs" / "sms-spam-handmade.yaml").read_text()
    assert block == "".join(line + "\n" for line in shipped.splitlines() if not line.startswith("#"))


def test_the_readme_grid_is_the_shipped_one():
    block = re.search(r"`configs/grids/sms-spam.yaml`.*?```yaml\n(.*?)```", README, re.S).group(1)
    shipped = (REPO / "configs" / "grids" / "sms-spam.yaml").read_text()
    assert block == "".join(line + "\n" for line in shipped.splitlines() if not line.startswith("#"))
