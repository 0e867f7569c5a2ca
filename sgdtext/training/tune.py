"""``sgdtext tune``: the settings that matter, searched by K-fold cross-validation on the training data (or on
data.valid when the config gives it) within a time budget; the test data is never read.

The search is Optuna's: its TPE sampler proposes settings from what the finished trials scored, and its median
pruner stops a trial whose first folds score below the median of the others at the same fold, so a budget is spent
on promising settings (optuna is the ``tune`` extra); or, with ``--grid``, each point of a grid written by hand
(sgdtext/training/grid.py) once, by Optuna's grid sampler. The first trial is the config as it is, so the tuned config
is never worse than it in cross-validation; on short documents the next is a fixed point outside the sampler's space
(``start_points``). The best trials are scored again before one is chosen (the budget keeps the time for it), so
that luck does not choose: with K folds, those of the stochastic optimizers run with more seeds; with data.valid, the
best and the config as it is are also cross-validated on data.train. The best of them replaces the config as it is
only when ahead of it by more than a standard error on the same documents. The folds of a trial are featurised and
trained two at a time in forked processes (both cores), killed when the budget ends; the matrices of a feature
setting are kept for the next trials that share it.
"""

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np

from sgdtext import progress
from sgdtext.config.choices import ACTIVATIONS, MODELS, model_family
from sgdtext.config.loading import validate
from sgdtext.config.sections import Config
from sgdtext.core import parallel
from sgdtext.core.settings import TrainSettings
from sgdtext.errors import SgdtextError, TrainingError, WorkerDiedError
from sgdtext.text.features import Featurizer, short_documents
from sgdtext.training.calibration import stratified_folds
from sgdtext.training.data import label_indices, read_training_data, sort_labels
from sgdtext.training.fit import fit
from sgdtext.training.metrics import classification_metrics
from sgdtext.training.run import new_model

METRICS = ("accuracy", "macro_f1")
TOKENS = {"words": r"(?u)\b\w\w+\b", "words1": r"(?u)\b\w+\b", "punctuation": r"(?u)\w+|[^\w\s]", "whitespace": r"\S+"}
NGRAMS = {"1": [1, 1], "1-2": [1, 2], "1-3": [1, 3]}
NETWORK_KEYS = [key.removeprefix("model.")  # what only a network reads: its layers and their activations' settings
                for choice in (*(MODELS[name] for name in MODELS.names(family="network")),
                               *(ACTIVATIONS[name] for name in ACTIVATIONS)) for key in choice.reads]
TUNES_SINGLE_LABEL = ("sgdtext tune searches single-label models only; train the multi-label config as it is (sgdtext "
                      "train), or tune on single-label data")


