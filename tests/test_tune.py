"""sgdtext tune: cross-validated search on the training data only, within a budget or a number of trials."""

import sys

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli

pytest.importorskip("optuna", reason="sgdtext tune needs the tune extra (optuna)")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture
def small_config(tmp_path):
    """The SMS training data cut to 600 documents, and a test file that is not there: reading it would fail."""
    lines = (REPO / "data" / "sms-spam" / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "train.tsv").write_text("\n".join(lines[:601]) + "\n", encoding="utf-8")
    config = tmp_path / "small.yaml"
    config.write_text("data:\n  train: train.tsv\n  test: test.tsv\n")
    return config


def test_tune_writes_a_better_config_with_the_search_recorded(small_config, tmp_path):
    out = tmp_path / "tuned" / "best.yaml"
    out.parent.mkdir()
    result = run("tune", small_config, "--budget", "600", "--trials", "6", "--folds", "3", "--out", out)
    assert result.exit_code == 0, result.output
    table = result.stdout.splitlines()
    assert table[0] == "| trial | accuracy (mean ± s.e. over folds) | folds | seconds | state | settings |"
    assert len(table) == 2 + 6
    text = out.read_text()
    assert text.startswith("# Tuned by `sgdtext tune` in ")
    tuned = yaml.safe_load(text)
    assert tuned["data"] == {"train": "../train.tsv", "test": "../test.tsv"}
    best = float(text.splitlines()[1].split("Best: trial ")[1].split(", ")[1].split(" ")[0])
    base = float(text.splitlines()[1].split("the config as it was: ")[1].split(" ")[0])
    assert best >= base
    check = run("check-config", out)  # valid, its paths rewritten: only the test file, absent on purpose, is missing
    assert check.exit_code == 1 and "1 problem:\n  data -> test: no such file or folder" in check.stderr, check.output


def test_the_same_seed_and_trials_give_the_same_search(small_config, tmp_path):
    outputs = []
    for i in range(2):
        result = run("tune", small_config, "--budget", "600", "--trials", "4", "--folds", "3", "--seed", "7",
                     "--out", tmp_path / f"tuned{i}.yaml")
        assert result.exit_code == 0, result.output
        rows = [line.split(" | ") for line in result.stdout.splitlines()[2:]]
        outputs.append([(row[0], row[1], row[2], row[4], row[5]) for row in rows])  # all but the seconds
    assert outputs[0] == outputs[1]


def test_too_few_documents_for_the_folds(tmp_path):
    (tmp_path / "train.tsv").write_text("label\ttext\na\tone two\na\tthree four\nb\tfive six\nb\tseven\na\tx\n")
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  train: train.tsv\n")
    result = run("tune", config, "--budget", "60", "--folds", "3", "--quiet")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'train.tsv'}: class 'b' has 2 document(s), fewer than the 3 folds: "
                             f"use --folds 2\n")
    assert not list(tmp_path.glob("*.yaml"))[1:]


def test_multi_label_data_is_refused_with_what_tune_can_do(tmp_path):
    (tmp_path / "train.tsv").write_text("label\ttext\n" + "".join(f"a,b\tfoo {i}\nb\tbar {i}\nc\tbaz {i}\n"
                                                                  for i in range(10)))
    several = f"{tmp_path / 'train.tsv'}:2: holds 2 labels, but this model trains single-label;"
    for multilabel, where in (("true", "model.multilabel: true:"), ("auto", several)):
        config = tmp_path / f"{multilabel}.yaml"
        config.write_text(f"data:\n  train: train.tsv\n  label_separator: ','\nmodel:\n  multilabel: {multilabel}\n")
        result = run("tune", config, "--budget", "60", "--out", tmp_path / "tuned.yaml", "--quiet")
        assert result.exit_code == 1 and result.stderr == (
            f"Error: {where} sgdtext tune searches single-label models only; train the multi-label config as it is "
            f"(sgdtext train), or tune on single-label data\n")
        assert not (tmp_path / "tuned.yaml").exists()


