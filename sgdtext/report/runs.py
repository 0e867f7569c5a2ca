"""Training runs read back from disk: a model folder (its live version), a version folder, or a metrics.json file;
its metrics, and from its model file, where there is one, what the model says of itself and its top features."""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from sgdtext.config.schema import DEFAULTS
from sgdtext.errors import SgdtextError

MAX_METRICS_BYTES = 64 << 20
TOP_FEATURES = 10
NOT_SETTINGS = {("data", "train"), ("data", "valid"), ("data", "test"), ("data", "root"), ("output", "dir")}


@dataclass
class Run:
    name: str
    path: Path
    metrics: dict
    model_summary: str | None = None
    top_features: list | None = None  # [(label, intercept, [(name, weight)] positive, [(name, weight)] negative)]

    @property
    def training(self):
        return self.metrics["training"]

    def splits(self):
        """The evaluated splits, in order: {name: metrics}."""
        return {name: self.metrics[name] for name in ("train", "valid", "test") if isinstance(self.metrics.get(name),
                                                                                              dict)}

    def settings(self):
        """Every config key as "section.key" -> value (data paths and the output folder left out)."""
        config = self.metrics.get("config", {})
        return {f"{section}.{key}": value for section, values in config.items() if isinstance(values, dict)
                for key, value in values.items() if (section, key) not in NOT_SETTINGS}

    def changed_settings(self):
        """The settings that differ from the defaults (automatic values as the run resolved them)."""
        return {name: value for name, value in self.settings().items()
                if DEFAULTS.get(name.split(".")[0], {}).get(name.split(".", 1)[1], object()) != value}


def metrics_file(path):
    path = Path(path)
    if path.is_dir():
        return path / "metrics.json"
    return path


def load_run(path):
    """The Run at ``path`` (a model folder, a version folder or a metrics file); one clear message when it is not
    one."""
    path = Path(path)
    source = metrics_file(path)
    if not source.is_file():
        raise SgdtextError(f"{path}: no metrics.json there; give a model folder or version folder written by "
                           f"sgdtext train, or its metrics.json")
    if source.stat().st_size > MAX_METRICS_BYTES:
        raise SgdtextError(f"{source}: {source.stat().st_size:,} bytes, more than a metrics file can be "
                           f"({MAX_METRICS_BYTES >> 20} MiB); is this the right file?")
    try:
        metrics = json.loads(source.read_text(encoding="utf-8"), parse_constant=lambda _: math.nan)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SgdtextError(f"{source}: not a metrics file sgdtext wrote ({str(exc)[:80]}); give the metrics.json of "
                           f"a training run") from None
    problem = shape_problem(metrics)
    if problem:
        raise SgdtextError(f"{source}: {problem}; give the metrics.json of a training run")
    folder = source.parent
    name = folder.name if folder.name and not folder.name.isdigit() else f"{folder.parent.name}/{folder.name}"
    run = Run(name, folder, metrics)
    model_name = metrics.get("config", {}).get("output", {}).get("model", "model.npz")
    model_path = folder / model_name if isinstance(model_name, str) and "/" not in model_name else None
    if model_path is not None and model_path.is_file():
        run.model_summary, run.top_features = model_facts(model_path)
    return run


def shape_problem(metrics):
    """What keeps ``metrics`` from being read as a run's metrics, or None."""
    if not isinstance(metrics, dict):
        return "not a JSON object"
    training = metrics.get("training")
    if not isinstance(training, dict):
        return "no 'training' section"
    if not isinstance(training.get("epochs", []), list) or not all(
            isinstance(r, dict) and isinstance(r.get("epoch"), int) and number(r.get("loss"))
            and number(r.get("accuracy")) for r in training.get("epochs", [])):
        return "'training.epochs' is not a list of epoch records (epoch, loss, accuracy)"
    for split in ("train", "valid", "test"):
        figures = metrics.get(split)
        if figures is None:
            continue
        if not isinstance(figures, dict) or not number(figures.get("accuracy")):
            return f"'{split}' has no accuracy"
        labels, matrix = figures.get("labels"), figures.get("confusion_matrix")
        if matrix is not None and not (isinstance(labels, list) and isinstance(matrix, list)
                                       and len(matrix) == len(labels)
                                       and all(isinstance(row, list) and len(row) == len(labels)
                                               and all(number(c) for c in row) for row in matrix)):
            return f"'{split}.confusion_matrix' is not a square table over '{split}.labels'"
        per_class = figures.get("per_class", {})
        if not isinstance(per_class, dict) or not all(
                isinstance(v, dict) and all(number(v.get(key)) for key in ("precision", "recall", "f1", "support"))
                for v in per_class.values()):
            return f"'{split}.per_class' is not a table of precision, recall, f1 and support"
    return None


def number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def model_facts(path):
    """(the model's description, its top features per weight vector or None) from the model file at ``path``; a
    file that does not load is left out of the report with its reason as the description."""
    from sgdtext.inspection import top_features
    from sgdtext.models import load_model

    try:
        model, featurizer, _ = load_model(path)
    except SgdtextError as exc:
        return f"(the model file was not read: {exc})", None
    description = model.describe(featurizer.n_features)
    if not model.weight_columns():
        return description, None
    return description, top_features(model, featurizer, TOP_FEATURES)
