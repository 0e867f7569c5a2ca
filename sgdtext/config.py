"""The experiment config: every default in one table, a YAML file states only what differs.

``load_config`` validates everything at once (types, ranges, choices, unknown keys with a
"did you mean"), reporting each problem with its key path, e.g.
``training -> learning_rate: must be a number > 0; got -0.1``. Paths in a config are relative to
the config file (or to ``data.root`` for data files, when it is set).
"""

import copy
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from sgdtext.documents import READERS
from sgdtext.errors import ConfigError, SgdtextError
from sgdtext.analysis import ANALYZERS
from sgdtext.features import NORMS, WEIGHTINGS
from sgdtext.handmade import EXTRA_COMMON, EXTRA_FEATURES, TRANSFORMS
from sgdtext.mlp import ACTIVATIONS
from sgdtext.models import MODELS
from sgdtext.optim import LINEAR_OPTIMIZERS, OPTIMIZERS
from sgdtext.sgd import ADAPTIVE, SCHEDULES


@dataclass(frozen=True)
class Key:
    default: object
    kind: str  # int, float, bool, str, path, regex, choice, pair, int_list, df, stop_words, class_weight, extra
    doc: str
    choices: tuple = ()
    low: float | None = None  # inclusive lower bound
    high: float | None = None  # inclusive upper bound
    nullable: bool = False
    positive: bool = False  # strictly > 0


