"""The experiment config's schema: every key of every section with its default, type, range and meaning, in one
table. A YAML file states only what differs; the choices come from the registries (config.choices)."""

from typing import NamedTuple

from sgdtext.config.choices import (
    ACTIVATIONS,
    ANALYZERS,
    CALIBRATIONS,
    MODELS,
    NORMS,
    OPTIMIZERS,
    READERS,
    SCHEDULES,
    WEIGHTINGS,
)


class Key(NamedTuple):
    """One config key: its default, its kind of value and range, its meaning."""

    default: object
    kind: str  # int, float, bool, str, path, regex, choice, pair, int_list, df, stop_words, class_weight, extra
    doc: str
    choices: tuple = ()
    low: float | None = None  # inclusive lower bound
    high: float | None = None  # inclusive upper bound
    nullable: bool = False
    positive: bool = False  # strictly > 0
    auto: bool = False  # the string "auto" is allowed too (a value worked out from the data)


SCHEMA = {
    "data": {
        "train": Key(None, "paths", "training documents (file or folder); with training.engine dask also a list of "
                     "files or a glob pattern such as corpus/part-*.tsv, each file a shard"),
        "valid": Key(None, "path", "validation documents, for early stopping and metrics", nullable=True),
        "test": Key(None, "path", "test documents, evaluated after training", nullable=True),
        "root": Key(None, "path", "folder that relative data paths start from (default: the config's folder); "
                    "where a config sets it, the environment variable SGDTEXT_DATA replaces it", nullable=True),
        "format": Key("auto", "choice", "reader", choices=("auto",) + tuple(READERS)),
        "label_field": Key("label", "str", "label column (TSV with header, CSV) or field (JSON Lines)"),
        "text_field": Key("text", "str", "text column or field; null for numeric columns only", nullable=True),
        "header": Key("auto", "choice", "TSV: is the first line a header naming the columns",
                      choices=("auto", "yes", "no")),
        "label_prefix": Key("__label__", "str", "fastText format: label prefix (several on a line: multi-label)"),
        "label_separator": Key(None, "str", "TSV/CSV: the label column holds several labels split on this string "
                               "(multi-label), e.g. ','; null: one label", nullable=True),
        "mail_text": Key("auto", "choice", "what a mail message becomes: parsed (Subject, decoded text parts, HTML "
                         "as text, attachments named) or raw (its bytes on one line, as a one-line-per-document file "
                         "holds mail); auto: parsed for data.format maildir and mbox, else raw. Predict reads mail "
                         "files (--input eml/maildir/mbox) as the model's training did",
                         choices=("auto", "parsed", "raw")),
        "mail_header_tokens": Key([], "list_str", "mail: headers whose words are added as prefixed tokens, e.g. "
                                  "[subject, from] gives subject_free"),
        "label_header": Key("X-Label", "str", "data.format mbox: the header holding each message's label"),
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
        "token_pattern": Key(r"(?u)\b\w+\b", "regex", "regular expression a word matches (scikit-learn's default "
                             "is (?u)\\b\\w\\w+\\b, which drops one-letter words)"),
        "stop_words": Key(None, "stop_words", "null, english (scikit-learn's list), or a list of words",
                          nullable=True),
        "ngram_range": Key([1, 2], "pair", "smallest and largest n of the n-grams, e.g. [1, 1] for words only"),
        "char_ngram_range": Key("auto", "pair", "also count character n-grams inside word boundaries (named "
                                "'c:' + n-gram), e.g. [2, 5]; null: none; auto: [2, 5] when the training documents "
                                "are short (500 characters or fewer on average) and the words are cut by a built-in "
                                "token_pattern, in vocabulary mode, else none (the model file records which). "
                                "Vocabulary mode: the words and the character n-grams are each normalised "
                                "(features.norm) to 1/sqrt(2) of the row (l1: half), as scikit-learn's FeatureUnion "
                                "of two TfidfVectorizers", nullable=True, auto=True),
        "min_df": Key(1, "df", "drop terms in fewer documents (int: count; float in (0, 1]: fraction)"),
        "ngram_min_df": Key(2, "df", "drop n-grams of two or more words in fewer documents (int: count; float in "
                            "(0, 1]: fraction); single words follow min_df. Vocabulary mode: hashing keeps every "
                            "n-gram"),
        "max_df": Key(1.0, "df", "drop terms in more documents (int: count; float in (0, 1]: fraction)"),
        "max_features": Key(None, "int", "keep only the most frequent terms", low=1, nullable=True),
        "n_features": Key(None, "int", "hashing mode: number of hashed columns, no vocabulary (null: "
                          "vocabulary mode)", low=2, high=2**28, nullable=True),
        "alternate_sign": Key(True, "bool", "hashing mode: a hash bit chooses the sign, so collisions cancel"),
        "weighting": Key("auto", "choice", "counts, 0/1, or tf-idf (smooth idf, as scikit-learn); auto: tfidf, or "
                         "count when streaming (tf-idf needs the whole corpus)",
                         choices=("auto",) + WEIGHTINGS),
        "sublinear_tf": Key(True, "bool", "use 1 + log(count) instead of the count"),
        "norm": Key("auto", "choice", "row normalisation of the text columns; auto: l2 for tfidf, else none",
                    choices=NORMS),
        "n_jobs": Key(1, "int", "processes that featurise chunks of the documents in parallel (null: every "
                      "core); the matrix is the same whatever the number. The compiled vocabulary fit runs in one "
                      "process (tokenising on a second thread from a million characters on); hashing and transform "
                      "split; in one process the compiled transform counts on a thread per core",
                      low=1, nullable=True),
        "extra": Key([], "extra", "hand-made features appended as named columns (see README)"),
    },
    "model": {
        "type": Key("logistic", "choice", "the loss and model", choices=tuple(MODELS)),
        "fit_intercept": Key(True, "bool", "learn a bias b as well as the weights W (linear models)"),
        "multilabel": Key("auto", "bool", "a document holds any number of labels (fastText lines with several "
                          "__label__, JSON label lists, data.label_separator): one-vs-rest, a label predicted when its "
                          "score reaches its threshold; auto: when the training data holds a document with other "
                          "than one label (said on stderr)", auto=True),
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
        "epochs": Key("auto", "int", "passes over the training data (the fixed-iterations stopping rule); auto: "
                      "1000 for dual_cd (which stops when it has converged, LIBLINEAR's limit), 5 for the others",
                      low=1, auto=True),
        "learning_rate": Key(0.1, "float", "step size η", positive=True),
        "schedule": Key("constant", "choice", "learning-rate schedule η_t at step t (from 1) of T planned: constant "
                        "η0; invscaling η0 / t^power_t; optimal 1 / (l2 (t0 + t)) with t0 = 1/(η0 l2) - 1 (Bottou's, "
                        "needs l2 > 0); linear η0 (1 - (t-1)/T) (fastText's)", choices=tuple(SCHEDULES)),
        "power_t": Key(0.5, "float", "exponent of the invscaling schedule", low=0.0),
        "batch_size": Key(32, "int", "examples per step: 1 is incremental mode, larger is minibatch mode",
                          low=1, high=2**20),
        "shuffle": Key(True, "bool", "shuffle the examples before each epoch (seeded)"),
        "seed": Key(0, "int", "seed of every random choice: same config, data and seed give the same weights",
                    low=0),
        "optimizer": Key("auto", "choice", "auto: dual_cd for the models it solves (logistic, hinge, "
                         "squared_hinge, linear) in memory, sgd for the others and when streaming; sgd: plain SGD; "
                         "adagrad (per-weight steps eta g / sqrt(sum of past g²), "
                         "as Vowpal Wabbit's --adaptive; linear models: batch_size 1, no l1); linear models also "
                         "normalized_adagrad (AdaGrad on each feature's own scale, Vowpal Wabbit's default "
                         "--adaptive --normalized; batch_size 1, no l1); hinge, squared_hinge, logistic and "
                         "linear also dual_cd (dual coordinate descent to the optimum of the same objective, "
                         "LIBLINEAR's solver: needs l2 > 0, no l1 or average; the intercept is penalised; "
                         "learning_rate, schedule and batch_size do not apply); mlp also momentum and adam",
                         choices=("auto",) + tuple(OPTIMIZERS)),
        "momentum": Key(0.9, "float", "mlp, momentum: the factor mu", low=0.0, high=0.999),
        "nesterov": Key(False, "bool", "mlp, momentum: Nesterov's look-ahead form"),
        "beta1": Key(0.9, "float", "mlp, adam: decay of the mean of the gradients", low=0.0, high=0.999999),
        "beta2": Key(0.999, "float", "mlp, adam: decay of the mean of the squared gradients", low=0.0,
                     high=0.999999),
        "epsilon": Key(1e-8, "float", "mlp, adam: added to the denominator", positive=True),
        "l2": Key("auto", "float", "L2 penalty λ: the objective is mean loss + λ/2 ||W||²; auto: 1/(C n) for n "
                  "training examples and C = training.C (LIBLINEAR's and scikit-learn's C: the penalty weighs the "
                  "same against the sum of the losses whatever the size of the data)", low=0.0, auto=True),
        "C": Key(30.0, "float", "with l2: auto, the inverse penalty C of LIBLINEAR and scikit-learn "
                 "(larger: a closer fit)", positive=True),
        "l1": Key(0.0, "float", "L1 penalty: adds l1 ‖W‖₁ to the objective (with l2 > 0 too: elastic net); "
                  "applied lazily by the cumulative-penalty method", low=0.0),
        "average": Key(False, "bool", "averaged SGD / averaged perceptron: keep the mean of the weights over all "
                       "steps"),
        "class_weight": Key(None, "class_weight", "null, balanced (n / (k n_class)), or a mapping label -> weight "
                            "(missing labels weigh 1); multi-label: balanced weighs each label's positives and "
                            "negatives apart, a mapping weighs a label's positive documents", nullable=True),
        "thresholds": Key("fixed", "choice", "multi-label: a label is predicted when its score reaches its threshold: "
                          "fixed (0: probability 0.5 for logistic, the margin's sign otherwise), or tuned on the "
                          "validation data (data.valid or data.validation_split) for each label's F1 (per_label) or "
                          "for micro F1 (micro, one threshold for every label)",
                          choices=("fixed", "per_label", "micro")),
        "dual_tol": Key("auto", "float", "dual_cd: a class has converged when its projected gradients span at "
                        "most this over a pass of every example (logistic: its largest absolute gradient is below it; "
                        "LIBLINEAR's eps); training stops when every class has (stop reason converged) or after "
                        "epochs passes; auto: 1.0 for logistic, 0.1 (LIBLINEAR's default) for the others",
                        positive=True, auto=True),
        "nb_scale": Key(0.0, "float", "dual_cd: NB-SVM (Wang & Manning 2012): each class's problem sees feature j "
                        "scaled by abs(r_cj)^nb_scale, r_cj the naive-Bayes log-count ratio of documents holding j in "
                        "class c against the rest; the weights are folded back, so predict is unchanged; 0: off",
                        low=0.0),
        "nb_alpha": Key(1.0, "float", "dual_cd, nb_scale: smoothing added to each class's document counts",
                        positive=True),
        "calibration": Key("none", "choice", "probabilities for every linear model: sigmoid fits Platt's sigmoid "
                           "per class on scores of documents the model did not train on (K-fold, as scikit-learn's "
                           "CalibratedClassifierCV), for predict --proba and --threshold; costs K more trainings",
                           choices=tuple(CALIBRATIONS)),
        "calibration_folds": Key(5, "int", "calibration: the number of folds K", low=2),
        "tol": Key(None, "float", "loss rule: stop when the training loss has not improved by tol for "
                   "`patience` epochs", low=0.0, nullable=True),
        "loss_lower_bound": Key(None, "float", "loss rule: stop when the training loss is within tol of "
                                "this bound (e.g. 0)", nullable=True),
        "patience": Key(5, "int", "epochs without improvement before a rule stops training", low=1),
        "early_stopping": Key(False, "bool", "validation rule: stop when validation accuracy has not "
                              "improved for `patience` epochs and keep the best weights"),
        "engine": Key("local", "choice", "where training runs: local (this process) or dask (a Dask cluster: "
                      "each worker reads and featurises its shards of data.train and keeps them; each epoch every "
                      "shard takes an epoch of SGD from the mixed weights, which are averaged by examples, i.e. "
                      "iterative parameter mixing; the extra 'dask')", choices=("local", "dask")),
        "scheduler": Key(None, "str", "engine dask: the address of a running Dask scheduler, e.g. "
                         "tcp://10.0.0.5:8786; null: start a LocalCluster of training.workers processes",
                         nullable=True),
        "workers": Key(2, "int", "engine dask without a scheduler: the LocalCluster's worker processes", low=1,
                       high=1024),
    },
    "output": {
        "dir": Key(None, "path", "output folder (default: runs/<config name> under the current folder)",
                   nullable=True),
        "model": Key("model.npz", "str", "model file name inside output.dir"),
        "metrics": Key("metrics.json", "str", "metrics file name inside output.dir"),
        "train_metrics": Key(True, "bool", "evaluate the training data after training (streaming: one more pass)"),
        "weights": Key("float32", "choice", "how the model file stores the weight matrices (training computes in "
                       "float64 either way): float32 halves the file and its loading, scores change by about 1e-7 "
                       "relative; float64 keeps them bit for bit", choices=("float32", "float64")),
    },
}

DEFAULTS = {section: {name: key.default for name, key in keys.items()} for section, keys in SCHEMA.items()}

# What a key added after model files were first written meant where a file lacks it: the behaviour before the key
# (not its default, where the default changed the behaviour)
BEFORE_THE_KEY = {"features": {"ngram_min_df": 1, "char_ngram_range": None}}


def as_saved(section, values):
    """A saved config section with the keys it predates filled in as BEFORE_THE_KEY says."""
    return {**BEFORE_THE_KEY.get(section, {}), **values}
