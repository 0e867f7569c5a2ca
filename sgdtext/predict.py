"""Prediction: model file -> features -> scores -> one output line per input line, streamed in batches.

Imports numpy only (no scipy, no scikit-learn), so a one-line ``sgdtext predict`` starts fast.
"""

import json

import numpy as np

from sgdtext.documents import Document, ReadStats, decode_line, strip_eol
from sgdtext.errors import SgdtextError

FORMATS = ("tsv", "jsonl")
BATCH_LINES = 4096


def check_plain_text_input(featurizer, model_path):
    """Predict reads plain text lines; a model whose features read named fields cannot use them."""
    for spec in featurizer.extra:
        if spec["type"] == "column" or (spec["type"] == "match_list" and spec.get("field")):
            raise SgdtextError(
                f"{model_path}: feature {spec['name']!r} reads a named field, but predict reads plain text "
                f"lines; use `sgdtext evaluate` on a labelled file, or define the feature on the text"
            )


def batches(streams, stats, size=BATCH_LINES):
    """Lists of at most ``size`` Documents (text only), one per input line, across the binary streams."""
    batch = []
    for name, stream in streams:
        for lineno, raw in enumerate(stream, 1):
            where = f"{name}:{lineno}"
            batch.append(Document(None, decode_line(strip_eol(raw), stats, where), None, where))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def ranked(model, scores, top_k):
    """Class indices (n, top_k), best first, and their probabilities (n, top_k) or None."""
    pred = model.predict_index(scores)
    probs = model.proba(scores) if model.has_proba else None
    if scores.shape[1] == 1:  # one weight vector for two classes: the other class is second
        order = np.column_stack([pred, 1 - pred])
    else:
        order = np.argsort(-(probs if probs is not None else scores), axis=1, kind="stable")
        order[:, 0] = pred
    order = order[:, :top_k]
    return order, (np.take_along_axis(probs, order, axis=1) if probs is not None else None)


def format_lines(classes, order, probs, fmt):
    lines = []
    for i, row in enumerate(order):
        labels = [classes[j] for j in row]
        if fmt == "jsonl":
            record = {"label": labels[0]}
            if len(labels) > 1:
                record["top"] = labels
            if probs is not None:
                record["proba"] = {label: round(float(p), 6) for label, p in zip(labels, probs[i])}
            lines.append(json.dumps(record, ensure_ascii=False))
        elif probs is not None:
            lines.append("\t".join(f"{label}\t{p:.6f}" for label, p in zip(labels, probs[i])))
        else:
            lines.append("\t".join(labels))
    return lines


def predict_lines(model, featurizer, streams, *, top_k=1, proba=False, fmt="tsv", stats=None):
    """Yield output text, one chunk per batch: one line per input line, in order."""
    stats = stats if stats is not None else ReadStats()
    top_k = min(top_k, len(model.classes))
    for batch in batches(streams, stats):
        scores = model.scores(featurizer.transform(batch))
        order, probs = ranked(model, scores, top_k)
        yield "\n".join(format_lines(model.classes, order, probs if proba else None, fmt)) + "\n"