def test_a_budget_too_small_for_one_trial(tmp_path):
    """Six copies of the SMS training data at 20 epochs: cross-validating the config as it is takes seconds."""
    lines = (REPO / "data" / "sms-spam" / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "train.tsv").write_text("\n".join(lines[:1] + lines[1:] * 6) + "\n", encoding="utf-8")
    config = tmp_path / "slow.yaml"
    config.write_text("data:\n  train: train.tsv\nfeatures:\n  ngram_range: [1, 3]\n  char_ngram_range: [1, 6]\n"
                      "training:\n  optimizer: sgd\n  epochs: 20\n")
    result = run("tune", config, "--budget", "1", "--folds", "3")
    assert result.exit_code == 1
    assert "--budget 1: the config as it is took" in result.stderr and "give --budget at least" in result.stderr
    assert not list(tmp_path.glob("*.yaml"))[1:]


def test_tuned_settings_only_come_from_the_training_folds():
    from sgdtext.training.calibration import stratified_folds

    folds = stratified_folds(np.array([0] * 10 + [1] * 5), 5, np.random.default_rng(0))
    assert sorted(np.bincount(folds).tolist()) == [3, 3, 3, 3, 3]


def test_a_trial_is_stopped_at_the_deadline_while_its_features_are_counted(tmp_path):
    """Twelve copies of the SMS training data in word 1-3 and char 1-6 n-grams take far longer than a second to
    featurise; the trial ends at its deadline, a second after it started, and caches nothing."""
    import time

    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.training.tune import Search, Trial

    lines = (REPO / "data" / "sms-spam" / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "train.tsv").write_text("\n".join(lines[:1] + lines[1:] * 12) + "\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  train: train.tsv\n")
    search = Search(raw_config(config), load_config(config), n_folds=2, metric="accuracy", seed=0, warn=print)
    slow = {"features.ngram_range": [1, 3], "features.char_ngram_range": [1, 6]}
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        search.evaluate(Trial(1, slow), slow, lambda step, mean: None, started + 1.0)
    assert time.monotonic() - started < 2.5
    assert search.cache == {}


FOLD_SCORE = []  # tune's own fold_score, while a test has it replaced


def dies_for_sgd(payload, config, fold, repeat):
    """tune's fold_score, but its worker is killed (as by the OOM killer) when the trial trains by plain SGD."""
    import os

    if config.training.optimizer == "sgd":
        os.kill(os.getpid(), 9)
    return FOLD_SCORE[0](payload, config, fold, repeat)


def test_a_trial_whose_worker_dies_fails_and_the_search_goes_on(small_config, monkeypatch):
    """A fold's worker killed fails that trial at once; the other trials run and one is chosen."""
    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.training import tune as tuning

    monkeypatch.setattr(sys.modules[__name__], "FOLD_SCORE", [tuning.fold_score])
    monkeypatch.setattr(tuning, "fold_score", dies_for_sgd)
    result = tuning.tune(raw_config(small_config), load_config(small_config), budget=600, n_folds=3, max_trials=12,
                         warn=lambda message: None)
    sgd = [t for t in result.trials if t.changes.get("training.optimizer") == "sgd"]
    assert sgd and all(t.state == "failed" for t in sgd)
    assert result.best.state == "complete" and sum(t.state == "complete" for t in result.trials) >= 3


def hangs_for_sgd(payload, config, fold, repeat):
    """tune's fold_score, but a fold trained by plain SGD takes ten minutes."""
    import time

    if config.training.optimizer == "sgd":
        time.sleep(600)
    return FOLD_SCORE[0](payload, config, fold, repeat)


