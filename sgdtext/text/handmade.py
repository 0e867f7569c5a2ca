"""Hand-made features: named columns computed from a document (the lecture's FREE, MISPELLED, FROM_FRIEND).
Each type and transform is registered, with its parameters, in sgdtext.config.choices."""

import re

import numpy as np

from sgdtext.errors import DataError, SgdtextError
from sgdtext.io.documents import header_value


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
    else:  # a parsed mail's header, else the header as it stands in the text (a raw message, or one on one line)
        headers = (doc.fields or {}).get("mail_headers")
        value = headers.get(spec["header"].lower(), "") if headers is not None else header_value(doc.text,
                                                                                                  spec["header"])
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


# the transforms (features.extra -> transform), applied to a feature's column of values
def identity(values):
    return values


def log1p(values):
    return np.log1p(values)


def binary(values):
    return (values != 0).astype(float)


MAX_WORD_FILE_BYTES = 1 << 28


def read_word_file(path, what):
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_WORD_FILE_BYTES + 1)
        if len(data) > MAX_WORD_FILE_BYTES:
            raise SgdtextError(f"{path}: the {what} is larger than {MAX_WORD_FILE_BYTES:,} bytes; give a smaller file")
        return [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
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
