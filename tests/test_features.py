import zlib
from dataclasses import asdict

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from sgdtext.config import DEFAULTS
from sgdtext.errors import DataError, SgdtextError
from sgdtext.io.documents import Document, header_value
from sgdtext.text.features import Featurizer

TEXTS = [
    "Free entry: WIN a free prize, call now!",
    "Hey, are we still on for lunch? Call me.",
    "free free FREE money; the prize is yours",
    "",
    "Lunch at noon, then the meeting. Don't be late!",
    "a b c  d\te",
]


def docs(texts=TEXTS, fields=None):
    return [Document(None, t, fields, f"t:{i}") for i, t in enumerate(texts)]


# scikit-learn's CountVectorizer defaults (the oracle's), where sgdtext's defaults differ
SCIKIT_LEARN = {"ngram_range": [1, 1], "token_pattern": r"(?u)\b\w\w+\b", "weighting": "count", "sublinear_tf": False,
                "ngram_min_df": 1, "char_ngram_range": None}


def settings(**changes):
    return {**DEFAULTS["features"], **SCIKIT_LEARN, **changes}


def dense(rows):
    return rows.to_scipy().toarray()


@pytest.mark.parametrize("ours, theirs", [
    ({}, {}),
    ({"ngram_range": [1, 3]}, {"ngram_range": (1, 3)}),
    ({"ngram_range": [2, 2], "lowercase": False}, {"ngram_range": (2, 2), "lowercase": False}),
    ({"stop_words": "english"}, {"stop_words": "english"}),
    ({"token_pattern": r"(?u)\b\w+\b", "min_df": 2}, {"token_pattern": r"(?u)\b\w+\b", "min_df": 2}),
    ({"max_df": 0.3}, {"max_df": 0.3}),
    ({"analyzer": "char", "ngram_range": [1, 3]}, {"analyzer": "char", "ngram_range": (1, 3)}),
    ({"analyzer": "char_wb", "ngram_range": [2, 4]}, {"analyzer": "char_wb", "ngram_range": (2, 4)}),
    ({"weighting": "binary"}, {"binary": True}),
])
def test_counts_match_count_vectorizer(ours, theirs):
    featurizer = Featurizer(settings(**ours))
    X = featurizer.fit_transform(docs())
    oracle = CountVectorizer(**theirs)
    expected = oracle.fit_transform(TEXTS).toarray()
    assert featurizer.feature_names() == list(oracle.get_feature_names_out())
    np.testing.assert_array_equal(dense(X), expected)
    new = ["call now for a FREE lunch", "nothing known here zzz"]
    np.testing.assert_array_equal(dense(featurizer.transform(docs(new))), oracle.transform(new).toarray())


@pytest.mark.parametrize("pattern", [r"(?u)\b\w\w+\b", r"(?u)\b[a-z]\w+"])  # the compiled path, the regex path
@pytest.mark.parametrize("ngram_min_df, min_df", [(2, 1), (3, 1), (0.2, 1), (2, 2)])
def test_ngram_min_df_holds_only_the_word_ngrams_to_its_count(pattern, ngram_min_df, min_df):
    texts = TEXTS + ["free prize now, call now", "call now to win a free prize", "lunch at noon"]
    featurizer = Featurizer(settings(token_pattern=pattern, ngram_range=[1, 3], ngram_min_df=ngram_min_df,
                                     min_df=min_df))
    X = featurizer.fit_transform(docs(texts))
    words = CountVectorizer(token_pattern=pattern, min_df=min_df)
    grams = CountVectorizer(token_pattern=pattern, ngram_range=(2, 3), min_df=max(ngram_min_df, min_df)
                            if isinstance(ngram_min_df, int) else ngram_min_df)
    expected = np.hstack([words.fit_transform(texts).toarray(), grams.fit_transform(texts).toarray()])
    names = list(words.get_feature_names_out()) + list(grams.get_feature_names_out())
    order = np.argsort(names, kind="stable")
    assert featurizer.feature_names() == [names[i] for i in order]
    np.testing.assert_array_equal(dense(X), expected[:, order])
    assert any(" " in name for name in names) and len(grams.get_feature_names_out()) < len(
        CountVectorizer(token_pattern=pattern, ngram_range=(2, 3)).fit(texts).get_feature_names_out())


