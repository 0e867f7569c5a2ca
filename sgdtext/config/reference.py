"""The README's config reference and choices tables, generated from the schema and the registries."""

import yaml

from sgdtext.config import choices
from sgdtext.config.schema import SCHEMA


def reference_markdown():
    """The README's config reference, built from SCHEMA (a test keeps the README in step): python -m sgdtext.config"""
    lines = []
    for section, keys in SCHEMA.items():
        lines += ["", f"**{section}**", "", "| key | default | meaning |", "|---|---|---|"]
        for name, key in keys.items():
            default = key.default if isinstance(key.default, str) else \
                yaml.safe_dump(key.default, default_flow_style=True).strip()
            default = default.removesuffix("\n...").strip()
            doc = key.doc + (f" ({', '.join(key.choices)})" if key.kind == "choice" else "")
            lines.append(f"| `{section}.{name}` | `{default}` | {doc.replace('|', '&#124;')} |")  # a | ends a cell
    return "\n".join(lines) + "\n"


def choices_markdown():
    """The README's tables of the named choices, built from the registries (a test keeps the README in step)."""
    def keys(choice):
        return ", ".join(f"`{key}`" for key in choice.reads) or "—"

    lines = ["", "| `model.type` | family | probabilities | what it is |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {c.facts['family']} | {'yes' if c.facts['proba'] else 'no'} | {c.summary} |"
              for name, c in choices.MODELS.choices.items()]
    lines += ["", "| `training.optimizer` | trains | keys it reads | what it is |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {', '.join(c.facts['solvers'])} | {keys(c)} | {c.summary} |"
              for name, c in choices.OPTIMIZERS.choices.items()]
    for registry, key in ((choices.SCHEDULES, "training.schedule"), (choices.ACTIVATIONS, "model.activation"),
                          (choices.READERS, "data.format"), (choices.EXTRA_FEATURES, "features.extra -> type"),
                          (choices.TRANSFORMS, "features.extra -> transform")):
        lines += ["", f"| `{key}` | keys it reads | what it is |", "|---|---|---|"]
        for name, c in registry.choices.items():
            reads = keys(c) if "params" not in c.facts else ", ".join(f"`{p}`" for p in c.facts["params"]) or "—"
            lines.append(f"| `{name}` | {reads} | {c.summary.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n"