def suggest(trial):
    """One point of the search space as config changes {"section.key": value}. dual_cd's strength is C with
    ``l2: auto`` (1 / (C n) for the n documents each training has), as the defaults have it: a fold, the whole file
    and a growing nightly file each get the C the search chose, as scikit-learn's refit keeps C."""
    tokens = trial.suggest_categorical("tokens", list(TOKENS))
    ngrams = trial.suggest_categorical("ngrams", list(NGRAMS))
    changes = {
        "features.token_pattern": TOKENS[tokens],
        "features.ngram_range": NGRAMS[ngrams],
        "features.min_df": trial.suggest_categorical("min_df", [1, 2]),
        "features.weighting": trial.suggest_categorical("weighting", ["tfidf", "binary", "count"]),
    }
    if ngrams != "1":
        changes["features.ngram_min_df"] = trial.suggest_categorical("ngram_min_df", [1, 2])
    changes["features.sublinear_tf"] = changes["features.weighting"] == "tfidf" and \
        trial.suggest_categorical("sublinear_tf", [True, False])
    chars = tokens != "whitespace" and trial.suggest_categorical("char_ngrams", [False, True])
    changes["features.char_ngram_range"] = [2, 5] if chars else None
    optimizer = trial.suggest_categorical("optimizer", ["dual_cd", "normalized_adagrad", "sgd"])
    changes["training.optimizer"] = optimizer
    if changes["features.weighting"] == "count":
        changes["features.norm"] = "l2"  # term frequencies: counts over the document's length
    if optimizer == "dual_cd":
        changes["model.type"] = trial.suggest_categorical("dual_model", ["logistic", "squared_hinge", "hinge"])
        changes["training.l2"] = "auto"
        changes["training.C"] = trial.suggest_float("C", 0.05, 100.0, log=True)
        changes["training.nb_scale"] = trial.suggest_categorical("nb_scale", [0.0, 1.0])
        changes["training.epochs"] = 1000
        return changes
    changes["model.type"] = trial.suggest_categorical("sgd_model", ["logistic", "hinge", "modified_huber"])
    changes["training.epochs"] = trial.suggest_int("epochs", 2, 20)
    if optimizer == "normalized_adagrad":
        changes["training.learning_rate"] = trial.suggest_float("learning_rate", 0.02, 2.0, log=True)
        changes["training.l2"] = trial.suggest_float("sgd_l2", 1e-8, 1e-4, log=True)
        changes["training.batch_size"] = 1
        if changes["features.weighting"] == "count":  # raw counts suit the per-feature scale of these steps
            changes["features.norm"] = trial.suggest_categorical("count_norm", ["l2", "none"])
    else:  # plain SGD: a constant step, or Bottou's 1 / (l2 (t0 + t)) with t0 set by the first step
        changes["training.schedule"] = trial.suggest_categorical("schedule", ["constant", "optimal"])
        changes["training.learning_rate"] = trial.suggest_float("sgd_learning_rate", 0.1, 10.0, log=True)
        changes["training.l2"] = trial.suggest_float("plain_l2", 1e-7, 1e-3, log=True)
        changes["training.batch_size"] = trial.suggest_categorical("batch_size", [1, 8])
    return changes


# The point tried first, before the sampler's, where the documents are short (as ``char_ngram_range: auto`` counts
# them): fastText's kind of model, the counts of words and character n-grams averaged (norm l1) by a low-rank
# identity layer under a softmax, trained by Adam. It is kept out of the sampler's space, where it would be one branch
# among the linear optimizers, seldom drawn in a short budget. On long documents it is slow and the linear models lead.
# Its epochs give it at least LOW_RANK_STEPS steps (a few hundred documents need tens of epochs to learn anything).
LOW_RANK_NETWORK = {
    "features.token_pattern": TOKENS["words1"], "features.ngram_range": [1, 1], "features.min_df": 1,
    "features.weighting": "count", "features.sublinear_tf": False, "features.norm": "l1",
    "features.char_ngram_range": [2, 5],
    "training.optimizer": "adam", "model.type": "mlp", "model.hidden_sizes": [16], "model.activation": "identity",
    "training.learning_rate": 0.004, "training.batch_size": 64, "training.epochs": 6, "training.l2": 0.0,
}
LOW_RANK_STEPS, LOW_RANK_MAX_EPOCHS = 500, 100


def start_points(docs):
    """The settings tried before the sampler's when training on documents ``docs``."""
    if not short_documents([doc.text for doc in docs]):
        return []
    steps_per_epoch = math.ceil(len(docs) / LOW_RANK_NETWORK["training.batch_size"])
    epochs = min(max(LOW_RANK_NETWORK["training.epochs"], math.ceil(LOW_RANK_STEPS / steps_per_epoch)),
                 LOW_RANK_MAX_EPOCHS)
    return [{**LOW_RANK_NETWORK, "training.epochs": epochs}]


