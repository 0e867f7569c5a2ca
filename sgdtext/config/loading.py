"""Loading a config: YAML read safely, ``--set`` overrides applied, every value checked (all problems at once,
by key path, e.g. ``training -> learning_rate: must be a number > 0; got -0.1``), defaults filled in and paths
made absolute (relative to the config file, or to ``data.root`` for data files when it is set)."""

import copy
import glob
import os
from pathlib import Path

import yaml

from sgdtext.config.checks import (
    GLOB_CHARACTERS,
    check_combinations,
    check_value,
    resolve_automatic,
    suggest,
    unused_keys,
)
from sgdtext.config.schema import DEFAULTS, SCHEMA
from sgdtext.errors import ConfigError, SgdtextError


def validate(raw, source="config", *, notes=None, set_keys=()):
    """Validate a raw mapping against SCHEMA; return the resolved config (defaults filled in). ``notes``, a list,
    receives what is valid but worth saying (keys set that the chosen model and optimizer do not read);
    ``set_keys``, the (section, key) pairs --set gave, whose bad values are said to come from --set."""
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
            before = len(problems)
            resolved[section][name] = check_value(f"{section} -> {name}", SCHEMA[section][name], value, problems)
            if (section, name) in set_keys:
                problems[before:] = [f"{problem} (from --set)" for problem in problems[before:]]
    if not problems:  # the rules between keys read values of the right types
        resolve_automatic(resolved)
        check_combinations(resolved, problems)
    if problems:
        raise ConfigError(problems, source)
    if notes is not None:
        notes.extend(unused_keys(raw, resolved))
    return resolved


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
    if parts[0] not in SCHEMA or parts[1] not in SCHEMA[parts[0]]:  # a typo on the command line, not in the file
        unknown = (f"unknown section{suggest(parts[0], SCHEMA)}" if parts[0] not in SCHEMA else
                   f"unknown key{suggest(parts[1], SCHEMA[parts[0]])}")
        raise ConfigError([f"--set {assignment!r}: {unknown}"], "--set")
    section = raw.setdefault(parts[0], {})
    if not isinstance(section, dict):
        raise ConfigError([f"--set {assignment!r}: {parts[0]} is not a mapping in the config"], "--set")
    section[parts[1]] = value


MAX_CONFIG_BYTES = 1 << 20  # a config (or grid) is a few kilobytes; this bounds what a wrong path makes us read


def read_yaml(path, kind="config"):
    """The YAML file ``path`` parsed safely (no code runs); ``kind`` names it in the messages."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise SgdtextError(f"{path}: is larger than {MAX_CONFIG_BYTES:,} bytes, which no {kind} is; give the path "
                               f"of a YAML {kind}")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise SgdtextError(f"{path}: no such {kind} file; give the path of a YAML {kind}"
                           f"{' (see configs/)' if kind == 'config' else ''}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SgdtextError(f"{path}: cannot read the {kind}: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SgdtextError(f"{where}: the {kind} is not valid YAML: {problem}; fix the syntax") from None


def raw_config(path, overrides=()):
    """The config file's mapping as written (with the overrides applied), before defaults and checks."""
    raw = read_yaml(path)
    raw = {} if raw is None else raw
    if isinstance(raw, dict):
        for assignment in overrides:
            set_override(raw, assignment)
    return raw


def load_config(path, overrides=(), *, out_dir=None, environ=None, notes=None):
    """Read, override, validate and resolve a config file. Returns the resolved mapping (``notes``: see
    validate)."""
    environ = os.environ if environ is None else environ
    path = Path(path)
    set_keys = {tuple(assignment.partition("=")[0].strip().split(".", 1)) for assignment in overrides}
    config = validate(raw_config(path, overrides), str(path), notes=notes, set_keys=set_keys)
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
        if isinstance(data[name], list):  # data.train with engine dask: a shard a file
            data[name] = [str((data_base / path).resolve()) for path in data[name]]
        elif data[name] is not None and data[name] != "-":
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


def shard_paths(train):
    """The files of data.train for the dask engine: a list as it is, a glob pattern expanded (sorted), a path as
    itself."""
    if isinstance(train, list):
        return list(train)
    if any(ch in train for ch in GLOB_CHARACTERS):
        return sorted(glob.glob(train))
    return [train]


def path_problems(resolved):
    """The files a resolved config names that cannot be read: data files (a folder for the folder formats), word
    and value lists; one problem each."""
    data, problems = resolved["data"], []
    folder_format = data["format"] in ("folder", "maildir")
    named = [(name, data[name]) for name in ("valid", "test")]
    if resolved["training"]["engine"] == "dask" and data["train"] != "-":
        shards = shard_paths(data["train"])
        if not shards:
            problems.append(f"data -> train: no file matches {data['train']}; check the pattern")
        named += [("train", path) for path in shards]
    else:
        named.insert(0, ("train", data["train"]))
    for name, path in named:
        if path is None or path == "-" or isinstance(path, list):  # (a list for one process: refused by the checks)
            continue
        if not os.path.exists(path):
            problems.append(f"data -> {name}: no such file or folder: {path}; check the path (relative to the "
                            f"config file, or to data.root / SGDTEXT_DATA when set)")
        elif os.path.isdir(path) and not folder_format and data["format"] != "auto":
            problems.append(f"data -> {name}: {path} is a folder, but data.format is {data['format']}")
        elif not os.access(path, os.R_OK):
            problems.append(f"data -> {name}: {path} is not readable (permissions)")
    for i, spec in enumerate(resolved["features"]["extra"]):
        for key in ("wordlist", "values_file"):
            path = spec.get(key)
            if path and not (os.path.isfile(path) and os.access(path, os.R_OK)):
                problems.append(f"features -> extra[{i}] ({spec['name']}) -> {key}: no readable file {path}; check "
                                "the path (relative to the config file)")
    return problems
