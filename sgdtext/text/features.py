"""Features: bag-of-words counts (vocabulary or hashing), tf-idf, and hand-made columns.

sgdtext has its own featuriser rather than scikit-learn's vectorizers because importing those costs more than a
whole one-line ``predict`` may (benchmarks/ and the README have the figures). scikit-learn is its test oracle: the
same settings give the same matrix as CountVectorizer / TfidfVectorizer. Deliberate differences (documented in the
README): hashing uses CRC-32 rather than MurmurHash3, and ``max_features`` breaks frequency ties alphabetically.
This module imports only numpy, so ``predict`` never loads scipy.
"""

import zlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import asdict, replace
from itertools import repeat

import numpy as np

from sgdtext.config import sections
from sgdtext.config.checks import check_value, section_problems
from sgdtext.config.choices import EXTRA_FEATURES, TRANSFORMS
from sgdtext.config.schema import SCHEMA
from sgdtext.core import parallel
from sgdtext.core.arrays import require
from sgdtext.core.sparse import (
    SparseRows,
    filter_columns,
    hstack_dense,
    pack_strings,
    select_entries,
    stack_rows,
    sum_cells,
    unpack_strings,
)
from sgdtext.errors import SgdtextError
from sgdtext.io.documents import Document
from sgdtext.text.analysis import (
    compiled_term_settings,
    hash_word_ngrams,
    main_analyzer,
    make_analyzer,
    make_flat_analyzer,
    make_flat_tokenizer,
    resolve_stop_words,
    word_ngram_names,
)
from sgdtext.text.deadline import limit_for, time_limit
from sgdtext.text.handmade import load_extra

PIPELINED_CHARS = 1_000_000  # fit: texts holding fewer characters are tokenised and counted in one thread
MAX_HASH_NAMES = 1 << 18  # hashing mode: columns named by a term seen in them (the rest are hash:N)
# char_ngram_range: auto: these character n-grams beside the words when the training documents are short (their mean
# length at most AUTO_CHARS_MAX_MEAN characters), where they add accuracy for little time; none on longer ones, where
# they multiply the time (README, Benchmarks, "Defaults")
AUTO_CHAR_RANGE = (2, 5)
AUTO_CHARS_MAX_MEAN = 500


def short_documents(texts):
    """Whether ``texts`` are short: their mean length at most AUTO_CHARS_MAX_MEAN characters."""
    return sum(map(len, texts)) <= AUTO_CHARS_MAX_MEAN * len(texts)


def char_range_for(settings, texts):
    """What ``char_ngram_range: auto`` stands for on training ``texts``: AUTO_CHAR_RANGE for short documents, in
    vocabulary mode with words cut by a built-in pattern (the compiled counter's); None otherwise."""
    if settings.n_features is not None or not settings.bag_of_words or not texts:
        return None
    chosen = replace(settings, char_ngram_range=AUTO_CHAR_RANGE)
    if compiled_term_settings(chosen, []) is None or not short_documents(texts):
        return None
    return list(AUTO_CHAR_RANGE)


