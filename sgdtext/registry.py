"""Registries: a named choice (a loss, an optimizer, a reader, ...) with its description, the config keys it reads
and the facts other code asks of it; the implementation is imported by name only when it is used, so the config
layer can list, check and document every choice without importing numpy."""

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Choice:
    """One registered choice. ``impl`` is "module:attribute", imported by ``load``; ``reads`` are the config keys
    (``section.key``) the choice uses; ``facts`` holds what other code asks of this choice (e.g. a loss's dual
    form)."""

    name: str
    summary: str
    impl: str = ""
    reads: tuple = ()
    facts: dict = field(default_factory=dict)

    def load(self):
        return load(self.impl)


def load(reference):
    """The object a "module:attribute" reference names (the module imported now, if it was not)."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


class Registry:
    """Choices by name, in registration order (the order of docs, messages and ``--help``)."""

    def __init__(self, what, choices):
        self.what = what
        self.choices = {choice.name: choice for choice in choices}

    def __getitem__(self, name):
        return self.choices[name]

    def __contains__(self, name):
        return name in self.choices

    def __iter__(self):
        return iter(self.choices)

    def __len__(self):
        return len(self.choices)

    def names(self, **facts):
        """The names in order; with ``facts``, only those whose facts match every one given."""
        return tuple(name for name, choice in self.choices.items()
                     if all(choice.facts.get(key) == value for key, value in facts.items()))

    def load(self, name):
        return self.choices[name].load()