def applied(raw, changes):
    """The raw config mapping with ``changes`` made (keys the changed optimizer or model type does not read are
    dropped)."""
    out = {section: dict(values or {}) for section, values in raw.items()}
    for key, value in changes.items():
        section, name = key.split(".")
        out.setdefault(section, {})[name] = value
    if "training.optimizer" in changes:
        for name in ("learning_rate", "schedule", "batch_size", "shuffle", "nb_scale", "nb_alpha", "dual_tol",
                     "average", "l1"):
            if f"training.{name}" not in changes:
                out.get("training", {}).pop(name, None)
    if "model.type" in changes and model_family(changes["model.type"]) != "network":  # a linear model has no layers
        for name in NETWORK_KEYS:
            out.get("model", {}).pop(name, None)
    return out


@dataclass
class Trial:
    number: int
    changes: dict
    scores: list = field(default_factory=list)
    seconds: float = 0.0
    state: str = "running"
    seeds: int = 1  # its folds run with this many seeds (more: confirmed), every score kept
    sizes: list = field(default_factory=list)  # the documents each score was held out on (none: equal weights)
    training_folds: int = 0  # with data.valid: the folds of data.train it was also scored on (confirmed)

    @property
    def mean(self):
        """The metric over all its held-out documents: the folds' scores weighed by their documents."""
        if not self.scores:
            return float("nan")
        return float(np.average(self.scores, weights=self.sizes if len(self.sizes) == len(self.scores) else None))

    @property
    def standard_error(self):
        return float(np.std(self.scores, ddof=1) / math.sqrt(len(self.scores))) if len(self.scores) > 1 else 0.0


def featurised_fold(parts, features, fold):
    """(X, X_held) of fold ``fold`` of ``parts`` featurised by ``features`` (runs in a forked worker, which may not
    fork again: one process)."""
    docs, _, held_docs, _ = parts[fold]
    featurizer = Featurizer(features)
    X = featurizer.fit_transform(docs, n_jobs=1).to_scipy()
    return X, featurizer.transform(held_docs, n_jobs=1).to_scipy()


def fold_score(payload, config, fold, repeat):
    """The metric of ``config`` trained on all folds but ``fold`` (runs in a forked worker); ``repeat`` > 0 draws
    other seeds for the initial weights and the shuffling. The held-out classes index ``labels``: the training
    classes, then labels only data.valid has (errors whatever the model predicts)."""
    matrices, classes, labels, metric, seed = payload
    X, y, Xv, yv = matrices[fold]
    again = [repeat] if repeat else []
    model = new_model(config, classes, X, np.random.default_rng([seed, 2, *again]))
    with progress.reporting(progress.Silent()):  # the search shows its trials, not each fold's epochs
        fit(model, X, y, settings=TrainSettings.from_config(config, n_examples=X.shape[0]),
            rng=np.random.default_rng([seed, fold, *again]))
    pred = model.predict_index(model.scores(Xv))
    return classification_metrics(yv, pred, labels)[metric], len(yv)


