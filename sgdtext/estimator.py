"""scikit-learn estimators: ``TextClassifier`` on raw texts (Pipeline, GridSearchCV, cross_val_score),
``LinearClassifier`` on numeric matrices.

TextClassifier's parameters are config keys (``model`` is model.type; ``config`` a mapping of any other keys, by
section); its fit featurises and trains as `sgdtext train` does, in memory.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from sgdtext.api import Classifier
from sgdtext.config import Config, validate
from sgdtext.config.checks import suggest
from sgdtext.config.choices import model_family
from sgdtext.core.losses import LOSSES
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
           "ngram_min_df": ("features", None), "char_ngram_range": ("features", None),
           "l2": ("training", None), "C": ("training", None), "epochs": ("training", None),
           "learning_rate": ("training", None), "batch_size": ("training", None), "seed": ("training", None)}


def checked_texts(X):
    """X as a list of strings, else the ValueError scikit-learn users expect."""
    if isinstance(X, str):
        raise ValueError("X must be an iterable of strings, one document each; got one string")
    texts = list(X)
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("X must be an iterable of strings, one document each")
    return texts


def checked(X, y):
    """(texts, labels) after scikit-learn's checks: strings, one label each."""
    texts, y = checked_texts(X), np.asarray(y)
    if len(texts) != len(y):
        raise ValueError(f"X has {len(texts)} documents but y has {len(y)} labels")
    return texts, y


def checked_weights(sample_weight, n):
    """sample_weight as n finite non-negative floats (ones when None)."""
    if sample_weight is None:
        return np.ones(n)
    weights = np.asarray(sample_weight, dtype=float).reshape(-1)
    if len(weights) != n:
        raise ValueError(f"sample_weight has {len(weights)} values for {n} documents")
    if not (np.all(np.isfinite(weights)) and np.all(weights >= 0)):
        raise ValueError("sample_weight must hold finite values >= 0")
    return weights


def stream_classes(classes):
    """(class names as the model stores them, classes_ in their own type) from partial_fit's first ``classes``."""
    if classes is None:
        raise ValueError("classes must be given on the first call to partial_fit (all the labels, as "
                         "scikit-learn's SGDClassifier)")
    original = {str(label): label for label in np.asarray(classes).tolist()}
    if len(original) < 2:
        raise ValueError("classes holds one class; a classifier needs at least two")
    names = sort_labels(set(original))
    return names, np.array([original[name] for name in names])


def check_same_classes(classes, known):
    """A later partial_fit's ``classes`` must be the first call's (or fit's), when given."""
    if classes is not None and [str(c) for c in np.unique(np.asarray(classes))] != [str(c) for c in known]:
        raise ValueError(f"classes {np.unique(classes).tolist()} differ from the ones the model was started with "
                         f"{np.asarray(known).tolist()}")


class SgdStream:
    """partial_fit's SGD: the weights' state, the settings and the random order, kept from batch to batch."""

    def __init__(self, model, config, n_first):
        settings = TrainSettings.from_config(config, n_examples=n_first)
        if settings.average or settings.schedule == "linear" or settings.optimizer not in ("sgd", "adagrad",
                                                                                               "normalized_adagrad"):
            raise ValueError("partial_fit steps SGD a batch at a time: use optimizer sgd, adagrad or "
                             "normalized_adagrad, no average, a schedule other than linear")
        self.settings, self.state = settings, SgdState(model.W, model.b, settings)
        self.rng = np.random.default_rng(config.training.seed)
        self.index = {name: i for i, name in enumerate(model.classes)}

    def step(self, model, X, labels, sample_weight):
        """One pass over the batch X (CSR rows) whose labels are class names of the model."""
        missing = sorted(set(labels) - set(self.index))
        if missing:
            raise ValueError(f"y holds {missing[0]!r}, not one of the classes given on the first call")
        y = np.array([self.index[label] for label in labels], dtype=np.int64)
        weights = checked_weights(sample_weight, len(y))
        order = self.rng.permutation(len(y)) if self.settings.shuffle else np.arange(len(y))
        with np.errstate(over="ignore", invalid="ignore"):
            train_pass(self.state, model, X, y, weights, order, total=1, epoch=1)
        self.state.fold()  # W = scale V with scale 1: the model predicts with the weights so far