SCHEMA = {
    "data": {
        "train": Key(None, "path", "training documents (file or folder)"),
        "valid": Key(None, "path", "validation documents, for early stopping and metrics", nullable=True),
        "test": Key(None, "path", "test documents, evaluated after training", nullable=True),
        "root": Key(None, "path", "folder that relative data paths start from (default: the config's folder); "
                    "where a config sets it, the environment variable SGDTEXT_DATA replaces it", nullable=True),
        "format": Key("auto", "choice", "reader", choices=("auto",) + tuple(READERS)),
        "label_field": Key("label", "str", "label column (TSV with header, CSV) or field (JSON Lines)"),
        "text_field": Key("text", "str", "text column or field; null for numeric columns only", nullable=True),
        "header": Key("auto", "choice", "TSV: is the first line a header naming the columns",
                      choices=("auto", "yes", "no")),
        "label_prefix": Key("__label__", "str", "fastText format: label prefix"),
        "bad_lines": Key("error", "choice", "malformed record: stop with file:line, or count and skip it",
                         choices=("error", "skip")),
        "chunk_size": Key(None, "int", "stream the training data: documents read, featurised and learned from at "
                          "a time (hashing mode; memory holds one chunk); null: all in memory", low=1, nullable=True),
        "chunk_cache": Key(True, "bool", "streaming: keep the featurised chunks of the first epoch in a temporary "
                           "folder and read them back in later epochs (as Vowpal Wabbit's cache)"),
        "classes": Key(None, "list_str", "the labels, when they cannot be read ahead (streaming from stdin, "
                       "data.train: \"-\")", nullable=True),
        "validation_split": Key(0.0, "float", "fraction of the training data held out (stratified, seeded) "
                                "for validation when data.valid is not set", low=0.0, high=0.5),
    },
    "features": {
        "bag_of_words": Key(True, "bool", "count the words of the text (false: hand-made features only)"),
        "analyzer": Key("word", "choice", "terms are words, character n-grams, or character n-grams inside "
                        "word boundaries", choices=ANALYZERS),
        "lowercase": Key(True, "bool", "lower-case the text before tokenising"),
        "token_pattern": Key(r"(?u)\b\w\w+\b", "regex", "regular expression a word matches (as scikit-learn)"),
        "stop_words": Key(None, "stop_words", "null, english (scikit-learn's list), or a list of words",
                          nullable=True),
        "ngram_range": Key([1, 1], "pair", "smallest and largest n of the n-grams, e.g. [1, 2]"),
        "char_ngram_range": Key(None, "pair", "also count character n-grams inside word boundaries (named "
                                "'c:' + n-gram), e.g. [2, 5]; null: none", nullable=True),
        "min_df": Key(1, "df", "drop terms in fewer documents (int: count; float in (0, 1]: fraction)"),
        "max_df": Key(1.0, "df", "drop terms in more documents (int: count; float in (0, 1]: fraction)"),
        "max_features": Key(None, "int", "keep only the most frequent terms", low=1, nullable=True),
        "n_features": Key(None, "int", "hashing mode: number of hashed columns, no vocabulary (null: "
                          "vocabulary mode)", low=2, high=2**28, nullable=True),
        "alternate_sign": Key(True, "bool", "hashing mode: a hash bit chooses the sign, so collisions cancel"),
        "weighting": Key("count", "choice", "counts, 0/1, or tf-idf (smooth idf, as scikit-learn)",
                         choices=WEIGHTINGS),
        "sublinear_tf": Key(False, "bool", "use 1 + log(count) instead of the count"),
        "norm": Key("auto", "choice", "row normalisation of the text columns; auto: l2 for tfidf, else none",
                    choices=NORMS),
        "n_jobs": Key(1, "int", "processes that featurise chunks of the documents in parallel (null: every "
                      "core); the matrix is the same whatever the number. The compiled vocabulary fit runs in one "
                      "process; hashing and transform split. Measured on 20 newsgroups, 2 cores: hashing fit "
                      "1.8-2.4 s -> 1.0-1.5 s, transform 1.2 s -> 0.7-1.0 s",
                      low=1, nullable=True),
        "extra": Key([], "extra", "hand-made features appended as named columns (see README)"),
    },
    "model": {
        "type": Key("softmax", "choice", "the loss and model", choices=tuple(MODELS)),
        "fit_intercept": Key(True, "bool", "learn a bias b as well as the weights W (linear models)"),
        "hidden_sizes": Key([], "int_list", "mlp: widths of the hidden layers; one entry is the lecture's two-layer "
                            "network, more its N-layer network, e.g. [256]"),
        "activation": Key("relu", "choice", "mlp: hidden-layer activation", choices=tuple(ACTIVATIONS)),
        "leaky_slope": Key(0.1, "float", "mlp, leaky_relu: the slope a in max(a x, x)", low=0.0, high=1.0),
        "elu_alpha": Key(1.0, "float", "mlp, elu: alpha in alpha (e^x - 1) for x < 0", positive=True),
        "maxout_pieces": Key(2, "int", "mlp, maxout: linear pieces per unit", low=2),
        "dropout": Key(0.0, "float", "mlp: probability of dropping a hidden unit in training", low=0.0, high=0.9),
        "wide": Key(False, "bool", "mlp: add a linear path from the features straight to the output (wide & deep), "
                    "so the network contains the linear model"),
    },
    "training": {
        "epochs": Key(5, "int", "passes over the training data (the fixed-iterations stopping rule)", low=1),
        "learning_rate": Key(0.1, "float", "step size η", positive=True),
        "schedule": Key("constant", "choice", "learning-rate schedule η_t at step t (from 1) of T planned: constant "
                        "η0; invscaling η0 / t^power_t; optimal 1 / (l2 (t0 + t)) with t0 = 1/(η0 l2) - 1 (Bottou's, "
                        "needs l2 > 0); linear η0 (1 - (t-1)/T) (fastText's)", choices=tuple(SCHEDULES)),
        "power_t": Key(0.5, "float", "exponent of the invscaling schedule", low=0.0),
        "batch_size": Key(32, "int", "examples per step: 1 is incremental mode, larger is minibatch mode",
                          low=1),
        "shuffle": Key(True, "bool", "shuffle the examples before each epoch (seeded)"),
        "seed": Key(0, "int", "seed of every random choice: same config, data and seed give the same weights",
                    low=0),
        "optimizer": Key("sgd", "choice", "plain SGD; adagrad (per-weight steps eta g / sqrt(sum of past g²), "
                         "as Vowpal Wabbit's --adaptive; linear models: batch_size 1, no l1); linear models also "
                         "normalized_adagrad (AdaGrad on each feature's own scale, Vowpal Wabbit's default "
                         "--adaptive --normalized; batch_size 1, no l1); hinge, squared_hinge, logistic and "
                         "linear also dual_cd (dual coordinate descent to the optimum of the same objective, LIBLINEAR's solver: needs "
                         "l2 > 0, no l1 or average; the intercept is penalised; learning_rate, schedule and "
                         "batch_size do not apply); mlp also momentum and adam",
                         choices=tuple(OPTIMIZERS) + ("normalized_adagrad", "dual_cd")),
        "momentum": Key(0.9, "float", "mlp, momentum: the factor mu", low=0.0, high=0.999),
        "nesterov": Key(False, "bool", "mlp, momentum: Nesterov's look-ahead form"),
        "beta1": Key(0.9, "float", "mlp, adam: decay of the mean of the gradients", low=0.0, high=0.999999),
        "beta2": Key(0.999, "float", "mlp, adam: decay of the mean of the squared gradients", low=0.0,
                     high=0.999999),
        "epsilon": Key(1e-8, "float", "mlp, adam: added to the denominator", positive=True),
        "l2": Key(0.0, "float", "L2 penalty λ: the objective is mean loss + λ/2 ||W||²", low=0.0),
        "l1": Key(0.0, "float", "L1 penalty: adds l1 ‖W‖₁ to the objective (with l2 > 0 too: elastic net); "
                  "applied lazily by the cumulative-penalty method", low=0.0),
        "average": Key(False, "bool", "averaged SGD / averaged perceptron: keep the mean of the weights over all "
                       "steps"),
        "class_weight": Key(None, "class_weight", "null, balanced (n / (k n_class)), or a mapping label -> weight "
                            "(missing labels weigh 1)", nullable=True),
        "dual_tol": Key(0.1, "float", "dual_cd: a class has converged when its projected gradients span at "
                        "most this over a pass of every example (logistic: its largest absolute gradient is below it; "
                        "LIBLINEAR's eps, its default 0.1); training stops when every class has (stop reason "
                        "converged) or after epochs passes",
                        positive=True),
        "nb_scale": Key(0.0, "float", "dual_cd: NB-SVM (Wang & Manning 2012): each class's problem sees feature j "
                        "scaled by abs(r_cj)^nb_scale, r_cj the naive-Bayes log-count ratio of documents holding j in "
                        "class c against the rest; the weights are folded back, so predict is unchanged; 0: off",
                        low=0.0),
        "nb_alpha": Key(1.0, "float", "dual_cd, nb_scale: smoothing added to each class's document counts",
                        positive=True),
        "tol": Key(None, "float", "loss rule: stop when the training loss has not improved by tol for "
                   "`patience` epochs", low=0.0, nullable=True),
        "loss_lower_bound": Key(None, "float", "loss rule: stop when the training loss is within tol of "
                                "this bound (e.g. 0)", nullable=True),
        "patience": Key(5, "int", "epochs without improvement before a rule stops training", low=1),
        "early_stopping": Key(False, "bool", "validation rule: stop when validation accuracy has not "
                              "improved for `patience` epochs and keep the best weights"),
    },
    "output": {
        "dir": Key(None, "path", "output folder (default: runs/<config name> under the current folder)",
                   nullable=True),
        "model": Key("model.npz", "str", "model file name inside output.dir"),
        "metrics": Key("metrics.json", "str", "metrics file name inside output.dir"),
        "train_metrics": Key(True, "bool", "evaluate the training data after training (streaming: one more pass)"),
    },
}