def test_a_trial_slower_than_its_share_of_the_budget_is_stopped_and_the_search_goes_on(small_config, tmp_path,
                                                                                        monkeypatch):
    """With a trial's share of a 100-second budget cut to 2 s, the grid's point trained by SGD (made to hang) is
    stopped after its 2 s as too slow, and the other point runs and is scored: the search ends long before its
    budget."""
    import time

    from sgdtext.training import tune as tuning

    monkeypatch.setattr(sys.modules[__name__], "FOLD_SCORE", [tuning.fold_score])
    monkeypatch.setattr(tuning, "fold_score", hangs_for_sgd)
    monkeypatch.setattr(tuning, "TRIAL_SHARE", 0.02)
    (tmp_path / "grid.yaml").write_text("model:\n  - {training.optimizer: sgd, model.type: hinge}\n"
                                        "  - {model.type: squared_hinge}\n")
    started = time.monotonic()
    result = run("tune", small_config, "--budget", "100", "--folds", "3", "--grid", tmp_path / "grid.yaml", "--out",
                 tmp_path / "best.yaml")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30
    rows = {row[5].removesuffix(" |"): row for row in (line.split(" | ") for line in result.stdout.splitlines()[2:])}
    slow = rows["optimizer=sgd type=hinge"]
    assert slow[4] == "too slow" and slow[1] == "-" and 2.0 <= float(slow[3]) < 6.0
    assert rows["type=squared_hinge"][4].startswith("complete")


def test_a_stochastic_best_trial_is_confirmed_with_more_seeds(small_config):
    """The config as it is, trained by plain SGD, is the only trial: its folds run again with two other seeds,
    which move its score (the shuffling differs), and it is chosen as confirmed."""
    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.training.tune import CONFIRM_SEEDS, tune

    small_config.write_text(small_config.read_text() + "training:\n  optimizer: sgd\n  epochs: 2\n"
                           "  batch_size: 1\n  learning_rate: 1.0\n")
    result = tune(raw_config(small_config), load_config(small_config), budget=600, n_folds=3, max_trials=1)
    (trial,) = result.trials
    assert result.best is trial and trial.seeds == 1 + CONFIRM_SEEDS
    assert len(trial.scores) == 3 * (1 + CONFIRM_SEEDS)
    assert trial.scores[:3] != trial.scores[3:6]


def test_an_unconfirmed_lucky_seed_is_not_chosen():
    """A stochastic trial with the best mean on one seed loses to a deterministic (dual_cd) trial: its score could
    be its seed's luck."""
    from sgdtext.training.tune import Trial, winner

    class Folds:
        valid_given = False

        def deterministic(self, changes):
            return changes.get("training.optimizer") == "dual_cd"

    lucky = Trial(1, {"training.optimizer": "sgd"}, [0.95], state="complete")
    exact = Trial(2, {"training.optimizer": "dual_cd"}, [0.93], state="complete")
    confirmed = Trial(3, {"training.optimizer": "sgd"}, [0.92, 0.92, 0.93], state="complete", seeds=3)
    assert winner(Folds(), [lucky, exact, confirmed]) is exact
    assert winner(Folds(), [lucky, confirmed]) is confirmed
    assert winner(Folds(), [lucky]) is lucky  # nothing surer to choose


def test_the_config_as_it_is_stays_unless_a_trial_beats_it_by_more_than_a_standard_error():
    """The best of many trials is partly the luck of the held-out documents: a trial ahead of the config as it is by
    less than the standard error of the difference on the same folds does not replace it (a gain that varies from
    fold to fold); one ahead on every fold by the same amount does."""
    from sgdtext.training.tune import Trial, paired_gain, winner

    class Folds:
        valid_given = False

        def deterministic(self, changes):
            return changes.get("training.optimizer", "dual_cd") == "dual_cd"

    base = Trial(0, {}, [0.90, 0.92, 0.91], state="complete")
    close = Trial(1, {"training.optimizer": "dual_cd"}, [0.93, 0.91, 0.92], state="complete")
    clear = Trial(2, {"training.optimizer": "dual_cd"}, [0.92, 0.94, 0.93], state="complete")
    gain, error = paired_gain(close, base)
    assert gain == pytest.approx(0.01) and error == pytest.approx(np.std([0.03, -0.01, 0.01], ddof=1) / np.sqrt(3))
    assert winner(Folds(), [base, close]) is base
    assert winner(Folds(), [base, close, clear]) is clear
    assert paired_gain(clear, base) == (pytest.approx(0.02), pytest.approx(0.0))
    confirmed = Trial(3, {"training.optimizer": "sgd"}, [0.93, 0.91, 0.92] * 3, state="complete", seeds=3)
    assert paired_gain(confirmed, base) == (pytest.approx(0.01), pytest.approx(error))  # seeds averaged per fold
    assert winner(Folds(), [base, confirmed]) is base