class Search:
    """The data, folds and cached matrices of one tuning run."""

    def __init__(self, raw, resolved, *, n_folds, metric, seed, warn):
        self.raw, self.metric, self.seed, self.n_folds = raw, metric, seed, n_folds
        config = Config.from_mapping(resolved)
        if config.model.multilabel is True:
            raise SgdtextError(f"model.multilabel: true: {TUNES_SINGLE_LABEL}")
        docs, y, self.classes, valid_docs = read_training_data(config, warn, single_label_fix=TUNES_SINGLE_LABEL)
        self.labels = list(self.classes)
        self.valid_given = valid_docs is not None
        if self.valid_given:
            self.labels += sort_labels({doc.label for doc in valid_docs} - set(self.classes))
            self.parts = [(docs, y, valid_docs, label_indices(valid_docs, self.labels))]
        else:
            counts = np.bincount(y, minlength=len(self.classes))
            if counts.min() < n_folds:
                label = self.classes[int(np.argmin(counts))]
                fix = f"use --folds {counts.min()}" if counts.min() >= 2 else "give data.valid, or more documents"
                raise SgdtextError(f"{config.data.train}: class {label!r} has {counts.min()} document(s), fewer than "
                                   f"the {n_folds} folds: {fix}")
            self.parts = k_fold_parts(docs, y, n_folds, seed)
        self.cache = {}
        self.optimizers = {}  # trial settings -> their optimizer

    def on_training_folds(self):
        """This search scored by K-fold cross-validation on data.train alone (data.valid given: the finalists' second
        score); a class with fewer documents than folds is held out in fewer folds."""
        other = copy.copy(self)
        docs, y = self.parts[0][0], self.parts[0][1]
        other.parts = k_fold_parts(docs, y, self.n_folds, self.seed)
        other.labels, other.valid_given, other.cache = self.classes, False, {}
        return other

    def matrices(self, config, deadline):
        """The folds' (X, y, X_held, y_held) for the config's features (the last two feature settings kept),
        featurised a fold per core in forked workers that are stopped at ``deadline`` (TimeoutError)."""
        key = repr(sorted(config.mapping["features"].items()))
        if key not in self.cache:
            if len(self.cache) >= 2:
                self.cache.pop(next(iter(self.cache)))
            tasks = [(config.features, k) for k in range(len(self.parts))]
            featurised = parallel.map_until(featurised_fold, self.parts, tasks, parallel.n_workers(None), deadline)
            self.cache[key] = [(X, y, X_held, y_held)
                               for (X, X_held), (_, y, _, y_held) in zip(featurised, self.parts)]
        return self.cache[key]

    def config(self, changes):
        return Config.from_mapping(validate(applied(self.raw, changes)))

    def deterministic(self, changes):
        """Whether the trained model hardly depends on the seed: dual_cd goes to the objective's optimum."""
        key = repr(sorted(changes.items()))
        if key not in self.optimizers:
            self.optimizers[key] = self.config(changes).training.optimizer
        return self.optimizers[key] == "dual_cd"

    def evaluate(self, trial, changes, report, deadline, repeat=0):
        """Score ``changes`` fold by fold into ``trial.scores`` (a batch of folds at a time, one per core, stopped
        at ``deadline``: TimeoutError); ``report(step, mean)`` may prune; ``repeat`` > 0: with other seeds."""
        config = self.config(changes)
        payload = (self.matrices(config, deadline), self.classes, self.labels, self.metric, self.seed)
        workers = parallel.n_workers(None)
        for start in range(0, len(self.parts), workers):
            if time.monotonic() > deadline:
                raise TimeoutError
            batch = [(config, k, repeat) for k in range(start, min(start + workers, len(self.parts)))]
            for score, size in parallel.map_until(fold_score, payload, batch, workers, deadline):
                trial.scores.append(score)
                trial.sizes.append(size)
            report(len(trial.scores), trial.mean)


def k_fold_parts(docs, y, n_folds, seed):
    """[(training docs, their classes, held-out docs, their classes)] of ``n_folds`` stratified folds."""
    folds = stratified_folds(y, n_folds, np.random.default_rng([seed, 4]))
    return [([docs[i] for i in np.flatnonzero(folds != k)], y[folds != k],
             [docs[i] for i in np.flatnonzero(folds == k)], y[folds == k]) for k in range(n_folds)]


