"""A search space written by hand for ``sgdtext tune --grid FILE``: the product of axes, each a list of alternative
config changes, as scikit-learn's ``param_grid``. A grid file is YAML; each top-level entry is an axis, either one
key with its values (``training.C: [0.5, 1, 2]``) or a named list of alternatives, each a mapping of keys to values
(``model: [{model.type: hinge, training.l2: 1.0e-5}, ...]``), keys written ``section.key`` as in ``--set``. Several
files make one grid (the product of all their axes). Every point is checked as a config before the search starts.
"""

import itertools
import math

from sgdtext.config.checks import suggest as did_you_mean
from sgdtext.config.loading import read_yaml, validate
from sgdtext.config.schema import SCHEMA
from sgdtext.errors import ConfigError, SgdtextError
from sgdtext.training.tune import applied

SECTIONS = ("features", "model", "training")  # what a grid may change: never the data, nor where output goes
IN_PROCESS = "the search trains its folds in this process's workers"
FIXED = {  # keys of those sections a grid may not change: what the search itself reads as the config gives it
    "features.extra": "hand-made features name files relative to the config",
    "training.engine": IN_PROCESS,
    "training.scheduler": IN_PROCESS,
    "training.workers": IN_PROCESS,
}
MAX_POINTS = 10_000


class Grid:
    """Axes {name: [changes {"section.key": value}, ...]}; a point takes one alternative from each axis."""

    def __init__(self, axes, sources):
        self.axes = axes
        self.sources = sources  # the files it was read from, for the tuned config's header

    @property
    def size(self):
        return math.prod(len(alternatives) for alternatives in self.axes.values())

    def points(self):
        """Every point as {axis: index}, in the axes' order."""
        names = list(self.axes)
        for indices in itertools.product(*(range(len(self.axes[name])) for name in names)):
            yield dict(zip(names, indices))

    def changes(self, point):
        """The config changes of ``point`` ({axis: index}), the axes' changes merged in their order."""
        out = {}
        for name, index in point.items():
            out.update(self.axes[name][index])
        return out

    def sampler(self, optuna, seed):
        """Optuna's grid sampler over the points' indices: each point once, in an order drawn from ``seed``; the
        search ends when all have run."""
        return optuna.samplers.GridSampler({name: list(range(len(a))) for name, a in self.axes.items()}, seed=seed)

    def suggest(self, trial):
        return self.changes({name: trial.suggest_categorical(name, list(range(len(alternatives))))
                             for name, alternatives in self.axes.items()})


def read_grid(paths, raw):
    """The Grid of the files ``paths`` (several: the product of their axes), each point checked as a change of the
    raw config ``raw``; every problem of a file reported at once (ConfigError)."""
    axes, owner = {}, {}
    for path in paths:
        for name, alternatives in file_axes(path).items():
            if name in axes:
                raise SgdtextError(f"{path}: axis {name!r} is also in {owner[name]}; an axis is searched once: "
                                   f"remove it from one file (or give one of the named axes another name)")
            axes[name], owner[name] = alternatives, path
    keys = {name: {key for changes in alternatives for key in changes} for name, alternatives in axes.items()}
    for first, second in itertools.combinations(axes, 2):
        if keys[first] & keys[second]:
            raise SgdtextError(f"axes {first!r} ({owner[first]}) and {second!r} ({owner[second]}) both set "
                               f"{', '.join(sorted(keys[first] & keys[second]))}; a point would take one of them: "
                               f"set each key in one axis")
    grid = Grid(axes, [str(path) for path in paths])
    if grid.size > MAX_POINTS:
        raise SgdtextError(f"{', '.join(map(str, paths))}: the grid has {grid.size:,} points, more than the "
                           f"{MAX_POINTS:,} a search can run; split it, or search with the built-in space (no --grid)")
    check_points(grid, raw)
    return grid


def file_axes(path):
    """{axis name: [changes, ...]} of one grid file; ConfigError listing every malformed entry."""
    text = read_yaml(path, kind="grid")
    if not isinstance(text, dict) or not text:
        raise ConfigError([f"a grid is a mapping of axes, e.g. 'training.C: [0.5, 1, 2]' or 'model: [{{model.type: "
                           f"hinge}}, {{model.type: logistic}}]'; got {text!r}"], str(path))
    axes, problems = {}, []
    for name, values in text.items():
        if not isinstance(values, list) or not values:
            problems.append(f"{name}: must be a non-empty list of alternatives; got {values!r}")
            continue
        if "." in str(name) and str(name).split(".")[0] in SCHEMA:  # one key and its values
            problem = key_problem(str(name))
            if problem is None:
                axes[str(name)] = [{str(name): value} for value in values]
            else:
                problems.append(f"{name}: {problem}")
            continue
        alternatives = []
        for i, changes in enumerate(values):
            if not isinstance(changes, dict) or not changes:
                problems.append(f"{name}[{i}]: must be a mapping of section.key: value; got {changes!r}")
                continue
            problems += [f"{name}[{i}] -> {key}: {problem}" for key in changes
                         if (problem := key_problem(str(key))) is not None]
            alternatives.append({str(key): value for key, value in changes.items()})
        axes[str(name)] = alternatives
    if problems:
        raise ConfigError(problems, str(path))
    return axes


def key_problem(key):
    """What is wrong with a grid's key ``section.key`` (None: nothing)."""
    parts = key.split(".")
    if len(parts) != 2 or not all(parts):
        return "keys are written section.key, e.g. training.l2"
    section, name = parts
    if section not in SCHEMA:
        return f"unknown section{did_you_mean(section, SCHEMA)}"
    if section not in SECTIONS:
        return f"a grid changes only {', '.join(SECTIONS)}; set {section} in the config"
    if name not in SCHEMA[section]:
        return f"unknown key{did_you_mean(name, SCHEMA[section])}"
    if key in FIXED:
        return f"a grid does not change it ({FIXED[key]}); set it in the config"
    return None


def check_points(grid, raw):
    """Validate every point of ``grid`` applied to ``raw``: ConfigError with each problem once, at the first point
    that has it (the first ten problems)."""
    problems = {}
    for point in grid.points():
        try:
            validate(applied(raw, grid.changes(point)))
        except ConfigError as error:
            where = " with ".join(f"{name}[{index}]" for name, index in point.items())
            for problem in error.problems:
                problems.setdefault(problem, f"{where}: {problem}")
            if len(problems) >= 10:
                break
    if problems:
        raise ConfigError(list(problems.values()), ", ".join(grid.sources))