def test_with_data_valid_the_config_as_it_is_is_compared_on_the_same_documents():
    """data.valid and the training folds weigh the difference by their documents."""
    from sgdtext.training.tune import Trial, paired_gain, winner

    class Folds:
        valid_given = True

    base = Trial(0, {}, [0.80, 0.90, 0.90], sizes=[300, 100, 100], state="complete", training_folds=2)
    ahead = Trial(1, {}, [0.825, 0.89, 0.89], sizes=[300, 100, 100], state="complete", training_folds=2)
    gain, error = paired_gain(ahead, base)
    assert gain == pytest.approx(0.6 * 0.025 - 0.4 * 0.01)
    weights, differences = np.array([0.6, 0.2, 0.2]), np.array([0.025, -0.01, -0.01])
    assert error == pytest.approx(np.sqrt(1.5 * weights ** 2 @ (differences - gain) ** 2))
    assert winner(Folds(), [base, ahead]) is base  # 0.011 ahead, 0.013 standard error
    surely = Trial(2, {}, [0.84, 0.92, 0.92], sizes=[300, 100, 100], state="complete", training_folds=2)
    assert winner(Folds(), [base, ahead, surely]) is surely


def test_a_grid_runs_each_point_once_and_writes_the_best(small_config, tmp_path):
    """Two files, one axis each: the search runs the config as it is and the four points of their product, then
    writes the point with the best mean."""
    (tmp_path / "c.yaml").write_text("training.C: [0.5, 2]\n")
    (tmp_path / "models.yaml").write_text("model:\n  - {model.type: logistic}\n"
                                          "  - {model.type: squared_hinge, training.nb_scale: 1.0}\n")
    out = tmp_path / "best.yaml"
    result = run("tune", small_config, "--budget", "600", "--folds", "3", "--out", out,
                 "--grid", tmp_path / "c.yaml", "--grid", tmp_path / "models.yaml")
    assert result.exit_code == 0, result.output
    rows = [line.split(" | ") for line in result.stdout.splitlines()[2:]]
    assert sorted(row[5] for row in rows) == sorted(
        ["(the config as it is) |", "C=0.5 type=logistic |", "C=2 type=logistic |",
         "C=0.5 type=squared_hinge nb_scale=1 |", "C=2 type=squared_hinge nb_scale=1 |"])
    (chosen,) = [row for row in rows if row[4] == "complete, chosen"]
    assert float(chosen[1].split(" ± ")[0]) == max(float(row[1].split(" ± ")[0]) for row in rows)
    text = out.read_text()
    assert f"over the grid {tmp_path / 'c.yaml'} x {tmp_path / 'models.yaml'} of 4 points" in text.splitlines()[0]
    assert text.splitlines()[2] == f"# Best settings: {chosen[5].removesuffix(' |')}"
    tuned = yaml.safe_load(text)
    if chosen[0] == "| 0":  # the config as it is: nothing changed
        assert "model" not in tuned and "training" not in tuned
    else:
        settings = dict(pair.split("=") for pair in chosen[5].removesuffix(" |").split())
        assert tuned["model"]["type"] == settings["type"] and tuned["training"]["C"] == float(settings["C"])


