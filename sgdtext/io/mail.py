"""E-mail as documents: a message's bytes become the text the featuriser reads and the headers hand-made features
read; maildirs and mbox files are read one message at a time.

Two texts can stand for a message (``data.mail_text``):
- ``raw``: the message's bytes as text (UTF-8, else Latin-1) with every run of line breaks and tabs made one space,
  exactly what a one-line-per-document file of mails holds (the spamassassin TSV is made so), so a model trained on
  such a file reads mail files as it read its training data;
- ``parsed``: Python's ``email`` package (policy default) reads the MIME structure: the Subject, then each text part
  decoded (quoted-printable, base64, its charset), an HTML part reduced to its text and the addresses of its links
  and images (script and style left out; the plain alternative preferred when both are sent), each attachment named
  (``attachment NAME TYPE``) but not read.
``data.mail_header_tokens`` adds words of the named headers with the header's name as a prefix (``subject_free``),
in either text. Problems (a broken MIME part, an unknown charset, a message cut at MAX_MESSAGE_BYTES, bytes that are
not a mail) are returned as warnings; the message is still read as far as it can be.
"""

import email
import email.errors
import email.header
import email.policy
import functools
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from sgdtext.errors import DataError
from sgdtext.io.documents import Document, bad, class_folders, header_tokens, header_value, open_binary

MAX_MESSAGE_BYTES = 1 << 23  # a message is read up to here (the rest, e.g. a huge attachment, is left out)
MAX_PARTS_DEPTH = 32
HEADERS = ("from", "to", "cc", "reply-to", "subject", "date", "message-id", "content-type")
LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


class Mail(NamedTuple):
    text: str
    headers: dict  # lower-cased header name -> value; "received": the number of Received hops
    problems: list  # what could not be read as it should, each a short sentence


def raw_text(data):
    """The message as one line: UTF-8 (else Latin-1) with runs of line breaks and tabs made one space."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return LINE_BREAKS.sub(" ", text)


class _HtmlText(HTMLParser):
    SKIPPED = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIPPED
        self.pieces.append(" ")  # <p>, <br>, <td> ...: words on either side stay apart
        self.pieces.extend(f"{value} " for name, value in attrs if name in ("href", "src") and value)

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIPPED and self.skipping > 0
        self.pieces.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.pieces.append(data)


def html_to_text(html):
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.pieces).split())


def part_text(part, problems):
    """A text part's content as str: decoded by its transfer encoding and charset, else as UTF-8 with replacements."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        problems.append(f"a {part.get_content_type()} part in charset {part.get_content_charset()!r} that cannot be "
                        "decoded: read as UTF-8 with replacements")
        return payload.decode("utf-8", "replace")


def body_texts(part, problems, out, depth=0):
    """Append the readable texts of ``part`` and its sub-parts to ``out`` (see the module's ``parsed``)."""
    if depth > MAX_PARTS_DEPTH:
        problems.append(f"MIME parts nested deeper than {MAX_PARTS_DEPTH}: the deeper ones not read")
        return
    if part.is_multipart():
        children = list(part.iter_parts())
        if part.get_content_type() == "multipart/alternative" and children:
            plain = [child for child in children if child.get_content_type() == "text/plain"]
            children = plain[:1] or children[-1:]  # the plain version, else the richest (last)
        for child in children:
            body_texts(child, problems, out, depth + 1)
        return
    name = part.get_filename()
    kind = part.get_content_type()
    if part.is_attachment() or name or part.get_content_maintype() != "text":
        out.append(f"attachment {name or ''} {kind}")
        return
    text = part_text(part, problems)
    out.append(html_to_text(text) if kind == "text/html" else text)


def header_text(value):
    """A header's raw value as text, its encoded words (=?utf-8?b?...?=) decoded; bytes that are not UTF-8 (the
    parser keeps them as surrogates) become U+FFFD, so ids and tokens are always valid text."""
    value = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except (ValueError, email.errors.HeaderParseError):
        return value
    return "".join(chunk if isinstance(chunk, str) else decoded(chunk, charset) for chunk, charset in parts)


def decoded(chunk, charset):
    """One part of email.header.decode_header: its plain parts come back raw-unicode-escape encoded."""
    if charset is None:
        return chunk.decode("raw-unicode-escape", "replace")
    try:
        return chunk.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return chunk.decode("utf-8", "replace")


def parse(data, mode="parsed", token_headers=(), more_headers=()):
    """The Mail of a message's bytes: ``mode`` "parsed" or "raw" (see the module's docstring); its headers are
    HEADERS, the ``token_headers`` and ``more_headers`` (names in any case)."""
    problems, cut = [], len(data) > MAX_MESSAGE_BYTES
    names = list(dict.fromkeys([*HEADERS, *(name.lower() for name in (*token_headers, *more_headers))]))
    if cut:
        data = data[:MAX_MESSAGE_BYTES]
        problems.append(f"larger than {MAX_MESSAGE_BYTES:,} bytes: only the first {MAX_MESSAGE_BYTES:,} read")
    headers, texts = {}, []
    try:
        # parsed: the MIME structure read by policy default; raw needs only a few header values, which the
        # compat32 policy reads some fifteen times faster. Either way the headers' raw values are decoded here
        # (email.header), not through policy default's header objects, the slowest part of reading a message.
        message = email.message_from_bytes(data, policy=email.policy.default if mode == "parsed" else
                                           email.policy.compat32)
        raw = {}
        for name, value in message.raw_items():
            raw.setdefault(name.lower(), []).append(value)
        for name in names:
            headers[name] = " ".join(header_text(raw[name][0]).split()) if name in raw else ""
        headers["received"] = str(len(raw.get("received", [])))
        defects = sorted({type(d).__name__ for p in message.walk() for d in p.defects})
        if not message.keys():  # (the parser notes a missing header block as a defect too: one warning is enough)
            problems.append("no mail headers: not a mail message; read as plain text")
        elif defects and not cut:  # a cut message misses its closing boundaries: that is the cut's warning
            problems.append(f"malformed MIME ({', '.join(defects[:3])}): read as far as possible")
        if mode == "parsed":
            body_texts(message, problems, texts)
    except Exception as exc:  # the email package's own bugs on hostile input: the message is still read, as raw text
        problems.append(f"cannot be parsed as mail ({type(exc).__name__}): read as raw text")
        headers, texts, mode = {name: "" for name in names} | {"received": "0"}, [], "raw"
    if mode == "raw":  # header tokens as a one-line file's documents get them (io.documents.with_header_tokens)
        text = raw_text(data)
        value_of = functools.partial(header_value, text)
    else:
        text = "\n".join([headers["subject"]] + texts)
        value_of = lambda name: headers.get(name.lower(), "")  # noqa: E731
    if token_headers:
        text += " " + header_tokens(value_of, token_headers)
    return Mail(text, headers, problems)