@dataclass
class TuneResult:
    trials: list  # Trial, in the order they ran; trials[0] is the config as it is
    best: Trial
    n_folds: int
    metric: str
    seconds: float
    grid: object = None  # the grid.Grid searched, None for the built-in space
    leader: Trial = None  # the best trial not resting on luck; best is the config as it is when within a s.e. of it


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise SgdtextError("sgdtext tune searches with Optuna, which is not installed; install it with "
                           "python -m pip install 'sgdtext[tune]' (or: python -m pip install optuna)") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def tune(raw, resolved, *, budget, n_folds=5, metric="accuracy", seed=0, max_trials=None, grid=None, warn=print,
         on_trial=None):
    """Search the settings of the config ``raw`` (as written; ``resolved``: as config.load_config returned it) for
    ``budget`` seconds (or ``max_trials`` trials, then the same for a seed), shown as a phase of trials with the
    best mean so far, then a phase confirming the best; returns a TuneResult. The space searched is the built-in one
    (``suggest``), or ``grid`` (a grid.Grid: each of its points once, then the search ends)."""
    started = time.monotonic()
    deadline = started + budget
    best = None
    trials_planned = max_trials if grid is None else min(max_trials or math.inf, grid.size + 1)
    with progress.phase("tuning", detail=f"{budget:g} s budget", total=trials_planned, unit="trials") as shown:
        def each_trial(trial):
            nonlocal best
            if trial.state == "complete" and (best is None or trial.mean > best):
                best = trial.mean
            shown.advance(trial=trial.number, state=trial.state, mean=trial.mean if trial.scores else None,
                          best=best)
            if on_trial is not None:
                on_trial(trial)

        folds = Search(raw, resolved, n_folds=n_folds, metric=metric, seed=seed, warn=warn)
        trials = search(folds, budget=budget, deadline=deadline, seed=seed, max_trials=max_trials, grid=grid,
                        on_trial=each_trial)
    candidates = to_confirm(folds, trials)
    if candidates:
        how = (f"the best trials on {n_folds} folds of the training data as well" if folds.valid_given else
               f"the best trials with {CONFIRM_SEEDS} more seeds each")
        with progress.phase("confirming", detail=how, total=len(candidates), unit="trials") as shown:
            confirm(folds, candidates, deadline, shown)
    return TuneResult(trials, winner(folds, trials), len(folds.parts), metric, time.monotonic() - started, grid,
                      best_sure(folds, trials))


# Before one trial is chosen, the best are scored again: among many trials the best score is partly luck, the luck
# of a seed (for the stochastic optimizers; dual_cd goes to the optimum whatever the order) and of the held-out
# documents (worst on one small data.valid, which a few hundred trials overfit). With K folds, the stochastic ones
# among the CONFIRM_TOP best and the config as it is run their folds again with CONFIRM_SEEDS other seeds. With
# data.valid, the best of each kind of model (the CONFIRM_TOP best of those) and the config as it is are also scored
# by K-fold cross-validation on data.train, and ranked on all their held-out documents together. The search stops
# early enough for it (at least CONFIRM_FLOOR seconds a trial: forking and featurising again), keeping at most
# CONFIRM_SHARE of the budget. The best then still has to be ahead of the config as it is by more than a
# standard error (``winner``).
CONFIRM_TOP, CONFIRM_SEEDS, CONFIRM_SHARE, CONFIRM_FLOOR = 5, 2, 0.2, 1.0

# A trial may take at most TRIAL_SHARE of the budget (auto-sklearn's per_run_time_limit, a tenth of its budget), or
# TRIAL_BASE_TIMES the seconds the config as it is took when that is longer: one setting far slower than the others
# (character n-grams of long documents) is stopped, marked "too slow", and its time goes to the trials it would
# have displaced. The sampler ranks a stopped trial below every complete one, as a pruned one.
TRIAL_SHARE, TRIAL_BASE_TIMES = 0.1, 2.0


