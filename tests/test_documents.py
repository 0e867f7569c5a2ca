import gzip

import pytest

from sgdtext.errors import DataError
from sgdtext.io.documents import ReadOptions, ReadStats, read_documents


def read(path, **options):
    stats = ReadStats()
    docs = list(read_documents(path, ReadOptions(**options), stats))
    return [(d.label, d.text) for d in docs], stats


def test_tsv_with_and_without_header(write):
    with_header = write("a.tsv", "label\ttext\nham\thello there\nspam\tWIN now\n")
    without = write("b.tsv", "ham\thello there\nspam\tWIN now\n")
    expected = [("ham", "hello there"), ("spam", "WIN now")]
    assert read(with_header)[0] == expected
    assert read(without)[0] == expected
    assert read(without, header="no")[0] == expected


def test_tsv_header_yes_requires_a_header(write):
    path = write("a.tsv", "ham\thello\n")
    with pytest.raises(DataError, match=r"a.tsv:1: expected a header naming the columns 'label' and 'text'"):
        read(path, header="yes")


def test_tsv_named_columns_and_crlf(write):
    path = write("a.tsv", "id\ttext\tlabel\r\n7\thello\tham\r\n")
    docs, _ = read(path)
    assert docs == [("ham", "hello")]


def test_tsv_malformed_line_is_fatal_with_file_and_line(write):
    path = write("a.tsv", "label\ttext\nham\thello\nno tab here\n")
    with pytest.raises(DataError) as err:
        read(path)
    assert str(err.value) == (f"{path}:3: expected 2 tab-separated columns (label, text), found 1 in 'no tab here'; "
                              f"fix the line, or set data.bad_lines: skip to count and skip such lines")


def test_tsv_malformed_lines_skipped_and_counted(write):
    path = write("a.tsv", "ham\thello\nbroken\nspam\twin\n\tno label\n")
    docs, stats = read(path, bad_lines="skip")
    assert docs == [("ham", "hello"), ("spam", "win")]
    assert stats.n_skipped == 2
    assert stats.skipped[0][0] == f"{path}:2"


def test_gzip_is_read_transparently(tmp_path):
    path = tmp_path / "a.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("label\ttext\nham\thello\n")
    assert read(path)[0] == [("ham", "hello")]


def test_invalid_utf8_is_replaced_and_counted(write):
    path = write("a.tsv", b"ham\thello \xff world\nspam\tok\n", mode="wb")
    docs, stats = read(path)
    assert docs[0] == ("ham", "hello \ufffd world")
    assert stats.n_invalid_utf8 == 1 and stats.first_invalid_utf8 == f"{path}:1"


def test_csv_named_columns_keep_all_fields(write):
    path = write("a.csv", 'category,body,size\nspam,"free, really",3\nham,hi,1\n')
    stats = ReadStats()
    docs = list(read_documents(path, ReadOptions(label_field="category", text_field="body"), stats))
    assert [(d.label, d.text, d.fields["size"]) for d in docs] == [("spam", "free, really", "3"), ("ham", "hi", "1")]
    assert docs[1].where == f"{path}:3"


def test_csv_missing_column_names_the_header(write):
    path = write("a.csv", "category,body\nspam,x\n")
    with pytest.raises(DataError, match=r"a.csv:1: the header \['category', 'body'\] has no column 'label'"):
        read(path)


def test_jsonl_fields_and_errors(write):
    path = write("a.jsonl", '{"label": "ham", "text": "hi"}\n\n{"label": 1, "text": "x"}\n{"label": "a", "text": 5}\n')
    with pytest.raises(DataError, match=r"a.jsonl:4: expected a string in field 'text', found 5"):
        read(path)
    docs, stats = read(path, bad_lines="skip")
    assert docs == [("ham", "hi"), ("1", "x")] and stats.n_skipped == 1
    bad_json = write("b.jsonl", '{"label": "ham",\n')
    with pytest.raises(DataError, match=r"b.jsonl:1: expected one JSON object per line"):
        read(bad_json)
    deep = write("c.jsonl", '{"label": "a", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    with pytest.raises(DataError, match=r"c.jsonl:1: expected one JSON object per line, found one nested too deeply"):
        read(deep)


def test_fasttext_lines(write):
    path = write("a.txt", "__label__spam Win a prize\n__label__ham see you\n")
    assert read(path)[0] == [("spam", "Win a prize"), ("ham", "see you")]
    multi = write("b.ft", "__label__a __label__b text\n__label__c other __label__c\nno label\n")
    with pytest.raises(DataError, match=r"b.ft:1: expected one __label__LABEL on the line \(single-label\), found 2; "
                                        r"set model.multilabel: true for several"):
        read(multi, multilabel=False)
    with pytest.raises(DataError, match=r"b.ft:3: expected one __label__LABEL on the line \(single-label\), found "
                                        r"none; fix the line"):
        read(multi)  # multilabel auto: several labels are a set, none is a mistake
    assert read(multi, multilabel=True)[0] == [(("a", "b"), "text"), (("c",), "other"), ((), "no label")]


def test_label_lists_in_tsv_and_jsonl(write):
    tsv = write("a.tsv", "label\ttext\nsport,politics\tvote on the stadium\nsport\tgoal\n\tnothing\n")
    assert read(tsv, label_separator=",", multilabel=True)[0] == [
        (("sport", "politics"), "vote on the stadium"), (("sport",), "goal"), ((), "nothing")]
    with pytest.raises(DataError, match=r"a.tsv:4: expected a label, found an empty one \(model.multilabel: true "
                                        r"allows none\)"):
        read(tsv, label_separator=",")
    broken = write("b.tsv", "label\ttext\nsport,,politics\tx\n")
    with pytest.raises(DataError, match=r"b.tsv:2: an empty label between separators ',' in 'sport,,politics'"):
        read(broken, label_separator=",")
    jsonl = write("c.jsonl", '{"label": ["a", "b"], "text": "x"}\n{"label": "a", "text": "y"}\n')
    assert read(jsonl)[0] == [(("a", "b"), "x"), ("a", "y")]


def test_folder_one_subfolder_per_class(tmp_path):
    for label, name, text in [("spam", "1.txt", "win\nnow"), ("ham", "b.txt", "hello"), ("ham", "a.txt", "hi")]:
        (tmp_path / "mail" / label).mkdir(parents=True, exist_ok=True)
        (tmp_path / "mail" / label / name).write_text(text)
    docs, _ = read(tmp_path / "mail")
    assert docs == [("ham", "hi"), ("ham", "hello"), ("spam", "win\nnow")]


def test_missing_file_message(tmp_path):
    with pytest.raises(DataError, match=r"nope.tsv: no such file; check data paths"):
        read(tmp_path / "nope.tsv")
