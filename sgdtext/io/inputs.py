"""Predict's inputs beyond one document a line: mail files, maildirs, mbox files, JSON Lines and TSV records, each
an (id, Document) pair, in input order.

Reading is split in two so that the costly half runs in predict's worker processes: ``raw_records`` (this process)
cuts the input into records (a message's bytes, a line) with where they came from; ``record_document`` (a worker)
turns one into its id and Document, collecting problems (a message that is not a mail, a JSON line without the
text field) as (where, what) rather than stopping: the document is still predicted where possible (an unreadable
record as the empty document).

Ids: ``--id-field``/``--id-column`` for JSON Lines and TSV; for mail, the file's path (eml, maildir) or the
Message-ID header (mbox; ``FILE:LINE`` of its ``From `` line when it has none).
"""

import json
from pathlib import Path
from typing import NamedTuple

from sgdtext.errors import DataError
from sgdtext.io.documents import MAX_LINE_BYTES, Document, open_binary, read_on_note, strip_eol
from sgdtext.io.mail import mail_fields, mbox_messages, message_files, parse, read_message_file

MAIL_INPUTS = ("eml", "maildir", "mbox")


class InputOptions(NamedTuple):
    kind: str = "lines"
    text_field: str = "text"
    id_field: str | None = None
    mail_text: str = "raw"  # the model's data.mail_text
    mail_header_tokens: tuple = ()


def raw_records(options, names, warn):
    """(where, raw) of each record of the files ``names`` ("-": standard input), in order: a message's bytes, a
    line's bytes, or for tsv (its header's column names, a line's bytes)."""
    for name in names:
        shown = "<stdin>" if name == "-" else name
        if options.kind == "eml":
            yield name, read_message_file(name)
        elif options.kind == "maildir":
            for file in message_files(name, warn):
                yield str(file), read_message_file(file)
        elif options.kind == "mbox":
            with open_binary(name) as handle:
                yield from mbox_messages(handle, shown, warn)
        elif options.kind == "tsv":
            columns = None
            for where, raw in numbered_raw_lines(name, shown, warn):
                if columns is None:
                    columns = checked_columns(options, where, raw)
                else:
                    yield where, (columns, raw)
        else:
            yield from numbered_raw_lines(name, shown, warn)


def numbered_raw_lines(name, shown, warn):
    """(where, bytes) of each line; a first line that cannot begin UTF-8 text is reported through ``warn`` and the
    lines are read on (one output per record)."""
    with open_binary(name) as handle:
        for lineno, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise DataError(f"{shown}:{lineno}: a line longer than {MAX_LINE_BYTES:,} bytes; one record a line "
                                "is expected")
            note = read_on_note(raw) if lineno == 1 else None
            if note:
                warn(f"{shown}:1", note)
            yield f"{shown}:{lineno}", strip_eol(raw)


def checked_columns(options, where, header):
    """The column names of a TSV's header row, which must hold the text and id columns."""
    header = header[3:] if header.startswith(b"\xef\xbb\xbf") else header
    columns = tuple(header.decode("utf-8", "replace").split("\t"))
    for flag, column in (("--text-column", options.text_field), ("--id-column", options.id_field)):
        if column is not None and column not in columns:
            raise DataError(f"{where}: {flag} {column!r} is not a column of the header row "
                            f"({', '.join(columns[:10])}); name one of them")
    return columns


def record_document(options, where, raw):
    """(id, Document, problems) of one raw record (see raw_records)."""
    if options.kind in MAIL_INPUTS:
        mail = parse(raw, options.mail_text, options.mail_header_tokens)
        problems = [(where, what) for what in mail.problems]
        ident = where if options.kind != "mbox" else (mail.headers["message-id"] or where)
        return ident, Document(None, mail.text, mail_fields(mail, options.mail_text), where), problems
    columns, raw = raw if options.kind == "tsv" else (None, raw)
    try:
        line, problems = raw.decode("utf-8"), []
    except UnicodeDecodeError:
        line, problems = raw.decode("utf-8", "replace"), [(where, "not valid UTF-8: invalid bytes replaced by U+FFFD")]
    ident, doc, found = (jsonl_document(options, where, line) if options.kind == "jsonl" else
                         tsv_document(options, where, columns, line))
    return ident, doc, problems + found


def jsonl_document(options, where, line):
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return "", Document(None, "", {}, where), [(where, f"not a JSON object ({exc.msg}): predicted as empty")]
    except RecursionError:
        return "", Document(None, "", {}, where), [(where, "not a JSON object (nested too deeply to read): predicted "
                                                           "as empty")]
    if not isinstance(record, dict):
        return "", Document(None, "", {}, where), [(where, "not a JSON object: predicted as empty")]
    problems = []
    text = record.get(options.text_field)
    if not isinstance(text, str):
        problems.append((where, f"no string in field {options.text_field!r}: predicted as empty"))
        text = ""
    ident = record.get(options.id_field) if options.id_field else None
    if options.id_field and ident is None:
        problems.append((where, f"no field {options.id_field!r}: an empty id"))
    return ident, Document(None, text, record, where), problems


def tsv_document(options, where, columns, line):
    cells = line.split("\t")
    record = dict(zip(columns, cells))
    problems = []
    if len(cells) != len(columns):
        problems.append((where, f"{len(cells)} columns where the header has {len(columns)}"))
    text = record.get(options.text_field, "")
    ident = record.get(options.id_field, "") if options.id_field else None
    return ident, Document(None, text, record, where), problems


def input_options(kind, model_config, text_field, id_field, names):
    """The InputOptions of predict's flags and the model's data section (how its training read mail)."""
    data = model_config.get("data", {})
    options = InputOptions(kind, text_field or "text", id_field, mail_text=data.get("mail_text", "raw"),
                           mail_header_tokens=tuple(data.get("mail_header_tokens", ())))
    if kind in MAIL_INPUTS and "-" in names and kind != "mbox":
        raise DataError(f"--input {kind} reads files and folders; standard input can be one mbox (--input mbox)")
    for name in names:
        if name != "-" and kind == "maildir" and not Path(name).is_dir():
            raise DataError(f"{name}: not a folder; --input maildir reads a maildir (cur/, new/) or a folder of "
                            "message files")
    return options