def read_message_file(path):
    """A message file's bytes, up to MAX_MESSAGE_BYTES + 1 (parse cuts and says so)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_MESSAGE_BYTES + 1)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder; --input maildir reads a folder of messages") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None


def is_maildir(folder):
    return (folder / "cur").is_dir() or (folder / "new").is_dir()


def message_files(folder, warn):
    """The message files of ``folder``, sorted: a maildir's ``new/`` and ``cur/`` (not ``tmp/``, where messages are
    still being delivered), else every file in it. Sub-folders (a Maildir++ folder such as ``.Sent``) are not read:
    each gets a warning."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder; a maildir (cur/, new/) or a folder of message files is expected")
    inner = [folder / "new", folder / "cur"] if is_maildir(folder) else [folder]
    known = {"new", "cur", "tmp"} if is_maildir(folder) else set()
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in known):
        warn(str(sub), "a sub-folder is not read (a maildir folder such as .Sent is a maildir of its own): give it "
                       "as a FILE of its own")
    for place in inner:
        if place.is_dir():
            yield from sorted(p for p in place.iterdir() if p.is_file() and not p.name.startswith("."))


def mbox_messages(stream, name, warn):
    """(where, bytes) of each message of an mbox stream, one message in memory at a time. A line starting with
    ``From `` begins a message (as Python's mailbox and mboxo; that envelope line is left out, as mailbox's
    get_bytes does); ``>From `` lines lose one ``>``. Text before the first ``From `` line is read as a message,
    with a warning."""
    lines, size, start, lineno, cut = None, 0, 1, 0, False

    def finished():
        where = f"{name}:{start}"
        if cut:
            warn(where, f"a message larger than {MAX_MESSAGE_BYTES:,} bytes: only its first part read")
        data = b"".join(lines)
        return where, data[:-1] if data.endswith(b"\n\n") else data  # the blank line before the next From_

    line = b"\n"
    for lineno, piece in enumerate(iter(lambda: stream.readline(1 << 20), b""), 1):
        line_start, line = line.endswith(b"\n"), piece  # a line longer than the read size comes in pieces
        if line_start and line.startswith(b"From "):
            if lines is not None:
                yield finished()
            if not line[5:].strip() or line[5:6].isspace():  # "From sender date": the sender is missing
                warn(f"{name}:{lineno}", "a 'From ' line without a sender: read as the start of a message")
            lines, size, start, cut = [], 0, lineno, False
            continue  # the envelope line is not part of the message (as Python's mailbox)
        elif lines is None:
            if not line.strip():
                continue
            warn(f"{name}:{lineno}", "text before the first 'From ' line (not an mbox, or a broken one): read as a "
                                     "message")
            lines, size, start, cut = [], 0, lineno, False
        elif line_start and line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        if size + len(line) <= MAX_MESSAGE_BYTES:
            lines.append(line)
            size += len(line)
        else:
            cut = True
    if lines is not None:
        yield finished()


def mail_document(data, where, options, stats, label=None, more_headers=()):
    """A Document of a message's bytes as ``options`` say (mail_text, mail_header_tokens); problems go to stats."""
    mail = parse(data, options.mail_text, options.mail_header_tokens, more_headers)
    for problem in mail.problems:
        stats.problem(where, problem)
    return Document(label, mail.text, mail_fields(mail, options.mail_text), where)


def mail_fields(mail, mode):
    """A mail Document's fields: the parsed headers, which hand-made header features read; none for a raw message,
    whose features read its text as they read a one-line file's (the same features either way)."""
    return {"mail_headers": mail.headers} if mode == "parsed" else None


def read_maildir(path, options, stats):
    """Training data: a folder with one sub-folder per class, each a maildir or a folder of message files."""
    for folder in class_folders(path, "maildir", "a maildir or a folder of message files"):
        for file in message_files(folder, stats.problem):
            yield mail_document(read_message_file(file), str(file), options, stats, label=folder.name)


def read_mbox(path, options, stats):
    """Training data: an mbox file whose messages carry their label in the header ``data.label_header``."""
    with open_binary(path) as handle:
        for where, data in mbox_messages(handle, str(path), stats.problem):
            mail = parse(data, options.mail_text, options.mail_header_tokens, [options.label_header])
            label = mail.headers[options.label_header.lower()]
            if not label:
                bad(options, stats, where, f"expected the label in a {options.label_header}: header, found none")
                continue
            for problem in mail.problems:
                stats.problem(where, problem)
            yield Document(label, mail.text, mail_fields(mail, options.mail_text), where)
