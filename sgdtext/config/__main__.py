"""python -m sgdtext.config: print the README's config reference."""

from sgdtext.config.reference import reference_markdown

print(reference_markdown(), end="")
