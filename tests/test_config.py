from pathlib import Path

import pytest

from sgdtext.config import DEFAULTS, SCHEMA, Config, load_config, reference_markdown, validate
from sgdtext.config.reference import choices_markdown
from sgdtext.errors import ConfigError, SgdtextError

REPO = Path(__file__).resolve().parent.parent


def problems(raw):
    with pytest.raises(ConfigError) as err:
        validate(raw)
    return err.value.problems


def test_defaults_fill_in_what_the_file_omits():
    config = validate({"data": {"train": "t.tsv"}})
    automatic = {"optimizer": "dual_cd", "epochs": 1000, "dual_tol": 1.0}  # the default model's auto values
    assert config["training"] == {**DEFAULTS["training"], **automatic} and config["data"]["train"] == "t.tsv"


def test_dual_tol_auto_is_loose_for_logistic_only_and_a_stated_value_stands():
    tol = lambda **sections: validate({"data": {"train": "t.tsv"}, **sections})["training"]["dual_tol"]
    assert tol() == 1.0 and tol(model={"type": "squared_hinge"}) == 0.1 and tol(model={"type": "hinge"}) == 0.1
    assert tol(training={"dual_tol": 0.1}) == 0.1 and tol(model={"type": "linear"}, training={"dual_tol": 0.5}) == 0.5


def test_every_problem_is_reported_at_once_with_its_key_path():
    found = problems({
        "data": {"train": "t.tsv", "fromat": "tsv"},
        "training": {"learning_rate": -0.1, "epochs": 2.5, "batch_size": 0, "shufle": True},
        "model": {"type": "sofmax"},
        "features": {"min_df": 0, "ngram_range": [2, 1]},
        "ouput": {},
    })
    assert found == [
        "data -> fromat: unknown key; did you mean 'format'?",
        "training -> learning_rate: must be a number > 0; got -0.1",
        "training -> epochs: must be an int >= 1 or auto; got 2.5",
        "training -> batch_size: must be an int in [1, 1048576]; got 0",
        "training -> shufle: unknown key; did you mean 'shuffle'?",
        "model -> type: must be one of perceptron, logistic, softmax, hinge, squared_hinge, modified_huber, linear, "
        "mlp; got 'sofmax'; "
        "did you mean 'softmax'?",
        "features -> min_df: must be an int >= 1 or a float in (0, 1]; got 0",
        "features -> ngram_range: must be [min_n, max_n] with 1 <= min_n <= max_n <= 255; got [2, 1]",
        "ouput: unknown section; did you mean 'output'?",
    ]


def test_an_n_gram_longer_than_the_term_index_holds_is_a_config_problem():
    assert problems({"data": {"train": "t"}, "features": {"ngram_range": [1, 256], "char_ngram_range": [2, 300]}}) == [
        "features -> ngram_range: must be [min_n, max_n] with 1 <= min_n <= max_n <= 255; got [1, 256]",
        "features -> char_ngram_range: must be [min_n, max_n] with 1 <= min_n <= max_n <= 255; got [2, 300]"]
    validate({"data": {"train": "t"}, "features": {"ngram_range": [1, 255]}})


def test_combinations_are_checked():
    assert problems({}) == ["data -> train: is required; set it to the training file or folder"]
    assert problems({"data": {"train": "t"}, "features": {"n_features": 1024, "min_df": 2}}) == [
        "features -> min_df: has no effect in hashing mode (n_features is set); remove it"]
    assert problems({"data": {"train": "t"}, "features": {"n_features": 1024, "ngram_min_df": 3}}) == [
        "features -> ngram_min_df: has no effect in hashing mode (n_features is set); remove it"]
    validate({"data": {"train": "t"}, "features": {"n_features": 1024, "ngram_min_df": 1}})  # 1 keeps all: no problem
    assert problems({"data": {"train": "t"}, "training": {"early_stopping": True}}) == [
        "training -> early_stopping: needs validation data; set data.valid or data.validation_split (e.g. 0.1)"]


def test_hand_made_feature_definitions_are_checked():
    found = problems({"data": {"train": "t"}, "features": {"extra": [
        {"name": "FREE", "type": "regex"},
        {"name": "X", "type": "regexp", "pattern": "a"},
        {"name": "F", "type": "match_list", "header": "From", "vlaues": ["a"]},
    ]}})
    assert found == [
        "features -> extra -> [0] -> pattern: is required for type regex "
        "(regular expression whose matches in the text are counted)",
        "features -> extra -> [1] -> type: must be one of regex, not_in_wordlist, match_list, length, column; "
        "got 'regexp'; did you mean 'regex'?",
        "features -> extra -> [2] -> vlaues: unknown key for type match_list; did you mean 'values'?",
    ]


