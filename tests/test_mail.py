"""Mail as documents (issue 14): real messages (tests/mail, 14 of the SpamAssassin corpus) parsed, trained on from a
maildir and an mbox, predicted from .eml files, maildirs, mbox files, JSON Lines and TSV with their ids; bad input
gives one warning per problem and the document is still predicted."""

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, shared_dataset

import sgdtext.io.mail
import sgdtext.predict
from sgdtext.cli import cli
from sgdtext.io.mail import parse, raw_text

MAIL = REPO / "tests" / "mail"
MAILDIR = MAIL / "maildir"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def message(prefix):
    return next(p for p in MAILDIR.glob("*/*/*") if p.name.startswith(prefix))


def warnings(result):
    return [line for line in result.stderr.splitlines() if line.startswith("sgdtext: ")]


@pytest.fixture(scope="module")
def mail_model(tmp_path_factory):
    """A model trained on the fixture maildir (parsed mail), with FROM_FRIEND read from the From header."""
    folder = tmp_path_factory.mktemp("mail")
    (folder / "friends.txt").write_text("zzzzteana\nspamassassin\n")
    (folder / "c.yaml").write_text(json.dumps({
        "data": {"train": str(MAILDIR), "format": "maildir", "mail_header_tokens": ["subject"]},
        "features": {"extra": [{"name": "FROM_FRIEND", "type": "match_list", "header": "From",
                                "values_file": "friends.txt"}]}}))
    result = run("train", folder / "c.yaml", "--out-dir", folder / "model")
    assert result.exit_code == 0, result.output
    return folder / "model"


def test_a_message_is_parsed_into_its_readable_text():
    alternative = parse(message("00153").read_bytes())  # multipart/alternative: the plain part only
    assert alternative.text.startswith('Slang of the Day! > "blimp"\n') and "<" not in alternative.text
    html = parse(message("00266").read_bytes()).text  # HTML only: its text and the addresses of links and images
    assert html == ("Important\nhttp://master2.free4all.com/cgi-bin/sp/t.pl?id=6:56446664&o=1&d=1 "
                    "http://www.vitafactory.com/ad-friday/test.gif")
    quoted = parse(message("00091").read_bytes()).text  # quoted-printable decoded
    assert "=20" not in quoted and "=\n" not in quoted and "shop your loan to lenders" in quoted
    base64 = parse(message("00605").read_bytes())  # a base64 text part decoded
    assert "Your mortgage has been approved." in base64.text
    chinese = parse(message("00041").read_bytes())  # gb2312 decoded
    assert "enter Chinese market" in chinese.text and not chinese.problems
    attached = parse(message("00022").read_bytes())  # an attachment named, not read
    assert attached.text.endswith("attachment 111111111111111111.txt application/octet-stream")
    assert attached.problems == ["malformed MIME (CloseBoundaryNotFoundDefect): read as far as possible"]
    unknown = parse(message("00380").read_bytes())  # charset "default": read as UTF-8, with a warning
    assert unknown.problems == ["a text/html part in charset 'default' that cannot be decoded: read as UTF-8 with "
                                "replacements"]
    assert "About Your Commissions" in unknown.text
    assert attached.headers["subject"] == "Relationship" and int(attached.headers["received"]) >= 1


def test_raw_text_is_the_message_on_one_line_as_the_spamassassin_tsv_holds_it():
    data = "From: a@b.c\r\nSubject: hi\r\n\r\nline one\n\n\tline two\x85three\n".encode()
    assert raw_text(data) == "From: a@b.c Subject: hi line one line two three "
    assert raw_text("café\n".encode("latin-1")) == "café "  # not UTF-8: Latin-1


def test_header_tokens_in_parsed_and_raw_text():
    data = message("00022").read_bytes()
    assert parse(data, "parsed", ["subject"]).text.endswith(" subject_relationship")
    assert parse(data, "raw", ["subject"]).text.endswith(" subject_relationship")


def test_train_on_a_maildir_and_predict_mail_files_with_their_ids(mail_model):
    files = sorted(str(p) for p in MAILDIR.glob("*/*/*") if not p.name.startswith("."))
    eml = run("predict", mail_model, "--input", "eml", *files)
    assert eml.exit_code == 0, eml.output
    lines = eml.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == files  # one line per message, in order, its path first
    assert all(line.split("\t")[1] == Path(path).parts[-3] for line, path in zip(lines, files))  # trained on them
    maildir = run("predict", mail_model, "--input", "maildir", MAILDIR / "ham", MAILDIR / "spam")
    assert maildir.exit_code == 0 and sorted(maildir.stdout.splitlines()) == sorted(lines)
    assert "ham/new/" in maildir.stdout.splitlines()[0]  # new/ before cur/: a maildir's unread mail first
    mbox = run("predict", mail_model, "--input", "mbox", "--format", "jsonl", "--proba", MAIL / "labelled.mbox")
    records = [json.loads(line) for line in mbox.stdout.splitlines()]
    assert len(records) == 14 and all(r["id"].startswith("<") and set(r["proba"]) == {"ham", "spam"} for r in records)
    assert [r["label"] for r in records] == ["ham"] * 7 + ["spam"] * 7


