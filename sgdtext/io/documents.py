"""Readers: labelled documents from TSV, CSV, JSON Lines, fastText lines or a folder per class (mail: io.mail).

Every reader streams (one line or one file at a time), reads ``.gz`` transparently and yields
``Document`` tuples. A malformed record raises ``DataError`` naming ``file:line`` and what was
expected, or is counted and skipped when ``bad_lines`` is ``"skip"``.
"""

import csv
import functools
import gzip
import io
import json
import re
import sys
from pathlib import Path
from typing import NamedTuple

from sgdtext.config.choices import READERS
from sgdtext.errors import DataError

MAX_LINE_BYTES = 1 << 26  # a line (a document) longer than this is refused, so no input can fill memory


class Document(NamedTuple):
    label: str | tuple | None  # a tuple of labels where the document holds several (multi-label), else one
    text: str
    fields: dict | None  # every named column/field of the record (CSV, JSON Lines), else None
    where: str  # "file:line" (or the file's path for the folder reader)


class ReadOptions(NamedTuple):
    format: str = "auto"
    label_field: str = "label"
    text_field: str | None = "text"
    header: str = "auto"  # TSV only: "auto", "yes" or "no"
    label_prefix: str = "__label__"
    bad_lines: str = "error"  # "error" or "skip"
    mail_text: str = "parsed"  # mail readers: "parsed" or "raw" (sgdtext.io.mail)
    mail_header_tokens: tuple = ()
    label_header: str = "X-Label"  # mbox: the header holding the label
    label_separator: str | None = None  # TSV/CSV: a label column holding several labels, split on this
    multilabel: object = "auto"  # True: a document may hold any number of labels (none too); False: exactly one


class ReadStats:
    """What a reader met on the way: skipped malformed records, invalid UTF-8 lines, and problems of records read
    as far as they could be (a broken MIME part, an unknown charset)."""

    def __init__(self):
        self.skipped = []  # (where, reason), the first few kept for the report
        self.n_skipped = 0
        self.n_invalid_utf8 = 0
        self.first_invalid_utf8 = None
        self.problems = []  # (where, what), the first few kept for the report
        self.n_problems = 0

    def skip(self, where, reason):
        self.n_skipped += 1
        if len(self.skipped) < 5:
            self.skipped.append((where, reason))

    def problem(self, where, what):
        self.n_problems += 1
        if len(self.problems) < 5:
            self.problems.append((where, what))