def test_a_grid_with_mistakes_is_refused_with_every_problem(small_config, tmp_path):
    grid, out = tmp_path / "grid.yaml", tmp_path / "best.yaml"

    def refusal(text):
        """What tune says of a grid file holding ``text`` (it must exit 1)."""
        grid.write_text(text)
        result = run("tune", small_config, "--budget", "60", "--grid", grid, "--out", out)
        assert result.exit_code == 1
        return result.stderr

    assert refusal("model:\n  - {model.typo: hinge}\n  - 3\ndata.train: [other.tsv]\ntraining.C: [1, -2]\n"
                   "training.engine: [local, dask]\n") == (
        f"Error: {grid}: 4 problems:\n"
        "  model[0] -> model.typo: unknown key; did you mean 'type'?\n"
        "  model[1]: must be a mapping of section.key: value; got 3\n"
        "  data.train: a grid changes only features, model, training; set data in the config\n"
        "  training.engine: a grid does not change it (the search trains its folds in this process's workers); set "
        "it in the config\n")
    assert refusal("training.nb_scale: [1.0]\ntraining.C: [1, -2]\ntraining.optimizer: [dual_cd, sgd]\n") == (
        f"Error: {grid}: 2 problems:\n"
        "  training.nb_scale[0] with training.C[0] with training.optimizer[1]: training -> nb_scale: the naive-Bayes "
        "scaling is part of the dual_cd solver; set training.optimizer: dual_cd (got sgd) or remove nb_scale\n"
        "  training.nb_scale[0] with training.C[1] with training.optimizer[0]: training -> C: must be a number > 0; "
        "got -2\n")
    again = run("tune", small_config, "--budget", "60", "--grid", grid, "--grid", grid)
    assert again.exit_code == 1 and f"axis 'training.nb_scale' is also in {grid}" in again.stderr
    (tmp_path / "more.yaml").write_text("solver:\n  - {training.optimizer: dual_cd, training.C: 4}\n")
    overlap = run("tune", small_config, "--budget", "60", "--grid", grid, "--grid", tmp_path / "more.yaml")
    assert overlap.exit_code == 1
    assert overlap.stderr == (f"Error: axes 'training.C' ({grid}) and 'solver' ({tmp_path / 'more.yaml'}) both set "
                              "training.C; a point would take one of them: set each key in one axis\n")
    assert not out.exists()


@pytest.mark.parametrize("models", sorted(p.stem for p in (REPO / "benchmarks" / "grids").glob("*.yaml")
                                          if p.stem != "features"))
def test_the_grids_the_configs_were_picked_from_are_valid(models):
    from sgdtext.training.grid import read_grid

    grids = REPO / "benchmarks" / "grids"
    grid = read_grid([grids / "features.yaml", grids / f"{models}.yaml"], {"data": {"train": "train.tsv"}})
    assert list(grid.axes) == ["features", "model"] and grid.size == 16 * len(grid.axes["model"])


def test_a_valid_label_the_training_data_lacks_counts_as_an_error(tmp_path):
    """data.valid with one document of a label absent from data.train: the search runs, and that document is an
    error whatever the model says (the config as it is, deterministic dual_cd, scores n / (n + 1) of its accuracy
    without it)."""
    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.training.tune import tune

    lines = (REPO / "data" / "sms-spam" / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "train.tsv").write_text("\n".join(lines[:401]) + "\n", encoding="utf-8")
    (tmp_path / "valid.tsv").write_text("\n".join(lines[:1] + lines[401:601]) + "\n", encoding="utf-8")
    (tmp_path / "more.tsv").write_text("\n".join(lines[:1] + lines[401:601] + ["phishing\tverify your account"]) + "\n",
                                       encoding="utf-8")
    means = []
    for valid in ("valid.tsv", "more.tsv"):
        config = tmp_path / "c.yaml"
        config.write_text(f"data:\n  train: train.tsv\n  valid: {valid}\n")
        result = tune(raw_config(config), load_config(config), budget=600, max_trials=1)
        means.append(result.trials[0].scores[0])  # on data.valid (then on the training folds, as a finalist)
    assert means[1] == pytest.approx(means[0] * 200 / 201, rel=1e-12)


