"""The experiment config: the schema, the registries of the named choices (config.choices), the checks, loading,
and the typed sections. Imports only the standard library, PyYAML, sgdtext.errors and sgdtext.registry (no numpy,
no scipy), so check-config starts without the numeric stack. The names below load their module when first used:
the registries alone (what the featuriser and predict need) never load PyYAML."""

import importlib

EXPORTS = {"load_config": "loading", "resolve_paths": "loading", "set_override": "loading", "validate": "loading",
           "reference_markdown": "reference", "DEFAULTS": "schema", "SCHEMA": "schema", "Key": "schema",
           "Config": "sections"}
__all__ = sorted(EXPORTS)


def __getattr__(name):
    if name not in EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{EXPORTS[name]}"), name)
