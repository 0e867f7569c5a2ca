"""python -m sgdtext.config: print the README's config reference, then its tables of the named choices."""

from sgdtext.config.reference import choices_markdown, reference_markdown

print(reference_markdown(), end="")
print("\n---\n")
print(choices_markdown(), end="")
