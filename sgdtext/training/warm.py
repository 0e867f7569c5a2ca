"""Warm start (``--init-model``): a saved linear model and its featuriser, checked against the config and made
ready to go on training (new terms get zero weights)."""

import numpy as np

from sgdtext.errors import DataError, SgdtextError
from sgdtext.models import load_model


def extra_definitions(specs):
    """What defines hand-made features, without their files' paths (a word list may move, not change)."""
    return [{k: v for k, v in spec.items() if k not in ("wordlist", "values_file")} for spec in specs]


def warm_start(path, config, classes, docs, warn):
    """Model and featuriser of ``path``, ready to go on training on ``docs`` (see README, warm start)."""
    model, featurizer, meta = load_model(path)
    old = meta["config"]
    problems = [f"features -> {key}: {old['features'][key]!r} in {path}, {value!r} in the config"
                for key, value in config.mapping["features"].items()
                if key not in ("extra", "n_jobs") and old["features"].get(key) != value  # n_jobs: same matrix
                and not (key == "char_ngram_range" and value == "auto")]  # auto: what it became for the model
    if extra_definitions(old["features"]["extra"]) != extra_definitions(config.mapping["features"]["extra"]):
        names = ", ".join(spec["name"] for spec in old["features"]["extra"]) or "none"
        problems.append(f"features -> extra: the hand-made features of {path} ({names}) differ from the config's")
    if model.model_type != config.model.type:
        problems.append(f"model -> type: {model.model_type!r} in {path}, {config.model.type!r} in the config")
    if problems:
        raise SgdtextError(f"--init-model {path}: the config differs from the model it continues:\n  "
                           + "\n  ".join(problems) + "\nuse the model's settings (sgdtext check-config shows yours)")
    unknown = sorted(set(classes) - set(model.classes))
    if unknown:
        raise DataError(f"{config.data.train}: label {unknown[0]!r} is not a class of {path} "
                        f"({', '.join(model.classes)}); a warm start keeps the classes: train a new model")
    n_text = featurizer.n_text_features
    added = featurizer.extend(docs)
    if added:
        rows = np.zeros((added, model.W.shape[1]))
        model.W = np.vstack([model.W[:n_text], rows, model.W[n_text:]])
        adaptive = model.adaptive
        if adaptive is not None:  # new terms: no gradients yet, no scale yet
            adaptive["H"] = np.vstack([adaptive["H"][:n_text], rows, adaptive["H"][n_text:]])
            if len(adaptive["xscale"]) > 1:
                x = adaptive["xscale"]
                adaptive["xscale"] = np.concatenate([x[:n_text], np.zeros(added), x[n_text:]])
        warn(f"warm start: {added} new term(s) added to the vocabulary of {path} with zero weights")
    return model, featurizer
