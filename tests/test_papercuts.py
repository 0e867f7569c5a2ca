"""Issue 20's papercuts, each as a newcomer met it: what check-config checks, --set typos, the help texts, hand-made
columns that dwarf the words, messages that named the wrong cause."""

import json

from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli

SMS = REPO / "data" / "sms-spam"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_check_config_checks_the_files_a_config_names(tmp_path):
    (tmp_path / "c.yaml").write_text("data:\n  train: nothere.tsv\nfeatures:\n  extra:\n"
                                     "    - {name: M, type: not_in_wordlist, wordlist: words.txt}\n")
    result = run("check-config", tmp_path / "c.yaml")
    assert result.exit_code == 1
    assert f"data -> train: no such file or folder: {tmp_path / 'nothere.tsv'}; check the path" in result.stderr
    assert f"features -> extra[0] (M) -> wordlist: no readable file {tmp_path / 'words.txt'}" in result.stderr
    assert run("check-config", REPO / "configs" / "sms-spam-handmade.yaml").exit_code == 0


def test_check_config_explain_prints_the_reference():
    result = run("check-config", "--explain")
    assert result.exit_code == 0
    assert "| `training.learning_rate` |" in result.stdout and "| `model.type` | family |" in result.stdout
    assert run("check-config").exit_code == 2


def test_a_set_typo_and_a_bad_set_value_are_named_as_set(tmp_path):
    (tmp_path / "c.yaml").write_text(f"data:\n  train: {SMS / 'train.tsv'}\n")
    typo = run("check-config", tmp_path / "c.yaml", "--set", "training.lerning_rate=0.1")
    assert typo.exit_code == 1 and "Error: --set: 1 problem:\n  --set 'training.lerning_rate=0.1': unknown key; " \
        "did you mean 'learning_rate'?" in typo.stderr
    bad = run("check-config", tmp_path / "c.yaml", "--set", "training.epochs=-1")
    assert bad.exit_code == 1 and "training -> epochs: must be an int >= 1 or auto; got -1 (from --set)" in bad.stderr


def test_the_help_gives_whole_summaries_exit_codes_and_the_reference():
    text = run("--help").stdout
    assert "train         Train as CONFIG says; publish model.npz and metrics.json." in text
    assert "..." not in text.split("Commands:")[1]  # no summary cut short
    assert "Exit codes: 0 done; 1 an error in the input" in text and "sgdtext check-config --explain" in text
    assert "[auto|tsv|csv|jsonl|fasttext|folder|maildir|mbox]" in run("evaluate", "--help").stdout


def test_a_hand_made_count_that_dwarfs_the_words_is_warned_about(tmp_path):
    (tmp_path / "c.yaml").write_text(json.dumps({
        "data": {"train": str(SMS / "train.tsv")},
        "features": {"extra": [{"name": "MISPELLED", "type": "not_in_wordlist", "wordlist": str(SMS / "words.txt")}]}}))
    raw = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "raw")
    assert raw.exit_code == 0 and "features.extra MISPELLED: values up to" in raw.stderr
    assert "set its transform: log1p (or binary)" in raw.stderr
    scaled = run("train", REPO / "configs" / "sms-spam-handmade.yaml", "--out-dir", tmp_path / "scaled")
    assert scaled.exit_code == 0 and "features.extra" not in scaled.stderr


def test_no_term_at_all_names_the_token_pattern_not_min_df(tmp_path):
    """Documents of punctuation alone, words only (char_ngram_range: auto would count their characters)."""
    (tmp_path / "t.tsv").write_text("label\ttext\na\t!!\nb\t??\n")
    (tmp_path / "c.yaml").write_text("data:\n  train: t.tsv\nfeatures:\n  char_ngram_range: null\n")
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "run")
    assert result.exit_code == 1 and "the documents hold no term at all: features.token_pattern" in result.stderr
    (tmp_path / "d.yaml").write_text("data:\n  train: t.tsv\nfeatures:\n  token_pattern: '\\S+'\n  min_df: 2\n")
    pruned = run("train", tmp_path / "d.yaml", "--out-dir", tmp_path / "run")
    assert pruned.exit_code == 1
    assert "none of the 2 terms is left after min_df=2, ngram_min_df=2, max_df=1.0 (2 documents)" in pruned.stderr


def test_the_output_folder_rule_is_the_documented_one(tmp_path, monkeypatch):
    """Default: runs/<config name> under the current folder; a folder the config sets: relative to the config, as
    every path in it; --out-dir: as given (README, Quickstart)."""
    from sgdtext.config import load_config

    (tmp_path / "configs").mkdir()
    (tmp_path / "elsewhere").mkdir()
    config = tmp_path / "configs" / "spam.yaml"
    config.write_text(f"data:\n  train: {SMS / 'train.tsv'}\n")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert load_config(config)["output"]["dir"] == str(tmp_path / "elsewhere" / "runs" / "spam")
    config.write_text(f"data:\n  train: {SMS / 'train.tsv'}\noutput:\n  dir: ../models\n")
    assert load_config(config)["output"]["dir"] == str(tmp_path / "models")
    assert load_config(config, out_dir="here")["output"]["dir"] == str(tmp_path / "elsewhere" / "here")