DEFAULTS = {section: {name: key.default for name, key in keys.items()} for section, keys in SCHEMA.items()}


def suggest(name, options, *, allowed=True):
    """"; did you mean 'x'?" for the closest option, else the list of options (or nothing)."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; allowed: {', '.join(options)}" if allowed else ""


def check_value(path, key, value, problems):
    """Check one value against its Key; append problems; return the (possibly converted) value."""
    def fail(expected):
        problems.append(f"{path}: must be {expected}; got {value!r}")
        return value

    if value is None:
        return value if key.nullable else fail(f"set ({describe(key)})")
    kind = key.kind
    if kind == "bool":
        return value if isinstance(value, bool) else fail("true or false")
    if kind == "float" and isinstance(value, str):
        try:  # PyYAML reads 1e-5 (no dot) as a string: YAML 1.1's float needs "1.0e-5"
            value = float(value)
        except ValueError:
            return fail(describe(key))
    if kind in ("int", "float"):
        ok_type = (int,) if kind == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            return fail(describe(key))
        if (key.low is not None and value < key.low) or (key.high is not None and value > key.high) or (
                key.positive and value <= 0):
            return fail(describe(key))
        return float(value) if kind == "float" else value
    if kind == "choice":
        if value not in key.choices:
            problems.append(f"{path}: must be one of {', '.join(map(str, key.choices))}; got {value!r}"
                            + suggest(str(value), key.choices, allowed=False))
        return value
    if kind in ("str", "path", "regex"):
        if not isinstance(value, str) or not value:
            return fail("a non-empty string")
        if kind == "regex":
            try:
                re.compile(value)
            except re.error as exc:
                return fail(f"a valid regular expression ({exc})")
        return value
    if kind == "pair":
        if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                                                      for v in value) or not 1 <= value[0] <= value[1]):
            return fail("[min_n, max_n] with 1 <= min_n <= max_n")
        return value
    if kind == "df":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return fail("an int >= 1 or a float in (0, 1]")
        if isinstance(value, int) and value < 1 or isinstance(value, float) and not 0 < value <= 1:
            return fail("an int >= 1 or a float in (0, 1]")
        return value
    if kind == "int_list":
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                  for v in value):
            return fail("a list of positive ints, e.g. [256]")
        return value
    if kind == "list_str":
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            return fail("a list of labels")
        return [str(v) for v in value]
    if kind == "stop_words":
        if value == "english" or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        return fail("null, english, or a list of words")
    if kind == "class_weight":
        if value == "balanced" or (isinstance(value, dict) and all(
                isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0 for w in value.values())):
            return {str(k): float(w) for k, w in value.items()} if isinstance(value, dict) else value
        return fail("null, balanced, or a mapping label -> weight > 0")
    if kind == "extra":
        return check_extra(path, value, problems)
    raise AssertionError(kind)


def describe(key):
    if key.kind in ("int", "float"):
        noun = "an int" if key.kind == "int" else "a number"
        if key.positive:
            return f"{noun} > 0"
        if key.low is not None and key.high is not None:
            return f"{noun} in [{key.low}, {key.high}]"
        if key.low is not None:
            return f"{noun} >= {key.low}"
        return noun
    return {"bool": "true or false", "choice": "one of " + ", ".join(map(str, key.choices))}.get(key.kind, key.kind)


def check_extra(path, value, problems):
    if not isinstance(value, list):
        problems.append(f"{path}: must be a list of hand-made features; got {value!r}")
        return []
    out, names = [], set()
    for i, item in enumerate(value):
        where = f"{path} -> [{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping with name and type; got {item!r}")
            continue
        kind = item.get("type")
        if kind not in EXTRA_FEATURES:
            problems.append(f"{where} -> type: must be one of {', '.join(EXTRA_FEATURES)}; got {kind!r}"
                            + suggest(str(kind), EXTRA_FEATURES, allowed=False))
            continue
        params = {**EXTRA_COMMON, **EXTRA_FEATURES[kind][1]}
        spec = {}
        for name in item:
            if name not in params:
                problems.append(f"{where} -> {name}: unknown key for type {kind}{suggest(name, params)}")
        for name, (default, pkind, _doc) in params.items():
            if name not in item:
                if default == "required":
                    problems.append(f"{where} -> {name}: is required for type {kind} ({_doc})")
                spec[name] = None if default == "required" else copy.deepcopy(default)
                continue
            v = item[name]
            if pkind == "bool" and not isinstance(v, bool):
                problems.append(f"{where} -> {name}: must be true or false; got {v!r}")
            elif pkind == "list_str" and not (isinstance(v, list) and all(isinstance(s, str) for s in v)):
                problems.append(f"{where} -> {name}: must be a list of strings; got {v!r}")
            elif pkind in ("str", "path", "regex") and not (v is None or isinstance(v, str) and v):
                problems.append(f"{where} -> {name}: must be a non-empty string; got {v!r}")
            elif name == "transform" and v not in TRANSFORMS:
                problems.append(f"{where} -> transform: must be one of {', '.join(TRANSFORMS)}; got {v!r}")
            spec[name] = v
        if kind == "match_list" and bool(spec.get("header")) == bool(spec.get("field")):
            problems.append(f"{where}: give exactly one of header (an e-mail header) or field (a column)")
        if spec.get("name") in names:
            problems.append(f"{where} -> name: {spec['name']!r} is used twice; give each feature its own name")
        names.add(spec.get("name"))
        out.append(spec)
    return out


def validate(raw, source="config"):
    """Validate a raw mapping against SCHEMA; return the resolved config (defaults filled in)."""
    problems = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([f"the config must be a mapping of sections ({', '.join(SCHEMA)}); got {raw!r}"], source)
    resolved = copy.deepcopy(DEFAULTS)
    for section, values in raw.items():
        if section not in SCHEMA:
            problems.append(f"{section}: unknown section{suggest(str(section), SCHEMA)}")
            continue
        if values is None:
            continue
        if not isinstance(values, dict):
            problems.append(f"{section}: must be a mapping of keys; got {values!r}")
            continue
        for name, value in values.items():
            if name not in SCHEMA[section]:
                problems.append(f"{section} -> {name}: unknown key{suggest(str(name), SCHEMA[section])}")
                continue
            resolved[section][name] = check_value(f"{section} -> {name}", SCHEMA[section][name], value, problems)
    check_combinations(resolved, problems)
    if problems:
        raise ConfigError(problems, source)
    return resolved


def check_combinations(c, problems):
    if c["data"]["train"] is None:
        problems.append("data -> train: is required; set it to the training file or folder")
    f, t = c["features"], c["training"]
    if f["n_features"] is not None:
        for name in ("min_df", "max_df", "max_features"):
            if f[name] != DEFAULTS["features"][name]:
                problems.append(f"features -> {name}: has no effect in hashing mode (n_features is set); remove it")
    if not f["bag_of_words"] and not f["extra"]:
        problems.append("features -> bag_of_words: is false and features.extra is empty, so there are no "
                        "features; set bag_of_words: true or add extra features")
    if isinstance(t["learning_rate"], float) and isinstance(t["l2"], float) and t["learning_rate"] * t["l2"] >= 1:
        problems.append(f"training -> l2: learning_rate * l2 must be < 1 (the weights would flip sign each step); "
                        f"got {t['learning_rate']} * {t['l2']}")
    m = c["model"]
    if m["type"] == "mlp" and not m["hidden_sizes"]:
        problems.append("model -> hidden_sizes: type mlp needs at least one hidden layer, e.g. [256]")
    if m["type"] != "mlp":
        if m["hidden_sizes"]:
            problems.append(f"model -> hidden_sizes: only type mlp has hidden layers; got type {m['type']!r}")
        if m["wide"]:
            problems.append(f"model -> wide: only type mlp has a wide path (a linear model is all path); got type "
                            f"{m['type']!r}")
        if t["optimizer"] not in LINEAR_OPTIMIZERS:
            problems.append(f"training -> optimizer: {t['optimizer']} is for type mlp; linear models use "
                            f"{', '.join(LINEAR_OPTIMIZERS[:-1])} or {LINEAR_OPTIMIZERS[-1]} (with average: true for averaged SGD)")
        elif t["optimizer"] in ADAPTIVE and t["batch_size"] != 1:
            problems.append(f"training -> batch_size: optimizer {t['optimizer']} steps one example at a time (as "
                            f"Vowpal Wabbit); set batch_size: 1 (got {t['batch_size']})")
        elif t["optimizer"] == "dual_cd":
            check_dual(c, problems)
        elif t["optimizer"] in ADAPTIVE and t["l1"]:
            problems.append(f"training -> l1: the lazy L1 penalty assumes one step size for every weight, which "
                            f"{t['optimizer']} does not have; use l2, or optimizer: sgd with l1")
    elif t["optimizer"] not in OPTIMIZERS:
        problems.append(f"training -> optimizer: {t['optimizer']} is for the linear models; type mlp uses "
                        f"{', '.join(OPTIMIZERS)}")
    if t["schedule"] == "optimal" and not t["l2"]:
        problems.append("training -> schedule: optimal is 1 / (l2 (t0 + t)) and needs l2 > 0; set training.l2 "
                        "(e.g. 1e-5) or choose another schedule")
    if t["early_stopping"] and c["data"]["valid"] is None and not c["data"]["validation_split"]:
        problems.append("training -> early_stopping: needs validation data; set data.valid or "
                        "data.validation_split (e.g. 0.1)")
    if t["nb_scale"] and t["optimizer"] != "dual_cd":
        problems.append(f"training -> nb_scale: the naive-Bayes scaling is part of the dual_cd solver; set "
                        f"training.optimizer: dual_cd (got {t['optimizer']}) or remove nb_scale")
    check_streaming(c, problems)
    if c["data"]["text_field"] is None and f["bag_of_words"]:
        problems.append("data -> text_field: is null but features.bag_of_words is true; name the text column")


def check_dual(c, problems):
    m, t = c["model"], c["training"]
    if m["type"] not in ("hinge", "squared_hinge", "logistic", "linear"):
        problems.append(f"training -> optimizer: dual_cd solves the hinge, squared_hinge, logistic and linear models; "
                        f"got type {m['type']!r}: use optimizer sgd, or one of those types")
    if not t["l2"]:
        problems.append("training -> l2: dual_cd solves mean loss + l2/2 ||W||² and needs l2 > 0, e.g. 1e-4")
    if t["l1"]:
        problems.append(f"training -> l1: dual_cd has no L1 penalty (got {t['l1']}); remove it or use optimizer sgd")
    if t["average"]:
        problems.append("training -> average: dual_cd reaches the optimum itself; averaging is for SGD, remove it")
    if c["data"]["chunk_size"]:
        problems.append("data -> chunk_size: dual_cd keeps a dual variable per example and needs the data in "
                        "memory; remove chunk_size or use optimizer sgd")


def check_streaming(c, problems):
    d, f, t = c["data"], c["features"], c["training"]
    if d["train"] == "-" and not d["chunk_size"]:
        problems.append("data -> train: \"-\" (standard input) needs data.chunk_size, e.g. 10000")
    if not d["chunk_size"]:
        return
    if f["n_features"] is None:
        problems.append("data -> chunk_size: streaming needs hashing mode (a vocabulary needs the whole corpus "
                        "first); set features.n_features, e.g. 1048576")
    if f["weighting"] == "tfidf":
        problems.append("data -> chunk_size: tf-idf needs the document frequencies of the whole corpus; use "
                        "features.weighting count or binary when streaming")
    if d["validation_split"]:
        problems.append("data -> validation_split: not available when streaming; give data.valid instead")
    if c["model"]["type"] == "mlp":
        problems.append("data -> chunk_size: streaming is for the linear models; an mlp trains in memory")
    if d["train"] == "-" and (not d["classes"] or t["epochs"] != 1 or t["schedule"] == "linear"):
        problems.append("data -> train: standard input can be read once and not counted ahead: set "
                        "training.epochs: 1, list the labels in data.classes, and use a schedule other than linear")


def set_override(raw, assignment):
    """Apply one ``--set section.key=value`` (value parsed as YAML) to the raw mapping."""
    path, sep, text = assignment.partition("=")
    parts = path.strip().split(".")
    if not sep or len(parts) != 2 or not all(parts):
        raise ConfigError([f"--set {assignment!r}: expected section.key=value, e.g. training.epochs=10"], "--set")
    try:
        value = text.strip() if text.strip() == "-" else yaml.safe_load(text) if text.strip() else None  # - is stdin
    except yaml.YAMLError as exc:
        raise ConfigError([f"--set {assignment!r}: the value is not valid YAML: {exc}"], "--set") from None
    section = raw.setdefault(parts[0], {})
    if not isinstance(section, dict):
        raise ConfigError([f"--set {assignment!r}: {parts[0]} is not a mapping in the config"], "--set")
    section[parts[1]] = value


def read_yaml(path):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SgdtextError(f"{path}: no such config file; give the path of a YAML config (see configs/)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SgdtextError(f"{path}: cannot read the config: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SgdtextError(f"{where}: the config is not valid YAML: {problem}; fix the syntax") from None


def load_config(path, overrides=(), *, out_dir=None, environ=None):
    """Read, override, validate and resolve a config file. Returns the resolved mapping."""
    environ = os.environ if environ is None else environ
    path = Path(path)
    raw = read_yaml(path)
    if raw is None:
        raw = {}
    if isinstance(raw, dict):
        for assignment in overrides:
            set_override(raw, assignment)
    config = validate(raw, str(path))
    return resolve_paths(config, path, out_dir=out_dir, environ=environ)


def resolve_paths(config, config_path, *, out_dir=None, environ=None):
    """Make every path absolute: data paths from data.root (or SGDTEXT_DATA) else the config's folder."""
    base = Path(config_path).resolve().parent
    data = config["data"]
    env_root = (environ or {}).get("SGDTEXT_DATA")
    if data["root"] and env_root:  # replaces a config's data.root; relative to the current folder
        data_base = Path(env_root).resolve()
    else:
        data_base = (base / data["root"]).resolve() if data["root"] else base
    data["root"] = str(data_base) if data["root"] else None
    for name in ("train", "valid", "test"):
        if data[name] is not None and data[name] != "-":
            data[name] = str((data_base / data[name]).resolve())
    for spec in config["features"]["extra"]:
        for name in ("wordlist", "values_file"):
            if spec.get(name):
                spec[name] = str((base / spec[name]).resolve())
    out = config["output"]
    if out_dir is not None:
        out["dir"] = str(Path(out_dir).resolve())
    elif out["dir"] is None:
        out["dir"] = str(Path("runs", Path(config_path).stem).resolve())
    else:
        out["dir"] = str((base / out["dir"]).resolve())
    return config


def reference_markdown():
    """The README's config reference, built from SCHEMA (a test keeps the README in step)."""
    lines = []
    for section, keys in SCHEMA.items():
        lines += ["", f"**{section}**", "", "| key | default | meaning |", "|---|---|---|"]
        for name, key in keys.items():
            default = key.default if isinstance(key.default, str) else \
                yaml.safe_dump(key.default, default_flow_style=True).strip()
            default = default.removesuffix("\n...").strip()
            doc = key.doc + (f" ({', '.join(key.choices)})" if key.kind == "choice" else "")
            lines.append(f"| `{section}.{name}` | `{default}` | {doc.replace('|', '&#124;')} |")  # a | ends a cell
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