def test_max_features_keeps_the_most_frequent_terms():
    texts = ["free free free prize", "free prize call", "call lunch", "zebra"]
    featurizer = Featurizer(settings(max_features=2))
    X = featurizer.fit_transform(docs(texts))
    oracle = CountVectorizer(max_features=2).fit(texts)  # no ties among the top two here
    assert featurizer.feature_names() == list(oracle.get_feature_names_out()) == ["call", "free"]
    np.testing.assert_array_equal(dense(X), oracle.transform(texts).toarray())


@pytest.mark.parametrize("sublinear", [False, True])
def test_tfidf_matches_tfidf_vectorizer(sublinear):
    featurizer = Featurizer(settings(weighting="tfidf", sublinear_tf=sublinear, ngram_range=[1, 2]))
    X = featurizer.fit_transform(docs())
    oracle = TfidfVectorizer(sublinear_tf=sublinear, ngram_range=(1, 2))
    np.testing.assert_allclose(dense(X), oracle.fit_transform(TEXTS).toarray(), rtol=1e-12, atol=1e-15)
    new = ["call now for a FREE lunch"]
    np.testing.assert_allclose(dense(featurizer.transform(docs(new))), oracle.transform(new).toarray(), rtol=1e-12)


def test_hashing_is_count_vectorizer_folded_by_crc32():
    n = 64
    featurizer = Featurizer(settings(n_features=n))
    X = dense(featurizer.fit_transform(docs()))
    oracle = CountVectorizer().fit(TEXTS)
    counts = oracle.transform(TEXTS).toarray()
    expected = np.zeros((len(TEXTS), n))
    for term, j in oracle.vocabulary_.items():
        h = zlib.crc32(term.encode("utf-8"))
        expected[:, h % n] += counts[:, j] * (-1 if h & 0x80000000 else 1)
    np.testing.assert_array_equal(X, expected)
    assert featurizer.n_features == n and featurizer.vocabulary is None


def test_l1_norm_and_count_rows():
    X = dense(Featurizer(settings(norm="l1")).fit_transform(docs(["a bb bb cc", "bb"])))
    np.testing.assert_allclose(X, [[2 / 3, 1 / 3], [1.0, 0.0]])  # 'a' is one character: no token


