"""The README's config reference, generated from the schema."""

import yaml

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
