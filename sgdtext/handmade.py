"""Hand-made features: named columns computed from a document (the lecture's FREE, MISPELLED, FROM_FRIEND)."""

import re

import numpy as np

from sgdtext.errors import DataError, SgdtextError


def header_value(text, header):
    """The value of an e-mail header in ``text``: its own line, or up to the next ``Name:`` when flattened."""
    match = re.search(rf"(?im)^{re.escape(header)}:[ \t]*(.*)$", text)
    if match and "\n" in text:
        return match.group(1)
    match = re.search(rf"(?i)(?:^|\s){re.escape(header)}:\s*(.*?)(?=\s+[A-Za-z][\w-]*:\s|$)", text)
    return match.group(1) if match else ""


def regex_count(spec, doc, tokens):
    flags = re.IGNORECASE if spec["ignore_case"] else 0
    return len(re.findall(spec["pattern"], doc.text, flags))


def not_in_wordlist(spec, doc, tokens):
    words = spec["_words"]
    return sum(1 for tok in tokens if tok.lower() not in words)


def match_list(spec, doc, tokens):
    if spec["field"]:
        value = (doc.fields or {}).get(spec["field"])
        if value is None:
            raise DataError(
                f"{doc.where}: feature {spec['name']!r} reads field {spec['field']!r}, which this record lacks; "
                f"add the field, or use 'header' to read an e-mail header from the text"
            )
    else:
        value = header_value(doc.text, spec["header"])
    value = str(value).lower()
    return float(any(item in value for item in spec["_values"]))


def length(spec, doc, tokens):
    return len(tokens)


def column(spec, doc, tokens):
    raw = (doc.fields or {}).get(spec["column"])
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise DataError(
            f"{doc.where}: feature {spec['name']!r} wants a number in column {spec['column']!r}, got {raw!r}; "
            f"fix the value"
        ) from None


# type -> (function, {parameter: (default, kind, doc)}); "required" marks a parameter without default.
EXTRA_FEATURES = {
    "regex": (regex_count, {
        "pattern": ("required", "regex", "regular expression whose matches in the text are counted"),
        "ignore_case": (True, "bool", "match regardless of case"),
    }),
    "not_in_wordlist": (not_in_wordlist, {
        "wordlist": ("required", "path", "file of known words, one per line (UTF-8)"),
    }),
    "match_list": (match_list, {
        "header": (None, "str", "e-mail header whose value is matched (e.g. From)"),
        "field": (None, "str", "CSV column / JSON field whose value is matched instead of a header"),
        "values": ([], "list_str", "substrings to look for (case-insensitive)"),
        "values_file": (None, "path", "file with more substrings, one per line"),
    }),
    "length": (length, {}),
    "column": (column, {
        "column": ("required", "str", "CSV column / JSON field holding a number"),
    }),
}
EXTRA_COMMON = {
    "name": ("required", "str", "column name shown by inspect (e.g. FROM_FRIEND)"),
    "type": ("required", "choice", "one of " + ", ".join(EXTRA_FEATURES)),
    "transform": ("identity", "choice", "identity, log1p or binary, applied to the value"),
}
TRANSFORMS = {"identity": lambda v: v, "log1p": np.log1p, "binary": lambda v: (v != 0).astype(float)}


def read_word_file(path, what):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return [line.strip() for line in handle if line.strip()]
    except OSError as exc:
        raise SgdtextError(f"{path}: cannot read the {what}: {exc.strerror}; fix the path in the config") from None


def load_extra(spec):
    """Read the files an extra feature names, so the model file carries their content."""
    spec = dict(spec)
    if spec["type"] == "not_in_wordlist" and "words" not in spec:
        spec["words"] = sorted({w.lower() for w in read_word_file(spec["wordlist"], "word list")})
    if spec["type"] == "match_list" and "loaded_values" not in spec:
        extra = read_word_file(spec["values_file"], "value list") if spec.get("values_file") else []
        spec["loaded_values"] = sorted({v.lower() for v in list(spec.get("values") or []) + extra})
    return spec
