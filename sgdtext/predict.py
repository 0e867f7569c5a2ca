"""Prediction: model file -> features -> scores -> one output line per input line, streamed in batches.

Imports numpy only (no scipy, no scikit-learn), so a one-line ``sgdtext predict`` starts fast.
"""

import json
import re
from typing import NamedTuple

import numpy as np

from sgdtext.core import parallel
from sgdtext.errors import SgdtextError
from sgdtext.io.documents import MAX_LINE_BYTES, ReadStats, decode_line, read_on_note, strip_eol

FORMATS = ("tsv", "jsonl")
CHUNK_BYTES = 1 << 20  # input read, featurised and scored per step: memory stays flat
ID_BREAKS = re.compile("[\t\n\r]")


def check_plain_text_input(featurizer, model_path):
    """Predict reads plain text lines; a model whose features read named fields cannot use them."""
    for spec in featurizer.extra:
        if spec["type"] == "column" or (spec["type"] == "match_list" and spec.get("field")):
            raise SgdtextError(
                f"{model_path}: feature {spec['name']!r} reads a named field, but predict reads plain text "
                f"lines; use `sgdtext evaluate` on a labelled file, or define the feature on the text"
            )


def raw_chunks(streams, warn, size=CHUNK_BYTES):
    """(name, first line number, [raw lines]) of about ``size`` bytes each, across the binary streams; a line longer
    than MAX_LINE_BYTES stops with a message (input without line breaks must not fill memory). A first line that
    cannot begin UTF-8 text is reported through ``warn(where, what)``, and the lines are read on (one output line per
    input line)."""
    for name, stream in streams:
        lineno, lines, held = 1, [], 0
        while True:
            try:
                line = stream.readline(MAX_LINE_BYTES + 1)
            except (OSError, EOFError) as exc:  # a corrupt or truncated .gz
                raise SgdtextError(f"{name}:{lineno + len(lines)}: cannot read on: {exc}; check the file") from None
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                raise SgdtextError(f"{name}:{lineno + len(lines)}: a line longer than {MAX_LINE_BYTES:,} bytes; "
                                   f"predict reads one document per line: split the input into lines")
            note = read_on_note(line) if lineno == 1 and not lines else None
            if note:
                warn(f"{name}:1", note)
            if line:
                lines.append(line)
                held += len(line)
            if lines and (not line or held >= size):
                yield name, lineno, lines
                lineno, lines, held = lineno + len(lines), [], 0
            if not line:
                break


def decode_chunk(name, first, lines, stats):
    """The texts of raw lines (end of line removed): one decode for the chunk, per line only if it fails."""
    data = b"".join(lines)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [decode_line(strip_eol(raw), stats, f"{name}:{first + i}") for i, raw in enumerate(lines)]
    texts = text.split("\n")
    if data.endswith(b"\n"):
        texts.pop()
    if "\r" in text:
        texts = [t[:-1] if t.endswith("\r") else t for t in texts]
    return texts


def ranked(model, scores, top_k):
    """Class indices (n, top_k), best first, and their probabilities (n, top_k) or None."""
    pred = model.predict_index(scores)
    probs = model.proba(scores) if model.has_proba else None
    if top_k == 1:
        order = pred[:, None]
    elif scores.shape[1] == 1:  # one weight vector for two classes: the other class is second
        order = np.column_stack([pred, 1 - pred])
    else:
        order = np.argsort(-(probs if probs is not None else scores), axis=1, kind="stable")
        order[:, 0] = pred
    order = order[:, :top_k]
    return order, (np.take_along_axis(probs, order, axis=1) if probs is not None else None)


def shown(classes, order, probs, threshold, unknown):
    """Per document, the labels to print and their probabilities: with ``threshold``, only the labels whose
    probability reaches it, and when none does, ``unknown`` (or nothing) with no probability."""
    for i, row in enumerate(order):
        if threshold is None:
            yield [classes[j] for j in row], None if probs is None else probs[i].tolist()
            continue
        kept = [(classes[j], p) for j, p in zip(row, probs[i].tolist()) if p >= threshold]
        if kept:
            yield [label for label, _ in kept], [p for _, p in kept]
        else:
            yield ([unknown] if unknown is not None else []), []


def tsv_field(value):
    """An id as one TSV field: tabs and line breaks (which would break the framing) become spaces."""
    return ID_BREAKS.sub(" ", "" if value is None else str(value))


def format_lines(classes, order, probs, fmt, *, show_proba=True, threshold=None, unknown=None, ids=None):
    """The output lines (tsv or jsonl) of the ranked labels ``order`` (n, top_k) and their probabilities; with
    ``ids``, each line starts with its document's id (tsv: a first field; jsonl: "id")."""
    if ids is not None and fmt == "tsv":
        plain = format_lines(classes, order, probs, fmt, show_proba=show_proba, threshold=threshold,
                             unknown=unknown)
        return [f"{tsv_field(ident)}\t{line}" for ident, line in zip(ids, plain)]
    if fmt == "tsv" and threshold is None and (probs is None or not show_proba) and order.shape[1] == 1:
        return list(map(classes.__getitem__, order[:, 0].tolist()))
    lines = []
    for i, (labels, ps) in enumerate(shown(classes, order, probs, threshold, unknown)):
        ps = ps if show_proba else None
        if fmt == "jsonl":
            record = {"id": ids[i]} if ids is not None else {}
            record["label"] = labels[0] if labels else None
            if len(labels) > 1:
                record["top"] = labels
            if ps is not None:
                record["proba"] = {label: round(float(p), 6) for label, p in zip(labels, ps)}
            lines.append(json.dumps(record, ensure_ascii=False))
        elif ps:
            lines.append("\t".join(f"{label}\t{p:.6f}" for label, p in zip(labels, ps)))
        else:
            lines.append("\t".join(labels))
    return lines


