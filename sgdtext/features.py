"""Features: bag-of-words counts (vocabulary or hashing), tf-idf, and hand-made columns.

sgdtext has its own featuriser rather than scikit-learn's vectorizers because
``import sklearn.feature_extraction.text`` costs 1.44 s here against 0.26 s for numpy, and
``predict`` runs once per incoming message. scikit-learn is its test oracle: the same settings give
the same matrix as CountVectorizer / TfidfVectorizer. Deliberate differences (documented in the
README): hashing uses CRC-32 rather than MurmurHash3, and ``max_features`` breaks frequency ties
alphabetically. This module imports only numpy, so ``predict`` never pays for scipy (0.48 s).
"""

import re
import zlib
from collections import Counter, defaultdict
from itertools import repeat
from typing import NamedTuple

import numpy as np

from sgdtext import parallel
from sgdtext.errors import DataError, SgdtextError

ANALYZERS = ("word", "char", "char_wb")
WEIGHTINGS = ("count", "binary", "tfidf")
NORMS = ("auto", "none", "l1", "l2")
WHITE_SPACES = re.compile(r"\s\s+")


class SparseRows(NamedTuple):
    """A CSR matrix as plain arrays, shape (n_rows, n_cols); ``to_scipy`` when scipy is wanted."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple

    def to_scipy(self):
        import scipy.sparse

        return scipy.sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def __matmul__(self, W):
        """``X @ W`` for a dense W of shape (n_cols, k), in numpy only: O(nnz * k)."""
        out = np.zeros((self.shape[0], W.shape[1]))
        if len(self.data):
            contrib = W[self.indices] * self.data[:, None]
            starts = self.indptr[:-1]
            nonempty = self.indptr[1:] > starts
            out[nonempty] = np.add.reduceat(contrib, starts[nonempty], axis=0)
        return out


# ---------------------------------------------------------------- analysers (scikit-learn's rules)


def word_ngrams(tokens, ngram_range):
    low, high = ngram_range
    if high == 1:
        return tokens
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(map(" ".join, zip(*[tokens[i:] for i in range(n)])))  # C-level loops: 3x a generator
    return grams


def char_ngrams(text, ngram_range):
    text = WHITE_SPACES.sub(" ", text)
    low, high = ngram_range
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def char_wb_ngrams(text, ngram_range):
    low, high = ngram_range
    grams = []
    for word in WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        for n in range(low, high + 1):
            grams.extend(word[i : i + n] for i in range(max(len(word) - n + 1, 1)))
            if len(word) <= n:  # a short word counts once, at its full length
                break
    return grams


CHAR_PREFIX = "c:"  # marks the extra character n-grams, so "c: ab" never meets a word term


def make_analyzer(settings, stop_words):
    """A function text -> list of terms, following the ``features`` settings.

    ``char_ngram_range`` adds character n-grams inside word boundaries to the analyzer's terms (the union
    of word and character n-grams, as a FeatureUnion of two scikit-learn vectorizers would give).
    """
    main = main_analyzer(settings, stop_words)
    if not settings.get("char_ngram_range"):
        return main
    char_range, lowercase = tuple(settings["char_ngram_range"]), settings["lowercase"]

    def with_chars(text):
        grams = char_wb_ngrams(text.lower() if lowercase else text, char_range)
        return main(text) + [CHAR_PREFIX + g for g in grams]

    return with_chars


def main_analyzer(settings, stop_words):
    lowercase, ngram_range = settings["lowercase"], tuple(settings["ngram_range"])
    if settings["analyzer"] == "char":
        return lambda text: char_ngrams(text.lower() if lowercase else text, ngram_range)
    if settings["analyzer"] == "char_wb":
        return lambda text: char_wb_ngrams(text.lower() if lowercase else text, ngram_range)
    findall = re.compile(settings["token_pattern"]).findall
    stop = frozenset(stop_words)

    def analyze(text):
        tokens = findall(text.lower() if lowercase else text)
        if stop:
            tokens = [tok for tok in tokens if tok not in stop]
        return word_ngrams(tokens, ngram_range)

    return analyze


def resolve_stop_words(value):
    """The stop-word list the config names: None, "english" (scikit-learn's list), or a list."""
    if value is None:
        return []
    if value == "english":
        from sklearn.feature_extraction._stop_words import ENGLISH_STOP_WORDS  # train time only

        return sorted(ENGLISH_STOP_WORDS)
    return sorted(set(value))


# ---------------------------------------------------------------- hand-made features


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


# ---------------------------------------------------------------- the featuriser


class Featurizer:
    """Documents -> SparseRows. Settings come from the config; vocabulary and idf only from ``fit``."""

    def __init__(self, settings, *, vocabulary=None, idf=None, stop_words=None, extra=None):
        self.settings = settings
        self.stop_words = resolve_stop_words(settings["stop_words"]) if stop_words is None else list(stop_words)
        self.extra = [load_extra(spec) for spec in (settings["extra"] if extra is None else extra)]
        for spec in self.extra:
            spec["_words"] = frozenset(spec.get("words", ()))
            spec["_values"] = tuple(spec.get("loaded_values", ()))
        self.vocabulary = None if vocabulary is None else {term: j for j, term in enumerate(vocabulary)}
        self.idf = idf
        self.analyze = make_analyzer(settings, self.stop_words)
        self.word_tokens = main_analyzer({**settings, "analyzer": "word", "ngram_range": (1, 1)}, [])

    @property
    def hashing(self):
        return self.settings["n_features"] is not None

    @property
    def n_text_features(self):
        if not self.settings["bag_of_words"]:
            return 0
        return self.settings["n_features"] if self.hashing else len(self.vocabulary)

    @property
    def n_features(self):
        return self.n_text_features + len(self.extra)

    def feature_names(self):
        if not self.settings["bag_of_words"]:
            text = []
        elif self.hashing:
            text = [f"hash:{j}" for j in range(self.settings["n_features"])]
        else:
            text = list(self.vocabulary)  # insertion order is column order
        return text + [spec["name"] for spec in self.extra]

    def fit_transform(self, docs, n_jobs=1):
        """Learn the vocabulary (unless hashing) and idf from ``docs``; return their matrix.

        ``n_jobs`` processes count chunks of the documents in parallel (None: every core).
        """
        counts = None
        if not self.settings["bag_of_words"]:
            self.vocabulary = {}
        elif self.hashing:
            counts = self._count_chunks(docs, None, n_jobs)
        else:
            counts, terms = self._count_chunks(docs, "grow", n_jobs)
            counts = self._prune(counts, terms, len(docs))
        if counts is not None and self.settings["weighting"] == "tfidf":
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            self.idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
        return self._finish(counts, docs)

    def extend(self, docs):
        """Warm start in vocabulary mode: append the terms of ``docs`` (kept by min_df etc. on ``docs``)
        that the vocabulary lacks; old terms keep their columns and idf. Returns the number added."""
        if self.hashing or not self.settings["bag_of_words"]:
            return 0
        fresh = Featurizer(self.settings, stop_words=self.stop_words, extra=[])
        fresh.fit_transform(docs)
        new_terms = [term for term in fresh.feature_names() if term not in self.vocabulary]
        for term in new_terms:
            self.vocabulary[term] = len(self.vocabulary)
        if self.idf is not None and new_terms:
            self.idf = np.concatenate([self.idf, fresh.idf[[fresh.vocabulary[t] for t in new_terms]]])
        return len(new_terms)

    def transform(self, docs, n_jobs=1):
        if self.vocabulary is None and not self.hashing:
            raise SgdtextError("the featuriser has no vocabulary: fit it first")
        counts = None
        if self.settings["bag_of_words"]:
            counts = self._count_chunks(docs, None if self.hashing else self.vocabulary, n_jobs)
        return self._finish(counts, docs)

    def _count_chunks(self, docs, vocabulary, n_jobs):
        """_count over chunks of ``docs`` in parallel processes, stacked in order (fit: vocabularies merged)."""
        workers = parallel.n_workers(n_jobs)
        tasks = [(vocabulary, a, b) for a, b in parallel.chunks(len(docs), workers)]
        parts = parallel.map_ordered(count_chunk, (self, docs), tasks, workers)
        if vocabulary != "grow":
            return stack_rows(parts, len(docs), parts[0].shape[1])
        merged = defaultdict()
        merged.default_factory = merged.__len__
        renumbered = []
        for counts, terms in parts:
            remap = np.fromiter(map(merged.__getitem__, terms), dtype=np.int64, count=len(terms))
            renumbered.append(counts._replace(indices=remap[counts.indices].astype(np.int32)))
        return stack_rows(renumbered, len(docs), len(merged)), list(merged)

    def _count(self, docs, vocabulary):
        """Raw term counts of ``docs``. ``vocabulary``: None hashes, "grow" learns one (returns it too as a
        list of terms in column order), a dict filters and numbers the terms.

        The per-term work runs in C (Counter, map over dict methods); the rest is numpy on flat arrays.
        """
        growing = vocabulary == "grow"
        if growing:
            vocabulary = defaultdict()
            vocabulary.default_factory = vocabulary.__len__  # a new term gets the next column
        keys, values, indptr = [], [], [0]
        for doc in docs:
            counter = Counter(self.analyze(doc.text))
            if vocabulary is None:
                keys.extend(map(zlib.crc32, map(str.encode, counter)))
            elif growing:
                keys.extend(map(vocabulary.__getitem__, counter))
            else:
                keys.extend(map(vocabulary.get, counter, repeat(-1, len(counter))))
            values.extend(counter.values())
            indptr.append(len(keys))
        n_rows = len(indptr) - 1
        data = np.array(values, dtype=np.float64)
        indptr = np.array(indptr, dtype=np.int64)
        if vocabulary is None:
            return self._fold_hashes(np.array(keys, dtype=np.uint32), data, indptr)
        indices = np.array(keys, dtype=np.int64)
        if growing:
            return SparseRows(data, indices.astype(np.int32), indptr, (n_rows, len(vocabulary))), list(vocabulary)
        counts = SparseRows(data, indices, indptr, (n_rows, len(vocabulary)))
        return select_entries(counts, indices >= 0, indices)  # -1: a term out of the vocabulary

    def _fold_hashes(self, hashes, data, indptr):
        """CRC-32 hashes -> columns (hash mod n_features), signs from the top bit, collisions summed."""
        n_hash = self.settings["n_features"]
        n_rows = len(indptr) - 1
        columns = (hashes % n_hash).astype(np.int64)
        if self.settings["alternate_sign"]:
            data = np.where(hashes & 0x80000000, -data, data)
        rows = np.repeat(np.arange(n_rows), np.diff(indptr))
        cells, inverse = np.unique(rows * n_hash + columns, return_inverse=True)
        summed = np.bincount(inverse, weights=data, minlength=len(cells))
        keep = summed != 0
        cells, summed = cells[keep], summed[keep]
        cell_rows = cells // n_hash
        new_indptr = np.concatenate([[0], np.cumsum(np.bincount(cell_rows, minlength=n_rows))]).astype(np.int64)
        return SparseRows(summed, (cells % n_hash).astype(np.int32), new_indptr, (n_rows, n_hash))

    def _prune(self, counts, terms, n_docs):
        """Apply min_df / max_df / max_features, sort the vocabulary, and renumber the columns."""
        terms = np.array(terms, dtype=object)
        df = np.bincount(counts.indices, minlength=len(terms))
        s = self.settings
        low = s["min_df"] if isinstance(s["min_df"], int) else s["min_df"] * n_docs
        high = s["max_df"] if isinstance(s["max_df"], int) else s["max_df"] * n_docs
        keep = np.flatnonzero((df >= low) & (df <= high))
        order = np.argsort(terms[keep].astype(str), kind="stable")  # alphabetical
        keep = keep[order]
        if s["max_features"] is not None and len(keep) > s["max_features"]:
            tf = np.bincount(counts.indices, weights=counts.data, minlength=len(terms))
            top = np.argsort(-tf[keep], kind="stable")[: s["max_features"]]
            keep = keep[np.sort(top)]
        if len(keep) == 0:
            raise SgdtextError(
                f"features: no term is left after min_df={s['min_df']}, max_df={s['max_df']}; "
                f"lower min_df or raise max_df"
            )
        self.vocabulary = {term: j for j, term in enumerate(terms[keep])}
        remap = np.full(len(terms), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        return filter_columns(counts, remap, len(keep))

    def _finish(self, counts, docs):
        """Weight and normalise the term counts, then append the hand-made columns."""
        if counts is not None:
            counts = self._weight(counts)
        if not self.extra:
            return counts
        values = self._extra_values(docs)
        return hstack_dense(counts, values, len(docs))

    def _weight(self, counts):
        s = self.settings
        data = counts.data
        if s["weighting"] == "binary":
            data = np.sign(data)
        elif s["sublinear_tf"]:
            data = np.sign(data) * (1.0 + np.log(np.abs(data)))
        if s["weighting"] == "tfidf":
            data = data * self.idf[counts.indices]
        norm = s["norm"] if s["norm"] != "auto" else ("l2" if s["weighting"] == "tfidf" else "none")
        if norm != "none":
            rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
            sizes = np.bincount(rows, weights=data**2 if norm == "l2" else np.abs(data), minlength=counts.shape[0])
            sizes = np.sqrt(sizes) if norm == "l2" else sizes
            sizes[sizes == 0] = 1.0
            data = data / sizes[rows]
        return counts._replace(data=data)

    def _extra_values(self, docs):
        values = np.zeros((len(docs), len(self.extra)))
        need_tokens = any(spec["type"] in ("not_in_wordlist", "length") for spec in self.extra)
        for i, doc in enumerate(docs):
            tokens = self.word_tokens(doc.text) if need_tokens else None
            for j, spec in enumerate(self.extra):
                values[i, j] = EXTRA_FEATURES[spec["type"]][0](spec, doc, tokens)
        for j, spec in enumerate(self.extra):
            values[:, j] = TRANSFORMS[spec["transform"]](values[:, j])
        return values

    def state(self):
        """Learned state as plain data: (arrays, JSON-able dict)."""
        arrays = {}
        if self.vocabulary is not None and not self.hashing:
            arrays.update(pack_strings("vocabulary", self.feature_names()[: self.n_text_features]))
        if self.idf is not None:
            arrays["idf"] = self.idf
        extra = [{k: v for k, v in spec.items() if not k.startswith("_")} for spec in self.extra]
        return arrays, {"stop_words": self.stop_words, "extra": extra}

    @classmethod
    def from_state(cls, settings, arrays, meta):
        vocabulary = unpack_strings("vocabulary", arrays) if "vocabulary_blob" in arrays else None
        if vocabulary is None and settings["n_features"] is None:
            vocabulary = []
        return cls(settings, vocabulary=vocabulary, idf=arrays.get("idf"),
                   stop_words=meta["stop_words"], extra=meta["extra"])


def count_chunk(payload, vocabulary, start, stop):
    """One worker's share: the counts of documents[start:stop] (see Featurizer._count)."""
    featurizer, docs = payload
    return featurizer._count(docs[start:stop], vocabulary)


def stack_rows(parts, n_rows, n_cols):
    """Stack SparseRows blocks vertically (in order) into one."""
    if len(parts) == 1:
        return parts[0]._replace(shape=(n_rows, n_cols))
    offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
    indptr = np.concatenate([[0]] + [p.indptr[1:] + off for p, off in zip(parts, offsets)])
    return SparseRows(np.concatenate([p.data for p in parts]), np.concatenate([p.indices for p in parts]),
                      indptr.astype(np.int64), (n_rows, n_cols))


def filter_columns(counts, remap, n_cols):
    """Keep the columns whose ``remap`` is >= 0, renumbered to it."""
    new = remap[counts.indices]
    return select_entries(counts._replace(shape=(counts.shape[0], n_cols)), new >= 0, new)


def select_entries(counts, kept, indices):
    """The entries where ``kept`` is true, with their column numbers taken from ``indices``."""
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[kept]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=counts.shape[0]))])
    return SparseRows(counts.data[kept], indices[kept].astype(np.int32), indptr.astype(np.int64), counts.shape)