def test_train_on_an_mbox_labelled_by_a_header(tmp_path):
    (tmp_path / "c.yaml").write_text(json.dumps({"data": {"train": str(MAIL / "labelled.mbox"), "format": "mbox"}}))
    result = run("train", tmp_path / "c.yaml", "--out-dir", tmp_path / "model", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    train = metrics["train"]
    assert train["n_documents"] == 14 and {c: v["support"] for c, v in train["per_class"].items()} == {"ham": 7,
                                                                                                        "spam": 7}
    missing = tmp_path / "unlabelled.mbox"
    missing.write_bytes((MAIL / "labelled.mbox").read_bytes().replace(b"X-Label: spam", b"X-Other: spam"))
    (tmp_path / "d.yaml").write_text(json.dumps({"data": {"train": str(missing), "format": "mbox"}}))
    refused = run("train", tmp_path / "d.yaml", "--out-dir", tmp_path / "other")
    assert refused.exit_code == 1 and re.search(r"unlabelled.mbox:\d+: expected the label in a X-Label: header",
                                                refused.stderr)


def test_jsonl_and_tsv_records_keep_their_ids_and_several_processes_give_the_same_output(tmp_path, monkeypatch):
    sms = (REPO / "data" / "sms-spam" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:301]
    texts = [line.split("\t", 1)[1] for line in sms]
    model = tmp_path / "model"
    (tmp_path / "c.yaml").write_text(json.dumps({"data": {"train": str(REPO / "data" / "sms-spam" / "train.tsv")}}))
    assert run("train", tmp_path / "c.yaml", "--out-dir", model).exit_code == 0
    plain = run("predict", model, input="".join(t + "\n" for t in texts)).stdout.splitlines()
    jsonl = "".join(json.dumps({"id": f"m{i}", "body": t}) + "\n" for i, t in enumerate(texts))
    one = run("predict", model, "--input", "jsonl", "--text-field", "body", "--id-field", "id", input=jsonl)
    assert one.exit_code == 0 and one.stdout.splitlines() == [f"m{i}\t{label}" for i, label in enumerate(plain)]
    (tmp_path / "in.tsv").write_text("id\ttext\n" + "".join(f"m{i}\t{t}\n" for i, t in enumerate(texts)))
    tsv = run("predict", model, "--input", "tsv", "--text-column", "text", "--id-column", "id", tmp_path / "in.tsv")
    assert tsv.stdout == one.stdout
    monkeypatch.setattr(sgdtext.predict, "CHUNK_BYTES", 2000)  # many chunks, so two processes share them
    two = run("predict", model, "--input", "jsonl", "--text-field", "body", "--id-field", "id", "--n-jobs", "2",
              input=jsonl)
    assert two.exit_code == 0 and two.stdout == one.stdout
    framed = run("predict", model, "--input", "jsonl", "--id-field", "id", input='{"id": "a\\tb", "text": "hi"}\n')
    assert framed.stdout.split("\t")[0] == "a b"  # a tab in an id would break the TSV framing


def test_bad_input_gives_one_warning_per_problem_and_still_predicts(mail_model, tmp_path, monkeypatch):
    (tmp_path / "note.txt").write_text("just a note, no headers at all\n")
    result = run("predict", mail_model, "--input", "eml", tmp_path / "note.txt", message("00022"), message("00380"))
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3
    assert warnings(result) == [
        f"sgdtext: {tmp_path / 'note.txt'}: no mail headers: not a mail message; read as plain text",
        f"sgdtext: {message('00022')}: malformed MIME (CloseBoundaryNotFoundDefect): read as far as possible",
        f"sgdtext: {message('00380')}: a text/html part in charset 'default' that cannot be decoded: read as UTF-8 "
        "with replacements"]
    monkeypatch.setattr(sgdtext.io.mail, "MAX_MESSAGE_BYTES", 2000)  # a message with a huge attachment
    big = run("predict", mail_model, "--input", "eml", message("00022"))
    assert big.exit_code == 0 and "larger than 2,000 bytes: only the first 2,000 read" in big.stderr
    monkeypatch.undo()
    box = (MAIL / "labelled.mbox").read_bytes()
    (tmp_path / "broken.mbox").write_bytes(b"stray text\n" + box.replace(b"From MAILER-DAEMON", b"From ", 1))
    mbox = run("predict", mail_model, "--input", "mbox", tmp_path / "broken.mbox")
    assert mbox.exit_code == 0 and len(mbox.stdout.splitlines()) == 15  # the stray text is a message of its own
    assert mbox.stdout.startswith(f"{tmp_path / 'broken.mbox'}:1\t")  # no Message-ID: its place is its id
    assert warnings(mbox)[:3] == [
        f"sgdtext: {tmp_path / 'broken.mbox'}:1: text before the first 'From ' line (not an mbox, or a broken one): "
        "read as a message",
        f"sgdtext: {tmp_path / 'broken.mbox'}:2: a 'From ' line without a sender: read as the start of a message",
        f"sgdtext: {tmp_path / 'broken.mbox'}:1: no mail headers: not a mail message; read as plain text"]
    nested = tmp_path / "inbox"
    for sub in ("cur", "new", "tmp", ".Sent/cur"):
        (nested / sub).mkdir(parents=True)
    os.link(message("00002"), nested / "new" / "1")
    folder = run("predict", mail_model, "--input", "maildir", nested)
    assert folder.stdout == f"{nested / 'new' / '1'}\tham\n"
    assert warnings(folder) == [f"sgdtext: {nested / '.Sent'}: a sub-folder is not read (a maildir folder such as "
                                ".Sent is a maildir of its own): give it as a FILE of its own"]
    jsonl = run("predict", mail_model, "--input", "jsonl", "--id-field", "id",
                input='{"id": 1, "text": "hello"}\n{"id": 2}\nnot json\n' + "[" * 100_000 + "\n")
    assert jsonl.exit_code == 0 and [line.split("\t")[0] for line in jsonl.stdout.splitlines()] == ["1", "2", "", ""]
    assert warnings(jsonl) == ["sgdtext: <stdin>:2: no string in field 'text': predicted as empty",
                               "sgdtext: <stdin>:3: not a JSON object (Expecting value): predicted as empty",
                               "sgdtext: <stdin>:4: not a JSON object (nested too deeply to read): predicted as empty"]


def test_flags_that_do_not_fit_are_refused(mail_model, tmp_path):
    (tmp_path / "in.tsv").write_text("id\tbody\n1\thello\n")
    wrong = run("predict", mail_model, "--input", "tsv", "--text-column", "text", tmp_path / "in.tsv")
    assert wrong.exit_code == 1 and f"{tmp_path / 'in.tsv'}:1: --text-column 'text' is not a column of the header " \
        "row (id, body); name one of them" in wrong.stderr
    assert "--input jsonl or --input tsv" in run("predict", mail_model, "--text-field", "x", input="hi\n").stderr
    folder = run("predict", mail_model, MAILDIR)
    assert folder.exit_code == 2 and "is a folder; predict reads lines of files, or mail with --input maildir" in \
        folder.stderr


def test_a_model_trained_on_the_one_line_tsv_reads_the_raw_maildir_as_it_read_its_training_data(tmp_path):
    data = shared_dataset("spamassassin").parent
    if not (data / "spamassassin-mail" / "test-maildir").is_dir():
        pytest.skip(f"dataset 'spamassassin-mail' not found under {data}; set SGDTEXT_DATA to the benchmark data root")
    result = run("train", REPO / "configs" / "spamassassin.yaml", "--out-dir", tmp_path / "model",
                 "--set", f"data.root={data}")
    assert result.exit_code == 0, result.output
    texts = [line.split("\t", 1)[1] for line in
             (data / "spamassassin" / "test.tsv").read_text(encoding="utf-8").split("\n")[1:] if line]
    from_tsv = run("predict", tmp_path / "model", input="".join(t + "\n" for t in texts)).stdout.splitlines()
    ids = (data / "spamassassin" / "test.ids").read_text().split()
    files = {p.name.split(":")[0]: p for p in (data / "spamassassin-mail" / "test-maildir").glob("*/*/*")}
    from_mail = run("predict", tmp_path / "model", "--input", "eml", *[files[i.split("/")[1]] for i in ids])
    assert [line.split("\t")[1] for line in from_mail.stdout.splitlines()] == from_tsv  # all 929, the same labels


def test_header_values_are_decoded_and_always_valid_text():
    from sgdtext.io.mail import header_text

    assert header_text("=?utf-8?b?ZnLDqWU=?= prize") == "frée prize"
    assert header_text("=?no-such-charset?q?abc?= x") == "abc x"
    raw = b"Message-ID: <caf\xe9@x>\nSubject: caf\xe9 =?utf-8?b?ZnLDqWU=?=\n\nbody\n"
    for mode in ("parsed", "raw"):
        mail = parse(raw, mode)
        assert mail.headers["message-id"] == "<caf\ufffd@x>" and mail.headers["subject"] == "caf\ufffd frée"
