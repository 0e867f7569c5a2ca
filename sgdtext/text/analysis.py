"""Analysers: text -> terms, following scikit-learn's rules (word n-grams, char and char_wb n-grams)."""

import re
import zlib
from pathlib import Path

import numpy as np

WHITE_SPACES = re.compile(r"\s\s+")


def word_ngrams(tokens, ngram_range):
    low, high = ngram_range
    if high == 1:
        return tokens
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(map(" ".join, zip(*[tokens[i:] for i in range(n)])))  # C-level loops, not a generator
    return grams


def char_ngrams(text, ngram_range):
    text = WHITE_SPACES.sub(" ", text)
    low, high = ngram_range
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def char_wb_ngrams(text, ngram_range):
    low, high = ngram_range
    grams = []
    for word in text.split():
        word = f" {word} "
        size = len(word)
        for n in range(low, high + 1):
            if size <= n:  # a short word counts once, at its full length
                grams.append(word)
                break
            grams += [word[i : i + n] for i in range(size - n + 1)]
    return grams


CHAR_PREFIX = "c:"  # marks the extra character n-grams, so "c: ab" never meets a word term


def make_analyzer(settings, stop_words):
    """A function text -> list of terms, following the ``features`` settings.

    ``char_ngram_range`` adds character n-grams inside word boundaries to the analyzer's terms (the union
    of word and character n-grams, as a FeatureUnion of two scikit-learn vectorizers would give).
    """
    main = main_analyzer(settings, stop_words)
    if not settings.char_ngram_range:
        return main
    char_range, lowercase = tuple(settings.char_ngram_range), settings.lowercase
    known = {}  # word -> its prefixed character n-grams: words repeat, so each is cut once (Zipf)

    def with_chars(text):
        terms = main(text)
        for word in (text.lower() if lowercase else text).split():
            grams = known.get(word)
            if grams is None:
                if len(known) >= 1 << 20:  # bounded: a stream of distinct tokens must not grow it forever
                    known.clear()
                grams = known[word] = [CHAR_PREFIX + g for g in char_wb_ngrams(word, char_range)]
            terms += grams
        return terms

    return with_chars


def main_analyzer(settings, stop_words):
    lowercase, ngram_range = settings.lowercase, tuple(settings.ngram_range)
    if settings.analyzer == "char":
        return lambda text: char_ngrams(text.lower() if lowercase else text, ngram_range)
    if settings.analyzer == "char_wb":
        return lambda text: char_wb_ngrams(text.lower() if lowercase else text, ngram_range)
    findall = re.compile(settings.token_pattern).findall
    stop = frozenset(stop_words)

    def analyze(text):
        tokens = findall(text.lower() if lowercase else text)
        if stop:
            tokens = [tok for tok in tokens if tok not in stop]
        return word_ngrams(tokens, ngram_range)

    return analyze


ENGLISH_STOP_WORDS = Path(__file__).with_name("english_stop_words.txt")  # scikit-learn's list (see its LICENSE)


def resolve_stop_words(value):
    """The stop-word list the config names: None, "english" (scikit-learn's list, shipped beside this module), or a
    list."""
    if value is None:
        return []
    if value == "english":
        return ENGLISH_STOP_WORDS.read_text(encoding="utf-8").split()
    return sorted(set(value))


COMPILED_PATTERNS = {  # token pattern -> (min_len, tokens) of the compiled tokeniser
    r"(?u)\b\w\w+\b": (2, "words"), r"\b\w\w+\b": (2, "words"), r"(?u)\b\w+\b": (1, "words"),
    r"\b\w+\b": (1, "words"), r"(?u)\w+": (1, "words"), r"\w+": (1, "words"),
    r"(?u)\w+|[^\w\s]": (1, "punctuation"), r"\w+|[^\w\s]": (1, "punctuation"),
    r"(?u)\S+": (1, "whitespace"), r"\S+": (1, "whitespace"), r"[^\s]+": (1, "whitespace"),
}