def hstack_dense(counts, values, n_rows):
    """Append the dense columns ``values`` (n_rows, m) to the sparse ``counts`` (or to nothing)."""
    m = values.shape[1]
    if counts is None:
        counts = SparseRows(np.zeros(0), np.zeros(0, np.int32), np.zeros(n_rows + 1, np.int64), (n_rows, 0))
    offset = counts.shape[1]
    per_row = np.diff(counts.indptr)
    nz = values != 0
    extra_per_row = nz.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(per_row + extra_per_row)]).astype(np.int64)
    data = np.empty(indptr[-1])
    indices = np.empty(indptr[-1], dtype=np.int32)
    rows_old = np.repeat(np.arange(n_rows), per_row)
    pos_old = indptr[rows_old] + (np.arange(len(counts.data)) - counts.indptr[rows_old])
    data[pos_old], indices[pos_old] = counts.data, counts.indices
    r, c = np.nonzero(nz)
    pos_new = indptr[r] + per_row[r] + (np.cumsum(nz, axis=1)[r, c] - 1)
    data[pos_new], indices[pos_new] = values[r, c], offset + c
    return SparseRows(data, indices, indptr, (n_rows, offset + m))


def pack_strings(name, strings):
    """Strings as one UTF-8 byte blob plus offsets: no fixed-width or object arrays, no pickle."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    return {f"{name}_blob": np.frombuffer(b"".join(encoded), dtype=np.uint8), f"{name}_offsets": offsets}


def unpack_strings(name, arrays):
    blob = arrays[f"{name}_blob"].tobytes()
    offsets = arrays[f"{name}_offsets"].tolist()
    return [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