def search(folds, *, budget, deadline, seed, max_trials, on_trial, grid=None):
    """The config as it is, the start points (``start_points``; not with a grid), then Optuna's trials (the built-in
    space by TPE, or each point of ``grid``), each for at most ``trial_limit``, until ``max_trials``, the grid's end or
    the deadline less the time to confirm the best so far (at most CONFIRM_SHARE of the budget); the trials in the
    order they ran. The start points run outside the study: the sampler and the pruner see what they would without
    them."""
    optuna = import_optuna()
    started = time.monotonic()
    trials = [Trial(0, {})]
    try:
        folds.evaluate(trials[0], {}, lambda step, mean: None, math.inf)
    finally:
        trials[0].seconds = time.monotonic() - started
    trials[0].state = "complete"
    on_trial(trials[0])
    if time.monotonic() > deadline:
        raise SgdtextError(f"--budget {budget:g}: the config as it is took {trials[0].seconds:.1f} s to "
                           f"cross-validate, leaving no time for a search; give --budget at least "
                           f"{max(10, math.ceil(10 * trials[0].seconds))} (about ten trials)")
    trial_limit = max(TRIAL_SHARE * budget, TRIAL_BASE_TIMES * trials[0].seconds)

    def trials_deadline():
        """When trials stop: the deadline less the time confirming the best so far will take."""
        confirming = sum(max(confirm_cost(folds) * t.seconds, CONFIRM_FLOOR) for t in to_confirm(folds, trials))
        return deadline - min(confirming, CONFIRM_SHARE * budget)

    def run(changes, report, trial_deadline):
        """A trial of ``changes`` for at most ``trial_limit``, its state set (complete, pruned by ``report``, too
        slow, out of time, failed)."""
        record = Trial(len(trials), changes)
        trials.append(record)
        trial_started = time.monotonic()
        trial_end = min(trial_deadline, trial_started + trial_limit)
        try:
            folds.evaluate(record, changes, report, trial_end)
            record.state = "complete"
        except optuna.TrialPruned:
            record.state = "pruned"
        except TimeoutError:
            record.state = "too slow" if trial_end < trial_deadline else "out of time"
        except (TrainingError, WorkerDiedError):  # the loss diverged (steps too large), or out of memory
            record.state = "failed"
        finally:
            record.seconds = time.monotonic() - trial_started
            on_trial(record)
        return record

    firsts = [] if grid is not None else start_points(folds.parts[0][0])
    for changes in firsts[:None if max_trials is None else max(max_trials - 1, 0)]:
        if time.monotonic() > trials_deadline():
            return trials
        run(changes, lambda step, mean: None, trials_deadline())

    def objective(optuna_trial):
        trial_deadline = trials_deadline()
        if time.monotonic() > trial_deadline:
            optuna_trial.study.stop()  # the rest of the budget confirms the best trials
            raise optuna.TrialPruned()

        def report(step, mean):
            optuna_trial.report(mean, step)
            if optuna_trial.should_prune():
                raise optuna.TrialPruned()

        changes = suggest(optuna_trial) if grid is None else grid.suggest(optuna_trial)
        record = run(changes, report, trial_deadline)
        if record.state != "complete":  # the sampler ranks it below every complete trial
            raise optuna.TrialPruned()
        return record.mean

    sampler = optuna.samplers.TPESampler(seed=seed) if grid is None else grid.sampler(optuna, seed)
    study = optuna.create_study(direction="maximize", sampler=sampler,
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=0))
    study.optimize(objective, timeout=max(deadline - time.monotonic(), 0.0),
                   n_trials=None if max_trials is None else max(max_trials - len(trials), 0))
    return trials


def ranked(trials):
    """The complete trials, best mean first (the earlier of equal ones)."""
    return sorted((t for t in trials if t.state == "complete"), key=lambda t: (-t.mean, t.number))


def family(trial):
    """A trial's kind of model: its optimizer and model type (None: the config's own)."""
    return trial.changes.get("training.optimizer"), trial.changes.get("model.type")


def to_confirm(folds, trials):
    """The trials to score again before one is chosen (not yet confirmed): with data.valid, the best of each family
    (optimizer and model type), the CONFIRM_TOP best of those (with fewer families, the next best trials up to
    CONFIRM_TOP), and the config as it is (a search on one validation split gathers around the region that split
    favours: its next best are often the same model with another penalty); else the stochastic ones among the
    CONFIRM_TOP best and the config as it is."""
    if folds.valid_given:
        order, firsts = ranked(trials), {}
        for trial in order:
            firsts.setdefault(family(trial), trial)
        best = list(firsts.values())[:CONFIRM_TOP]
        best += [t for t in order if t not in best][:CONFIRM_TOP - len(best)]
        with_base = best if trials[0] in best else best + [trials[0]]
        return [t for t in with_base if not t.training_folds]
    best = ranked(trials)[:CONFIRM_TOP]
    with_base = best if trials[0] in best else best + [trials[0]]  # the winner is weighed against it (``winner``)
    return [t for t in with_base if t.seeds == 1 and not folds.deterministic(t.changes)]