def test_hand_made_features(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("free\nprize\nthe\n")
    extra = [
        {"name": "FREE", "type": "regex", "pattern": "free", "ignore_case": True, "transform": "identity"},
        {"name": "MISPELLED", "type": "not_in_wordlist", "wordlist": str(words), "transform": "identity"},
        {"name": "FROM_FRIEND", "type": "match_list", "header": "From", "field": None,
         "values": ["alice@example.org"], "values_file": None, "transform": "identity"},
        {"name": "LENGTH", "type": "length", "transform": "log1p"},
    ]
    texts = ["From: Alice <ALICE@example.org> Subject: free FREE prize", "From: bob@spam.biz Subject: the frree prize"]
    featurizer = Featurizer(settings(extra=extra))
    X = featurizer.fit_transform(docs(texts))
    names = featurizer.feature_names()
    assert names[-4:] == ["FREE", "MISPELLED", "FROM_FRIEND", "LENGTH"]
    tail = dense(X)[:, -4:]
    # text 0: from alice alice example org subject free free prize -> 6 tokens not in the list
    # text 1: from bob spam biz subject the frree prize -> 6 not in the list
    np.testing.assert_allclose(tail, [[2, 6, 1, np.log1p(9)], [0, 6, 0, np.log1p(8)]])
    # the counts before the hand-made columns are the plain bag of words
    np.testing.assert_array_equal(dense(X)[:, :-4], CountVectorizer().fit_transform(texts).toarray())


def test_header_value_in_flattened_and_multiline_text():
    assert header_value("From: a@b.c (Al) Subject: hi there", "From") == "a@b.c (Al)"
    assert header_value("Received: x\nFrom: Carol <c@d.e>\nSubject: s", "from") == "Carol <c@d.e>"
    assert header_value("no headers", "From") == ""


def test_numeric_column_and_bad_value():
    extra = [{"name": "size", "type": "column", "column": "size", "transform": "identity"}]
    featurizer = Featurizer(settings(bag_of_words=False, extra=extra))
    X = featurizer.fit_transform([Document("a", "", {"size": "2.5"}, "f:2"), Document("b", "", {"size": "0"}, "f:3")])
    np.testing.assert_array_equal(dense(X), [[2.5], [0.0]])
    with pytest.raises(DataError, match=r"f:9: feature 'size' wants a number in column 'size', got 'big'"):
        featurizer.transform([Document("a", "", {"size": "big"}, "f:9")])


def test_state_round_trip_gives_the_same_matrix():
    featurizer = Featurizer(settings(weighting="tfidf", stop_words="english"))
    X = featurizer.fit_transform(docs())
    arrays, meta = featurizer.state()
    again = Featurizer.from_state(featurizer.settings, arrays, meta)
    np.testing.assert_array_equal(dense(again.transform(docs())), dense(X))


def test_sparse_rows_matmul_matches_scipy():
    X = Featurizer(settings()).fit_transform(docs())
    W = np.random.default_rng(0).normal(size=(X.shape[1], 3))
    np.testing.assert_allclose(X @ W, X.to_scipy() @ W, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_compiled_product_on_threads_is_scipys_bit_for_bit(dtype):
    """rows_times (a linear model's scores): a matrix of more than a million entries is split over threads, and the
    product is scipy's to the bit, float32 weights widened as read; a bad shape or column index is refused."""
    import scipy.sparse

    from sgdtext.core.sparse import THREADED_ENTRIES, rows_times

    rng = np.random.default_rng(2)
    X = scipy.sparse.random(3_000, 5_000, density=0.1, format="csr", random_state=rng)
    assert X.nnz >= THREADED_ENTRIES
    W = rng.normal(size=(5_000, 7)).astype(dtype)
    np.testing.assert_array_equal(rows_times(X, W), X @ W.astype(np.float64))
    with pytest.raises(ValueError, match="5000 columns times weights of 4999 rows"):
        rows_times(X, W[:-1])
    bad = X.copy()
    bad.indices[10] = 5_000
    with pytest.raises(ValueError, match="column index out of that range"):
        rows_times(bad, W)


def test_char_ngram_union_is_word_plus_char_wb_vectorizers():
    featurizer = Featurizer(settings(ngram_range=[1, 2], char_ngram_range=[2, 3]))
    X = dense(featurizer.fit_transform(docs()))
    words, chars = CountVectorizer(ngram_range=(1, 2)).fit(TEXTS), CountVectorizer(analyzer="char_wb",
                                                                                    ngram_range=(2, 3)).fit(TEXTS)
    names = featurizer.feature_names()
    expected = {**{t: words.transform(TEXTS).toarray()[:, j] for t, j in words.vocabulary_.items()},
                **{"c:" + t: chars.transform(TEXTS).toarray()[:, j] for t, j in chars.vocabulary_.items()}}
    assert sorted(names) == sorted(expected)
    for j, name in enumerate(names):
        np.testing.assert_array_equal(X[:, j], expected[name])


def char_blocks(norm):
    """Settings of word pairs and character 2-4-grams in tf-idf, rows normalised by ``norm``."""
    return dict(ngram_range=[1, 2], char_ngram_range=[2, 4], weighting="tfidf", sublinear_tf=True, norm=norm)


@pytest.mark.parametrize("norm", ["l2", "l1"])
def test_words_and_char_ngrams_are_normalised_apart_as_two_tfidf_vectorizers(norm):
    """Each block is one vectorizer's rows scaled to 1/sqrt(2) (l1: 1/2): scikit-learn's FeatureUnion of the two."""
    changes = char_blocks(norm)
    featurizer = Featurizer(settings(**changes))
    X = dense(featurizer.fit_transform(docs()))
    share = np.sqrt(2) if norm == "l2" else 2.0
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, norm=norm).fit(TEXTS)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, norm=norm).fit(TEXTS)
    W, C = words.transform(TEXTS).toarray() / share, chars.transform(TEXTS).toarray() / share
    expected = {**{t: W[:, j] for t, j in words.vocabulary_.items()},
                **{"c:" + t: C[:, j] for t, j in chars.vocabulary_.items()}}
    names = featurizer.feature_names()
    assert sorted(names) == sorted(expected)
    np.testing.assert_allclose(X, np.column_stack([expected[name] for name in names]), atol=1e-12)
    np.testing.assert_array_equal(featurizer.char_columns(), [name.startswith("c:") for name in names])
    loaded = Featurizer.from_state(settings(**changes), *featurizer.state())  # the blocks told from packed names
    new = docs(["a new text, never seen", TEXTS[0]])
    # a small input to a loaded model is looked up in place: its row norms are summed in another order (a rounding)
    np.testing.assert_allclose(dense(loaded.transform(new)), dense(featurizer.transform(new)), rtol=1e-15, atol=0)
    by_list = Featurizer(settings(**changes), vocabulary=names, idf=featurizer.idf)  # ... and from a term list
    np.testing.assert_array_equal(dense(by_list.transform(new)), dense(featurizer.transform(new)))