class TextClassifier(ClassifierMixin, BaseEstimator):
    r"""A text classifier on raw texts with sgdtext's defaults, as a scikit-learn estimator.

    ``fit`` featurises and trains as `sgdtext train` does, in memory; the parameters are config keys (the README's
    config reference tells each one's meaning and range).

    Parameters
    ----------
    model : str, default "logistic"
        model.type: a linear loss (logistic, hinge, squared_hinge, softmax, ...), "nbsvm" or "mlp".
    optimizer : str, default "auto"
        training.optimizer; "auto" is dual_cd for the losses it solves, sgd otherwise and in ``partial_fit``.
    ngram_range : tuple of int, default (1, 2)
        features.ngram_range: the shortest and longest word n-grams.
    token_pattern : str, default r"(?u)\b\w+\b"
        features.token_pattern: the regular expression a token matches.
    weighting : str, default "auto"
        features.weighting: count, binary, tfidf, tfidf_sublinear, ...; "auto" is sublinear tf-idf (counts in
        ``partial_fit``).
    min_df : int, default 1
        features.min_df: a term kept must be in at least this many documents.
    ngram_min_df : int, default 2
        features.ngram_min_df: an n-gram of two or more words kept must be in at least this many documents.
    char_ngram_range : tuple of int, None or "auto", default "auto"
        features.char_ngram_range: character n-grams inside word boundaries beside the words, e.g. (2, 5); "auto"
        is (2, 5) when the training texts are short (500 characters or fewer on average), else none.
    l2 : float or "auto", default "auto"
        training.l2; "auto" is 1 / (C n) for n training documents.
    C : float, default 30.0
        training.C: the inverse regularisation strength behind ``l2="auto"``.
    epochs : int or "auto", default "auto"
        training.epochs: passes over the data (dual_cd: the most, it stops when converged).
    learning_rate, batch_size, seed : default 0.1, 32, 0
        The training keys of those names.
    config : dict, optional
        Any other keys, by section, e.g. ``{"training": {"calibration": "sigmoid"}}``; where it names a key a
        parameter sets too, its value wins.

    Attributes
    ----------
    classes_ : ndarray
        The labels, sorted, in y's own type; the order of predict_proba's columns.
    n_features_ : int
        The number of feature columns the texts were turned into (vocabulary or hashed). ``n_features_in_`` is
        not set: the input is texts, not a matrix (as scikit-learn's text vectorizers).
    classifier_ : sgdtext.api.Classifier
        The trained model and featuriser (``classifier_.save(path)`` writes a model file `sgdtext predict` reads).

    Examples
    --------
    >>> from sgdtext import TextClassifier
    >>> clf = TextClassifier().fit(["free prize now", "see you at lunch", "win cash now", "lunch at noon?"],
    ...                            ["spam", "ham", "spam", "ham"])
    >>> clf.predict(["free cash"]).tolist()
    ['spam']
    """

    def __init__(self, model="logistic", optimizer="auto", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                 weighting="auto", min_df=1, ngram_min_df=2, char_ngram_range="auto", l2="auto", C=30.0, epochs="auto",
                 learning_rate=0.1, batch_size=32, seed=0, config=None):
        self.model, self.optimizer, self.ngram_range, self.token_pattern = model, optimizer, ngram_range, token_pattern
        self.weighting, self.min_df, self.ngram_min_df = weighting, min_df, ngram_min_df
        self.char_ngram_range = char_ngram_range
        self.l2, self.C, self.epochs = l2, C, epochs
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
        """Featurise the texts and train from scratch.

        Parameters
        ----------
        X : iterable of str
            The documents.
        y : array-like of shape (n_documents,)
            Their labels (at least two classes).
        sample_weight : array-like of shape (n_documents,), optional
            Per-document weights.

        Returns
        -------
        self
        """
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
                  sample_weight=None if sample_weight is None else checked_weights(sample_weight, len(texts)))
        self.classifier_ = Classifier(model, featurizer, config.mapping)
        self.n_features_ = featurizer.n_features
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One SGD pass over a batch, going on from the previous calls, on hashed features.

        As `sgdtext train` with ``data.chunk_size`` streams: features.n_features (default 2^20) hashed columns,
        optimizer ``auto`` meaning sgd. ``fit`` starts again from scratch.

        Parameters
        ----------
        X : iterable of str
            The batch's documents.
        y : array-like of shape (n_documents,)
            Their labels, each one of ``classes``.
        classes : array-like, optional
            Every label the stream will hold; required on the first call, as scikit-learn's SGDClassifier.
        sample_weight : array-like of shape (n_documents,), optional
            Per-document weights.

        Returns
        -------
        self
        """
        texts, y = checked(X, y)
        if hasattr(self, "classifier_"):  # after fit or an earlier partial_fit: go on from the weights
            check_same_classes(classes, self.classes_)
        else:
            names, self.classes_ = stream_classes(classes)
            config = self._config(streaming=True)
            featurizer = Featurizer(config.features)
            featurizer.fit_transform([])  # hashing: nothing to learn
            model = LinearModel.zeros(config.model.type, names, featurizer.n_features)
            self.classifier_ = Classifier(model, featurizer, config.mapping)
            self.n_features_ = featurizer.n_features
        if not hasattr(self, "stream_"):
            self.stream_ = SgdStream(self.classifier_.model, self._config(streaming=True), len(texts))
        matrix = self.classifier_.featurizer.transform_texts(texts)
        self.stream_.step(self.classifier_.model, matrix, [str(label) for label in y.tolist()], sample_weight)
        return self

    def decision_function(self, X):
        """Scores: shape (n,) for a two-class model with one weight vector (>= 0 means classes_[1]), else
        (n, n_classes)."""
        check_is_fitted(self)
        return self.classifier_.decision_function(checked_texts(X))

    def predict(self, X):
        """The predicted label of each text, in classes_'s type."""
        check_is_fitted(self)
        found = {str(label): label for label in self.classes_}
        return np.array([found[label] for label in self.classifier_.predict(checked_texts(X))])

    def predict_proba(self, X):
        """Probabilities (n, n_classes) where the model has them (logistic, softmax, mlp, or calibrated)."""
        check_is_fitted(self)
        try:
            return self.classifier_.predict_proba(checked_texts(X))
        except SgdtextError as exc:
            raise AttributeError(str(exc)) from None


