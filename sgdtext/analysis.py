"""Analysers: text -> terms, following scikit-learn's rules (word n-grams, char and char_wb n-grams)."""

import re

ANALYZERS = ("word", "char", "char_wb")
WHITE_SPACES = re.compile(r"\s\s+")


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


def make_flat_analyzer(settings, stop_words):
    """A function texts -> (terms, doc index of each term) for a whole batch at once, or None.

    The batch is joined by newlines and tokenised by one regex pass that also matches the newlines, so
    the per-document Python loop disappears (3x faster on SMS-sized documents). Only for the word
    analyzer with a token pattern that never matches a newline; newlines inside a document count as
    spaces (the same tokens as scikit-learn for any such pattern).
    """
    if settings["analyzer"] != "word" or settings.get("char_ngram_range"):
        return None
    pattern = settings["token_pattern"]
    if re.search(pattern, "\n") or re.search(pattern, "a\nb") and "\n" in "".join(re.findall(pattern, "a\nb")):
        return None
    flags = re.match(r"^(\(\?[aiLmsux]+\))*", pattern).group(0)  # global flags must stay in front
    findall = re.compile(f"{flags}(?:{pattern[len(flags):]})|\n").findall
    lowercase, (low, high) = settings["lowercase"], settings["ngram_range"]
    stop = frozenset(stop_words)

    def analyze(texts):
        import numpy as np

        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1:
            joined = "\n".join(t.replace("\n", " ") for t in texts)
        tokens = findall(joined.lower() if lowercase else joined)
        tokens = np.array(tokens, dtype=object)
        newline = tokens == "\n"
        doc = np.cumsum(newline)
        keep = ~newline
        if stop:
            keep &= ~np.fromiter(map(stop.__contains__, tokens), dtype=bool, count=len(tokens))
        words, doc = tokens[keep], doc[keep]
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