@pytest.mark.parametrize("norm", ["l2", "l1"])
def test_a_model_file_from_before_the_char_blocks_keeps_its_rows_normalised_as_a_whole(norm):
    changes = char_blocks(norm)
    featurizer = Featurizer(settings(**changes))
    featurizer.fit_transform(docs())
    names, new = featurizer.feature_names(), docs(["a new text, never seen", TEXTS[0]])
    arrays, meta = featurizer.state()
    del meta["char_norm"]  # as such a file's metadata: the rows were normalised as a whole when it was trained
    old = dense(Featurizer.from_state(settings(**changes), arrays, meta).transform(new))
    np.testing.assert_allclose(sizes_of(old, norm), 1.0)
    unnormalised = dense(Featurizer(settings(**{**changes, "norm": "none"}), vocabulary=names,
                                    idf=featurizer.idf).transform(new))
    np.testing.assert_allclose(old, unnormalised / sizes_of(unnormalised, norm)[:, None])
    with pytest.raises(ValueError, match="char_norm 'columns' is not one sgdtext has"):
        Featurizer.from_state(settings(**changes), arrays, {**meta, "char_norm": "columns"})


def test_char_ngram_range_auto_adds_character_ngrams_to_short_documents_only():
    """auto: [2, 5] when the training documents' mean length is at most 500 characters (the same matrix as the
    range written out), none on longer ones, in hashing mode, or with tokens the compiled counter does not cut."""
    tfidf = dict(weighting="tfidf", sublinear_tf=True, ngram_range=[1, 2])
    for texts, chosen in ((TEXTS, [2, 5]), (["x" * 500, "y " * 250], [2, 5]), (["x" * 500, "y " * 250 + "z"], None)):
        auto = Featurizer(settings(char_ngram_range="auto", **tfidf))
        X = dense(auto.fit_transform(docs(texts)))
        assert auto.settings.char_ngram_range == chosen
        written = Featurizer(settings(char_ngram_range=chosen, **tfidf))
        np.testing.assert_array_equal(X, dense(written.fit_transform(docs(texts))))
        assert auto.feature_names() == written.feature_names()
    for other in ({"n_features": 256}, {"token_pattern": r"\S+"}, {"analyzer": "char_wb"}, {"bag_of_words": False}):
        auto = Featurizer(settings(char_ngram_range="auto", **other))
        auto.fit_transform(docs())
        assert auto.settings.char_ngram_range is None, other


