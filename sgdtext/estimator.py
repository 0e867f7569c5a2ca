"""scikit-learn estimators: ``TextClassifier`` on raw texts (Pipeline, GridSearchCV, cross_val_score),
``LinearClassifier`` on numeric matrices.

TextClassifier's parameters are config keys (``model`` is model.type; ``config`` a mapping of any other keys, by
section); its fit featurises and trains as `sgdtext train` does, in memory.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from sgdtext.api import Classifier
from sgdtext.config import Config, validate
from sgdtext.config.checks import suggest
from sgdtext.config.choices import model_family
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import SgdtextError
from sgdtext.io.documents import Document
from sgdtext.linear.model import LinearModel
from sgdtext.linear.sgd import SgdState, train_pass
from sgdtext.text.features import Featurizer
from sgdtext.training.data import sort_labels
from sgdtext.training.fit import fit as fit_model
from sgdtext.training.run import new_model

SECTION = {"model": ("model", "type"), "optimizer": ("training", "optimizer"), "ngram_range": ("features", None),
           "token_pattern": ("features", None), "weighting": ("features", None), "min_df": ("features", None),
           "l2": ("training", None), "C": ("training", None), "epochs": ("training", None),
           "learning_rate": ("training", None), "batch_size": ("training", None), "seed": ("training", None)}


def checked(X, y):
    """(texts, labels) after scikit-learn's checks: strings, one label each."""
    texts, y = list(X), np.asarray(y)
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("X must be an iterable of strings, one document each")
    if len(texts) != len(y):
        raise ValueError(f"X has {len(texts)} documents but y has {len(y)} labels")
    return texts, y