def test_with_data_valid_the_best_trials_are_also_scored_on_the_training_folds(tmp_path):
    """data.valid given: the best trials and the config as it is are scored again by K-fold cross-validation on
    data.train, the chosen one is the best on all those held-out documents together, and the table and the tuned
    config's header say so."""
    lines = (REPO / "data" / "sms-spam" / "train.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "train.tsv").write_text("\n".join(lines[:401]) + "\n", encoding="utf-8")
    (tmp_path / "valid.tsv").write_text("\n".join(lines[:1] + lines[401:601]) + "\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  train: train.tsv\n  valid: valid.tsv\n")
    out = tmp_path / "best.yaml"
    result = run("tune", config, "--budget", "600", "--trials", "8", "--folds", "3", "--out", out)
    assert result.exit_code == 0, result.output
    rows = [line.split(" | ") for line in result.stdout.splitlines()[2:]]
    confirmed = [row for row in rows if row[2] == "valid + 3"]
    assert "| 0" in [row[0] for row in confirmed] and 2 <= len(confirmed) <= 6
    (chosen,) = [row for row in rows if row[4] == "complete, chosen"]
    assert chosen in confirmed
    leaders = [row for row in rows if row[4] == "complete, best, within 1 s.e. of trial 0"]
    best = leaders[0] if leaders else chosen  # the config as it is kept when the best is within a s.e. of it
    assert float(best[1].split(" ± ")[0]) == max(float(row[1].split(" ± ")[0]) for row in confirmed)
    assert chosen[0] == "| 0" if leaders else True
    assert "(data.valid and 3 folds of the training data)" in out.read_text().splitlines()[1]


def test_with_data_valid_a_trial_only_scored_on_it_is_not_chosen():
    from sgdtext.training.tune import Trial, winner

    class Folds:
        valid_given = True

    lucky = Trial(1, {"training.optimizer": "dual_cd"}, [0.97], sizes=[100], state="complete")
    both = Trial(2, {"training.optimizer": "dual_cd"}, [0.95, 0.90, 0.92], sizes=[100, 200, 200], state="complete",
                 training_folds=2)
    assert both.mean == pytest.approx((95 + 180 + 184) / 500)
    assert winner(Folds(), [lucky, both]) is both
    assert winner(Folds(), [lucky]) is lucky  # nothing surer to choose


def test_with_data_valid_the_finalists_are_the_best_of_each_kind_of_model():
    """A search on one validation split gathers around what that split favours: the trials scored again on the
    training folds are the best of each optimizer and model type (the CONFIRM_TOP best of those) and the config as
    it is, not the same model with five penalties."""
    from sgdtext.training.tune import CONFIRM_TOP, Trial, to_confirm

    class Folds:
        valid_given = True

    def trial(number, optimizer, model, score):
        return Trial(number, {"training.optimizer": optimizer, "model.type": model}, [score], state="complete")

    as_is = Trial(0, {}, [0.70], state="complete")
    crowd = [trial(n, "dual_cd", "logistic", 0.90 - n / 1000) for n in range(1, 9)]
    others = [trial(9, "normalized_adagrad", "logistic", 0.85), trial(10, "dual_cd", "squared_hinge", 0.86),
              trial(11, "sgd", "hinge", 0.80), trial(12, "sgd", "logistic", 0.79), trial(13, "dual_cd", "hinge", 0.78),
              trial(14, "sgd", "modified_huber", 0.60)]
    chosen = to_confirm(Folds(), [as_is, *crowd, *others])
    assert [t.number for t in chosen] == [1, 10, 9, 11, 12, 0] and CONFIRM_TOP == 5
    assert to_confirm(Folds(), [as_is, crowd[0]]) == [crowd[0], as_is]
    grid = [Trial(n, {"training.C": n}, [0.9 - n / 100], state="complete") for n in range(1, 8)]  # one family
    assert [t.number for t in to_confirm(Folds(), [as_is, *grid])] == [1, 2, 3, 4, 5, 0]


def test_a_dual_cd_trial_sets_c_with_l2_auto_and_says_whether_it_counts_character_ngrams():
    """C stays the search's whatever the number of documents a training has (a fold, the whole file), and a trial
    without character n-grams says null, not the config's char_ngram_range: auto."""
    import optuna

    from sgdtext.config import validate
    from sgdtext.training.tune import applied, suggest

    point = {"tokens": "words", "ngrams": "1-2", "min_df": 1, "weighting": "tfidf", "ngram_min_df": 2,
             "sublinear_tf": True, "char_ngrams": False, "optimizer": "dual_cd", "dual_model": "logistic", "C": 7.5,
             "nb_scale": 0.0}
    changes = suggest(optuna.trial.FixedTrial(point))
    assert changes["training.l2"] == "auto" and changes["training.C"] == 7.5
    assert changes["features.char_ngram_range"] is None
    resolved = validate(applied({"data": {"train": "t.tsv"}}, changes))
    assert resolved["training"]["l2"] == "auto" and resolved["training"]["C"] == 7.5
    assert suggest(optuna.trial.FixedTrial({**point, "char_ngrams": True}))["features.char_ngram_range"] == [2, 5]


def test_a_linear_trial_of_a_networks_config_drops_the_hidden_layers(small_config):
    """Tuning a network's config: a trial of a linear model is a valid config (a linear model has no hidden layers,
    dropout or wide path), and a trial that keeps the network keeps its layers."""
    from sgdtext.config import validate
    from sgdtext.config.loading import raw_config
    from sgdtext.training.tune import applied

    network = {**raw_config(small_config), "model": {"type": "mlp", "hidden_sizes": [64], "dropout": 0.5,
                                                     "wide": True}}
    linear = validate(applied(network, {"training.optimizer": "dual_cd", "model.type": "logistic"}))
    assert linear["model"]["type"] == "logistic" and linear["model"]["hidden_sizes"] == []
    assert not linear["model"]["wide"] and linear["model"]["dropout"] == 0.0
    kept = validate(applied(network, {"features.ngram_range": [1, 1]}))
    assert kept["model"]["hidden_sizes"] == [64] and kept["model"]["dropout"] == 0.5


def test_on_short_documents_the_low_rank_network_is_tried_first(small_config):
    """SMS messages are short: the first trial after the config as it is is fastText's kind of model (a low-rank
    identity layer over averaged word and character n-gram counts), given the epochs 400 messages a fold need to
    learn: it beats always saying the commonest class. Many documents keep its 6 epochs; long ones have no point tried
    first."""
    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.io.documents import Document
    from sgdtext.text.features import AUTO_CHARS_MAX_MEAN
    from sgdtext.training.tune import LOW_RANK_NETWORK, LOW_RANK_STEPS, start_points, tune

    result = tune(raw_config(small_config), load_config(small_config), budget=600, n_folds=3, max_trials=2)
    network = result.trials[1]
    epochs = network.changes["training.epochs"]
    assert network.changes == {**LOW_RANK_NETWORK, "training.epochs": epochs} and network.state == "complete"
    assert epochs * -(-400 // LOW_RANK_NETWORK["training.batch_size"]) >= LOW_RANK_STEPS
    labels = [line.split("\t")[0] for line in small_config.with_name("train.tsv").read_text().splitlines()[1:]]
    commonest = max(labels.count(label) for label in set(labels)) / len(labels)
    assert network.mean > commonest + 0.05
    many = [Document("a", "w" * AUTO_CHARS_MAX_MEAN, None, f"t:{i}") for i in range(20_000)]
    assert start_points(many) == [LOW_RANK_NETWORK]
    assert start_points([Document("a", "w" * (AUTO_CHARS_MAX_MEAN + 1), None, "t:1")]) == []


def test_the_sampler_proposes_the_same_trials_with_the_network_tried_first_or_not(small_config, monkeypatch):
    """The start point runs outside Optuna's study: the trials the sampler proposes after it, and their scores, are
    those of the same search without it."""
    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.training import tune as tuning

    with_it = tuning.tune(raw_config(small_config), load_config(small_config), budget=600, n_folds=3, max_trials=14)
    monkeypatch.setattr(tuning, "start_points", lambda docs: [])
    without = tuning.tune(raw_config(small_config), load_config(small_config), budget=600, n_folds=3, max_trials=13)
    assert with_it.trials[1].changes["model.type"] == "mlp"
    assert [(t.changes, t.state, t.scores[:3]) for t in with_it.trials[2:]] == \
        [(t.changes, t.state, t.scores[:3]) for t in without.trials[1:]]
