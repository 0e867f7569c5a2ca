"""Checks of a config: each value against its schema Key, the hand-made feature definitions, the rules that tie
keys together (which optimizer goes with which model, streaming, ...), and the keys that are set but not used by
the chosen model and optimizer. Problems are strings with the key path, collected so all are reported at once."""

import copy
import difflib
import math
import re
import reprlib

from sgdtext.config.choices import (
    ACTIVATIONS,
    CALIBRATIONS,
    EXTRA_COMMON,
    EXTRA_FEATURES,
    MODELS,
    OPTIMIZERS,
    SCHEDULES,
    TRANSFORMS,
    model_family,
    optimizers_for,
)
from sgdtext.config.schema import DEFAULTS, SCHEMA

MAX_NGRAM = 255  # the longest n-gram (words or characters): the compiled term index keeps a term's length in a byte


def suggest(name, options, *, allowed=True):
    """"; did you mean 'x'?" for the closest option, else the list of options (or nothing)."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; allowed: {', '.join(options)}" if allowed else ""


def check_value(path, key, value, problems):
    """Check one value against its Key; append problems; return the (possibly converted) value."""
    def fail(expected):
        problems.append(f"{path}: must be {expected}; got {shown(value)}")
        return value

    if value is None:
        return value if key.nullable else fail(f"set ({describe(key)})")
    if key.auto and value == "auto":
        return value
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
        if isinstance(value, bool) or not isinstance(value, ok_type) or not math.isfinite(value):
            return fail(describe(key) + " (finite)" * (isinstance(value, float) and not math.isfinite(value)))
        if (key.low is not None and value < key.low) or (key.high is not None and value > key.high) or (
                key.positive and value <= 0):
            return fail(describe(key))
        return float(value) if kind == "float" else value
    if kind == "choice":
        if value not in key.choices:
            problems.append(f"{path}: must be one of {', '.join(map(str, key.choices))}; got {shown(value)}"
                            + suggest(str(value), key.choices, allowed=False))
        return value
    if kind == "paths":
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return value
        if not isinstance(value, str) or not value:
            return fail("a non-empty string, or a list of them")
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
                                                                      for v in value)
                or not 1 <= value[0] <= value[1] <= MAX_NGRAM):
            return fail(f"[min_n, max_n] with 1 <= min_n <= max_n <= {MAX_NGRAM}")
        return value
    if kind == "df":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return fail("an int >= 1 or a float in (0, 1]")
        if isinstance(value, int) and value < 1 or isinstance(value, float) and not 0 < value <= 1:
            return fail("an int >= 1 or a float in (0, 1]")
        return value
    if kind == "int_list":
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 2**16
                                                  for v in value):
            return fail("a list of widths from 1 to 65536, e.g. [256]")
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


SHOWN = reprlib.Repr()
SHOWN.maxlevel, SHOWN.maxstring, SHOWN.maxother, SHOWN.maxlist, SHOWN.maxdict = 3, 80, 80, 6, 6


def shown(value):
    """A value in a message, cut short: a crafted config may hold a huge or deeply shared structure."""
    return SHOWN.repr(value)


def compile_problem(pattern):
    """Why ``pattern`` is not a regular expression, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None


def describe(key):
    if key.kind in ("int", "float"):
        noun = "an int" if key.kind == "int" else "a number"
        if key.positive:
            return f"{noun} > 0"
        if key.low is not None and key.high is not None:
            return f"{noun} in [{key.low}, {key.high}]"
        if key.low is not None:
            return f"{noun} >= {key.low}" + (" or auto" if key.auto else "")
        return noun
    return {"bool": "true or false", "choice": "one of " + ", ".join(map(str, key.choices))}.get(key.kind, key.kind)


def check_extra(path, value, problems):
    if not isinstance(value, list):
        problems.append(f"{path}: must be a list of hand-made features; got {shown(value)}")
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
        params = {**EXTRA_COMMON, **EXTRA_FEATURES[kind].facts["params"]}
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
                problems.append(f"{where} -> {name}: must be true or false; got {shown(v)}")
            elif pkind == "list_str" and not (isinstance(v, list) and all(isinstance(s, str) for s in v)):
                problems.append(f"{where} -> {name}: must be a list of strings; got {shown(v)}")
            elif pkind in ("str", "path", "regex") and not (v is None or isinstance(v, str) and v):
                problems.append(f"{where} -> {name}: must be a non-empty string; got {shown(v)}")
            elif pkind == "regex" and v is not None and compile_problem(v):
                problems.append(f"{where} -> {name}: must be a valid regular expression ({compile_problem(v)}); "
                                f"got {shown(v)}")
            elif name == "transform" and v not in TRANSFORMS:
                problems.append(f"{where} -> transform: must be one of {', '.join(TRANSFORMS)}; got {shown(v)}")
            spec[name] = v
        if kind == "match_list" and bool(spec.get("header")) == bool(spec.get("field")):
            problems.append(f"{where}: give exactly one of header (an e-mail header) or field (a column)")
        if spec.get("name") in names:
            problems.append(f"{where} -> name: {spec['name']!r} is used twice; give each feature its own name")
        names.add(spec.get("name"))
        out.append(spec)
    return out