class TextClassifier(ClassifierMixin, BaseEstimator):
    """A text classifier with sgdtext's defaults; see the README's config reference for each parameter.

    Parameters
    ----------
    model : str, the model.type. optimizer, ngram_range, token_pattern, weighting, min_df, l2, C, epochs,
    learning_rate, batch_size, seed : the config keys of those names. config : dict, other keys by section
    (e.g. {"training": {"calibration": "sigmoid"}}); where it names a key a parameter sets too, its value wins.
    """

    def __init__(self, model="logistic", optimizer="auto", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                 weighting="auto", min_df=1, l2="auto", C=30.0, epochs="auto", learning_rate=0.1, batch_size=32,
                 seed=0, config=None):
        self.model, self.optimizer, self.ngram_range, self.token_pattern = model, optimizer, ngram_range, token_pattern
        self.weighting, self.min_df, self.l2, self.C, self.epochs = weighting, min_df, l2, C, epochs
        self.learning_rate, self.batch_size, self.seed, self.config = learning_rate, batch_size, seed, config

    def _config(self, streaming=False):
        raw = {"data": {"train": "<memory>"}}
        for name, (section, key) in SECTION.items():
            value = getattr(self, name)
            raw.setdefault(section, {})[key or name] = list(value) if isinstance(value, tuple) else value
        for section, values in (self.config or {}).items():  # the config mapping's keys win over the parameters
            raw.setdefault(section, {}).update(values or {})
        if streaming:  # partial_fit: SGD on hashed features, as the command line's streaming mode
            raw["data"]["chunk_size"] = 1
            raw.setdefault("features", {}).setdefault("n_features", 2**20)
        try:
            return Config.from_mapping(validate(raw, "TextClassifier"))
        except SgdtextError as exc:
            raise ValueError(str(exc)) from None

    def set_params(self, **params):
        """As scikit-learn's, with a "did you mean" for a misspelt parameter."""
        valid = self.get_params()
        for name in params:
            if name.partition("__")[0] not in valid:
                raise ValueError(f"Invalid parameter {name!r} for TextClassifier{suggest(name, valid)}")
        return super().set_params(**params)

    def fit(self, X, y, sample_weight=None):
        """Featurise the texts X and train on the labels y (and per-document weights)."""
        texts, y = checked(X, y)
        self.__dict__.pop("stream_", None)
        config = self._config()
        labels = [str(label) for label in y]  # trained on as text; classes_ keeps y's own values
        classes = sort_labels(set(labels))
        original = {str(label): label for label in y.tolist()}
        self.classes_ = np.array([original[label] for label in classes])
        docs = [Document(label, text, None, f"X[{i}]") for i, (label, text) in enumerate(zip(labels, texts))]
        if len(classes) < 2:
            raise ValueError("y holds one class; a classifier needs at least two")
        index = {label: i for i, label in enumerate(classes)}
        featurizer = Featurizer(config.features)
        matrix = featurizer.fit_transform(docs).to_scipy()
        model = new_model(config, classes, matrix, np.random.default_rng([config.training.seed, 2]))
        fit_model(model, matrix, np.array([index[label] for label in labels]),
                  settings=TrainSettings.from_config(config, n_examples=len(texts)),
                  rng=np.random.default_rng(config.training.seed),
                  sample_weight=None if sample_weight is None else np.asarray(sample_weight, dtype=float))
        self.classifier_ = Classifier(model, featurizer, config.mapping)
        self.n_features_ = featurizer.n_features
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One SGD pass over the batch (texts X, labels y), going on from the previous calls, on hashed features
        (features.n_features, default 2^20), as `sgdtext train` with data.chunk_size streams; ``classes``, all the
        labels, on the first call."""
        texts, y = checked(X, y)
        if not hasattr(self, "stream_"):
            self._start_stream(classes, len(texts))
        state, settings, rng, index = self.stream_
        model = self.classifier_.model
        missing = sorted({str(label) for label in y.tolist()} - set(index))
        if missing:
            raise ValueError(f"y holds {missing[0]!r}, not one of the classes given on the first call")
        matrix = self.classifier_.featurizer.transform_texts(texts)
        labels = np.array([index[str(label)] for label in y.tolist()], dtype=np.int64)
        weights = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        order = rng.permutation(len(texts)) if settings.shuffle else np.arange(len(texts))
        with np.errstate(over="ignore", invalid="ignore"):
            train_pass(state, model, matrix, labels, weights, order, total=1, epoch=1)
        state.fold()  # W = scale V with scale 1: the model predicts with the weights so far
        return self

    def _start_stream(self, classes, n):
        if classes is None:
            raise ValueError("classes must be given on the first call to partial_fit (all the labels, as "
                             "scikit-learn's SGDClassifier)")
        config = self._config(streaming=True)
        settings = TrainSettings.from_config(config, n_examples=n)
        if settings.average or settings.schedule == "linear" or settings.optimizer not in ("sgd", "adagrad",
                                                                                               "normalized_adagrad"):
            raise ValueError("partial_fit steps SGD a batch at a time: use optimizer sgd, adagrad or "
                             "normalized_adagrad, no average, a schedule other than linear")
        names = sort_labels({str(label) for label in np.asarray(classes).tolist()})
        original = {str(label): label for label in np.asarray(classes).tolist()}
        self.classes_ = np.array([original[name] for name in names])
        featurizer = Featurizer(config.features)
        featurizer.fit_transform([])  # hashing: nothing to learn
        model = LinearModel.zeros(config.model.type, names, featurizer.n_features)
        self.classifier_ = Classifier(model, featurizer, config.mapping)
        self.n_features_ = featurizer.n_features
        self.stream_ = (SgdState(model.W, model.b, settings), settings, np.random.default_rng(config.training.seed),
                        {name: i for i, name in enumerate(names)})

    def decision_function(self, X):
        check_is_fitted(self)
        return self.classifier_.decision_function(list(X))

    def predict(self, X):
        check_is_fitted(self)
        found = {str(label): label for label in self.classes_}
        return np.array([found[label] for label in self.classifier_.predict(list(X))])

    def predict_proba(self, X):
        check_is_fitted(self)
        return self.classifier_.predict_proba(list(X))


class LinearClassifier(ClassifierMixin, BaseEstimator):
    """sgdtext's linear learners on a numeric matrix (dense or scipy sparse), as scikit-learn's linear classifiers.

    Parameters
    ----------
    model : str, one of the linear model types. optimizer, l2, C, epochs, learning_rate, batch_size, seed : the
    training keys of those names (l2 "auto" is 1/(C n)). fit_intercept : bool.
    """

    def __init__(self, model="logistic", optimizer="auto", l2="auto", C=30.0, epochs="auto", learning_rate=0.1,
                 batch_size=32, fit_intercept=True, seed=0):
        self.model, self.optimizer, self.l2, self.C, self.epochs = model, optimizer, l2, C, epochs
        self.learning_rate, self.batch_size = learning_rate, batch_size
        self.fit_intercept, self.seed = fit_intercept, seed

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        self.classes_, indices = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y holds one class ({self.classes_[0]!r}); a classifier needs at least two")
        raw = {"data": {"train": "<memory>"}, "model": {"type": self.model, "fit_intercept": self.fit_intercept},
               "training": {"optimizer": self.optimizer, "l2": self.l2, "C": self.C, "epochs": self.epochs,
                            "learning_rate": self.learning_rate, "batch_size": self.batch_size, "seed": self.seed}}
        try:
            config = Config.from_mapping(validate(raw, "LinearClassifier"))
        except SgdtextError as exc:
            raise ValueError(str(exc)) from None
        if model_family(config.model.type) != "linear":
            raise ValueError(f"model must be a linear model type; got {self.model!r}")
        X = sp.csr_matrix(X)
        self.model_ = LinearModel.zeros(config.model.type, [str(c) for c in range(len(self.classes_))], X.shape[1])
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weights is not None and not weights.sum() > 0:
            raise ValueError("sample_weight sums to zero (or is not finite): no example would count")
        n = X.shape[0] if weights is None else weights.sum()  # l2: auto weighs an example of weight 2 as two
        fit_model(self.model_, X, indices.astype(np.int64), settings=TrainSettings.from_config(config, n_examples=n),
                  rng=np.random.default_rng(config.training.seed), sample_weight=weights)
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        scores = self.model_.scores(sp.csr_matrix(X))
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        scores = self.decision_function(X)
        return self.classes_[self.model_.predict_index(scores[:, None] if scores.ndim == 1 else scores)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def predict_proba(self, X):
        check_is_fitted(self)
        if not self.model_.has_proba:
            raise AttributeError(f"a {self.model} model gives no probabilities")
        scores = self.decision_function(X)
        return self.model_.proba(scores[:, None] if scores.ndim == 1 else scores)