def multilabel_lines(model, scores, show, ids=None):
    """Output lines of a multi-label model: each document's label set (the labels whose score reaches their
    threshold, or whose probability reaches --threshold), best first, at most top_k; tsv: joined by the separator
    (with --proba, label<TAB>p pairs); jsonl: {"labels": [...], "proba": {...}}."""
    probs = model.proba(scores) if model.has_proba else None
    chosen = probs >= show.threshold if show.threshold is not None else model.predict_sets(scores)
    order = np.argsort(-scores, axis=1, kind="stable")
    lines = []
    for i, row in enumerate(order):
        picked = [j for j in row.tolist() if chosen[i, j]][:show.top_k]
        labels = [model.classes[j] for j in picked]
        if not labels and show.unknown is not None:
            labels, picked = [show.unknown], []
        shown_probs = [float(probs[i, j]) for j in picked] if probs is not None and show.proba else None
        if show.fmt == "jsonl":
            record = {"id": ids[i]} if ids is not None else {}
            record["labels"] = labels
            if shown_probs is not None:
                record["proba"] = {label: round(p, 6) for label, p in zip(labels, shown_probs)}
            lines.append(json.dumps(record, ensure_ascii=False))
            continue
        line = ("\t".join(f"{label}\t{p:.6f}" for label, p in zip(labels, shown_probs)) if shown_probs
                else show.separator.join(labels))
        lines.append(line if ids is None else f"{tsv_field(ids[i])}\t{line}")
    return lines


class Shown(NamedTuple):
    """What predict prints of each document (its flags)."""

    top_k: int | None = 1  # None: every label (multi-label: every label in the set)
    proba: bool = False
    fmt: str = "tsv"
    threshold: float | None = None
    unknown: str | None = None
    separator: str = ","  # multi-label tsv: between the labels of a set


DEFAULT_SHOWN = Shown()


def output_lines(model, scores, show, ids=None):
    """The output lines of scored documents, as ``show`` says."""
    if getattr(model, "multilabel", False):
        return multilabel_lines(model, scores, show, ids)
    top_k = len(model.classes) if show.top_k is None else min(show.top_k, len(model.classes))
    order, probs = ranked(model, scores, top_k)
    return format_lines(model.classes, order, probs, show.fmt, show_proba=show.proba, threshold=show.threshold,
                        unknown=show.unknown, ids=ids)


def predict_chunk(payload, chunk):
    """Output text of one chunk of raw lines, and the invalid-UTF-8 count (runs in a worker when parallel)."""
    model, featurizer, show = payload
    name, first, lines = chunk
    stats = ReadStats()
    scores = model.scores(featurizer.transform_texts(list(decode_chunk(name, first, lines, stats)), where=name))
    text = "\n".join(output_lines(model, scores, show)) + "\n"
    return text, stats.n_invalid_utf8, stats.first_invalid_utf8


def predict_lines(model, featurizer, streams, show=DEFAULT_SHOWN, *, stats=None, n_jobs=1):
    """Yield output text, one chunk per ~1 MB of input: one line per input line, in order, as ``show`` (a Shown)
    says: ``threshold`` prints only the labels whose probability reaches it, and ``unknown`` (or an empty field)
    when none does. ``n_jobs`` > 1 featurises and scores chunks in forked processes while this one reads and
    writes."""
    stats = stats if stats is not None else ReadStats()
    payload = (model, featurizer, show)
    for text, invalid, first in parallel.imap_ordered(predict_chunk, payload, raw_chunks(streams, stats.problem),
                                                      parallel.n_workers(n_jobs)):
        if invalid:
            stats.n_invalid_utf8 += invalid
            stats.first_invalid_utf8 = stats.first_invalid_utf8 or first
        yield text


def record_chunks(records, size=None):
    """Lists of raw records (io.inputs.raw_records) of about ``size`` bytes each (default CHUNK_BYTES)."""
    size, chunk, held = size or CHUNK_BYTES, [], 0
    for where, raw in records:
        chunk.append((where, raw))
        held += len(raw) if isinstance(raw, bytes) else len(raw[1])
        if held >= size:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def predict_record_chunk(payload, chunk):
    """Output text of one chunk of raw records, and the problems met reading them (runs in a worker)."""
    from sgdtext.io.inputs import record_document

    model, featurizer, show, options = payload
    ids, docs, problems = [], [], []
    for where, raw in chunk:
        ident, doc, found = record_document(options, where, raw)
        ids.append(ident)
        docs.append(doc)
        problems += found
    scores = model.scores(featurizer.transform(docs))
    shown_ids = ids if options.kind in ("eml", "maildir", "mbox") or options.id_field else None
    return "\n".join(output_lines(model, scores, show, shown_ids)) + "\n", problems


def predict_records(model, featurizer, records, options, show=DEFAULT_SHOWN, *, n_jobs=1, warn=None):
    """Yield output text, one chunk per ~1 MB of records (io.inputs.raw_records with its InputOptions): one line per
    record, in order, each starting with the record's id (mail: its file or Message-ID; else --id-field's value,
    when given). ``warn(where, what)`` receives each problem met reading a record."""
    payload = (model, featurizer, show, options)
    for text, problems in parallel.imap_ordered(predict_record_chunk, payload, record_chunks(records),
                                                parallel.n_workers(n_jobs)):
        for where, what in problems:
            if warn is not None:
                warn(where, what)
        yield text
