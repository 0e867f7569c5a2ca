"""Every named choice of the config, registered once: what it is, the keys it reads, what it goes with, and where
its implementation lives (imported only when used). The schema's allowed values, the cross-key checks, the
"is set but not used" report, ``train --help`` and the README tables are all built from these registries."""

from sgdtext.registry import Choice, Registry, load

LOSSES = "sgdtext.core.losses"

# model.type. facts: family (linear: one weight vector per column; network: trained by backpropagation),
# proba (the loss is a log-likelihood, so scores give probabilities), multilabel (a loss on one label's yes/no, so
# one-vs-rest trains it per label).
MODELS = Registry("model type", [
    Choice("perceptron", "the lecture's perceptron (two classes); the multi-class perceptron rule for more",
           f"{LOSSES}:Perceptron", facts={"family": "linear", "proba": False, "multilabel": True}),
    Choice("logistic", "logistic regression (two classes); one-vs-rest for more",
           f"{LOSSES}:Logistic", facts={"family": "linear", "proba": True, "multilabel": True}),
    Choice("softmax", "multi-class softmax, one weight vector per class",
           f"{LOSSES}:Softmax", facts={"family": "linear", "proba": True}),
    Choice("hinge", "hinge loss, a linear SVM (two classes); one-vs-rest for more",
           f"{LOSSES}:Hinge", facts={"family": "linear", "proba": False, "multilabel": True}),
    Choice("squared_hinge", "squared hinge loss, LIBLINEAR's default SVM (two classes); one-vs-rest for more",
           f"{LOSSES}:SquaredHinge", facts={"family": "linear", "proba": False, "multilabel": True}),
    Choice("modified_huber", "modified Huber loss, a smooth robust SVM (two classes); one-vs-rest for more",
           f"{LOSSES}:ModifiedHuber", facts={"family": "linear", "proba": False, "multilabel": True}),
    Choice("linear", "the linear unit with squared error, the delta rule (two classes); one-vs-rest for more",
           f"{LOSSES}:Squared", facts={"family": "linear", "proba": False, "multilabel": True}),
    Choice("mlp", "a neural network: model.hidden_sizes hidden layers and a softmax output, trained by "
           "backpropagation", f"{LOSSES}:Softmax",
           reads=("model.hidden_sizes", "model.activation", "model.dropout", "model.wide"),
           facts={"family": "network", "proba": True, "multilabel": True}),
])

# training.optimizer. impl: the network's update rule (sgdtext.nn.optimizers); facts: solvers, the solver of each
# model family it trains; adaptive (per-weight steps: one example a step, no lazy L1); forms (dual_cd: the dual
# problem of each model type it solves); help (train --help).
STEP_KEYS = ("training.learning_rate", "training.schedule", "training.batch_size", "training.shuffle")
SGD_SOLVER, NETWORK_SOLVER = "sgdtext.linear.sgd:SgdSolver", "sgdtext.nn.backprop:NetworkSolver"
OPTIMIZERS = Registry("optimizer", [
    Choice("sgd", "plain SGD", "sgdtext.nn.optimizers:Sgd", reads=STEP_KEYS,
           facts={"solvers": {"linear": SGD_SOLVER, "network": NETWORK_SOLVER}, "help": "every model"}),
    Choice("momentum", "heavy-ball momentum, optionally Nesterov's", "sgdtext.nn.optimizers:Momentum",
           reads=STEP_KEYS + ("training.momentum", "training.nesterov"),
           facts={"solvers": {"network": NETWORK_SOLVER}, "help": "mlp"}),
    Choice("adagrad", "per-weight steps eta g / sqrt(sum of past g²), as Vowpal Wabbit's --adaptive",
           "sgdtext.nn.optimizers:AdaGrad", reads=STEP_KEYS + ("training.epsilon",),
           facts={"solvers": {"linear": SGD_SOLVER, "network": NETWORK_SOLVER}, "adaptive": True,
                  "help": "every model"}),
    Choice("adam", "Adam (Kingma & Ba)", "sgdtext.nn.optimizers:Adam",
           reads=STEP_KEYS + ("training.beta1", "training.beta2", "training.epsilon"),
           facts={"solvers": {"network": NETWORK_SOLVER}, "help": "mlp"}),
    Choice("normalized_adagrad", "AdaGrad on each feature's own scale, Vowpal Wabbit's default --adaptive "
           "--normalized", reads=STEP_KEYS,
           facts={"solvers": {"linear": SGD_SOLVER}, "adaptive": True,
                  "help": "the linear models (Vowpal Wabbit's default update)"}),
    Choice("dual_cd", "dual coordinate descent to the optimum of the same objective (LIBLINEAR's solvers)",
           reads=("training.dual_tol", "training.nb_scale", "training.nb_alpha"),
           facts={"solvers": {"linear": "sgdtext.linear.dual:DualSolver"}, "auto_epochs": 1000,
                  "forms": {"hinge": "hinge", "squared_hinge": "squared_hinge", "logistic": "logistic",
                            "linear": "squared"},
                  "help": "hinge, squared_hinge, logistic, linear: dual coordinate descent to the\n"
                          "optimum (LIBLINEAR's solvers; training.nb_scale: 1 for NB-SVM)"}),
])

SCHEDULES = Registry("schedule", [
    Choice("constant", "η0", "sgdtext.core.schedules:constant"),
    Choice("invscaling", "η0 / t^power_t", "sgdtext.core.schedules:invscaling", reads=("training.power_t",)),
    Choice("optimal", "1 / (l2 (t0 + t)) with t0 = 1/(η0 l2) - 1 (Bottou's, needs l2 > 0)",
           "sgdtext.core.schedules:optimal"),
    Choice("linear", "η0 (1 - (t-1)/T) (fastText's)", "sgdtext.core.schedules:linear"),
])