def test_yaml_floats_without_a_dot_are_numbers():
    assert validate({"data": {"train": "t"}, "training": {"l2": "1e-5"}})["training"]["l2"] == 1e-5


def test_load_resolves_paths_and_overrides(tmp_path, monkeypatch):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "exp.yaml"
    path.write_text("data:\n  train: ../d/train.tsv\ntraining:\n  epochs: 3\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(path, ["training.epochs=7", "model.type=hinge"], environ={})
    assert config["data"]["train"] == str(tmp_path / "d" / "train.tsv")
    assert config["training"]["epochs"] == 7 and config["model"]["type"] == "hinge"
    assert config["output"]["dir"] == str(tmp_path / "runs" / "exp")
    config = load_config(path, ["data.root=/data"], environ={"SGDTEXT_DATA": str(tmp_path / "elsewhere")})
    assert config["data"]["train"] == str(tmp_path / "d" / "train.tsv")  # ../ from the root's folder
    config = load_config(path, [], environ={"SGDTEXT_DATA": "/nowhere"})
    assert config["data"]["train"] == str(tmp_path / "d" / "train.tsv")  # no data.root: SGDTEXT_DATA unused
    with pytest.raises(ConfigError, match=r"training -> epochs: must be an int >= 1 or auto; got 'many'"):
        load_config(path, ["training.epochs=many"], environ={})
    with pytest.raises(ConfigError, match=r"--set 'epochs=3': expected section.key=value"):
        load_config(path, ["epochs=3"], environ={})


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("data:\n  train: [a\n")
    with pytest.raises(SgdtextError, match=r"bad.yaml:3: the config is not valid YAML"):
        load_config(path)


def test_readme_config_reference_is_current():
    readme = (REPO / "README.md").read_text()
    assert reference_markdown() in readme, "regenerate the README's config reference: python -m sgdtext.config"
    for section, keys in SCHEMA.items():
        for name in keys:
            assert f"`{section}.{name}`" in readme


def test_bundled_configs_are_valid():
    for path in sorted((REPO / "configs").glob("*.yaml")):
        load_config(path, environ={})


def test_linear_models_take_sgd_or_adagrad_only():
    base = {"data": {"train": "t"}, "model": {"type": "hinge"}}
    assert problems({**base, "training": {"optimizer": "adam"}}) == [
        "training -> optimizer: adam is for type mlp; linear models use sgd, adagrad, normalized_adagrad or "
        "dual_cd (with average: true for averaged SGD)"]
    assert problems({**base, "training": {"optimizer": "normalized_adagrad", "batch_size": 4}}) == [
        "training -> batch_size: optimizer normalized_adagrad steps one example at a time (as Vowpal Wabbit); "
        "set batch_size: 1 (got 4)"]
    validate({**base, "training": {"optimizer": "normalized_adagrad", "batch_size": 1}})
    mlp = {"data": {"train": "t"}, "model": {"type": "mlp", "hidden_sizes": [8]}}
    assert problems({**mlp, "training": {"optimizer": "normalized_adagrad"}}) == [
        "training -> optimizer: normalized_adagrad is for the linear models; type mlp uses sgd, momentum, "
        "adagrad, adam"]
    assert problems({**base, "training": {"optimizer": "adagrad", "batch_size": 8}}) == [
        "training -> batch_size: optimizer adagrad steps one example at a time (as Vowpal Wabbit); set "
        "batch_size: 1 (got 8)"]
    assert problems({**base, "training": {"optimizer": "adagrad", "batch_size": 1, "l1": 1e-5}}) == [
        "training -> l1: the lazy L1 penalty assumes one step size for every weight, which adagrad does not "
        "have; use l2, or optimizer: sgd with l1"]
    validate({**base, "training": {"optimizer": "adagrad", "batch_size": 1}})


def test_dual_cd_is_for_the_penalised_hinge_models_in_memory():
    base = {"data": {"train": "t"}, "model": {"type": "squared_hinge"}}
    validate({**base, "training": {"optimizer": "dual_cd", "l2": 1e-4}})
    assert problems({"data": {"train": "t"}, "model": {"type": "softmax"},
                     "training": {"optimizer": "dual_cd", "l2": 1e-4}}) == [
        "training -> optimizer: dual_cd solves the hinge, squared_hinge, logistic and linear models; got type "
        "'softmax': use optimizer sgd, or one of those types"]
    validate({"data": {"train": "t"}, "model": {"type": "logistic"}, "training": {"optimizer": "dual_cd", "l2": 1e-4}})
    assert problems({**base, "training": {"optimizer": "dual_cd", "l2": 0.0, "l1": 1e-5, "average": True}}) == [
        "training -> l2: dual_cd solves mean loss + l2/2 ||W||² and needs l2 > 0, e.g. 1e-4",
        "training -> l1: dual_cd has no L1 penalty (got 1e-05); remove it or use optimizer sgd",
        "training -> average: dual_cd reaches the optimum itself; averaging is for SGD, remove it"]
    assert problems({"data": {"train": "t", "chunk_size": 100}, "model": {"type": "hinge"},
                     "features": {"n_features": 1024, "weighting": "count"},
                     "training": {"optimizer": "dual_cd", "l2": 1e-4}}) == [
        "data -> chunk_size: dual_cd keeps a dual variable per example and needs the data in memory; remove "
        "chunk_size or use optimizer sgd"]
    assert problems({"data": {"train": "t"}, "model": {"type": "mlp", "hidden_sizes": [8]},
                     "training": {"optimizer": "dual_cd"}}) == [
        "training -> optimizer: dual_cd is for the linear models; type mlp uses sgd, momentum, adagrad, adam"]
    assert problems({**base, "training": {"optimizer": "dual_cd", "l2": 1e-4, "dual_tol": 0}}) == [
        "training -> dual_tol: must be a number > 0; got 0"]
    assert problems({**base, "training": {"optimizer": "sgd", "nb_scale": 1.0}}) == [
        "training -> nb_scale: the naive-Bayes scaling is part of the dual_cd solver; set training.optimizer: "
        "dual_cd (got sgd) or remove nb_scale"]
    validate({**base, "training": {"optimizer": "dual_cd", "l2": 1e-4, "nb_scale": 1.0, "nb_alpha": 0.5}})


def test_readme_choices_tables_are_current():
    assert choices_markdown() in (REPO / "README.md").read_text(), "regenerate them: python -m sgdtext.config"


def test_keys_the_choices_do_not_read_are_noted_not_refused():
    notes = []
    validate({"data": {"train": "t"}, "model": {"type": "logistic", "activation": "tanh"},
              "training": {"optimizer": "sgd", "momentum": 0.5, "learning_rate": 0.2, "power_t": 0.3}}, notes=notes)
    assert notes == [
        "model.activation is set, but model type logistic with optimizer sgd does not use it; remove it",
        "training.momentum is set, but model type logistic with optimizer sgd does not use it; remove it",
        "training.power_t is set, but model type logistic with optimizer sgd does not use it; remove it"]
    notes = []
    validate({"data": {"train": "t"}, "model": {"type": "mlp", "hidden_sizes": [8], "activation": "leaky_relu",
                                                "leaky_slope": 0.2, "elu_alpha": 2.0},
              "training": {"optimizer": "adam", "beta1": 0.8, "l1": 1e-5, "schedule": "invscaling", "power_t": 0.3}},
             notes=notes)
    assert notes == [
        "model.elu_alpha is set, but model type mlp with optimizer adam does not use it; remove it",
        "training.l1 is set, but model type mlp with optimizer adam does not use it; remove it"]
    notes = []
    validate({"data": {"train": "t"}, "model": {"type": "hinge"},
              "training": {"optimizer": "dual_cd", "l2": 1e-4, "batch_size": 1, "nb_scale": 1.0}}, notes=notes)
    assert notes == ["training.batch_size is set, but model type hinge with optimizer dual_cd does not use it; "
                     "remove it"]


def test_the_typed_config_has_every_key_and_is_frozen():
    config = Config.from_mapping(validate({"data": {"train": "t"}, "training": {"epochs": 7}}))
    assert config.training.epochs == 7 and config.model.type == DEFAULTS["model"]["type"]
    for section, keys in SCHEMA.items():
        assert set(vars(getattr(config, section))) == set(keys)
    with pytest.raises(AttributeError):
        config.training.epochs = 8