class LinearClassifier(ClassifierMixin, BaseEstimator):
    """sgdtext's linear learners on a numeric matrix (dense or scipy sparse), as scikit-learn's linear classifiers.

    Parameters
    ----------
    model : str, default "logistic"
        A linear model type: logistic, hinge, squared_hinge, modified_huber, softmax, perceptron, linear, ...
    optimizer : str, default "auto"
        dual_cd for the losses it solves (LIBLINEAR's dual coordinate descent), else sgd; ``partial_fit`` always
        steps SGD ("auto" meaning sgd there).
    l2 : float or "auto", default "auto"
        The L2 strength; "auto" is 1 / (C n) for n examples (the summed sample weights).
    C : float, default 30.0
        The inverse regularisation strength behind ``l2="auto"``.
    epochs : int or "auto", default "auto"
        Passes over the data ("auto": 1000 for dual_cd, which stops when converged; 5 for SGD).
    learning_rate : float, default 0.1
        SGD's step size (schedules as training.schedule's default).
    batch_size : int, default 32
        SGD's minibatch size.
    fit_intercept : bool, default True
        Learn an intercept.
    seed : int, default 0
        The seed of the example order; the same seed and data give the same weights, bit for bit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights, one row per weight vector (one for two classes with one weight vector, as scikit-learn).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The intercepts.
    n_features_in_ : int
        The number of columns of X seen in fit.

    Examples
    --------
    >>> import numpy as np
    >>> from sgdtext import LinearClassifier
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2]])
    >>> LinearClassifier().fit(X, ["a", "b", "a", "b"]).predict([[0.0, 2.0]]).tolist()
    ['a']
    """

    def __init__(self, model="logistic", optimizer="auto", l2="auto", C=30.0, epochs="auto", learning_rate=0.1,
                 batch_size=32, fit_intercept=True, seed=0):
        self.model, self.optimizer, self.l2, self.C, self.epochs = model, optimizer, l2, C, epochs
        self.learning_rate, self.batch_size = learning_rate, batch_size
        self.fit_intercept, self.seed = fit_intercept, seed

    def _config(self, streaming=False):
        raw = {"data": {"train": "<memory>"}, "model": {"type": self.model, "fit_intercept": self.fit_intercept},
               "training": {"optimizer": self.optimizer, "l2": self.l2, "C": self.C, "epochs": self.epochs,
                            "learning_rate": self.learning_rate, "batch_size": self.batch_size, "seed": self.seed}}
        if streaming:  # partial_fit: SGD a batch at a time, as the command line's streaming mode (which hashes)
            raw["data"]["chunk_size"], raw["features"] = 1, {"n_features": 2**20}
        try:
            config = Config.from_mapping(validate(raw, "LinearClassifier"))
        except SgdtextError as exc:
            raise ValueError(str(exc)) from None
        if model_family(config.model.type) != "linear":
            raise ValueError(f"model must be a linear model type; got {self.model!r}")
        return config

    def fit(self, X, y, sample_weight=None):
        """Train from scratch.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            At least two classes.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        self.__dict__.pop("stream_", None)
        self.classes_, indices = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y holds one class ({self.classes_[0]!r}); a classifier needs at least two")
        config = self._config()
        self.model_ = LinearModel.zeros(config.model.type, [str(c) for c in range(len(self.classes_))], X.shape[1])
        weights = None if sample_weight is None else checked_weights(sample_weight, X.shape[0])
        if weights is not None and not weights.sum() > 0:
            raise ValueError("sample_weight sums to zero: no example would count")
        n = X.shape[0] if weights is None else weights.sum()  # l2: auto weighs an example of weight 2 as two
        fit_model(self.model_, sp.csr_matrix(X), indices.astype(np.int64),
                  settings=TrainSettings.from_config(config, n_examples=n),
                  rng=np.random.default_rng(config.training.seed), sample_weight=weights)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One SGD pass over the batch, going on from the previous calls (``fit`` starts again).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, each one of ``classes``.
        classes : array-like, optional
            Every label the stream will hold; required on the first call, as scikit-learn's SGDClassifier.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        fitted = hasattr(self, "model_")
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, reset=not fitted)
        check_classification_targets(y)
        if fitted:  # after fit or an earlier partial_fit: go on from the weights
            check_same_classes(classes, self.classes_)
        else:
            if classes is None:
                raise ValueError("classes must be given on the first call to partial_fit (all the labels, as "
                                 "scikit-learn's SGDClassifier)")
            self.classes_ = np.unique(classes)
            if len(self.classes_) < 2:
                raise ValueError("classes holds one class; a classifier needs at least two")
            config = self._config(streaming=True)
            self.model_ = LinearModel.zeros(config.model.type, [str(c) for c in range(len(self.classes_))],
                                            X.shape[1])
        if not hasattr(self, "stream_"):
            self.stream_ = SgdStream(self.model_, self._config(streaming=True), X.shape[0])
        found = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[found] != y
        if unknown.any():
            raise ValueError(f"y holds {y[unknown][0]!r}, not one of the classes given on the first call")
        self.stream_.step(self.model_, sp.csr_matrix(X), [str(i) for i in found], sample_weight)
        return self

    @property
    def coef_(self):
        check_is_fitted(self, "model_")
        return self.model_.W.T

    @property
    def intercept_(self):
        check_is_fitted(self, "model_")
        return self.model_.b

    def _scores(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return self.model_.scores(sp.csr_matrix(X))

    def decision_function(self, X):
        """Scores: shape (n,) for two classes (> 0 means classes_[1]; a softmax model's two scores' difference),
        else (n, n_classes)."""
        scores = self._scores(X)
        if scores.shape[1] == 2 and len(self.classes_) == 2:
            return scores[:, 1] - scores[:, 0]
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The predicted label of each row."""
        scores = self._scores(X)
        return self.classes_[self.model_.predict_index(scores)]

    def _gives_probabilities(self):
        return self.model in LOSSES and LOSSES[self.model].has_proba

    @available_if(_gives_probabilities)
    def predict_proba(self, X):
        """Probabilities (n, n_classes); only for the losses that give them (logistic, softmax, modified_huber)."""
        scores = self._scores(X)
        return self.model_.proba(scores)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