def multilabel_problems(c):
    """Why the config cannot train a multi-label model (checked when model.multilabel is true, and again when auto
    finds several labels in the data)."""
    kind, problems = c["model"]["type"], []
    if not MODELS[kind].facts.get("multilabel"):
        problems.append(f"model -> multilabel: {kind}'s probabilities share one sum over the labels, so it picks one; "
                        "use a per-label loss: logistic, hinge, squared_hinge, modified_huber")
    if c["data"]["chunk_size"] and model_family(kind) == "network":
        problems.append("model -> multilabel: a network trains in memory; remove data.chunk_size")
    if c["training"]["calibration"] != "none":
        problems.append("model -> multilabel: calibration is for single-label models; use model.type: logistic for "
                        "per-label probabilities")
    if model_family(kind) == "network" and c["training"]["class_weight"] is not None:
        problems.append("model -> multilabel: a multi-label network weighs documents, not labels; remove "
                        "training.class_weight (or use a linear model, one-vs-rest)")
    return problems


# The vocabulary's pruning keys, each with its value that keeps every term, as hashing mode does: a config may state
# that value (or leave the default) in hashing mode; any other value would be ignored there
HASHING_KEEPS = {"min_df": 1, "ngram_min_df": 1, "max_df": 1.0, "max_features": None}


def check_combinations(c, problems):
    if c["data"]["train"] is None:
        problems.append("data -> train: is required; set it to the training file or folder")
    if c["model"]["multilabel"] is True:
        problems.extend(multilabel_problems(c))
    if c["training"]["thresholds"] != "fixed" and not (c["data"]["valid"] or c["data"]["validation_split"]):
        problems.append(f"training -> thresholds: {c['training']['thresholds']} tunes the thresholds on validation "
                        "data; set data.valid or data.validation_split")
    out = c["output"]
    for name in ("model", "metrics"):
        value = out[name]
        if isinstance(value, str) and (value in (".", "..") or "/" in value or "\\" in value):
            problems.append(f"output -> {name}: must be a file name inside output.dir, without a folder; got "
                            f"{shown(value)}")
    if out["model"] == out["metrics"]:
        problems.append(f"output -> metrics: must differ from output.model (both {out['model']!r}), or one would "
                        f"overwrite the other")
    f, t = c["features"], c["training"]
    adaptive = OPTIMIZERS[t["optimizer"]].facts.get("adaptive", False)
    if f["n_features"] is not None:
        for name, keeps_all in HASHING_KEEPS.items():
            if f[name] not in (DEFAULTS["features"][name], keeps_all):
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
        linear = optimizers_for("linear")
        if t["optimizer"] not in linear:
            problems.append(f"training -> optimizer: {t['optimizer']} is for type mlp; linear models use "
                            f"{', '.join(linear[:-1])} or {linear[-1]} (with average: true for averaged SGD)")
        elif adaptive and t["batch_size"] != 1:
            problems.append(f"training -> batch_size: optimizer {t['optimizer']} steps one example at a time (as "
                            f"Vowpal Wabbit); set batch_size: 1 (got {t['batch_size']})")
        elif t["optimizer"] == "dual_cd":
            check_dual(c, problems)
        elif adaptive and t["l1"]:
            problems.append(f"training -> l1: the lazy L1 penalty assumes one step size for every weight, which "
                            f"{t['optimizer']} does not have; use l2, or optimizer: sgd with l1")
    elif t["optimizer"] not in optimizers_for("network"):
        problems.append(f"training -> optimizer: {t['optimizer']} is for the linear models; type mlp uses "
                        f"{', '.join(optimizers_for('network'))}")
    if t["schedule"] == "optimal" and not t["l2"]:
        problems.append("training -> schedule: optimal is 1 / (l2 (t0 + t)) and needs l2 > 0; set training.l2 "
                        "(e.g. 1e-5) or choose another schedule")
    if t["early_stopping"] and c["data"]["valid"] is None and not c["data"]["validation_split"]:
        problems.append("training -> early_stopping: needs validation data; set data.valid or "
                        "data.validation_split (e.g. 0.1)")
    if t["calibration"] != "none" and (m["type"] == "mlp" or c["data"]["chunk_size"]):
        why = "an mlp's softmax gives probabilities" if m["type"] == "mlp" else \
            "calibration trains K more models on the data in memory"
        problems.append(f"training -> calibration: {why}; remove calibration"
                        + ("" if m["type"] == "mlp" else " or data.chunk_size"))
    if t["nb_scale"] and t["optimizer"] != "dual_cd":
        problems.append(f"training -> nb_scale: the naive-Bayes scaling is part of the dual_cd solver; set "
                        f"training.optimizer: dual_cd (got {t['optimizer']}) or remove nb_scale")
    check_streaming(c, problems)
    check_cluster(c, problems)
    if c["data"]["text_field"] is None and f["bag_of_words"]:
        problems.append("data -> text_field: is null but features.bag_of_words is true; name the text column")