class Featurizer:
    """Documents -> SparseRows. Settings come from the config; vocabulary and idf only from ``fit``."""

    def __init__(self, settings, *, vocabulary=None, idf=None, stop_words=None, extra=None, packed=None):
        """``settings``: the features section, a config.sections.FeaturesConfig (or its mapping)."""
        settings = sections.FeaturesConfig(**settings) if isinstance(settings, Mapping) else settings
        if settings.weighting == "auto":  # a validated config has resolved it; in memory, auto is tf-idf
            settings = replace(settings, weighting="tfidf")
        # char_ngram_range: auto is worked out from the training documents (fit_transform); hashing mode has none
        self.chars_automatic = settings.char_ngram_range == "auto"
        if self.chars_automatic:
            settings = replace(settings, char_ngram_range=None)
        self.stop_words = resolve_stop_words(settings.stop_words) if stop_words is None else list(stop_words)
        self.extra = [load_extra(spec) for spec in (settings.extra if extra is None else extra)]
        for spec in self.extra:
            spec["_words"] = frozenset(spec.get("words", ()))
            spec["_values"] = tuple(spec.get("loaded_values", ()))
            spec["_compute"] = EXTRA_FEATURES.load(spec["type"])
            spec["_transform"] = TRANSFORMS.load(spec["transform"])
        self._vocabulary = None if vocabulary is None else {term: j for j, term in enumerate(vocabulary)}
        self._packed = packed  # (blob, offsets) of a loaded vocabulary, unpacked only when asked for
        self._char_mask = None  # which text columns are character n-grams (char_columns), once asked for
        # char_ngram_range in vocabulary mode: words and character n-grams normalised apart ("blocks"), or the row
        # as a whole ("row": model files written before sgdtext normalised them apart)
        self.char_norm = "blocks"
        self.packed_sorted = False  # the packed terms are in byte order (looked up in place for a small input)
        self.idf = idf
        self.hash_names = {}  # hashing mode: column -> a term seen in it (learn_names)
        self._analyse_as(settings)

    def _analyse_as(self, settings):
        """Take ``settings`` and build what analyses text by them (the analysers, the compiled term settings)."""
        self.settings = settings
        self.analyze = make_analyzer(settings, self.stop_words)
        self.analyze_batch = make_flat_analyzer(settings, self.stop_words)
        self.tokenize_batch = make_flat_tokenizer(settings, self.stop_words)
        self.word_tokens = main_analyzer(replace(settings, analyzer="word", ngram_range=(1, 1)), [])
        self.compiled = compiled_term_settings(settings, self.stop_words)
        self._index = None  # compiled TermIndex for transform, built on first use
        self._hasher = None  # compiled TermIndex for hashing (keeps each word's hash)

    @property
    def vocabulary(self):
        """term -> column (insertion order is column order), or None in hashing mode / before fit."""
        if self._vocabulary is None and self._packed is not None:
            blob, offsets = self._packed
            self._vocabulary = {t: j for j, t in enumerate(unpack_strings("vocabulary", {
                "vocabulary_blob": blob, "vocabulary_offsets": offsets}))}
        return self._vocabulary

    @vocabulary.setter
    def vocabulary(self, value):
        self._vocabulary, self._packed, self._char_mask = value, None, None

    @property
    def hashing(self):
        return self.settings.n_features is not None

    @property
    def n_text_features(self):
        if not self.settings.bag_of_words:
            return 0
        if self.hashing:
            return self.settings.n_features
        return len(self._packed[1]) - 1 if self._vocabulary is None and self._packed else len(self.vocabulary)

    @property
    def n_features(self):
        return self.n_text_features + len(self.extra)

    def feature_names(self):
        if not self.settings.bag_of_words:
            text = []
        elif self.hashing:
            text = [self.hash_names[j][0] if j in self.hash_names else f"hash:{j}"
                    for j in range(self.settings.n_features)]
        else:
            text = list(self.vocabulary)  # insertion order is column order
        return text + [spec["name"] for spec in self.extra]

    def __getstate__(self):
        """Pickled as the model file stores it (settings, arrays, metadata): the analysers and the compiled index
        are rebuilt on loading (scikit-learn's clone, joblib; sgdtext's own files never pickle)."""
        arrays, meta = self.state()
        return {"settings": asdict(self.settings), "arrays": arrays, "meta": meta}

    def __setstate__(self, state):
        self.__dict__.update(Featurizer.from_state(state["settings"], state["arrays"], state["meta"]).__dict__)

    def feature_signs(self):
        """(n_features,) +1, or -1 for a hashed column whose named term counts negatively (alternate_sign): a
        term's own weight is the column's weight times its sign."""
        signs = np.ones(self.n_features)
        for column, (_, sign) in self.hash_names.items():
            signs[column] = sign
        return signs

    def fit_transform(self, docs, n_jobs=1):
        """Learn the vocabulary (unless hashing) and idf from ``docs``; return their matrix.

        ``n_jobs`` processes count chunks of the documents in parallel (None: every core).
        """
        counts = None
        texts = [doc.text for doc in docs]
        if self.chars_automatic:
            self._analyse_as(replace(self.settings, char_ngram_range=char_range_for(self.settings, texts)))
            self.chars_automatic = False
        if not self.settings.bag_of_words:
            self.vocabulary = {}
        elif self.hashing:
            counts = self._count_chunks(texts, None, n_jobs)
            self.learn_names(texts)
        elif self.compiled is not None:
            counts = self._fit_compiled(texts)
        else:
            counts, terms = self._count_chunks(texts, "grow", n_jobs)
            packed = lambda ids: tuple(pack_strings("terms", [terms[i] for i in ids]).values())
            remap = self._prune(counts, packed, len(docs), orders=self._orders(terms))
            counts = filter_columns(counts, remap, self.n_text_features)
        if counts is not None and self.settings.weighting == "tfidf":
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            self.idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
        return self._finish(counts, docs)

    def learn_names(self, texts):
        """Hashing mode (word n-grams): remember the term each column was first seen for, up to MAX_HASH_NAMES, so
        inspect and explain can name columns (the others stay hash:N)."""
        if not self.hashing or self.tokenize_batch is None or len(self.hash_names) >= MAX_HASH_NAMES:
            return
        words, doc = self.tokenize_batch(texts)
        hashes, _ = hash_word_ngrams(words, doc, self.settings.ngram_range)
        names = word_ngram_names(words, doc, self.settings.ngram_range)
        negative = ((hashes & 0x80000000) != 0) & bool(self.settings.alternate_sign)
        signs = np.where(negative, -1, 1).tolist()
        for column, name, sign in zip((hashes % self.settings.n_features).tolist(), names, signs):
            if len(self.hash_names) >= MAX_HASH_NAMES:
                break
            self.hash_names.setdefault(column, (name, sign))

    def _fit_compiled(self, texts):
        """fit_transform's counts through the compiled term index, in one process (faster than the regex path on
        every core; README, features), tokenising on a second thread while the terms are counted where there are
        two cores and a million characters. The index holds every n-gram of the texts, most of them pruned: it is
        let go, and transform builds a smaller one from the kept terms when it is first needed."""
        index = self._new_index()
        pipelined = parallel.n_workers(None) > 1 and sum(map(len, texts)) >= PIPELINED_CHARS
        data, indices, indptr = index.count(texts, grow=True, pipelined=pipelined)
        counts = SparseRows(data, indices, indptr, (len(texts), index.n_nodes))
        depths = index.depths()
        low, high = self.settings.ngram_range
        remap = self._prune(counts, index.packed_names, len(texts),
                            ((depths >= low) & (depths <= high)) | (depths == 0), orders=depths,
                            term_order=index.term_order)
        del index
        return filter_columns(counts, remap, self.n_text_features)

    def extend(self, docs):
        """Warm start in vocabulary mode: append the terms of ``docs`` (kept by min_df etc. on ``docs``)
        that the vocabulary lacks; old terms keep their columns and idf. Returns the number added."""
        if self.hashing or not self.settings.bag_of_words:
            return 0
        fresh = Featurizer(self.settings, stop_words=self.stop_words, extra=[])
        fresh.fit_transform(docs)
        new_terms = [term for term in fresh.feature_names() if term not in self.vocabulary]
        for term in new_terms:
            self.vocabulary[term] = len(self.vocabulary)
        if new_terms:
            self._index = self._char_mask = None
        if self.idf is not None and new_terms:
            self.idf = np.concatenate([self.idf, fresh.idf[[fresh.vocabulary[t] for t in new_terms]]])
        return len(new_terms)

    def transform(self, docs, n_jobs=1):
        return self._transform([doc.text for doc in docs], docs, n_jobs)

    def transform_texts(self, texts, where=None, n_jobs=1):
        """transform for bare texts (predict's input lines, read at ``where``): no Document per line unless
        a hand-made feature needs one."""
        if self.extra:
            return self.transform([Document(None, text, None, where) for text in texts], n_jobs)
        return self._transform(texts, texts, n_jobs)

    def _transform(self, texts, docs, n_jobs):
        if self._vocabulary is None and self._packed is None and not self.hashing:
            raise SgdtextError("the featuriser has no vocabulary: fit it first")
        counts = None
        if self.settings.bag_of_words and self._looks_up_in_place(texts):
            with time_limit(limit_for(sum(map(len, texts))), f"{len(texts)} document(s)"):
                counts = self._count_batch(texts, PackedTerms(*self._packed))
        elif self.settings.bag_of_words:
            self.prepare_transform()
            counts = self._count_chunks(texts, None if self.hashing else "fixed", n_jobs)
        return self._finish(counts, docs)

    def _looks_up_in_place(self, texts):
        """Whether to count ``texts`` by looking their terms up in the sorted packed vocabulary rather than building
        the term index of the whole vocabulary first: a small input (one predict line) of a loaded model."""
        return (self._index is None and self._vocabulary is None and self._packed is not None and self.packed_sorted
                and sum(map(len, texts)) <= SMALL_INPUT)

    def prepare_transform(self):
        """Build what transform needs once (the compiled term index), before workers fork."""
        if self.compiled is None or self.hashing or self._index is not None:
            return
        from sgdtext.text._text_fast import TermIndex

        if self._vocabulary is None and self._packed is not None:
            self._index = TermIndex.from_packed(*self._packed, **self.compiled)
        elif self._vocabulary is not None:
            self._index = TermIndex.from_vocabulary(list(self._vocabulary), **self.compiled)

    def _new_index(self):
        from sgdtext.text._text_fast import TermIndex

        return TermIndex(**self.compiled)

    def _count_chunks(self, texts, vocabulary, n_jobs):
        """_count over chunks of ``texts`` in parallel processes, stacked in order (fit: vocabularies merged); in
        one process, a fixed compiled term index counts all of them, splitting them over a thread per core itself."""
        workers = parallel.n_workers(n_jobs)
        if workers == 1 and vocabulary == "fixed" and self._index is not None:
            return count_chunk((self, texts), vocabulary, 0, len(texts), parallel.n_workers(None))
        tasks = [(vocabulary, a, b, 1) for a, b in parallel.chunks(list(map(len, texts)), workers)]
        parts = parallel.map_ordered(count_chunk, (self, texts), tasks, workers)
        if vocabulary != "grow":
            return stack_rows(parts, len(texts), self.n_text_features)
        merged = defaultdict()
        merged.default_factory = merged.__len__
        renumbered = []
        for counts, terms in parts:
            remap = np.fromiter(map(merged.__getitem__, terms), dtype=np.int64, count=len(terms))
            renumbered.append(counts._replace(indices=remap[counts.indices].astype(np.int32)))
        return stack_rows(renumbered, len(texts), len(merged)), list(merged)

    def _count(self, texts, vocabulary, threads=1):
        """Raw term counts of ``texts``. ``vocabulary``: None hashes, "grow" learns one (returns it too as a
        list of terms in column order), "fixed" counts the terms of the vocabulary only (the compiled term index:
        on up to ``threads`` threads).

        The per-term work runs in C (Counter, map over dict methods); the rest is numpy on flat arrays.
        """
        growing = vocabulary == "grow"
        if vocabulary is None and self.compiled is not None:
            if self._hasher is None:
                self._hasher = self._new_index()
            data, indices, indptr = self._hasher.hash_counts(texts, self.settings.n_features,
                                                             self.settings.alternate_sign)
            return SparseRows(data, indices, indptr, (len(texts), self.settings.n_features))
        if vocabulary is None and self.settings.analyzer == "word" and not self.settings.char_ngram_range:
            return self._hash_words(texts)
        if vocabulary == "fixed":
            if self._index is not None:
                return self._count_in_threads(texts, threads)
            vocabulary = self.vocabulary
        if not growing and self.analyze_batch is not None:
            return self._count_batch(texts, vocabulary)
        if growing:
            vocabulary = defaultdict()
            vocabulary.default_factory = vocabulary.__len__  # a new term gets the next column
        keys, values, indptr = [], [], [0]
        for text in texts:
            counter = Counter(self.analyze(text))
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
            rows = np.repeat(np.arange(n_rows), np.diff(indptr))
            return self._fold_hashes(np.array(keys, dtype=np.uint32), data, rows, n_rows)
        indices = np.array(keys, dtype=np.int64)
        if growing:
            return SparseRows(data, indices.astype(np.int32), indptr, (n_rows, len(vocabulary))), list(vocabulary)
        counts = SparseRows(data, indices, indptr, (n_rows, len(vocabulary)))
        return select_entries(counts, indices >= 0, indices)  # -1: a term out of the vocabulary

    def _count_in_threads(self, texts, threads):
        """The compiled term index's counts of ``texts``: parts of at least a million characters counted on
        ``threads`` threads at once (the index is only read; each part has its own working memory), joined in
        order: the same arrays as one count."""
        from sgdtext.text._text_fast import joined_counts

        index, shape = self._index, (len(texts), self.n_text_features)
        parts = parallel.chunks(list(map(len, texts)), threads) if threads > 1 else [(0, len(texts))]
        if len(parts) == 1:
            return SparseRows(*index.count(texts), shape)
        counted = parallel.on_threads(lambda a, b: index.count_entries(texts[a:b], False, index.new_scratch()), parts)
        return SparseRows(*joined_counts(counted), shape)

    def _hash_words(self, texts):
        """Hashing mode, word analyzer: word and n-gram hashes (analysis.hash_word_ngrams) folded into columns."""
        if self.tokenize_batch is not None:
            words, rows = self.tokenize_batch(texts)
        else:  # a token pattern that can match a newline: one document at a time
            per_doc = [self.word_tokens(text) for text in texts]
            stop = frozenset(self.stop_words)
            per_doc = [[t for t in tokens if t not in stop] for tokens in per_doc] if stop else per_doc
            words = np.array([t for tokens in per_doc for t in tokens], dtype=object)
            rows = np.repeat(np.arange(len(texts)), [len(tokens) for tokens in per_doc])
        hashes, rows = hash_word_ngrams(words, rows, self.settings.ngram_range)
        return self._fold_hashes(hashes, np.ones(len(hashes)), rows, len(texts))

    def _count_batch(self, texts, vocabulary):
        """_count for a fixed vocabulary, the whole batch tokenised at once (analysis.make_flat_analyzer), or a text at
        a time by the analyser where it has no batch form (character n-grams, the character analyzers)."""
        if self.analyze_batch is not None:
            terms, rows = self.analyze_batch(texts)
        else:
            each = [self.analyze(text) for text in texts]
            terms = [term for text_terms in each for term in text_terms]
            rows = np.repeat(np.arange(len(texts)), [len(text_terms) for text_terms in each])
        columns = np.fromiter(map(vocabulary.get, terms, repeat(-1, len(terms))), dtype=np.int64, count=len(terms))
        known = columns >= 0
        return sum_cells(rows[known], columns[known], np.ones(int(known.sum())), len(texts), len(vocabulary))

    def _fold_hashes(self, hashes, data, rows, n_rows):
        """CRC-32 hashes -> columns (hash mod n_features), signs from the top bit, collisions summed."""
        n_hash = self.settings.n_features
        columns = (hashes % n_hash).astype(np.int64)
        if self.settings.alternate_sign:
            data = np.where(hashes & 0x80000000, -data, data)
        return sum_cells(rows, columns, data, n_rows, n_hash)

    def _orders(self, terms):
        """The number of words of each term of the regex path's word analyzer (0: a character n-gram), or None
        for the character analyzers. A term with a space is an n-gram: right for every token pattern that cannot
        match a space (the compiled path's index knows each term's n instead)."""
        if self.settings.analyzer != "word":
            return None
        return np.fromiter((0 if term.startswith("c:") else term.count(" ") + 1 for term in terms), dtype=np.int32,
                           count=len(terms))

    def _prune(self, counts, packed_names, n_docs, valid=None, orders=None, term_order=None):
        """Apply min_df / ngram_min_df / max_df / max_features and sort the vocabulary (set here, packed: no Python
        string per term); return the column renumbering (-1: dropped). ``packed_names(ids)`` gives the terms of
        columns ``ids`` as sparse.pack_strings packs them (only the kept ones are asked for); ``valid`` marks the
        columns that are terms at all (compiled index: not a prefix); ``orders`` gives each column's number of
        words (2 or more: an n-gram, held to ngram_min_df too); ``term_order(ids)``, when it gives one, the
        permutation that sorts those terms (else their names are sorted)."""
        from sgdtext.text._text_fast import packed_order, take_packed

        n_terms = counts.shape[1]
        df = np.bincount(counts.indices, minlength=n_terms)
        s = self.settings
        as_count = lambda value: value if isinstance(value, int) else value * n_docs
        low, high = as_count(s.min_df), as_count(s.max_df)
        ok = (df >= low) & (df <= high)
        if orders is not None:
            ok &= (orders < 2) | (df >= as_count(s.ngram_min_df))
        keep = np.flatnonzero(ok if valid is None else ok & valid)
        try:
            order = None if term_order is None else term_order(keep)
            if order is not None:
                keep = keep[order]
            terms = packed_names(keep)
        except ValueError as exc:
            raise SgdtextError(f"features: {exc}") from None
        if order is None:
            order = packed_order(*terms)  # alphabetical (code point order)
            keep, terms = keep[order], take_packed(*terms, order)
        if s.max_features is not None and len(keep) > s.max_features:
            tf = np.bincount(counts.indices, weights=counts.data, minlength=n_terms)
            top = np.sort(np.argsort(-tf[keep], kind="stable")[: s.max_features])
            keep, terms = keep[top], take_packed(*terms, top)
        if len(keep) == 0 and n_terms == 0:
            raise SgdtextError(
                f"features: the documents hold no term at all: features.token_pattern {s.token_pattern!r} matches "
                f"nothing in them (only punctuation or spaces?); check the data, or set a token_pattern such as "
                f"'\\S+'")
        if len(keep) == 0:
            raise SgdtextError(
                f"features: none of the {n_terms:,} terms is left after min_df={s.min_df}, ngram_min_df="
                f"{s.ngram_min_df}, max_df={s.max_df} "
                f"({n_docs:,} documents); lower min_df or ngram_min_df, or raise max_df")
        self._vocabulary, self._packed, self.packed_sorted, self._index, self._char_mask = None, terms, True, None, None
        remap = np.full(n_terms, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        return remap

    def _finish(self, counts, docs):
        """Weight and normalise the term counts, then append the hand-made columns."""
        if counts is not None:
            counts = self._weight(counts)
        if not self.extra:
            return counts
        with time_limit(limit_for(sum(len(doc.text) for doc in docs)), f"the hand-made features of {len(docs)} "
                                                                             "documents"):
            values = self._extra_values(docs)
        return hstack_dense(counts, values, len(docs))

    def _weight(self, counts):
        """The weighted counts, computed in place in counts' own arrays (fresh from counting; no copy the size of
        the matrix): binary or sublinear tf, times idf, rows scaled to unit norm (char_norm "blocks": the words and
        the character n-grams each to 1/sqrt(2) of it)."""
        from sgdtext.core._rows_fast import divide_rows, multiply_columns

        s = self.settings
        data = counts.data.astype(np.float64, copy=False)
        indices = counts.indices.astype(np.int32, copy=False)
        indptr = counts.indptr.astype(np.int64, copy=False)
        if s.weighting == "binary":
            np.sign(data, out=data)
        elif s.sublinear_tf:
            signs = np.sign(data) if np.any(data < 0) else None  # hashing's alternate_sign
            np.abs(data, out=data)
            np.log(data, out=data)
            data += 1.0
            if signs is not None:
                data *= signs
        if s.weighting == "tfidf":
            if len(indices) and not 0 <= indices.min() <= indices.max() < len(self.idf):
                raise ValueError(f"tf-idf: a column out of the {len(self.idf)} the idf has")
            multiply_columns(data, indices, self.idf)
        norm = s.norm if s.norm != "auto" else ("l2" if s.weighting == "tfidf" else "none")
        if norm == "none":
            return SparseRows(data, indices, indptr, counts.shape)
        squares = norm == "l2"
        if not s.char_ngram_range or self.hashing or self.char_norm == "row":
            divide_rows(data, indptr, row_norms(data, indptr, squares))
            return SparseRows(data, indices, indptr, counts.shape)
        # Words and character n-grams each scaled to 1/sqrt(2) of the row (l1: to half of it), as two vectorizers'
        # rows side by side: the many more character n-grams of a document do not outweigh its words.
        share = np.sqrt(2.0) if squares else 2.0
        in_chars = self.char_columns()[indices]
        chars = np.where(in_chars, data, 0.0)
        data[in_chars] = 0.0
        for block in (data, chars):
            divide_rows(block, indptr, share * row_norms(block, indptr, squares))
        data += chars
        return SparseRows(data, indices, indptr, counts.shape)

    def char_columns(self):
        """(n_text_features,) bool: which columns are character n-grams (vocabulary mode: the terms named 'c:' +
        n-gram)."""
        if self._char_mask is None:  # reset wherever the vocabulary changes (fit, extend, the setter)
            if self._vocabulary is None and self._packed is not None:
                blob, offsets = self._packed
                self._char_mask = np.zeros(len(offsets) - 1, dtype=bool)
                named = np.flatnonzero(np.diff(offsets) >= 2)  # terms of two bytes or more
                first = offsets[:-1][named]
                self._char_mask[named] = (blob[first] == ord("c")) & (blob[first + 1] == ord(":"))
            else:
                self._char_mask = np.fromiter((term.startswith("c:") for term in self.vocabulary), dtype=bool,
                                              count=len(self.vocabulary))
        return self._char_mask

    def _extra_values(self, docs):
        values = np.zeros((len(docs), len(self.extra)))
        need_tokens = any(spec["type"] in ("not_in_wordlist", "length") for spec in self.extra)
        for i, doc in enumerate(docs):
            tokens = self.word_tokens(doc.text) if need_tokens else None
            for j, spec in enumerate(self.extra):
                values[i, j] = spec["_compute"](spec, doc, tokens)
        for j, spec in enumerate(self.extra):
            values[:, j] = spec["_transform"](values[:, j])
        return values

    def state(self):
        """Learned state as plain data: (arrays, JSON-able dict)."""
        arrays = {}
        if self._vocabulary is None and self._packed is not None:
            arrays["vocabulary_blob"], arrays["vocabulary_offsets"] = self._packed
        elif self.vocabulary is not None and not self.hashing:
            arrays.update(pack_strings("vocabulary", self.feature_names()[: self.n_text_features]))
        sorted_terms = "vocabulary_blob" in arrays and in_byte_order(arrays["vocabulary_blob"],
                                                                      arrays["vocabulary_offsets"])
        if self.idf is not None:
            arrays["idf"] = self.idf
        if self.hash_names:
            columns = sorted(self.hash_names)
            arrays.update(pack_strings("hash_names", [self.hash_names[c][0] for c in columns]))
            arrays["hash_names_columns"] = np.array(columns, dtype=np.int64)
            arrays["hash_names_signs"] = np.array([self.hash_names[c][1] for c in columns], dtype=np.int64)
        extra = [{k: v for k, v in spec.items() if not k.startswith("_")} for spec in self.extra]
        return arrays, {"stop_words": self.stop_words, "extra": extra, "vocabulary_sorted": sorted_terms,
                        "char_norm": self.char_norm}

    @classmethod
    def from_state(cls, settings, arrays, meta):
        """The featuriser a model file describes: its settings checked as a config's, its arrays and hand-made
        feature definitions checked against them (ValueError), before any compiled code sees them."""
        settings = settings if isinstance(settings, Mapping) else asdict(settings)
        problems = section_problems("features", settings)
        if problems:
            raise ValueError("its features settings: " + "; ".join(problems[:3]))
        settings = sections.FeaturesConfig(**settings)
        if settings.char_ngram_range == "auto":
            raise ValueError("its features settings: char_ngram_range is 'auto'; a trained model says which it is")
        packed = checked_vocabulary(arrays) if "vocabulary_blob" in arrays else None
        if settings.bag_of_words and settings.n_features is None and packed is None:
            raise ValueError("array 'vocabulary_blob' is missing")
        n_text = 0 if not settings.bag_of_words else settings.n_features or (len(packed[1]) - 1 if packed else 0)
        idf = require(arrays, "idf", "f", (n_text,), finite=True) if settings.weighting == "tfidf" and n_text else None
        stop_words, extra = meta.get("stop_words"), meta.get("extra")
        if not isinstance(stop_words, list) or not all(isinstance(w, str) for w in stop_words):
            raise ValueError("stop_words must be a list of words")
        vocabulary = [] if packed is None and settings.n_features is None else None
        featurizer = cls(settings, vocabulary=vocabulary, packed=packed, idf=idf, stop_words=stop_words,
                         extra=checked_extra(extra))
        featurizer.packed_sorted = packed is not None and meta.get("vocabulary_sorted") is True
        featurizer.char_norm = meta.get("char_norm", "row")  # files from before the blocks have none
        if featurizer.char_norm not in ("blocks", "row"):
            raise ValueError(f"char_norm {str(featurizer.char_norm)[:40]!r} is not one sgdtext has (blocks, row)")
        if "hash_names_blob" in arrays:
            blob, offsets = checked_vocabulary(arrays, "hash_names")
            columns = require(arrays, "hash_names_columns", "i", (len(offsets) - 1,))
            signs = require(arrays, "hash_names_signs", "i", (len(offsets) - 1,))
            if not settings.n_features or len(columns) > MAX_HASH_NAMES or np.any(columns < 0) or \
                    np.any(columns >= settings.n_features) or np.any(np.abs(signs) != 1):
                raise ValueError("the hashed columns' names must be at most 262,144 columns of the hashing space, "
                                 "each with a sign of +1 or -1")
            names = unpack_strings("hash_names", {"hash_names_blob": blob, "hash_names_offsets": offsets})
            featurizer.hash_names = dict(zip(columns.tolist(), zip(names, signs.tolist())))
        return featurizer


SMALL_INPUT = 4096  # characters of input below which transform looks terms up in place (no term index)


def in_byte_order(blob, offsets):
    """Whether the packed terms are in increasing UTF-8 byte order (code point order): a fitted vocabulary is; one a
    warm start extended is not."""
    data, bounds = bytes(blob), np.asarray(offsets).tolist()
    previous = b""
    for a, b in zip(bounds[:-1], bounds[1:]):
        term = data[a:b]
        if term <= previous and a > 0:
            return False
        previous = term
    return True


class PackedTerms:
    """The packed sorted vocabulary as the mapping _count_batch reads (term -> column by binary search over the
    bytes): a few lookups without unpacking 10^5 terms. A forged model file's wrong order gives wrong columns (all in
    range), nothing worse."""

    def __init__(self, blob, offsets):
        self.blob, self.offsets = bytes(blob), np.asarray(offsets)

    def __len__(self):
        return len(self.offsets) - 1

    def get(self, term, default=-1):
        key, low, high = term.encode("utf-8"), 0, len(self)
        while low < high:
            middle = (low + high) // 2
            probe = self.blob[self.offsets[middle]:self.offsets[middle + 1]]
            if probe < key:
                low = middle + 1
            elif probe > key:
                high = middle
            else:
                return middle
        return default


def row_norms(data, indptr, squares):
    """Each row's l2 norm (``squares``) or l1 norm, 1 where a row is all zeros (it stays as it is)."""
    from sgdtext.core._rows_fast import row_sums

    sizes = row_sums(data, indptr, squares)
    sizes = np.sqrt(sizes) if squares else sizes
    sizes[sizes == 0] = 1.0
    return sizes


def checked_vocabulary(arrays, name="vocabulary"):
    """(blob, offsets) of packed strings (the vocabulary, or hashing's column names), checked: UTF-8 bytes, offsets
    from 0 to the end of the blob, in order, each at the start of a character."""
    blob = require(arrays, f"{name}_blob", "u", (None,))
    offsets = require(arrays, f"{name}_offsets", "i", (None,))
    if blob.dtype != np.uint8 or len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(blob) or \
            np.any(np.diff(offsets) < 0):
        raise ValueError("the vocabulary's offsets must run in order from 0 to the end of its bytes")
    inside = offsets[:-1][offsets[:-1] < len(blob)]
    if np.any((blob[inside] & 0xC0) == 0x80):
        raise ValueError("the vocabulary's offsets must fall between characters")
    try:
        blob.tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the vocabulary is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return blob, offsets


def checked_extra(extra):
    """A model file's hand-made feature definitions (their word lists loaded), checked."""
    if not isinstance(extra, list):
        raise ValueError("the hand-made features must be a list")
    for spec in extra:
        if not isinstance(spec, dict) or spec.get("type") not in EXTRA_FEATURES or \
                spec.get("transform") not in TRANSFORMS or not isinstance(spec.get("name"), str):
            raise ValueError(f"hand-made feature {str(spec)[:80]} is not one sgdtext writes")
        for key in ("words", "loaded_values", "values"):
            if key in spec and not (isinstance(spec[key], list) and all(isinstance(w, str) for w in spec[key])):
                raise ValueError(f"hand-made feature {spec['name']!r}: {key} must be a list of strings")
        if spec["type"] == "regex":
            problems = []
            check_value("pattern", SCHEMA["features"]["token_pattern"], spec.get("pattern"), problems)
            if problems or not isinstance(spec.get("ignore_case"), bool):
                raise ValueError(f"hand-made feature {spec['name']!r}: its pattern is not a regular expression")
    return extra


def count_chunk(payload, vocabulary, start, stop, threads):
    """One worker's share: the counts of texts[start:stop] (see Featurizer._count), within a time limit."""
    featurizer, texts = payload
    chunk = texts[start:stop]
    with time_limit(limit_for(sum(map(len, chunk))), f"documents {start + 1} to {stop} of {len(texts)}"):
        return featurizer._count(chunk, vocabulary, threads)