NETWORK = "sgdtext.nn.network"
ACTIVATIONS = Registry("activation", [
    Choice("sigmoid", "1 / (1 + e^-x)", f"{NETWORK}:sigmoid"),
    Choice("tanh", "tanh x", f"{NETWORK}:tanh"),
    Choice("relu", "max(0, x)", f"{NETWORK}:relu"),
    Choice("leaky_relu", "max(a x, x)", f"{NETWORK}:leaky_relu", reads=("model.leaky_slope",)),
    Choice("elu", "x, or alpha (e^x - 1) for x < 0", f"{NETWORK}:elu", reads=("model.elu_alpha",)),
    Choice("maxout", "the max of model.maxout_pieces linear pieces", f"{NETWORK}:maxout",
           reads=("model.maxout_pieces",)),
    Choice("identity", "a linear hidden layer: a low-rank linear model, as fastText's embeddings",
           f"{NETWORK}:identity"),
])

DOCUMENTS = "sgdtext.io.documents"
READERS = Registry("reader", [
    Choice("tsv", "label<TAB>text, one document a line", f"{DOCUMENTS}:read_tsv"),
    Choice("csv", "a header row; data.label_field and data.text_field name the columns", f"{DOCUMENTS}:read_csv"),
    Choice("jsonl", "one JSON object a line", f"{DOCUMENTS}:read_jsonl"),
    Choice("fasttext", "__label__spam Win a prize", f"{DOCUMENTS}:read_fasttext"),
    Choice("folder", "one sub-folder per class, one document per file", f"{DOCUMENTS}:read_folder"),
    Choice("maildir", "one sub-folder per class, each a maildir (cur/, new/) or a folder of message files",
           "sgdtext.io.mail:read_maildir"),
    Choice("mbox", "an mbox file; each message's label in its data.label_header header", "sgdtext.io.mail:read_mbox"),
])

# predict --input: what its FILES hold (read by sgdtext.io.inputs)
PREDICT_INPUTS = {"lines": "one document a line (the default)", "eml": "each FILE is one mail message",
                  "maildir": "each FILE is a maildir (cur/, new/) or a folder of message files",
                  "mbox": "each FILE is an mbox; each message one document",
                  "jsonl": "JSON Lines; --text-field names the text, --id-field the id",
                  "tsv": "TSV with a header row; --text-column names the text, --id-column the id"}

HANDMADE = "sgdtext.text.handmade"
# features.extra types. facts: params, {parameter: (default, kind, doc)}; "required" marks one without default.
EXTRA_FEATURES = Registry("hand-made feature", [
    Choice("regex", "matches of a regular expression in the text", f"{HANDMADE}:regex_count", facts={"params": {
        "pattern": ("required", "regex", "regular expression whose matches in the text are counted"),
        "ignore_case": (True, "bool", "match regardless of case"),
    }}),
    Choice("not_in_wordlist", "words missing from a word list", f"{HANDMADE}:not_in_wordlist", facts={"params": {
        "wordlist": ("required", "path", "file of known words, one per line (UTF-8)"),
    }}),
    Choice("match_list", "1 when a header or field holds one of the values", f"{HANDMADE}:match_list",
           facts={"params": {
               "header": (None, "str", "e-mail header whose value is matched (e.g. From)"),
               "field": (None, "str", "CSV column / JSON field whose value is matched instead of a header"),
               "values": ([], "list_str", "substrings to look for (case-insensitive)"),
               "values_file": (None, "path", "file with more substrings, one per line"),
           }}),
    Choice("length", "the number of words", f"{HANDMADE}:length", facts={"params": {}}),
    Choice("column", "a number from a CSV column or JSON field", f"{HANDMADE}:column", facts={"params": {
        "column": ("required", "str", "CSV column / JSON field holding a number"),
    }}),
])
EXTRA_COMMON = {
    "name": ("required", "str", "column name shown by inspect (e.g. FROM_FRIEND)"),
    "type": ("required", "choice", "one of " + ", ".join(EXTRA_FEATURES)),
    "transform": ("identity", "choice", "identity, log1p or binary, applied to the value"),
}
TRANSFORMS = Registry("transform", [
    Choice("identity", "the value", f"{HANDMADE}:identity"),
    Choice("log1p", "log(1 + value)", f"{HANDMADE}:log1p"),
    Choice("binary", "1 when the value is not 0", f"{HANDMADE}:binary"),
])

CALIBRATIONS = Registry("calibration", [
    Choice("none", "probabilities only from a loss that is a log-likelihood (logistic, softmax, mlp)"),
    Choice("sigmoid", "Platt's sigmoid per column, fitted on out-of-fold scores (training.calibration_folds)",
           "sgdtext.training.calibration:calibrate", reads=("training.calibration_folds",)),
])

ANALYZERS = ("word", "char", "char_wb")
WEIGHTINGS = ("count", "binary", "tfidf")
NORMS = ("auto", "none", "l1", "l2")  # auto: l2 for tfidf, else none


def model_family(model_type):
    return MODELS[model_type].facts["family"]


def optimizers_for(family):
    """The optimizers that train a model family, in registration order."""
    return tuple(name for name in OPTIMIZERS if family in OPTIMIZERS[name].facts["solvers"])


def solver_class(model_type, optimizer):
    """The solver (a class of the training loop's protocol) that trains ``model_type`` with ``optimizer``."""
    return load(OPTIMIZERS[optimizer].facts["solvers"][model_family(model_type)])