def decode_line(raw, stats, where):
    """Decode one line of bytes as UTF-8; invalid bytes become U+FFFD and are counted."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        stats.n_invalid_utf8 += 1
        if stats.first_invalid_utf8 is None:
            stats.first_invalid_utf8 = where
        return raw.decode("utf-8", "replace")


def strip_eol(raw):
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    return raw


class StdinBuffer:
    """Standard input (binary) that closing leaves open; everything else goes to sys.stdin.buffer."""

    def __init__(self):
        self._raw = sys.stdin.buffer

    def __getattr__(self, name):
        return getattr(self._raw, name)

    def __iter__(self):
        return iter(self._raw)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def open_binary(path):
    if str(path) == "-":
        return StdinBuffer()
    path = Path(path)
    try:
        if path.suffix == ".gz":
            handle = gzip.open(path, "rb")
            handle.peek(1)  # fail here, not mid-stream, on a file that is not gzip
            return handle
        return open(path, "rb")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check data paths (relative to the config file)") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder; use data.format: folder for one sub-folder per class") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None


CONVERT = "convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8 in.txt > out.txt"


def not_text(raw):
    """What makes a first line unable to begin UTF-8 text (UTF-16's byte-order mark, NUL bytes), or None: such a
    file, UTF-16 (which Windows calls "Unicode") or binary, splits into lines of garbage."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        found = "a UTF-16 byte-order mark"
    elif b"\x00" in raw:
        found = "NUL bytes"
    else:
        return None
    return f"not UTF-8 text: the first line holds {found} (UTF-16, which Windows calls 'Unicode', or a binary file)"


def check_text_start(raw, where):
    """Stop at a first line that cannot begin UTF-8 text (``not_text``): training data."""
    problem = not_text(raw)
    if problem:
        raise DataError(f"{where}: {problem}; {CONVERT}")


def read_on_note(raw):
    """The warning for a first line that cannot begin UTF-8 text, or None: predict's input, read on regardless (one
    output per input line)."""
    problem = not_text(raw)
    return f"{problem}: predicted as read; {CONVERT}" if problem else None


def numbered_lines(path, stats):
    """Yield (line number, decoded line without its end-of-line) from a possibly gzipped file."""
    with open_binary(path) as handle:
        try:
            for lineno, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    raise DataError(f"{path}:{lineno}: a line longer than {MAX_LINE_BYTES:,} bytes; one document a "
                                    f"line is expected: check data.format (a folder of files has no such limit)")
                if lineno == 1:
                    check_text_start(raw, f"{path}:1")
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark is not text
                    raw = raw[3:]
                if lineno == 1 and b"\r" in raw.rstrip(b"\r\n"):
                    raise DataError(f"{path}:1: the lines end with CR alone (an old Mac format), so the file reads as "
                                    f"one line; convert it, e.g. tr '\\r' '\\n' < {path} > fixed.tsv")
                yield lineno, decode_line(strip_eol(raw), stats, f"{path}:{lineno}")
        except (OSError, EOFError) as exc:  # truncated or corrupt .gz
            raise DataError(f"{path}: cannot read past line {lineno}: {exc}") from None


def bad(options, stats, where, reason):
    if options.bad_lines == "skip":
        stats.skip(where, reason)
        return
    raise DataError(f"{where}: {reason}; fix the line, or set data.bad_lines: skip to count and skip such lines")


def split_labels(value, options, stats, where):
    """The label(s) of a TSV/CSV label column: one label, or with data.label_separator a tuple of several (in a
    multi-label file, the empty value is the empty set); None (counted as bad) when malformed."""
    if options.label_separator is None:
        if not value:
            bad(options, stats, where, "expected a label, found an empty one")
            return None
        return value
    if not value:
        if options.multilabel is True:
            return ()
        bad(options, stats, where, "expected a label, found an empty one (model.multilabel: true allows none)")
        return None
    labels = value.split(options.label_separator)
    if not all(label.strip() for label in labels):
        bad(options, stats, where, f"an empty label between separators {options.label_separator!r} in {value[:80]!r}")
        return None
    labels = tuple(dict.fromkeys(label.strip() for label in labels))
    if len(labels) > 1 and options.multilabel is False:
        bad(options, stats, where, f"holds {len(labels)} labels ({', '.join(labels[:3])}), but the model trains "
                                   "single-label (model.multilabel: false, or streaming with data.chunk_size); a "
                                   "multi-label model trains in memory with model.multilabel true or auto")
        return None
    return labels[0] if len(labels) == 1 and options.multilabel is not True else labels


def read_tsv(path, options, stats):
    lines = numbered_lines(path, stats)
    columns = None
    for lineno, line in lines:
        where = f"{path}:{lineno}"
        if lineno == 1 and options.header != "no":
            names = line.split("\t")
            folded = [name.strip().lower() for name in names]  # "Label<TAB>Text" names the same columns
            wanted = [f.lower() for f in (options.label_field, options.text_field) if f is not None]
            is_header = all(f in folded for f in wanted)
            if is_header:
                names = [options.label_field if n == options.label_field.lower() else
                         options.text_field if options.text_field and n == options.text_field.lower() else name
                         for name, n in zip(names, folded)]
            if is_header:
                columns = names
                continue
            if options.header == "yes":
                raise DataError(
                    f"{where}: expected a header naming the columns {options.label_field!r} and "
                    f"{options.text_field!r}, got {line[:80]!r}; fix the header or set data.header: no"
                )
        if columns is None:
            parts = line.split("\t", 1)
            if len(parts) != 2:
                bad(options, stats, where, f"expected label<TAB>text, found no tab in {line[:80]!r}")
                continue
            label, text = parts
            fields = None
        else:
            parts = line.split("\t")
            if len(parts) != len(columns):
                bad(options, stats, where, f"expected {len(columns)} tab-separated columns ({', '.join(columns)}), "
                                           f"found {len(parts)} in {line[:80]!r}")
                continue
            fields = dict(zip(columns, parts))
            label = fields[options.label_field]
            text = fields[options.text_field] if options.text_field else ""
        if not label and options.label_separator is None:
            bad(options, stats, where, "expected a label before the first tab, found an empty one")
            continue
        label = split_labels(label, options, stats, where)
        if label is not None:
            yield Document(label, text, fields, where)


def read_csv(path, options, stats):
    with open_binary(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        reader = csv.DictReader(handle)
        try:
            names = reader.fieldnames or []
            wanted = [options.label_field] + ([options.text_field] if options.text_field else [])
            missing = [name for name in wanted if name not in names]
            if missing:
                raise DataError(
                    f"{path}:1: the header {names} has no column {missing[0]!r}; "
                    f"set data.label_field / data.text_field to the column names"
                )
            for row in reader:
                where = f"{path}:{reader.line_num}"
                if None in row or None in row.values():
                    bad(options, stats, where, f"expected {len(names)} comma-separated columns as in the header")
                    continue
                label = row[options.label_field]
                if not label and options.label_separator is None:
                    bad(options, stats, where, f"expected a value in column {options.label_field!r}, found none")
                    continue
                label = split_labels(label, options, stats, where)
                if label is None:
                    continue
                yield Document(label, row[options.text_field] if options.text_field else "", row, where)
        except csv.Error as exc:
            raise DataError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None


def read_jsonl(path, options, stats):
    for lineno, line in numbered_lines(path, stats):
        where = f"{path}:{lineno}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            bad(options, stats, where, f"expected one JSON object per line: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            bad(options, stats, where, "expected one JSON object per line, found one nested too deeply to read")
            continue
        if not isinstance(record, dict):
            bad(options, stats, where, f"expected a JSON object, found {type(record).__name__}")
            continue
        label = record.get(options.label_field)
        text = record.get(options.text_field, None) if options.text_field else ""
        if isinstance(label, list) and options.multilabel is not False and all(
                isinstance(v, (str, int)) and not isinstance(v, bool) and str(v) for v in label):
            label = tuple(dict.fromkeys(str(v) for v in label))  # a list of labels: multi-label
        elif label is None or label == "" or isinstance(label, (dict, list)):
            bad(options, stats, where, f"expected a label (or, multi-label, a list of labels) in field "
                                       f"{options.label_field!r}, found {shown_value(label)}")
            continue
        if not isinstance(text, str):
            bad(options, stats, where, f"expected a string in field {options.text_field!r}, found {text!r}")
            continue
        yield Document(label if isinstance(label, tuple) else str(label), text, record, where)


def shown_value(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_fasttext(path, options, stats):
    """fastText's format: every token starting with the prefix is a label (several: multi-label), the rest the
    text."""
    prefix = options.label_prefix
    for lineno, line in numbered_lines(path, stats):
        where = f"{path}:{lineno}"
        tokens = line.split(" ")
        labels = [tok[len(prefix):] for tok in tokens if tok.startswith(prefix)]
        text = " ".join(tok for tok in tokens if not tok.startswith(prefix))
        if not all(labels):
            bad(options, stats, where, f"expected {prefix}LABEL, found {prefix} alone")
            continue
        if len(labels) == 1 and options.multilabel is not True:
            yield Document(labels[0], text, None, where)
        elif options.multilabel is False or (not labels and options.multilabel != True):  # noqa: E712
            found = "none" if not labels else f"{len(labels)}"
            bad(options, stats, where, f"expected one {prefix}LABEL on the line (single-label), found {found}"
                + ("; set model.multilabel: true for several" if labels else ""))
        else:
            yield Document(tuple(dict.fromkeys(labels)), text, None, where)


def class_folders(path, fmt, each):
    """The class sub-folders of ``path`` (hidden ones left out), sorted; ``each`` says what one should hold."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder; data.format: {fmt} wants one sub-folder per class ({each})")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"{root}: has no sub-folders; make one sub-folder per class ({each})")
    return classes


def read_folder(path, options, stats):
    for folder in class_folders(path, "folder", "one document per file"):
        for file in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            with open_binary(file) as handle:
                data = handle.read()
            yield Document(folder.name, decode_line(data, stats, str(file)), None, str(file))


SUFFIXES = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".ft": "fasttext"}


def detect_format(path, options):
    """The reader for ``path``: a folder, else by extension (ignoring ``.gz``), else by the first line."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    prefix = options.label_prefix.encode()
    with open_binary(path) as handle:
        first = handle.readline(len(prefix))  # no more than the prefix: a file may hold no line break at all
    return "fasttext" if first.startswith(prefix) else "tsv"


def header_value(text, header):
    """The value of an e-mail header in ``text``: its own line, or up to the next ``Name:`` when flattened."""
    match = re.search(rf"(?im)^{re.escape(header)}:[ \t]*(.*)$", text)
    if match and "\n" in text:
        return match.group(1)
    match = re.search(rf"(?i)(?:^|\s){re.escape(header)}:\s*(.*?)(?=\s+[A-Za-z][\w-]*:\s|$)", text)
    return match.group(1) if match else ""


def header_tokens(value_of, names):
    """The words of the headers ``names`` with the header's name as a prefix (subject_free), ``value_of(name)``
    giving a header's value."""
    return " ".join(f"{name.lower().replace('-', '_')}_{word}" for name in names
                    for word in re.findall(r"\w+", value_of(name).lower()))


def with_header_tokens(docs, names):
    """Documents holding a message as text (a mail on one line): data.mail_header_tokens added from its text."""
    for doc in docs:
        yield doc._replace(text=doc.text + " " + header_tokens(functools.partial(header_value, doc.text), names))


def read_documents(path, options, stats=None):
    """Stream the documents of ``path`` with the reader ``options.format`` names (or detects)."""
    stats = stats if stats is not None else ReadStats()
    if options.format == "auto" and str(path) == "-":
        fmt = "tsv"  # standard input cannot be peeked at
    else:
        fmt = options.format if options.format != "auto" else detect_format(path, options)
    if fmt not in ("folder", "maildir") and Path(path).is_dir():
        raise DataError(f"{path}: is a folder but data.format is {fmt!r}; set data.format: folder")
    docs = READERS.load(fmt)(path, options, stats)
    if options.mail_header_tokens and fmt not in ("maildir", "mbox"):  # the mail readers add them themselves
        return with_header_tokens(docs, options.mail_header_tokens)
    return docs