def test_a_model_file_says_what_char_ngram_range_auto_became(tmp_path):
    featurizer = Featurizer(settings(char_ngram_range="auto"))
    featurizer.fit_transform(docs())
    arrays, meta = featurizer.state()
    loaded = Featurizer.from_state(asdict(featurizer.settings), arrays, meta)
    assert loaded.settings.char_ngram_range == [2, 5] and loaded.char_columns().any()
    with pytest.raises(ValueError, match="char_ngram_range is 'auto'; a trained model says which it is"):
        Featurizer.from_state(settings(char_ngram_range="auto"), arrays, meta)


def sizes_of(rows, norm):
    return np.linalg.norm(rows, axis=1) if norm == "l2" else np.abs(rows).sum(axis=1)


@pytest.mark.parametrize("changes", [{}, {"n_features": 512}, {"min_df": 2, "weighting": "tfidf"}])
def test_parallel_featurising_gives_the_same_matrix(changes):
    texts = [f"{TEXTS[i % len(TEXTS)]} doc{i % 97} word{i % 13} " * 10 for i in range(9000)]  # > 2 MB
    one = Featurizer(settings(ngram_range=[1, 2], **changes))
    two = Featurizer(settings(ngram_range=[1, 2], **changes))
    X1, X2 = one.fit_transform(docs(texts), n_jobs=1), two.fit_transform(docs(texts), n_jobs=2)
    assert one.feature_names() == two.feature_names()
    for a, b in zip(X1[:3], X2[:3]):
        np.testing.assert_array_equal(a, b)
    T1, T2 = one.transform(docs(texts[:5000]), n_jobs=1), two.transform(docs(texts[:5000]), n_jobs=2)
    for a, b in zip(T1[:3], T2[:3]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("changes", [{"ngram_range": [1, 3], "stop_words": "english"}, {"ngram_range": [2, 3]},
                                     {"token_pattern": r"(?u)\w+|[^\w\s]", "ngram_range": [1, 2]}])
def test_batch_tokenising_matches_per_document_tokenising(changes):
    texts = TEXTS + ["line one\nline two\r\nthree", "\n\n", "x"]
    featurizer = Featurizer(settings(**changes))
    featurizer.fit_transform(docs(texts))
    assert featurizer.analyze_batch is not None
    batch = dense(featurizer.transform(docs(texts)))
    featurizer.analyze_batch = None  # the per-document path
    np.testing.assert_array_equal(batch, dense(featurizer.transform(docs(texts))))


def test_patterns_that_match_newlines_use_the_per_document_path():
    assert Featurizer(settings(token_pattern=r"\S+|\s+")).analyze_batch is None
    assert Featurizer(settings(analyzer="char_wb", ngram_range=[2, 3])).analyze_batch is None


def test_hashed_ngrams_combine_word_hashes_as_fasttext():
    from sgdtext.text.analysis import hash_word_ngrams

    words = np.array(["free", "prize", "now", "hi"], dtype=object)
    hashes, rows = hash_word_ngrams(words, np.array([0, 0, 0, 1]), (1, 2))
    crc = [zlib.crc32(w.encode()) for w in words]
    pair = [(crc[0] * 116049371 + crc[1]) % 2**32, (crc[1] * 116049371 + crc[2]) % 2**32]
    assert hashes.tolist() == crc + pair and rows.tolist() == [0, 0, 0, 1, 0, 0]  # no bigram across documents


def test_hashing_with_a_pattern_that_matches_newlines_uses_the_same_hashes():
    texts = ["free prize now", "hi there"]
    batch = Featurizer(settings(n_features=64, ngram_range=[1, 2]))
    per_doc = Featurizer(settings(n_features=64, ngram_range=[1, 2], token_pattern=r"[^\s]+|\n\n\n"))
    assert per_doc.tokenize_batch is None and batch.tokenize_batch is not None
    np.testing.assert_array_equal(dense(batch.fit_transform(docs(texts))), dense(per_doc.fit_transform(docs(texts))))


UNICODE_TEXTS = TEXTS + [
    "Ünïcödé wörds, ÉCOLE école straße ΣΟΦΙΑ σοφία — 東京 タワー 123 4 x_y _ __init__",
    "tabs\tand\nnew lines\r\nand\u00a0no-break\u2003em spaces; digits ٣٤ and ²³ and combining e\u0301t\u0301e\u0301",
    "emoji 🙂🙂 ok🙂ok a1 1a 1 _a",
    "punctuation!!! (a), [b]; {c}... \"d\" 'e' ¿qué? «ok» \x1c\x1f\u2028 - -- --- $5 5% #tag @user",
]


@pytest.mark.parametrize("changes", [
    {}, {"ngram_range": [1, 3]}, {"ngram_range": [2, 3], "lowercase": False}, {"stop_words": "english"},
    {"token_pattern": r"(?u)\b\w+\b", "ngram_range": [1, 2]}, {"min_df": 2, "ngram_range": [1, 2]},
    {"token_pattern": r"(?u)\w+|[^\w\s]", "ngram_range": [1, 2]},
    {"token_pattern": r"(?u)\w+|[^\w\s]", "n_features": 256, "ngram_range": [1, 2]},
    {"token_pattern": r"\S+", "ngram_range": [1, 2]}, {"token_pattern": r"\S+", "ngram_range": [1, 3], "min_df": 2},
    {"token_pattern": r"\S+", "n_features": 256, "ngram_range": [1, 2], "stop_words": "english"},
    {"max_features": 7, "ngram_range": [1, 2]}, {"n_features": 256, "ngram_range": [1, 3]},
    {"n_features": 256, "stop_words": ["and", "the"], "lowercase": False},
    {"n_features": 16, "alternate_sign": True, "ngram_range": [1, 2]},  # collisions that cancel out
    {"n_features": 16, "alternate_sign": False, "ngram_range": [2, 3]},
    {"char_ngram_range": [2, 5]}, {"char_ngram_range": [1, 3], "ngram_range": [2, 3], "lowercase": False},
    {"token_pattern": r"(?u)\w+|[^\w\s]", "ngram_range": [1, 2], "char_ngram_range": [2, 5], "min_df": 2},
    {"char_ngram_range": [3, 4], "stop_words": "english", "max_features": 40},
])
def test_compiled_term_index_matches_the_regex_path(changes):
    """The compiled tokeniser/trie (sgdtext/_text_fast.pyx) gives the regex path's terms and counts."""
    compiled, regex = Featurizer(settings(**changes)), Featurizer(settings(**changes))
    assert compiled.compiled is not None
    regex.compiled = None
    texts = UNICODE_TEXTS * 2
    np.testing.assert_array_equal(dense(compiled.fit_transform(docs(texts))), dense(regex.fit_transform(docs(texts))))
    assert compiled.feature_names() == regex.feature_names()
    new = UNICODE_TEXTS[::-1] + ["unseen words only", "école ÉCOLE 東京"]
    np.testing.assert_array_equal(dense(compiled.transform(docs(new))), dense(regex.transform(docs(new))))
    rebuilt = Featurizer.from_state(settings(**changes), *compiled.state())  # index rebuilt from the vocabulary
    np.testing.assert_array_equal(dense(rebuilt.transform(docs(new))), dense(regex.transform(docs(new))))
    if "n_features" not in changes:  # the vocabulary, packed in C, sorts as Python's strings and packs as pack_strings
        terms = compiled.feature_names()
        assert terms == sorted(terms)
        arrays, meta = compiled.state()
        assert meta["vocabulary_sorted"] is True
        assert bytes(arrays["vocabulary_blob"]) == "".join(terms).encode("utf-8")
        np.testing.assert_array_equal(arrays["vocabulary_offsets"],
                                      np.cumsum([0] + [len(t.encode("utf-8")) for t in terms]))


@pytest.mark.parametrize("compiled", [True, False])
def test_a_lone_surrogate_in_a_term_is_one_clear_message(compiled):
    """Strings handed to the Python API may hold a lone surrogate, which no UTF-8 model file can hold."""
    featurizer = Featurizer(settings(token_pattern=r"\S+"))  # the surrogate is inside a token
    assert featurizer.compiled is not None
    if not compiled:
        featurizer.compiled = None
    with pytest.raises(SgdtextError, match="surrogate"):
        featurizer.fit_transform(docs(["fine words", "bad\ud800word here"]))


def test_other_token_patterns_and_analyzers_use_the_regex_path():
    assert Featurizer(settings(token_pattern=r"(?u)\b\w\w\w+\b")).compiled is None
    assert Featurizer(settings(analyzer="char", ngram_range=[1, 2])).compiled is None
    assert Featurizer(settings(char_ngram_range=[2, 3], n_features=256)).compiled is None  # hashing: regex path
    assert Featurizer(settings(char_ngram_range=[2, 3], token_pattern=r"\S+")).compiled is None
    assert Featurizer(settings(char_ngram_range=[2, 3])).compiled is not None


@pytest.mark.parametrize("seed", range(5))
def test_term_order_sorts_as_the_terms_bytes(seed):
    """TermIndex.term_order (the kept terms sorted from the trie by their words' ranks) gives packed_order's
    permutation of their names: words that are prefixes of others ("ab", "ab c", "abc"), non-ASCII, 1-3-grams."""
    from sgdtext.text._text_fast import TermIndex, packed_order

    rng = np.random.default_rng(seed)
    words = ["ab", "abc", "abcd", "a", "b", "ba", "école", "ecole", "東京", "z9", "_x", "ab_", "Ab"]
    texts = [" ".join(rng.choice(words, size=rng.integers(1, 12))) for _ in range(60)]
    index = TermIndex(lowercase=False, min_len=1, ngram_range=(1, 3))
    index.count(texts, grow=True)
    nodes = rng.permutation(index.n_nodes)[: max(1, index.n_nodes // 2)]
    order = index.term_order(nodes)
    assert order is not None
    np.testing.assert_array_equal(order, packed_order(*index.packed_names(nodes)))


def test_term_order_gives_way_where_the_words_ranks_are_not_the_names_order():
    """A word with a character below the space, char n-grams, or ranks too wide for 64 bits: None (sort the
    names)."""
    from sgdtext.text._text_fast import TermIndex

    control = TermIndex(whitespace=True, ngram_range=(1, 2))
    control.count(["ab\x01 ab c", "ab c"], grow=True)  # "ab\x01" < "ab c" as bytes, but "ab" < "ab\x01" as words
    assert control.term_order(np.arange(control.n_nodes)) is None
    chars = TermIndex(char_ngram_range=(2, 3))
    chars.count(["some words"], grow=True)
    assert chars.term_order(np.arange(chars.n_nodes)) is None
    deep = TermIndex(min_len=1, ngram_range=(1, 9))  # 9 words of 8 bits each: 72 bits
    deep.count([" ".join(f"w{i}" for i in range(200))], grow=True)
    assert deep.term_order(np.arange(deep.n_nodes)) is None
    assert deep.term_order(np.arange(deep.n_nodes)[deep.depths() <= 8]) is not None


def test_a_document_of_more_tokens_than_a_lookup_block_counts_as_the_regex_path():
    """The compiled tokeniser finds a block of tokens (4,096), then looks their words up: a long document spans
    several blocks, a word pair across the blocks' edge included."""
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)] + ["école", "東京"]
    long_text = " ".join(rng.choice(words, size=10_000))
    texts = [long_text, "w1 w2 w3", long_text[: len(long_text) // 3]]
    compiled, regex = Featurizer(settings(ngram_range=[1, 2])), Featurizer(settings(ngram_range=[1, 2]))
    regex.compiled = None
    np.testing.assert_array_equal(dense(compiled.fit_transform(docs(texts))), dense(regex.fit_transform(docs(texts))))
    new = docs(texts[::-1])
    np.testing.assert_array_equal(dense(compiled.transform(new)), dense(regex.transform(new)))


@pytest.mark.parametrize("changes", [{"ngram_range": [1, 2]}, {"char_ngram_range": [2, 4], "stop_words": "english"}])
def test_counting_on_threads_gives_the_matrix_of_one_count(changes):
    """A fixed term index counts parts of the documents on a thread per core (each part at least a million
    characters): the same matrix as counting them all in one thread."""
    rng = np.random.default_rng(5)
    words = " ".join(UNICODE_TEXTS).split()
    texts = [" ".join(rng.choice(words, size=rng.integers(50, 400))) for _ in range(2_000)]
    assert sum(map(len, texts)) > 2_000_000  # parts of a million characters: more than one
    featurizer = Featurizer(settings(**changes))
    featurizer.fit_transform(docs(texts[:300]))
    featurizer.prepare_transform()
    one, threaded = featurizer._count_in_threads(texts, 1), featurizer._count_in_threads(texts, 2)
    for mine, theirs in zip(threaded[:3], one[:3]):
        np.testing.assert_array_equal(mine, theirs)
    assert threaded.shape == one.shape


@pytest.mark.parametrize("changes", [{"ngram_range": [1, 3]}, {"ngram_range": [1, 2], "stop_words": "english",
                                                                 "lowercase": False, "token_pattern": r"\S+"}])
def test_counting_while_another_thread_tokenises_gives_the_index_of_one_thread(changes):
    """fit's pipeline (a thread tokenising batches of texts while this one counts their terms) numbers words and
    terms as one thread does: the same matrix and the same terms, over many batches."""
    from sgdtext.text._text_fast import TermIndex

    rng = np.random.default_rng(8)
    words = " ".join(UNICODE_TEXTS).split() + [f"w{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(words, size=rng.integers(0, 300))) for _ in range(1_500)]
    featurizer = Featurizer(settings(**changes))
    one, piped = TermIndex(**featurizer.compiled), TermIndex(**featurizer.compiled)
    for mine, theirs in zip(piped.count(texts, grow=True, pipelined=True), one.count(texts, grow=True)):
        np.testing.assert_array_equal(mine, theirs)
    assert piped.n_nodes == one.n_nodes
    for mine, theirs in zip(piped.packed_names(np.arange(one.n_nodes)), one.packed_names(np.arange(one.n_nodes))):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("pipelined", [False, True])
def test_a_text_that_is_not_a_string_is_one_clear_error_from_the_compiled_count(pipelined):
    from sgdtext.text._text_fast import TermIndex

    with pytest.raises(TypeError, match="text 700: a str was expected, not NoneType"):
        TermIndex(ngram_range=(1, 2)).count(["some words"] * 700 + [None], grow=True, pipelined=pipelined)


def test_one_featurizer_transforms_from_several_threads_at_once():
    """The compiled count lets go of the GIL: threads transforming with one fitted featurizer at once (a server
    predicting from threads) each get the matrix one thread gets."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(4)
    words = " ".join(UNICODE_TEXTS).split()
    texts = [" ".join(rng.choice(words, size=rng.integers(20, 200))) for _ in range(400)]
    featurizer = Featurizer(settings(ngram_range=[1, 2]))
    featurizer.fit_transform(docs(texts))
    expected = dense(featurizer.transform(docs(texts)))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: dense(featurizer.transform(docs(texts))), range(16)))
    for result in results:
        np.testing.assert_array_equal(result, expected)