def compiled_term_settings(settings, stop_words):
    """Keyword arguments of a compiled TermIndex (sgdtext/_text_fast.pyx) that analyses like ``settings``,
    or None where only the regex path can: other analyzers, other token patterns, and character n-grams in
    hashing mode or with white-space tokens (a token could begin with the char n-grams' prefix)."""
    if settings.analyzer != "word":
        return None
    rule = COMPILED_PATTERNS.get(settings.token_pattern)
    chars = settings.char_ngram_range
    if rule is None or chars and (settings.n_features is not None or rule[1] == "whitespace"):
        return None
    return {"lowercase": settings.lowercase, "min_len": rule[0], "punctuation": rule[1] == "punctuation",
            "whitespace": rule[1] == "whitespace",
            "ngram_range": tuple(settings.ngram_range), "stop_words": tuple(stop_words),
            "char_ngram_range": tuple(chars) if chars else None}


def make_flat_tokenizer(settings, stop_words):
    """A function texts -> (words, doc index of each word) for a whole batch at once, or None.

    The batch is joined by newlines and tokenised by one regex pass that also matches the newlines, so
    the per-document Python loop disappears. Only for the word
    analyzer with a token pattern that never matches a newline; newlines inside a document count as
    spaces (the same tokens as scikit-learn for any such pattern). Stop words are removed.
    """
    if settings.analyzer != "word" or settings.char_ngram_range:
        return None
    pattern = settings.token_pattern
    if any("\n" in "".join(re.findall(pattern, probe)) for probe in ("\n", "\n" * 4, "a\nb", "a\n\nb")):
        return None
    flags = re.match(r"^(\(\?[aiLmsux]+\))*", pattern).group(0)  # global flags must stay in front
    findall = re.compile(f"{flags}(?:{pattern[len(flags):]})|\n").findall
    lowercase = settings.lowercase
    stop = frozenset(stop_words)

    def tokenize(texts):
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1:
            joined = "\n".join(t.replace("\n", " ") for t in texts)
        tokens = np.array(findall(joined.lower() if lowercase else joined), dtype=object)
        newline = tokens == "\n"
        doc = np.cumsum(newline)
        keep = ~newline
        if stop:
            keep &= ~np.fromiter(map(stop.__contains__, tokens), dtype=bool, count=len(tokens))
        return tokens[keep], doc[keep]

    return tokenize


def make_flat_analyzer(settings, stop_words):
    """Like make_flat_tokenizer, but texts -> (terms with their word n-grams as strings, doc index of each)."""
    tokenize = make_flat_tokenizer(settings, stop_words)
    if tokenize is None:
        return None
    low, high = settings.ngram_range

    def analyze(texts):
        words, doc = tokenize(texts)
        terms, docs = ([words], [doc]) if low == 1 else ([], [])
        for n in range(max(low, 2), high + 1):
            if len(words) < n:
                break
            grams = np.array(list(map(" ".join, zip(*[words[i:].tolist() for i in range(n)]))), dtype=object)
            same = doc[: len(doc) - n + 1] == doc[n - 1 :]
            terms.append(grams[same])
            docs.append(doc[: len(doc) - n + 1][same])
        if not terms:
            return [], np.zeros(0, dtype=np.int64)
        return np.concatenate(terms).tolist(), np.concatenate(docs)

    return analyze


def hash_word_ngrams(words, doc, ngram_range):
    """32-bit hashes of the words (CRC-32 of their UTF-8) and of their n-grams, with each one's document.

    An n-gram's hash is combined from its words' hashes, h = h * 116049371 + h_next (mod 2^32), as
    fastText does, so no n-gram string is ever built (hashing mode only).
    """
    h = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    low, high = ngram_range
    hashes, docs = ([h], [doc]) if low == 1 else ([], [])
    for n in range(max(low, 2), high + 1):
        m = len(h) - n + 1
        if m <= 0:
            break
        g = h[:m].copy()
        for i in range(1, n):
            g = (g * np.uint64(116049371) + h[i : i + m]) & np.uint64(0xFFFFFFFF)
        same = doc[:m] == doc[n - 1 :]
        hashes.append(g[same])
        docs.append(doc[:m][same])
    if not hashes:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    return np.concatenate(hashes).astype(np.uint32), np.concatenate(docs)


def word_ngram_names(words, doc, ngram_range):
    """The words and n-grams hash_word_ngrams hashes, as strings, in the same order."""
    low, high = ngram_range
    names = list(words) if low == 1 else []
    words = list(words)
    for n in range(max(low, 2), high + 1):
        m = len(words) - n + 1
        if m <= 0:
            break
        same = doc[:m] == doc[n - 1:]
        names += [" ".join(words[i:i + n]) for i in np.flatnonzero(same)]
    return names
