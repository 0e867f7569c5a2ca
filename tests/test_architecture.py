"""The dependency rule of the README's architecture section, read from the imports of every module (also the
imports inside functions, and the compiled modules' imports and cimports)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sgdtext.config import choices

PACKAGE = Path(__file__).resolve().parent.parent / "sgdtext"

# unit -> the sgdtext units it may import (besides itself and the package's __init__, which holds only the version).
# A unit is a subpackage or a top-level module.
ALLOWED = {
    "errors": set(),
    "registry": set(),
    "config": {"errors", "registry"},
    "core": {"errors", "registry", "config"},
    "io": {"errors", "registry", "config"},
    "text": {"errors", "registry", "config", "core", "io"},
    "linear": {"errors", "registry", "config", "core"},
    "nn": {"errors", "registry", "config", "core"},
    "models": {"errors", "registry", "config", "core", "io", "text", "linear", "nn"},
    "training": {"errors", "registry", "config", "core", "io", "text", "linear", "nn", "models", "progress"},
    "inspection": set(),
    "explanation": {"errors"},
    "api": {"errors", "config", "io", "models", "training", "explanation"},
    "estimator": {"api", "errors", "config", "core", "io", "text", "linear", "training"},
    "predict": {"errors", "core", "io"},
    "progress": set(),
    "report": {"errors", "config", "io", "models", "inspection"},
    "quantization": {"errors", "core", "io", "models"},
    "cli": {"errors", "registry", "config", "core", "io", "text", "linear", "nn", "models", "training",
            "inspection", "predict", "explanation", "progress", "report", "quantization"},
    "__main__": {"cli"},
    "sgdtext": set(),  # the package's __init__: the version
}
THIRD_PARTY = {  # unit -> the libraries beyond the standard library it may import
    "config": {"yaml"},
    "core": {"numpy", "scipy"},
    "io": {"numpy"},
    "text": {"numpy"},
    "linear": {"numpy", "scipy"},
    "nn": {"numpy", "scipy"},
    "models": {"numpy"},
    "training": {"numpy", "scipy", "yaml", "optuna", "distributed"},
    "inspection": {"numpy"},
    "explanation": {"numpy"},
    "api": set(),
    "estimator": {"numpy", "scipy", "sklearn"},
    "predict": {"numpy"},
    "progress": {"tqdm"},
    "report": {"numpy", "matplotlib"},
    "quantization": {"numpy"},
    "cli": {"click", "yaml", "tqdm"},
}
IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+c?import\b|c?import\s+([\w.]+))", re.M)


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """The modules a source file imports, at any depth of the file (absolute names)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        names = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        return names
    return {a or b for a, b in IMPORT_LINE.findall(text)}  # .pyx / .pxd


def unit(module):
    """sgdtext.linear.sgd -> linear; sgdtext.cli -> cli; sgdtext -> sgdtext."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sgdtext"


SOURCES = sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".pyx", ".pxd"))
MODULES = {module_name(p) for p in SOURCES}


def internal(names):
    """The sgdtext modules among imported names (a name ``pkg.mod.attr`` counts as ``pkg.mod``)."""
    found = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


GRAPH = {module_name(p): internal(imports_of(p)) - {module_name(p)} for p in SOURCES}


def test_every_unit_has_a_rule_and_a_docstring():
    assert {unit(m) for m in MODULES} <= set(ALLOWED)
    for package in (p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        assert ast.get_docstring(ast.parse((package / "__init__.py").read_text())), package


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path):
    own = unit(module_name(path))
    names = imports_of(path)
    wrong = sorted(m for m in internal(names) if unit(m) not in ALLOWED[own] | {own, "sgdtext"})
    assert not wrong, f"{own} may not import {wrong}"
    outside = {n.split(".")[0] for n in names} - {"sgdtext", "libc", "cython", "cpython"} - set(sys.stdlib_module_names)
    assert outside <= THIRD_PARTY.get(own, set()), f"{own} imports {sorted(outside - THIRD_PARTY.get(own, set()))}"


def test_no_import_cycles():
    state = {}

    def visit(module, path):
        state[module] = "open"
        for other in sorted(GRAPH.get(module, ())):
            assert state.get(other) != "open", "import cycle: " + " -> ".join(path + [module, other])
            if other not in state:
                visit(other, path + [module])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def test_every_registered_choice_resolves():
    for registry in (choices.MODELS, choices.OPTIMIZERS, choices.SCHEDULES, choices.ACTIVATIONS, choices.READERS,
                     choices.EXTRA_FEATURES, choices.TRANSFORMS):
        for name in registry:
            if registry[name].impl:
                assert callable(registry.load(name)), (registry.what, name)
    for name in choices.OPTIMIZERS:
        for family in choices.OPTIMIZERS[name].facts["solvers"]:
            model_type = next(m for m in choices.MODELS if choices.model_family(m) == family)
            assert choices.solver_class(model_type, name).run_epoch


def loaded_by(code):
    """The top-level packages a fresh interpreter has loaded after running ``code``."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] "
                          "for m in sys.modules})))"], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_config_loads_without_the_numeric_stack():
    assert not loaded_by("import sgdtext.config.loading, sgdtext.config.sections") & {"numpy", "scipy", "sklearn"}


def test_predict_and_check_config_paths_load_neither_scipy_nor_scikit_learn(tmp_path):
    model = tmp_path / "model.npz"
    config = PACKAGE.parent / "configs" / "sms-spam.yaml"
    subprocess.run([sys.executable, "-m", "sgdtext", "train", str(config), "--out-dir", str(tmp_path), "--set",
                    "training.epochs=1"], check=True, capture_output=True)
    predict = loaded_by("from click.testing import CliRunner\nfrom sgdtext.cli import cli\n"
                        f"r = CliRunner().invoke(cli, ['predict', {str(model)!r}], input='free prize\\n')\n"
                        "assert r.exit_code == 0 and r.output == 'spam\\n', r.output")
    assert not predict & {"scipy", "sklearn", "matplotlib"}
    check = loaded_by("from click.testing import CliRunner\nfrom sgdtext.cli import cli\n"
                      f"assert CliRunner().invoke(cli, ['check-config', {str(config)!r}]).exit_code == 0")
    assert not check & {"numpy", "scipy", "sklearn"}