def confirm_cost(folds):
    """About how many times a trial's seconds confirming it takes: its folds with more seeds, or the K folds of the
    training data (a fold per core at a time)."""
    return math.ceil(folds.n_folds / parallel.n_workers(None)) if folds.valid_given else CONFIRM_SEEDS


def confirm(folds, candidates, deadline, shown):
    """Score each candidate again, in turn, until the deadline: on K folds of the training data (data.valid given),
    else with CONFIRM_SEEDS other seeds; a candidate keeps the extra scores only when all of them were run."""
    training_folds = folds.on_training_folds() if folds.valid_given else None
    if training_folds is not None:
        folds.cache.clear()  # the validation matrices are not needed again
    for trial in candidates:
        extra = Trial(trial.number, trial.changes)
        started = time.monotonic()
        try:
            if training_folds is not None:
                training_folds.evaluate(extra, trial.changes, lambda step, mean: None, deadline)
            else:
                for repeat in range(1, CONFIRM_SEEDS + 1):
                    folds.evaluate(extra, trial.changes, lambda step, mean: None, deadline, repeat)
        except TimeoutError:
            return
        except WorkerDiedError:  # out of memory: the next candidate may fit
            continue
        trial.scores += extra.scores
        trial.sizes += extra.sizes
        if training_folds is not None:
            trial.training_folds = len(training_folds.parts)
        else:
            trial.seeds += CONFIRM_SEEDS
        trial.seconds += time.monotonic() - started
        shown.advance(trial=trial.number, mean=trial.mean)


def best_sure(folds, trials):
    """The best complete trial whose score does not rest on one seed or one validation split: with data.valid, the
    best of those also scored on the training folds; else the best deterministic or confirmed one. The best of all
    when none is."""
    best = ranked(trials)
    sure = [t for t in best if t.training_folds] if folds.valid_given else \
        [t for t in best if t.seeds > 1 or folds.deterministic(t.changes)]
    return (sure or best)[0]


def paired_gain(trial, base):
    """How much ``trial`` scores over ``base`` on the same held-out parts (data.valid and folds; a part run with
    several seeds counts once, by its mean), and the standard error of that difference over the parts."""
    n_parts = 1 + trial.training_folds if trial.training_folds else len(trial.scores) // trial.seeds
    scores = np.reshape(trial.scores, (-1, n_parts)).mean(axis=0)
    base_scores = np.reshape(base.scores, (-1, n_parts)).mean(axis=0)
    weights = np.asarray(trial.sizes[:n_parts], dtype=float) if len(trial.sizes) == len(trial.scores) else \
        np.ones(n_parts)
    weights /= weights.sum()
    differences = scores - base_scores
    gain = float(weights @ differences)
    if n_parts < 2:
        return gain, 0.0
    return gain, float(math.sqrt(n_parts / (n_parts - 1) * (weights ** 2) @ (differences - gain) ** 2))


def winner(folds, trials):
    """The best trial whose score does not rest on luck (``best_sure``), unless the config as it is, scored on the
    same parts, is within one standard error of it: then the config as it is. The best of hundreds of trials is
    partly the luck of the held-out documents; the config as it is was not picked by them (the one-standard-error
    rule of Breiman et al., with the config as it is for the simpler model)."""
    best, base = best_sure(folds, trials), trials[0]
    comparable = base.state == "complete" and \
        (base.training_folds == best.training_folds if folds.valid_given else
         base.seeds > 1 or folds.deterministic(base.changes))
    if best is base or not comparable:
        return best
    gain, error = paired_gain(best, base)
    return best if gain > error else base


