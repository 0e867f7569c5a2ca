"""The Python API: train from a config (a path, a mapping or a typed Config) into memory, load a model file, and a
Classifier that predicts, scores, explains and saves.

    >>> import sgdtext
    >>> classifier, metrics = sgdtext.train({"data": {"train": "data/sms-spam/train.tsv"}})
    >>> classifier.predict(["WINNER! free prize, call now"])
    ['spam']
"""

import time
from collections.abc import Mapping
from pathlib import Path

from sgdtext.config import Config, load_config, resolve_paths, validate
from sgdtext.errors import SgdtextError
from sgdtext.explanation import explain
from sgdtext.io.versions import live_model
from sgdtext.models import load_model, save_model


class Classifier:
    """A trained model and its featuriser, on raw texts.

    Attributes
    ----------
    classes_ : list of str
        The labels, in the order of predict_proba's columns.
    config : dict
        The resolved config it was trained with.
    """

    def __init__(self, model, featurizer, config):
        self.model, self.featurizer, self.config = model, featurizer, config

    @property
    def classes_(self):
        return list(self.model.classes)

    def _scores(self, texts):
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise SgdtextError("texts must be a list of strings (one document each); got "
                               f"{type(texts).__name__ if isinstance(texts, str) else 'other values among them'}")
        return self.model.scores(self.featurizer.transform_texts(list(texts)))

    def decision_function(self, texts):
        """Scores (n,) for a two-class model with one weight vector (>= 0: classes_[1]), else (n, classes)."""
        scores = self._scores(texts)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, texts):
        """The predicted label of each text (as `sgdtext predict`)."""
        return [self.model.classes[i] for i in self.model.predict_index(self._scores(texts))]

    def predict_proba(self, texts):
        """Probabilities (n, classes) where the model has them (logistic, softmax, mlp, or calibrated)."""
        if not self.model.has_proba:
            raise SgdtextError(f"a {self.model.model_type} model gives no probabilities; train model.type: logistic "
                               f"or softmax, or set training.calibration: sigmoid")
        return self.model.proba(self._scores(texts))

    def explain(self, text, top=10):
        """Why the model predicted what it did for ``text`` (see `sgdtext explain`): the label, the score, and the
        ``top`` features by contribution (value * weight), which with the intercept sum to the score."""
        return explain(self.model, self.featurizer, [text], top)[0]

    def save(self, path):
        """Write the model file (the format `sgdtext predict` reads)."""
        save_model(path, self.model, self.featurizer, self.config)


def load(path):
    """Load a model file (or a model folder's live model) as a Classifier.

    Parameters
    ----------
    path : str or Path
        A model file written by `sgdtext train` or ``Classifier.save``, or a model folder (its ``current`` model).

    Returns
    -------
    Classifier

    Raises
    ------
    SgdtextError
        The file is missing, not a model file, or fails the checks of its arrays against its metadata.
    """
    model, featurizer, meta = load_model(live_model(path))
    return Classifier(model, featurizer, meta["config"])


def resolved_config(config):
    """The resolved mapping of a config path, a raw mapping (paths relative to the current folder) or a Config."""
    if isinstance(config, Config):
        return config.mapping
    if isinstance(config, Mapping):
        return resolve_paths(validate(dict(config)), Path.cwd() / "config.yaml")
    return load_config(config)


def train(config, *, out_dir=None, warn=None):
    """Train as a config says, in memory unless asked to write.

    Parameters
    ----------
    config : str, Path, Mapping or sgdtext.config.Config
        A YAML config file (paths in it relative to the file), a mapping of sections as the YAML's (paths relative
        to the current folder), or a typed Config.
    out_dir : str or Path, optional
        Also publish model.npz and metrics.json in this model folder, as `sgdtext train --out-dir` does.
    warn : callable, optional
        Called with each warning's text (a header taken as data, a class with few examples, ...).

    Returns
    -------
    classifier : Classifier
    metrics : dict
        As metrics.json: accuracy and macro F1 on the test data when there is some, per-epoch history, timings.

    Raises
    ------
    SgdtextError
        A config or data problem, with the message the command line prints.
    """
    from sgdtext.training.run import fit_run, run_metrics
    from sgdtext.training.run import train as train_to_folder

    resolved = resolved_config(config)
    warn = warn or (lambda message: None)
    if out_dir is not None:
        resolved = {**resolved, "output": {**resolved["output"], "dir": str(Path(out_dir).resolve())}}
        result = train_to_folder(resolved, warn=warn)
        return Classifier(result.model, result.featurizer, resolved), result.metrics
    started = time.perf_counter()
    typed = Config.from_mapping(resolved)
    fitted = fit_run(typed, warn=warn)
    return Classifier(fitted.model, fitted.featurizer, resolved), run_metrics(typed, fitted,
                                                                              time.perf_counter() - started, None)