def check_dual(c, problems):
    m, t = c["model"], c["training"]
    forms = tuple(OPTIMIZERS["dual_cd"].facts["forms"])
    if m["type"] not in forms:
        problems.append(f"training -> optimizer: dual_cd solves the {', '.join(forms[:-1])} and {forms[-1]} models; "
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


def check_features_without_the_corpus(f, where, who, when, problems):
    """Hashing mode and no tf-idf: what a run needs that never holds the whole corpus in one place (streaming, a
    cluster's shards)."""
    if f["n_features"] is None:
        problems.append(f"{where}: {who} needs hashing mode (a vocabulary needs the whole corpus first); set "
                        f"features.n_features, e.g. 1048576")
    if f["weighting"] == "tfidf":
        problems.append(f"{where}: tf-idf needs the document frequencies of the whole corpus; use "
                        f"features.weighting count or binary {when}")


def check_streaming(c, problems):
    d, f, t = c["data"], c["features"], c["training"]
    if d["train"] == "-" and not d["chunk_size"]:
        problems.append("data -> train: \"-\" (standard input) needs data.chunk_size, e.g. 10000")
    if not d["chunk_size"]:
        return
    check_features_without_the_corpus(f, "data -> chunk_size", "streaming", "when streaming", problems)
    if d["validation_split"]:
        problems.append("data -> validation_split: not available when streaming; give data.valid instead")
    if c["model"]["type"] == "mlp":
        problems.append("data -> chunk_size: streaming is for the linear models; an mlp trains in memory")
    if d["train"] == "-" and (not d["classes"] or t["epochs"] != 1 or t["schedule"] == "linear"):
        problems.append("data -> train: standard input can be read once and not counted ahead: set "
                        "training.epochs: 1, list the labels in data.classes, and use a schedule other than linear")


GLOB_CHARACTERS = "*?["  # a data.train holding one of these is a glob pattern (config.loading.shard_paths)
CLUSTER_OPTIMIZERS = ("sgd", "dual_cd")


def check_cluster(c, problems):
    """What the dask engine needs: hashing features without document frequencies, a linear model, plain SGD steps
    (averaged parameter mixing of sgd, optionally averaged), no L1; a list or glob of training files is its alone."""
    d, f, t, m = c["data"], c["features"], c["training"], c["model"]
    several = isinstance(d["train"], list) or any(ch in str(d["train"]) for ch in GLOB_CHARACTERS)
    if t["engine"] != "dask":
        if several:
            problems.append("data -> train: a list of files or a glob pattern is read by training.engine: dask (a "
                            "shard a file); for one process, give one file or folder")
        return
    check_features_without_the_corpus(f, "training -> engine", "dask", "with engine dask", problems)
    if model_family(m["type"]) != "linear" or m["multilabel"] is True:
        problems.append("training -> engine: dask trains the single-label linear models by parameter mixing; "
                        f"model.type {m['type']}" + (" multi-label" if m["multilabel"] is True else "")
                        + " trains in one process")
    if t["optimizer"] not in ("auto", *CLUSTER_OPTIMIZERS):
        problems.append(f"training -> optimizer: {t['optimizer']} with engine dask; the workers take plain SGD "
                        "steps (optimizer sgd, any schedule, averaging allowed) and the driver averages them, or "
                        "solve a weight column each by dual_cd")
    if t["optimizer"] == "dual_cd" and (t["early_stopping"] or t["tol"] is not None
                                        or t["loss_lower_bound"] is not None):
        problems.append("training -> optimizer: dual_cd with engine dask solves each weight column apart, to "
                        "convergence or training.epochs passes; the loss and validation rules need the columns "
                        "together: remove early_stopping, tol and loss_lower_bound")
    if t["l1"]:
        problems.append("training -> l1: not with engine dask (a lazily clipped weight cannot be averaged from the "
                        "parts that moved); use l2 only")
    if d["chunk_size"]:
        problems.append("data -> chunk_size: engine dask keeps each worker's shards in its memory; remove chunk_size")
    if d["validation_split"]:
        problems.append("data -> validation_split: not with engine dask; give data.valid instead")
    if t["calibration"] != "none":
        problems.append("training -> calibration: not with engine dask; calibrate in one process")
    if d["train"] == "-":
        problems.append("data -> train: standard input cannot be split into shards; give files")


def resolve_automatic(c):
    """mail_text, weighting, optimizer, epochs and dual_tol: auto become the values they stand for (l2: auto needs
    the number of training examples: it is resolved when training)."""
    t = c["training"]
    streaming = bool(c["data"]["chunk_size"]) or t["engine"] == "dask"  # (neither holds the corpus in one place)
    if c["data"]["mail_text"] == "auto":  # mail read as mail; a message in a one-line file as it stands there
        c["data"]["mail_text"] = "parsed" if c["data"]["format"] in ("maildir", "mbox") else "raw"
    if c["features"]["weighting"] == "auto":
        c["features"]["weighting"] = "count" if streaming else "tfidf"
    if t["optimizer"] == "auto":
        dual = c["model"]["type"] in OPTIMIZERS["dual_cd"].facts["forms"] and not streaming
        t["optimizer"] = "dual_cd" if dual else "sgd"
    if t["epochs"] == "auto" and t["optimizer"] in OPTIMIZERS:
        t["epochs"] = OPTIMIZERS[t["optimizer"]].facts.get("auto_epochs", 5)
    if t["dual_tol"] == "auto":
        t["dual_tol"] = 1.0 if c["model"]["type"] == "logistic" else 0.1


# keys every run reads whatever the model and optimizer; the others are read by the choices that list them
ALWAYS_READ = {"training": ("epochs", "seed", "optimizer", "l2", "class_weight", "tol", "loss_lower_bound", "patience",
                            "early_stopping", "calibration", "thresholds", "engine"),
               "model": ("type", "fit_intercept", "multilabel")}
LINEAR_ONLY = ("training.l1", "training.average")  # the SGD loop of the linear models has them


def keys_read(c):
    """The ``section.key`` names of the training and model sections that the chosen choices read."""
    model, optimizer = MODELS[c["model"]["type"]], OPTIMIZERS[c["training"]["optimizer"]]
    read = {f"{section}.{key}" for section, keys in ALWAYS_READ.items() for key in keys}
    read.update(model.reads, optimizer.reads)
    read.update(CALIBRATIONS[c["training"]["calibration"]].reads)
    if c["training"]["l2"] == "auto":
        read.add("training.C")
    if c["training"]["engine"] == "dask":
        read.update(("training.scheduler", "training.workers"))
    if "training.schedule" in optimizer.reads:
        read.update(SCHEDULES[c["training"]["schedule"]].reads)
    if model_family(c["model"]["type"]) == "network":
        read.update(ACTIVATIONS[c["model"]["activation"]].reads)
    elif "training.learning_rate" in optimizer.reads:
        read.update(LINEAR_ONLY)
    return read


def unused_keys(raw, c):
    """Notes for the training and model keys the config sets that the chosen model and optimizer do not read."""
    read, notes = keys_read(c), []
    for section in ("model", "training"):
        for key in (raw.get(section) or {}):
            if f"{section}.{key}" not in read and key in DEFAULTS[section]:
                notes.append(f"{section}.{key} is set, but model type {c['model']['type']} with optimizer "
                             f"{c['training']['optimizer']} does not use it; remove it")
    return notes


def section_problems(section, values):
    """The problems of one section's mapping as a resolved config holds it: every key present, none unknown, each
    value as the schema says (a model file's saved settings are checked with this)."""
    if not isinstance(values, dict):
        return [f"{section}: must be a mapping"]
    keys = SCHEMA[section]
    problems = [f"{section} -> {name}: unknown key" for name in values if name not in keys]
    problems += [f"{section} -> {name}: is missing" for name in keys if name not in values]
    for name in keys.keys() & values.keys():
        check_value(f"{section} -> {name}", keys[name], values[name], problems)
    return problems