def short(changes):
    """A trial's settings in a line."""
    if not changes:
        return "(the config as it is)"
    names = {value: name for name, value in TOKENS.items()}
    parts = []
    for key, value in changes.items():
        name = key.split(".")[1]
        if name == "token_pattern":
            value = names.get(value, value)
        elif name == "sublinear_tf" and not value or name == "epochs" and value == 1000:
            continue
        parts.append(f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}")
    return " ".join(parts)


def trials_table(result, top=20):
    """The trials as a table, best mean first: mean ± standard error over the runs of its folds (more than one seed
    where confirmed), folds run, seconds, state (the chosen one marked), settings."""
    order = sorted(result.trials, key=lambda t: (t.state != "complete", -(t.mean if t.scores else -1), t.number))
    lines = [f"| trial | {result.metric} (mean ± s.e. over folds) | folds | seconds | state | settings |",
             "|---:|---|---:|---:|---|---|"]
    for t in order[:top]:
        score = f"{t.mean:.4f} ± {t.standard_error:.4f}" if t.scores else "-"
        runs = (f"valid + {t.training_folds}" if t.training_folds else
                f"{len(t.scores) // t.seeds} × {t.seeds} seeds" if t.seeds > 1 else f"{len(t.scores)}")
        state = f"{t.state}, chosen" if t is result.best else \
            f"{t.state}, best, within 1 s.e. of trial 0" if t is result.leader else t.state
        lines.append(f"| {t.number} | {score} | {runs} | {t.seconds:.1f} | {state} | {short(t.changes)} |")
    if len(order) > top:
        lines.append(f"| ... | {len(order) - top} more | | | | |")
    return "\n".join(lines)


def scored_on(trial):
    """How a trial's score was confirmed, for the tuned config's header ("" when it was not)."""
    if trial.training_folds:
        return f" (data.valid and {trial.training_folds} folds of the training data)"
    return f" ({trial.seeds} seeds)" if trial.seeds > 1 else ""


def kept_note(result):
    """The header line saying why the config as it is was kept over a trial that scored more ([] when it was not)."""
    leader, base = result.leader, result.trials[0]
    if leader is None or result.best is not base or leader is base:
        return []
    gain, error = paired_gain(leader, base)
    return [f"# Kept: trial {leader.number} ({leader.mean:.4f}) is ahead of it by {gain:.4f} ± {error:.4f} on the same "
            f"held-out documents, within a standard error ({short(leader.changes)})."]


def tuned_config(raw, resolved, result, out_folder):
    """The best trial's config as YAML text, with the search recorded in a comment; data paths relative to
    ``out_folder``."""
    import os

    import yaml

    config = applied(raw, result.best.changes)
    data = config.setdefault("data", {})
    data.pop("root", None)
    for name in ("train", "valid", "test"):
        path = resolved["data"][name]
        if path and path != "-":
            data[name] = os.path.relpath(path, out_folder)
    complete = [t for t in result.trials if t.state == "complete"]
    base = result.trials[0]
    scheme = ("data.valid (the best trials also on the training data's folds)" if result.n_folds == 1 else
              f"{result.n_folds}-fold cross-validation on the training data")
    space = "" if result.grid is None else \
        f" over the grid {' x '.join(result.grid.sources)} of {result.grid.size} points"
    header = [f"# Tuned by `sgdtext tune` in {result.seconds:.0f} s: {len(result.trials)} trials ({len(complete)} "
              f"complete){space}, {scheme}, {result.metric}.",
              f"# Best: trial {result.best.number}, {result.best.mean:.4f} ± {result.best.standard_error:.4f}"
              f"{scored_on(result.best)}; "
              f"the config as it was: {base.mean:.4f} ± {base.standard_error:.4f}.",
              *kept_note(result),
              f"# Best settings: {short(result.best.changes)}"]
    return "\n".join(header) + "\n" + yaml.safe_dump(config, sort_keys=False, default_flow_style=None)
