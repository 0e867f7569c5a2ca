# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled featurising for the default word analyzer: tokenise, count word n-grams, look terms up.

The token rule is scikit-learn's default pattern ``(?u)\\b\\w\\w+\\b`` (or ``\\b\\w+\\b`` with
``min_len`` 1): a token is a maximal run of word characters at least ``min_len`` long, a word
character being what Python's ``re`` calls ``\\w`` (``str.isalnum()`` or ``_``), so the tokens are
exactly those of ``re.findall``. With ``punctuation`` (the pattern ``(?u)\\w+|[^\\w\\s]``) every
other character that is not white space (``\\s``: ``str.isspace()``) is a token of its own too. With
``whitespace`` (the pattern ``\\S+``, Vowpal Wabbit's and fastText's split) a token is a maximal run of
characters that are not white space.

Words get token ids from a hash table of their own (FNV-1a over the code points, computed while the
token is scanned, and a comparison with the stored code points): no Python string is made for a
token unless it is a new word. Terms are nodes of a trie over token ids: the unigram ``a`` is the child of
the root by ``a``, the bigram ``a b`` the child of ``a`` by ``b``, and so on. A word's own node is found by
its id (an array); the other edges sit in an open-addressing hash table keyed by (parent << 32 | token), so no
n-gram string is built while counting; names are made only for the terms a caller asks for (the ones kept
after min_df etc.).

Documents are counted without the GIL. A fixed index is only read while it counts, so threads may count parts
of the documents with it at once, each with its own Scratch. A growing index can count on two threads as a
pipeline: one tokenises (it alone writes the word table), the other adds and counts terms (it alone writes the
trie), handing over batches of token ids; words and terms get the ids one thread gives them.

``char_ngram_range`` adds scikit-learn's char_wb n-grams of every white-space-separated word (padded
with a space each side; a word shorter than n counts once, whole), as the terms ``c:`` + gram: each is a
"word" of its own (the prefix included, so it never meets a token) and a trie node of depth 0 under the
root. Only with the word and punctuation token rules (a ``\S+`` token could begin with ``c:``).
"""

from cpython.unicode cimport PyUnicode_4BYTE_KIND, PyUnicode_DATA, PyUnicode_FromKindAndData, \
    PyUnicode_GET_LENGTH, PyUnicode_KIND
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memcmp, memcpy, memset

cdef extern from "Python.h":  # macros and lookups in constant tables: they read memory only, so no GIL is needed
    Py_UCS4 PyUnicode_READ(int kind, const void *data, Py_ssize_t index) nogil
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch) nogil

cdef extern from *:  # a hint to the CPU to start loading an address's cache line; nothing where the compiler has none
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define SGDTEXT_PREFETCH(address) __builtin_prefetch(address)
    #else
    #define SGDTEXT_PREFETCH(address) ((void) (address))
    #endif
    """
    void SGDTEXT_PREFETCH(const void *address) noexcept nogil

import threading
import zlib

import numpy as np

cdef uint64_t NGRAM_MULTIPLIER = 116049371  # fastText's n-gram hash combination, as analysis.hash_word_ngrams
cdef uint64_t FNV_OFFSET = 14695981039346656037ULL  # FNV-1a, 64 bits: the word table's hash
cdef uint64_t FNV_PRIME = 1099511628211ULL


cdef bint ASCII_WORD[128]
cdef bint ASCII_SPACE[128]
for _c in range(128):
    ASCII_WORD[_c] = chr(_c).isalnum() or _c == 95  # 95: '_'
    ASCII_SPACE[_c] = chr(_c).isspace()


cdef inline bint is_space(Py_UCS4 ch) noexcept nogil:
    if ch < 128:
        return ASCII_SPACE[ch]
    return Py_UNICODE_ISSPACE(ch)


cdef inline bint is_word(Py_UCS4 ch) noexcept nogil:
    if ch < 128:
        return ASCII_WORD[ch]
    return Py_UNICODE_ISALNUM(ch)


cdef void *grow_buffer(void *buffer, Py_ssize_t *capacity, Py_ssize_t needed, size_t item) except NULL nogil:
    """``buffer`` reallocated to hold at least ``needed`` items (capacity doubles)."""
    cdef Py_ssize_t size = capacity[0]
    if needed <= size and buffer != NULL:
        return buffer
    size = max(size, 16)
    while size < needed:
        size *= 2
    cdef void *bigger = realloc(buffer, size * item)
    if bigger == NULL:
        with gil:
            raise MemoryError()
    capacity[0] = size
    return bigger


cdef enum:
    SPAN_BLOCK = 4096  # tokenize() finds this many tokens, then looks their words up
    PIPELINE_BATCH = 64  # count_pipelined: texts a batch of token ids
    PIPELINE_DEPTH = 8  # and batches waiting at most
    AHEAD = 8  # how many tokens ahead a word's slot (word table) and a word pair's (edge table) are requested


cdef struct WordSlot:  # the word table's slot: key and word id side by side (one cache line a lookup)
    uint64_t key  # the word's FNV-1a hash with its low bit set; 0: an empty slot
    int64_t word


cdef struct TokenSpan:  # a token of the text being tokenised: where it is and its FNV-1a hash
    Py_ssize_t start, end
    uint64_t hash


cdef struct ColumnMark:  # count()'s scratch for a column, side by side (one cache line a lookup)
    int32_t stamp  # the last document that had the column
    int32_t slot  # where its count sits in that document's entries


cdef inline Py_ssize_t word_slot(uint64_t key, Py_ssize_t mask) noexcept nogil:
    """The word table's first slot for a key (FNV-1a hash | 1), mixed first: FNV-1a moves a word's last code
    point into few of the middle bits, so words that differ only at the end (a sorted vocabulary, char
    n-grams) would crowd together under linear probing."""
    key ^= key >> 29
    key *= <uint64_t> 0xBF58476D1CE4E5B9
    key ^= key >> 32
    return <Py_ssize_t> (key & <uint64_t> mask)


cdef class EdgeTable:
    """int64 key >= 0 -> int32 value, open addressing with linear probing (load <= 3/4)."""
    cdef int64_t *keys
    cdef int32_t *values
    cdef Py_ssize_t mask, size

    def __cinit__(self):
        self.mask = 1023
        self.size = 0
        self.keys = <int64_t *> malloc((self.mask + 1) * sizeof(int64_t))
        self.values = <int32_t *> malloc((self.mask + 1) * sizeof(int32_t))
        if self.keys == NULL or self.values == NULL:
            raise MemoryError()
        memset(self.keys, 0xFF, (self.mask + 1) * sizeof(int64_t))  # -1: empty

    def __dealloc__(self):
        free(self.keys)
        free(self.values)

    cdef inline Py_ssize_t first_slot(self, int64_t key) noexcept nogil:
        cdef uint64_t h = <uint64_t> key * <uint64_t> 0x9E3779B97F4A7C15
        return <Py_ssize_t> ((h >> 20) & <uint64_t> self.mask)

    cdef inline void prefetch(self, int64_t key) noexcept nogil:
        """Start loading the cache lines where a lookup of ``key`` begins (a hint: nothing changes)."""
        cdef Py_ssize_t i = self.first_slot(key)
        SGDTEXT_PREFETCH(&self.keys[i])
        SGDTEXT_PREFETCH(&self.values[i])

    cdef inline Py_ssize_t slot(self, int64_t key) noexcept nogil:
        cdef Py_ssize_t i = self.first_slot(key)
        while self.keys[i] != -1 and self.keys[i] != key:
            i = (i + 1) & self.mask
        return i

    cdef inline int32_t get(self, int64_t key) noexcept nogil:
        cdef Py_ssize_t i = self.slot(key)
        return self.values[i] if self.keys[i] == key else -1

    cdef int put(self, int64_t key, int32_t value) except -1 nogil:
        cdef Py_ssize_t i
        if 4 * (self.size + 1) > 3 * (self.mask + 1):
            self.rehash(2 * (self.mask + 1))
        i = self.slot(key)
        if self.keys[i] != key:
            self.keys[i] = key
            self.size += 1
        self.values[i] = value
        return 0

    cdef int rehash(self, Py_ssize_t capacity) except -1 nogil:
        cdef int64_t *old_keys = self.keys
        cdef int32_t *old_values = self.values
        cdef Py_ssize_t old_capacity = self.mask + 1, i, j
        self.keys = <int64_t *> malloc(capacity * sizeof(int64_t))
        self.values = <int32_t *> malloc(capacity * sizeof(int32_t))
        if self.keys == NULL or self.values == NULL:
            with gil:
                raise MemoryError()
        memset(self.keys, 0xFF, capacity * sizeof(int64_t))
        self.mask = capacity - 1
        for i in range(old_capacity):
            if old_keys[i] != -1:
                j = self.slot(old_keys[i])
                self.keys[j] = old_keys[i]
                self.values[j] = old_values[i]
        free(old_keys)
        free(old_values)
        return 0


cdef class Scratch:
    """What counting a document writes besides its entries: its tokens (and their spans while tokenising), for each
    column the last document that had it and where its count sits (marks, a stamp), its char n-grams. One per
    thread counting with the same fixed index."""
    cdef int64_t *tokens
    cdef Py_ssize_t token_capacity
    cdef TokenSpan *spans
    cdef Py_ssize_t span_capacity
    cdef ColumnMark *mark
    cdef Py_ssize_t mark_capacity
    cdef int32_t stamp
    # char n-grams: the padded word being cut (" word "), one gram with its prefix ("c:" + gram), the document's nodes
    cdef Py_UCS4 *padded
    cdef Py_ssize_t padded_capacity
    cdef Py_UCS4 *gram
    cdef int64_t *grams
    cdef Py_ssize_t grams_capacity

    def __cinit__(self, int char_high):
        if char_high:
            self.gram = <Py_UCS4 *> malloc((char_high + 2) * sizeof(Py_UCS4))
            if self.gram == NULL:
                raise MemoryError()
            self.gram[0], self.gram[1] = 99, 58  # "c:"

    def __dealloc__(self):
        free(self.tokens)
        free(self.spans)
        free(self.mark)
        free(self.padded)
        free(self.gram)
        free(self.grams)

    cdef int ensure_marks(self, Py_ssize_t needed) except -1 nogil:
        cdef Py_ssize_t old = self.mark_capacity, capacity = self.mark_capacity
        if needed <= old and self.mark != NULL:
            return 0
        self.mark = <ColumnMark *> grow_buffer(self.mark, &capacity, needed, sizeof(ColumnMark))
        self.mark_capacity = capacity
        memset(self.mark + old, 0xFF, (capacity - old) * sizeof(ColumnMark))
        return 0

    cdef int next_document(self) noexcept nogil:
        """A new stamp for the next document's marks (all marks cleared when the int32 stamps run out)."""
        if self.stamp == INT32_MAX - 1:
            memset(self.mark, 0xFF, self.mark_capacity * sizeof(ColumnMark))
            self.stamp = -1
        self.stamp += 1
        return 0


cdef class TermIndex:
    """Word n-gram terms of texts as trie nodes 1..n_nodes (0 is the root); see the module docstring.

    ``count(texts, grow=True)`` adds the terms it meets and numbers the columns by node (node - 1);
    an index made by ``from_vocabulary`` (or ``from_packed``) is fixed and counts only the terms that
    have a column, numbered by it.
    """
    cdef readonly bint lowercase, fixed, punctuation, whitespace
    cdef readonly int min_len, low, high, char_low, char_high
    cdef readonly Py_ssize_t n_nodes, n_columns
    cdef tuple stop_words
    # words: their code points one after another (word w is chars[word_start[w]:word_start[w + 1]]),
    # and a table hash -> word id (open addressing; a key is the hash with its low bit set, 0 is empty)
    cdef Py_UCS4 *chars
    cdef Py_ssize_t n_chars, chars_capacity
    cdef int64_t *word_start
    cdef char *stop_flag
    cdef int32_t *word_node  # the word's own node, the root's child by it (-1: none yet), for its first words
    cdef Py_ssize_t word_node_size, word_node_capacity  # (cover_words; the thread adding nodes keeps it)
    cdef Py_ssize_t n_words, words_capacity
    cdef WordSlot *wslots
    cdef Py_ssize_t wmask, wsize
    cdef EdgeTable edges
    # node i's parent node, token (word id), n (0 for a char n-gram) and column (-1: none); int32 and a byte, as
    # the index holds every n-gram of the training texts while it counts
    cdef int32_t *parent
    cdef int32_t *token
    cdef uint8_t *depth
    cdef int32_t *column
    cdef Py_ssize_t node_capacity
    cdef Scratch scratch  # this index's own, for counting in the calling thread
    cdef object lock  # held while count() uses the index's own scratch, or grows the index
    # hashing mode: CRC-32 of each word's UTF-8, by token id
    cdef uint32_t *word_hash
    cdef Py_ssize_t hash_capacity, hashed

    def __cinit__(self, bint lowercase=True, int min_len=2, ngram_range=(1, 1), stop_words=(), bint punctuation=False,
                  bint whitespace=False, char_ngram_range=None):
        self.lowercase = lowercase
        self.char_low, self.char_high = char_ngram_range if char_ngram_range else (0, 0)
        self.scratch = Scratch(self.char_high)
        self.lock = threading.Lock()
        self.punctuation = punctuation
        self.whitespace = whitespace
        self.min_len = min_len
        self.low, self.high = ngram_range
        if self.high > 255:
            raise ValueError(f"ngram_range {tuple(ngram_range)}: n above 255")
        self.stop_words = tuple(stop_words)
        self.reset_words()
        self.edges = EdgeTable()
        self.n_nodes = 0
        self.n_columns = 0
        self.fixed = False

    def __dealloc__(self):
        free(self.parent)
        free(self.token)
        free(self.depth)
        free(self.column)
        free(self.word_hash)
        free(self.chars)
        free(self.word_start)
        free(self.stop_flag)
        free(self.word_node)
        free(self.wslots)

    cdef int reset_words(self) except -1:
        """An empty word table, holding the stop words (flagged) only."""
        free(self.wslots)
        self.wmask = 1023
        self.wsize = 0
        self.wslots = <WordSlot *> malloc((self.wmask + 1) * sizeof(WordSlot))
        if self.wslots == NULL:
            raise MemoryError()
        memset(self.wslots, 0, (self.wmask + 1) * sizeof(WordSlot))
        self.n_words = 0
        self.word_node_size = 0
        self.n_chars = 0
        self.hashed = 0
        self.word_start = <int64_t *> grow_buffer(self.word_start, &self.words_capacity, 1, sizeof(int64_t))
        self.word_start[0] = 0
        cdef unicode word
        cdef int64_t w
        for word in self.stop_words:
            w = self.word_id(word, 0, PyUnicode_GET_LENGTH(word), True)
            self.stop_flag[w] = 1
        return 0

    cdef int64_t word_id(self, unicode text, Py_ssize_t i, Py_ssize_t j, bint add) except -2:
        """The id of the word text[i:j] (added if ``add``), or -1 if unknown."""
        cdef int kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        cdef uint64_t h = FNV_OFFSET
        cdef Py_ssize_t t
        for t in range(i, j):
            h = (h ^ <uint64_t> PyUnicode_READ(kind, data, t)) * FNV_PRIME
        return self.find_word(kind, data, i, j, h, add)

    cdef int64_t find_word(self, int kind, const void *data, Py_ssize_t i, Py_ssize_t j, uint64_t h,
                           bint add) except -2 nogil:
        """The id of the word at [i, j) of a string's data, whose FNV-1a hash is ``h``."""
        cdef uint64_t key = h | 1
        cdef Py_ssize_t slot = word_slot(key, self.wmask), t, start, n = j - i
        cdef int64_t w
        cdef bint same
        while self.wslots[slot].key != 0:
            if self.wslots[slot].key == key:
                w = self.wslots[slot].word
                start = self.word_start[w]
                if self.word_start[w + 1] - start == n:
                    same = True
                    for t in range(n):
                        if self.chars[start + t] != PyUnicode_READ(kind, data, i + t):
                            same = False
                            break
                    if same:
                        return w
            slot = (slot + 1) & self.wmask
        if not add:
            return -1
        w = self.n_words
        self.chars = <Py_UCS4 *> grow_buffer(self.chars, &self.chars_capacity, self.n_chars + n, sizeof(Py_UCS4))
        for t in range(n):
            self.chars[self.n_chars + t] = PyUnicode_READ(kind, data, i + t)
        self.n_chars += n
        cdef Py_ssize_t capacity = self.words_capacity
        self.word_start = <int64_t *> grow_buffer(self.word_start, &self.words_capacity, w + 2, sizeof(int64_t))
        self.stop_flag = <char *> grow_buffer(self.stop_flag, &capacity, w + 2, sizeof(char))
        self.word_start[w + 1] = self.n_chars
        self.stop_flag[w] = 0
        self.n_words = w + 1
        self.wslots[slot].key = key
        self.wslots[slot].word = w
        self.wsize += 1
        if 2 * self.wsize > self.wmask + 1:
            self.rehash_words()
        return w

    cdef int rehash_words(self) except -1 nogil:
        cdef WordSlot *old = self.wslots
        cdef Py_ssize_t old_capacity = self.wmask + 1, i, slot
        cdef WordSlot *bigger = <WordSlot *> malloc(2 * old_capacity * sizeof(WordSlot))
        if bigger == NULL:
            with gil:
                raise MemoryError()
        memset(bigger, 0, 2 * old_capacity * sizeof(WordSlot))
        self.wslots, self.wmask = bigger, 2 * old_capacity - 1
        for i in range(old_capacity):
            if old[i].key != 0:
                slot = word_slot(old[i].key, self.wmask)
                while self.wslots[slot].key != 0:
                    slot = (slot + 1) & self.wmask
                self.wslots[slot] = old[i]
        free(old)
        return 0

    cdef int cover_words(self, Py_ssize_t n_words) except -1 nogil:
        """word_node holds the first ``n_words`` words (-1 for those new to it): called before their nodes are
        looked up or added, by the thread that adds nodes (the word table may be growing in another)."""
        if n_words <= self.word_node_size:
            return 0
        self.word_node = <int32_t *> grow_buffer(self.word_node, &self.word_node_capacity, n_words, sizeof(int32_t))
        memset(self.word_node + self.word_node_size, 0xFF, (n_words - self.word_node_size) * sizeof(int32_t))
        self.word_node_size = n_words
        return 0

    cdef unicode word_string(self, int64_t w):
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, &self.chars[self.word_start[w]],
                                         self.word_start[w + 1] - self.word_start[w])

    cdef int64_t add_node(self, int64_t parent, int64_t tok, int d) except -1 nogil:
        cdef Py_ssize_t n = self.n_nodes + 1  # node ids start at 1
        cdef Py_ssize_t capacity = self.node_capacity
        if n >= INT32_MAX or tok >= INT32_MAX:
            with gil:
                raise MemoryError("more than 2,147,483,646 terms or words: use hashing (features.n_features)")
        if n >= capacity:
            capacity = self.node_capacity
            self.parent = <int32_t *> grow_buffer(self.parent, &capacity, n + 1, sizeof(int32_t))
            capacity = self.node_capacity
            self.token = <int32_t *> grow_buffer(self.token, &capacity, n + 1, sizeof(int32_t))
            capacity = self.node_capacity
            self.depth = <uint8_t *> grow_buffer(self.depth, &capacity, n + 1, sizeof(uint8_t))
            capacity = self.node_capacity
            self.column = <int32_t *> grow_buffer(self.column, &capacity, n + 1, sizeof(int32_t))
            self.node_capacity = capacity
        self.parent[n] = <int32_t> parent
        self.token[n] = <int32_t> tok
        self.depth[n] = <uint8_t> d
        self.column[n] = <int32_t> (n - 1)
        if parent == 0:
            self.word_node[tok] = <int32_t> n
        else:
            self.edges.put((parent << 32) | tok, <int32_t> n)
        self.n_nodes = n
        return n

    cdef Py_ssize_t tokenize(self, Scratch s, int kind, const void *data, Py_ssize_t length,
                             bint add) except -1 nogil:
        """The token ids of a text (its PyUnicode kind, data and length; lowercased already if wanted) into
        s.tokens; returns how many. Unknown words (``add`` false) are -1; stop words are dropped."""
        cdef Py_ssize_t i = 0, j, n = 0, n_spans, k
        cdef Py_UCS4 ch
        cdef uint64_t h
        cdef int64_t w
        s.spans = <TokenSpan *> grow_buffer(s.spans, &s.span_capacity, SPAN_BLOCK, sizeof(TokenSpan))
        while True:
            n_spans = 0
            while i < length and n_spans < SPAN_BLOCK:  # the next tokens' spans and hashes first
                ch = PyUnicode_READ(kind, data, i)
                h = (FNV_OFFSET ^ <uint64_t> ch) * FNV_PRIME
                if self.whitespace:
                    if is_space(ch):
                        i += 1
                        continue
                    j = i + 1
                    while j < length:
                        ch = PyUnicode_READ(kind, data, j)
                        if is_space(ch):
                            break
                        h = (h ^ <uint64_t> ch) * FNV_PRIME
                        j += 1
                elif is_word(ch):
                    j = i + 1
                    while j < length:
                        ch = PyUnicode_READ(kind, data, j)
                        if not is_word(ch):
                            break
                        h = (h ^ <uint64_t> ch) * FNV_PRIME
                        j += 1
                elif self.punctuation and not is_space(ch):
                    j = i + 1
                else:
                    i += 1
                    continue
                if j - i >= self.min_len:
                    s.spans[n_spans].start, s.spans[n_spans].end, s.spans[n_spans].hash = i, j, h
                    n_spans += 1
                i = j
            # then their words looked up, each one's slot in the word table requested AHEAD tokens before it is needed
            s.tokens = <int64_t *> grow_buffer(s.tokens, &s.token_capacity, n + n_spans, sizeof(int64_t))
            for k in range(n_spans):
                if k + AHEAD < n_spans:
                    SGDTEXT_PREFETCH(&self.wslots[word_slot(s.spans[k + AHEAD].hash | 1, self.wmask)])
                w = self.find_word(kind, data, s.spans[k].start, s.spans[k].end, s.spans[k].hash, add)
                if w < 0 or not self.stop_flag[w]:
                    s.tokens[n] = w
                    n += 1
            if i >= length:
                return n

    cdef int64_t gram_node(self, Scratch s, Py_ssize_t start, Py_ssize_t n, bint grow) except -2 nogil:
        """The trie node of the char n-gram s.padded[start:start + n] (as the word "c:" + gram), or -1."""
        cdef Py_ssize_t t
        cdef uint64_t h = FNV_OFFSET
        for t in range(n):
            s.gram[t + 2] = s.padded[start + t]
        for t in range(n + 2):
            h = (h ^ <uint64_t> s.gram[t]) * FNV_PRIME
        cdef int64_t w = self.find_word(PyUnicode_4BYTE_KIND, <void *> s.gram, 0, n + 2, h, grow)
        if w < 0:
            return -1
        self.cover_words(self.n_words)
        cdef int64_t node = self.word_node[w]
        if node < 0 and grow:
            node = self.add_node(0, w, 0)
        return node

    cdef Py_ssize_t char_nodes(self, Scratch s, int kind, const void *data, Py_ssize_t length,
                               bint grow) except -1 nogil:
        """The trie nodes of the char_wb n-grams of a text (lowercased already if wanted) into s.grams; returns
        how many (-1 entries: grams the fixed index does not know)."""
        cdef Py_ssize_t i = 0, j, t, size, n, start, count = 0
        cdef int64_t node
        while i < length:
            if is_space(PyUnicode_READ(kind, data, i)):
                i += 1
                continue
            j = i + 1
            while j < length and not is_space(PyUnicode_READ(kind, data, j)):
                j += 1
            size = j - i + 2  # " word "
            s.padded = <Py_UCS4 *> grow_buffer(s.padded, &s.padded_capacity, size, sizeof(Py_UCS4))
            s.padded[0] = 32
            for t in range(j - i):
                s.padded[t + 1] = PyUnicode_READ(kind, data, i + t)
            s.padded[size - 1] = 32
            for n in range(self.char_low, self.char_high + 1):
                if size <= n:  # a short word counts once, at its full length
                    s.grams = <int64_t *> grow_buffer(s.grams, &s.grams_capacity, count + 1, sizeof(int64_t))
                    s.grams[count] = self.gram_node(s, 0, size, grow)
                    count += 1
                    break
                s.grams = <int64_t *> grow_buffer(s.grams, &s.grams_capacity, count + size - n + 1, sizeof(int64_t))
                for start in range(size - n + 1):
                    s.grams[count] = self.gram_node(s, start, n, grow)
                    count += 1
            i = j
        return count

    def new_scratch(self):
        """Working memory for count() in another thread (each thread its own; the index itself is only read)."""
        return Scratch(self.char_high)

    def count(self, texts, bint grow=False, bint pipelined=False):
        """Term counts of ``texts`` as CSR arrays (data, indices, indptr); ``grow`` adds new terms (only before the
        index is fixed). ``pipelined`` (growing, no char n-grams): another thread tokenises the texts while this
        one counts their terms (the same arrays and index). Safe from several threads at once: a growing index
        counts for one of them at a time; a fixed one counts for each, with working memory of its own where the
        index's is in use."""
        if grow or not self.fixed:
            with self.lock:
                if pipelined and grow and not self.char_high and not self.fixed:
                    entries, indptr = self.count_pipelined(texts)
                else:
                    entries, indptr = self.count_entries(texts, grow, self.scratch)
        elif self.lock.acquire(False):
            try:
                entries, indptr = self.count_entries(texts, False, self.scratch)
            finally:
                self.lock.release()
        else:
            entries, indptr = self.count_entries(texts, False, self.new_scratch())
        return joined_counts([(entries, indptr)])

    def count_pipelined(self, texts):
        """count_entries(texts, grow=True) on two threads: a second thread tokenises batches of texts (adding their
        words to the word table; word ids in the texts' order), this one adds their terms to the trie and counts
        them (node ids in the texts' order). The two share nothing they write: the word table is the other
        thread's, the trie and word_node this one's, and each batch carries how many words existed when it was
        made."""
        import queue

        batches = queue.Queue(maxsize=PIPELINE_DEPTH)
        stop = threading.Event()
        tokenising = threading.Thread(target=self.tokenize_batches, args=(texts, batches, stop), daemon=True)
        cdef Scratch s = self.scratch
        cdef Entries entries = Entries()
        cdef TokenBatch batch
        cdef Py_ssize_t d = 0, k
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        cdef int64_t[::1] indptr_view = indptr
        tokenising.start()
        try:
            while True:
                item = batches.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                batch = item
                with nogil:
                    for k in range(batch.n_docs):
                        self.count_tokens(s, entries, batch.tokens + batch.starts[k], batch.starts[k + 1]
                                          - batch.starts[k], 0, True, batch.n_words)
                        indptr_view[d + k + 1] = entries.size
                d += batch.n_docs
        finally:
            stop.set()
            while tokenising.is_alive():  # let a tokeniser waiting to hand over a batch see the stop
                try:
                    batches.get(timeout=0.01)
                except queue.Empty:
                    pass
            tokenising.join()
        return entries, indptr

    def tokenize_batches(self, texts, batches, stop):
        """count_pipelined's other thread: the texts' token ids, PIPELINE_BATCH texts a TokenBatch, put on the queue
        ``batches``, then None (or the exception that stopped it); gives up when ``stop`` is set."""
        cdef Scratch s = Scratch(0)
        cdef TokenBatch batch
        cdef Py_ssize_t n_docs = len(texts), d, n, length
        cdef int kind
        cdef const void *data
        try:
            for start in range(0, n_docs, PIPELINE_BATCH):
                if stop.is_set():
                    return
                batch = TokenBatch()
                for d in range(start, min(n_docs, start + PIPELINE_BATCH)):
                    text = checked_text(texts[d], d, self.lowercase)
                    kind, data, length = PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)
                    with nogil:
                        n = self.tokenize(s, kind, data, length, True)
                        batch.append(s.tokens, n)
                batch.n_words = self.n_words
                batches.put(batch)
            batches.put(None)
        except BaseException as exc:
            batches.put(exc)

    def count_entries(self, texts, bint grow, Scratch scratch):
        """count()'s (entries, indptr) before they become arrays (joined_counts). The documents are counted without
        the GIL: threads may count with one fixed index at once, each with its own ``scratch`` (new_scratch())."""
        if grow and self.fixed:
            raise ValueError("this term index is fixed")
        cdef Scratch s = scratch
        cdef Py_ssize_t n_docs = len(texts), d, length
        cdef int kind
        cdef const void *data
        cdef Entries entries = Entries()
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        cdef int64_t[::1] indptr_view = indptr
        for d in range(n_docs):
            text = checked_text(texts[d], d, self.lowercase)
            kind, data, length = PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)
            with nogil:
                self.count_document(s, entries, kind, data, length, grow)
            indptr_view[d + 1] = entries.size
        return entries, indptr

    cdef int count_document(self, Scratch s, Entries entries, int kind, const void *data, Py_ssize_t length,
                            bint grow) except -1 nogil:
        """Append a text's (lowercased already if wanted) term counts to ``entries``."""
        cdef Py_ssize_t n_tok = self.tokenize(s, kind, data, length, grow)
        cdef Py_ssize_t n_grams = self.char_nodes(s, kind, data, length, grow) if self.char_high else 0
        return self.count_tokens(s, entries, s.tokens, n_tok, n_grams, grow, self.n_words)

    cdef int count_tokens(self, Scratch s, Entries entries, const int64_t *tokens, Py_ssize_t n_tok,
                          Py_ssize_t n_grams, bint grow, Py_ssize_t n_words) except -1 nogil:
        """Append the term counts of a document's tokens (ids below ``n_words``) and of its n_grams char n-gram
        nodes (s.grams) to ``entries``."""
        cdef Py_ssize_t a, first
        cdef int n
        cdef int64_t node, child, tok, col
        self.cover_words(n_words)
        s.next_document()
        first = entries.size
        for a in range(n_tok + n_grams):
            if self.high >= 2 and a + AHEAD + 1 < n_tok:  # the word pair AHEAD positions on, requested now
                tok = tokens[a + AHEAD]
                if tok >= 0 and tokens[a + AHEAD + 1] >= 0:
                    node = self.word_node[tok]
                    if node >= 0:
                        self.edges.prefetch((node << 32) | tokens[a + AHEAD + 1])
            node = 0
            for n in range(1, self.high + 1):
                if a >= n_tok:  # a char n-gram: one node, counted as it is
                    child = s.grams[a - n_tok]
                    if child < 0:
                        break
                else:
                    if a + n > n_tok:
                        break
                    tok = tokens[a + n - 1]
                    if tok < 0:
                        break
                    child = self.word_node[tok] if node == 0 else self.edges.get((node << 32) | tok)
                    if child < 0:
                        if not grow:
                            break
                        child = self.add_node(node, tok, n)
                    node = child
                    if n < self.low:
                        continue
                col = self.column[child] if self.fixed else child - 1  # as add_node numbers them
                if col >= 0:
                    if col >= s.mark_capacity:
                        s.ensure_marks(col + 1)
                    if s.mark[col].stamp == s.stamp:
                        entries.value(first + s.mark[col].slot)[0] += 1
                    else:
                        s.mark[col].stamp = s.stamp
                        s.mark[col].slot = <int32_t> (entries.size - first)
                        entries.push(<int32_t> col, 1)
                if a >= n_tok:
                    break
        return 0

    def hash_counts(self, texts, int64_t n_features, bint alternate_sign):
        """Hashing mode: CSR arrays (data, indices, indptr) of the hashed word n-gram counts of ``texts``.

        A word's hash is the CRC-32 of its UTF-8 (computed once per distinct word and kept: the table
        is cleared past 2M words so memory stays bounded on any stream); an n-gram's combines its
        words' hashes, h = h * 116049371 + h_next (mod 2^32), as fastText does. The column is
        h mod n_features, the sign -1 when ``alternate_sign`` and the top bit is set; collisions in a
        document add up (cells that cancel to 0 are dropped). Columns of a row are in first-seen order."""
        cdef Py_ssize_t n_docs = len(texts), nnz = 0, capacity = 0, d, a, k, n_tok, start, e, kept
        cdef Py_ssize_t table_capacity = 0, slot_capacity = 0, n_terms, mask
        cdef int n
        cdef int32_t *indices = NULL
        cdef double *values = NULL
        cdef int64_t *table = NULL  # the document's columns: open addressing, -1 empty
        cdef int64_t *where = NULL  # position in the output of each table slot's column
        cdef int64_t *slots = NULL  # the table slot of each output entry of the document
        cdef int64_t col
        cdef uint64_t g, h
        cdef double value
        if self.n_words > 2_000_000:
            self.reset_words()
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        cdef int64_t[::1] indptr_view = indptr
        try:
            for d in range(n_docs):
                text = texts[d]
                if self.lowercase:
                    text = text.lower()
                n_tok = self.tokenize(self.scratch, PyUnicode_KIND(text), PyUnicode_DATA(text),
                                      PyUnicode_GET_LENGTH(text), True)
                self.update_word_hashes()
                n_terms = n_tok * (self.high - self.low + 1)
                if 2 * n_terms > table_capacity:  # a table at most half full, all empty
                    free(table)
                    free(where)
                    table_capacity = 64
                    while table_capacity < 2 * n_terms:
                        table_capacity *= 2
                    table = <int64_t *> malloc(table_capacity * sizeof(int64_t))
                    where = <int64_t *> malloc(table_capacity * sizeof(int64_t))
                    if table == NULL or where == NULL:
                        raise MemoryError()
                    memset(table, 0xFF, table_capacity * sizeof(int64_t))
                mask = table_capacity - 1
                start = nnz
                for a in range(n_tok):
                    g = 0
                    for n in range(1, self.high + 1):
                        if a + n > n_tok:
                            break
                        g = (g * NGRAM_MULTIPLIER + self.word_hash[self.scratch.tokens[a + n - 1]]) & 0xFFFFFFFF
                        if n < self.low:
                            continue
                        col = <int64_t> (<uint32_t> g % <uint32_t> n_features)  # n_features < 2^32: 32-bit division
                        value = -1.0 if alternate_sign and (g & 0x80000000) else 1.0
                        h = (<uint64_t> col * <uint64_t> 0x9E3779B97F4A7C15) >> 20
                        k = <Py_ssize_t> (h & <uint64_t> mask)
                        while table[k] != -1 and table[k] != col:
                            k = (k + 1) & mask
                        if table[k] == col:
                            values[where[k]] += value
                            continue
                        if nnz + 1 > capacity:
                            e = capacity
                            indices = <int32_t *> grow_buffer(indices, &e, nnz + 1, sizeof(int32_t))
                            e = capacity
                            slots = <int64_t *> grow_buffer(slots, &e, nnz + 1, sizeof(int64_t))
                            values = <double *> grow_buffer(values, &capacity, nnz + 1, sizeof(double))
                        table[k] = col
                        where[k] = nnz
                        slots[nnz] = k
                        indices[nnz] = <int32_t> col
                        values[nnz] = value
                        nnz += 1
                kept = start
                for e in range(start, nnz):  # empty the table again; drop the cells that cancelled out
                    table[slots[e]] = -1
                    if values[e] != 0.0:
                        indices[kept] = indices[e]
                        values[kept] = values[e]
                        kept += 1
                nnz = kept
                indptr_view[d + 1] = nnz
            data, columns = to_arrays(values, indices, nnz)
        finally:
            free(indices)
            free(values)
            free(slots)
            free(table)
            free(where)
        return data, columns, indptr

    cdef int update_word_hashes(self) except -1:
        """CRC-32 of the words added since the last call."""
        cdef Py_ssize_t n = self.n_words, i
        if n == self.hashed:
            return 0
        self.word_hash = <uint32_t *> grow_buffer(self.word_hash, &self.hash_capacity, n, sizeof(uint32_t))
        for i in range(self.hashed, n):
            self.word_hash[i] = zlib.crc32(self.word_string(i).encode("utf-8"))
        self.hashed = n
        return 0

    def depths(self):
        """Each node's n (1 for words, 2 for bigrams...), for nodes 1..n_nodes, as an int32 array."""
        out = np.empty(self.n_nodes, dtype=np.int32)
        cdef int32_t[::1] view = out
        cdef Py_ssize_t i
        for i in range(self.n_nodes):
            view[i] = self.depth[i + 1]
        return out

    def packed_names(self, nodes):
        """The term strings ("a b" for a bigram) of the nodes numbered ``nodes`` (node - 1, as columns), packed as
        sparse.pack_strings does: (UTF-8 bytes as uint8, int64 offsets), with no Python string per term."""
        cdef const int64_t[::1] wanted = np.ascontiguousarray(nodes, dtype=np.int64)
        cdef Py_ssize_t n_terms = wanted.shape[0], t, size = 0, capacity = 0, path_capacity = 0, depth, k, c
        cdef int64_t node
        cdef int32_t *path = NULL  # the term's word ids, last first
        cdef unsigned char *blob = NULL
        cdef uint32_t ch  # a code point
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        cdef int64_t[::1] bounds = offsets
        try:
            for t in range(n_terms):
                node = wanted[t] + 1
                if node < 1 or node > self.n_nodes:
                    raise IndexError(f"no term {wanted[t]}")
                depth = 0
                while node > 0:
                    path = <int32_t *> grow_buffer(path, &path_capacity, depth + 1, sizeof(int32_t))
                    path[depth] = self.token[node]
                    depth += 1
                    node = self.parent[node]
                for k in range(depth - 1, -1, -1):
                    blob = <unsigned char *> grow_buffer(blob, &capacity, size + 1 + 4 * (
                        self.word_start[path[k] + 1] - self.word_start[path[k]]), 1)
                    if k < depth - 1:
                        blob[size] = 32
                        size += 1
                    for c in range(self.word_start[path[k]], self.word_start[path[k] + 1]):
                        ch = <uint32_t> self.chars[c]
                        if 0xD800 <= ch <= 0xDFFF:
                            raise ValueError(f"a term holds the lone surrogate U+{ch:04X}, which is not text "
                                             f"(UTF-8 cannot hold it): give valid Unicode strings")
                        size += utf8_encode(ch, blob + size)
                bounds[t + 1] = size
            out = np.empty(size, dtype=np.uint8)
            if size:
                copy_bytes(out, blob, size)
        finally:
            free(path)
            free(blob)
        return out, offsets

    def term_order(self, nodes):
        """The permutation that puts the terms of ``nodes`` (numbered node - 1, as columns) in packed_order's order
        (their names' UTF-8 bytes), found from the trie: only the distinct words are sorted by their bytes, and a
        term is then the tuple of its words' ranks. That is the names' order when no word holds a character at or
        below the space (U+0020, which joins a term's words): a word that is a proper prefix of another then sorts
        before it both ways. None where that does not hold, or with char n-grams, or when the ranks of the deepest
        term do not fit in 64 bits: then sort the names."""
        cdef const int64_t[::1] wanted = np.ascontiguousarray(nodes, dtype=np.int64)
        cdef Py_ssize_t n_terms = wanted.shape[0], t, k, c, n_used, deepest = 0
        cdef int64_t node, w
        cdef int bits
        if self.char_high:
            return None
        used = np.zeros(self.n_words, dtype=np.uint8)
        cdef uint8_t[::1] used_view = used
        for t in range(n_terms):
            node = wanted[t] + 1
            if node < 1 or node > self.n_nodes:
                raise IndexError(f"no term {wanted[t]}")
            deepest = max(deepest, self.depth[node])
            while node > 0:
                used_view[self.token[node]] = 1
                node = self.parent[node]
        words = np.flatnonzero(used)
        cdef const int64_t[::1] words_view = words
        self.cover_words(self.n_words)
        n_used = words_view.shape[0]
        for k in range(n_used):
            w = words_view[k]
            for c in range(self.word_start[w], self.word_start[w + 1]):
                if self.chars[c] <= 32:
                    return None
        bits = max(1, int(n_used).bit_length())  # ranks 1..n_used, 0 for no word
        if deepest * bits > 64:
            return None
        word_nodes = np.empty(n_used, dtype=np.int64)
        cdef int64_t[::1] word_nodes_view = word_nodes
        for k in range(n_used):
            node = self.word_node[words_view[k]]
            if node < 1:  # every word of a term starts one, so it has a node; kept safe all the same
                return None
            word_nodes_view[k] = node - 1
        rank = np.zeros(self.n_words, dtype=np.uint64)
        rank[words[packed_order(*self.packed_names(word_nodes))]] = np.arange(1, n_used + 1, dtype=np.uint64)
        cdef const uint64_t[::1] rank_view = rank
        keys = np.empty(n_terms, dtype=np.uint64)
        cdef uint64_t[::1] keys_view = keys
        cdef uint64_t key
        for t in range(n_terms):
            node = wanted[t] + 1
            key = 0
            k = self.depth[node]
            while node > 0:  # last word first: the first word takes the highest bits
                k -= 1
                key |= rank_view[self.token[node]] << <uint64_t> (bits * (deepest - 1 - k))
                node = self.parent[node]
            keys_view[t] = key
        return np.argsort(keys)  # distinct terms have distinct keys

    @classmethod
    def from_vocabulary(cls, terms, **settings):
        """A fixed index where terms[j] counts in column j (see from_joined)."""
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        return cls.from_joined("".join(terms), np.concatenate([[0], np.cumsum(lengths)]), **settings)

    @classmethod
    def from_packed(cls, blob, offsets, **settings):
        """from_vocabulary for terms packed as UTF-8 bytes + byte offsets (sparse.pack_strings): no
        per-term string is made."""
        text = bytes(blob).decode("utf-8")
        offsets = np.asarray(offsets, dtype=np.int64)
        if len(text) != len(blob):  # byte offsets -> character offsets: count the bytes that start a character
            starts = (np.frombuffer(bytes(blob), dtype=np.uint8) & 0xC0) != 0x80
            offsets = np.concatenate([[0], np.cumsum(starts)])[offsets]
        return cls.from_joined(text, offsets, **settings)

    @classmethod
    def from_joined(cls, unicode text, offsets, *, bint lowercase=True, int min_len=2, ngram_range=(1, 1),
                    stop_words=(), bint punctuation=False, bint whitespace=False, char_ngram_range=None):
        """A fixed index where term j = text[offsets[j]:offsets[j + 1]] counts in column j; a term's words
        are separated by single spaces. Every prefix of an n-gram becomes a node (without a column unless
        it is a term itself), so lookups walk the trie. With char n-grams, a term "c:..." is one of them."""
        cdef TermIndex index = cls(lowercase, min_len, ngram_range, stop_words, punctuation, whitespace,
                                   char_ngram_range)
        cdef const int64_t[::1] bounds = np.ascontiguousarray(offsets, dtype=np.int64)
        cdef Py_ssize_t n_terms = bounds.shape[0] - 1, j, a, b, e
        cdef int n, kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        cdef int64_t node, child, tok
        for j in range(n_terms):
            node = 0
            n = 0
            a, e = bounds[j], bounds[j + 1]
            if index.char_high and e - a > 2 and PyUnicode_READ(kind, data, a) == 99 \
                    and PyUnicode_READ(kind, data, a + 1) == 58:  # "c:" + a char n-gram
                tok = index.word_id(text, a, e, True)
                index.cover_words(index.n_words)
                node = index.word_node[tok]
                if node < 0:
                    node = index.add_node(0, tok, 0)
                index.column[node] = j
                continue
            while a <= e:
                b = a
                while b < e and PyUnicode_READ(kind, data, b) != 32:
                    b += 1
                n += 1
                tok = index.word_id(text, a, b, True)
                index.cover_words(index.n_words)
                child = index.word_node[tok] if node == 0 else index.edges.get((node << 32) | tok)
                if child < 0:
                    child = index.add_node(node, tok, n)
                    index.column[child] = -1
                node = child
                a = b + 1
            index.column[node] = j
        index.cover_words(index.n_words)  # every word (the stop words too): counting then only reads word_node
        index.n_columns = n_terms
        index.fixed = True
        return index


cdef enum:
    BLOCK_BITS = 16  # Entries: 65,536 entries a block


cdef extern from *:
    """
    #if defined(__GLIBC__)
    #include <malloc.h>
    static void give_back_free_memory(void) { malloc_trim(0); }
    #else
    static void give_back_free_memory(void) { }
    #endif
    """
    void give_back_free_memory() noexcept nogil  # glibc: return the free pages inside the heap to the system


cdef unicode checked_text(object text, Py_ssize_t d, bint lowercase):
    """Text ``d`` of a batch as a str (lowercased if wanted): what the compiled tokeniser reads without the GIL."""
    if not isinstance(text, str):
        raise TypeError(f"text {d}: a str was expected, not {type(text).__name__}")
    return text.lower() if lowercase else text


cdef class TokenBatch:
    """Token ids of a few documents one after another (document k's are tokens[starts[k]:starts[k + 1]]), and
    how many words the word table held once they were tokenised."""
    cdef int64_t *tokens
    cdef int64_t *starts
    cdef Py_ssize_t size, capacity, n_docs, starts_capacity, n_words

    def __cinit__(self):
        self.starts = <int64_t *> grow_buffer(NULL, &self.starts_capacity, PIPELINE_BATCH + 1, sizeof(int64_t))
        self.starts[0] = 0

    def __dealloc__(self):
        free(self.tokens)
        free(self.starts)

    cdef int append(self, const int64_t *tokens, Py_ssize_t n) except -1 nogil:
        self.tokens = <int64_t *> grow_buffer(self.tokens, &self.capacity, self.size + n, sizeof(int64_t))
        self.starts = <int64_t *> grow_buffer(self.starts, &self.starts_capacity, self.n_docs + 2, sizeof(int64_t))
        if n > 0:
            memcpy(self.tokens + self.size, tokens, n * sizeof(int64_t))
        self.size += n
        self.n_docs += 1
        self.starts[self.n_docs] = self.size
        return 0


cdef class Entries:
    """A growing list of (column, count) entries kept in fixed-size blocks, so growing never copies what is held,
    and ``move_to`` frees the blocks as it copies them out (the heap's free pages given back to the system as it
    goes): the peak is about the entries' arrays and a few blocks, not twice the entries."""
    cdef int32_t **columns
    cdef int32_t **values
    cdef Py_ssize_t size, n_blocks, blocks_capacity

    def __dealloc__(self):
        self.release()

    cdef void release(self) noexcept:
        cdef Py_ssize_t b
        for b in range(self.n_blocks):
            free(self.columns[b])
            free(self.values[b])
        free(self.columns)
        free(self.values)
        self.columns = NULL
        self.values = NULL
        self.n_blocks = self.blocks_capacity = self.size = 0

    cdef inline int32_t *value(self, Py_ssize_t e) noexcept nogil:
        return &self.values[e >> BLOCK_BITS][e & ((1 << BLOCK_BITS) - 1)]

    cdef int push(self, int32_t column, int32_t value) except -1 nogil:
        cdef Py_ssize_t b = self.size >> BLOCK_BITS, o = self.size & ((1 << BLOCK_BITS) - 1), capacity
        if b == self.n_blocks:
            capacity = self.blocks_capacity
            self.columns = <int32_t **> grow_buffer(self.columns, &capacity, b + 1, sizeof(int32_t *))
            capacity = self.blocks_capacity
            self.values = <int32_t **> grow_buffer(self.values, &capacity, b + 1, sizeof(int32_t *))
            self.blocks_capacity = capacity
            self.columns[b] = <int32_t *> malloc((1 << BLOCK_BITS) * sizeof(int32_t))
            self.values[b] = <int32_t *> malloc((1 << BLOCK_BITS) * sizeof(int32_t))
            self.n_blocks = b + 1
            if self.columns[b] == NULL or self.values[b] == NULL:
                with gil:
                    raise MemoryError()
        self.columns[b][o] = column
        self.values[b][o] = value
        self.size += 1
        return 0

    cdef int move_to(self, double[::1] data_view, int32_t[::1] columns_view, Py_ssize_t offset) except -1:
        """Copy the entries into data_view and columns_view from ``offset`` on, letting each block go once copied."""
        cdef Py_ssize_t b, start, n, i
        cdef int32_t *counts
        for b in range(self.n_blocks):
            start = b << BLOCK_BITS
            n = min(self.size - start, 1 << BLOCK_BITS)
            counts = self.values[b]
            for i in range(n):
                data_view[offset + start + i] = counts[i]
            if n > 0:
                memcpy(&columns_view[offset + start], self.columns[b], n * sizeof(int32_t))
            free(self.columns[b])
            free(self.values[b])
            self.columns[b] = NULL
            self.values[b] = NULL
            if b % 8 == 7:
                give_back_free_memory()
        self.release()
        give_back_free_memory()
        return 0


def joined_counts(parts):
    """One CSR (data float64, column indices int32, indptr int64) of count_entries' parts, stacked in order: each
    part's entries moved into the arrays and let go as they are (no second copy of the matrix)."""
    cdef Entries entries
    cdef Py_ssize_t offset = 0, total = 0, size
    for entries, _ in parts:
        total += entries.size
    data = np.empty(total, dtype=np.float64)
    columns = np.empty(total, dtype=np.int32)
    indptrs = [np.zeros(1, dtype=np.int64)]
    for entries, indptr in parts:
        indptrs.append(indptr[1:] + offset)
        size = entries.size  # move_to lets the entries go
        entries.move_to(data, columns, offset)
        offset += size
    return data, columns, np.concatenate(indptrs)


cdef tuple to_arrays(double *values, int32_t *indices, Py_ssize_t n):
    """numpy copies (data, column indices) of the first n entries of C buffers."""
    data = np.empty(n, dtype=np.float64)
    columns = np.empty(n, dtype=np.int32)
    if n:
        copy_out(data, columns, values, indices, n)
    return data, columns


cdef void copy_out(double[::1] data, int32_t[::1] columns, double *values, int32_t *indices, Py_ssize_t n) noexcept:
    memcpy(&data[0], values, n * sizeof(double))
    memcpy(&columns[0], indices, n * sizeof(int32_t))


cdef void copy_bytes(unsigned char[::1] out, const unsigned char *source, Py_ssize_t n) noexcept:
    memcpy(&out[0], source, n)


cdef inline Py_ssize_t utf8_encode(uint32_t ch, unsigned char *out) noexcept:
    """Write the UTF-8 bytes of ``ch`` (not a surrogate) at ``out``; returns how many (1 to 4)."""
    if ch < 0x80:
        out[0] = <unsigned char> ch
        return 1
    if ch < 0x800:
        out[0] = <unsigned char> (0xC0 | (ch >> 6))
        out[1] = <unsigned char> (0x80 | (ch & 0x3F))
        return 2
    if ch < 0x10000:
        out[0] = <unsigned char> (0xE0 | (ch >> 12))
        out[1] = <unsigned char> (0x80 | ((ch >> 6) & 0x3F))
        out[2] = <unsigned char> (0x80 | (ch & 0x3F))
        return 3
    out[0] = <unsigned char> (0xF0 | (ch >> 18))
    out[1] = <unsigned char> (0x80 | ((ch >> 12) & 0x3F))
    out[2] = <unsigned char> (0x80 | ((ch >> 6) & 0x3F))
    out[3] = <unsigned char> (0x80 | (ch & 0x3F))
    return 4


# packed_order's comparison reads the terms through these (qsort passes no context; the GIL is held throughout)
cdef const unsigned char *sorting_blob
cdef const int64_t *sorting_offsets


cdef int compare_terms(const void *a, const void *b) noexcept nogil:
    cdef int64_t i = (<const int64_t *> a)[0], j = (<const int64_t *> b)[0]
    cdef int64_t length_i = sorting_offsets[i + 1] - sorting_offsets[i]
    cdef int64_t length_j = sorting_offsets[j + 1] - sorting_offsets[j]
    cdef int order = memcmp(sorting_blob + sorting_offsets[i], sorting_blob + sorting_offsets[j],
                            <size_t> min(length_i, length_j))
    if order != 0:
        return order
    if length_i != length_j:
        return -1 if length_i < length_j else 1
    return -1 if i < j else (1 if i > j else 0)


def packed_order(const unsigned char[::1] blob, const int64_t[::1] offsets):
    """The permutation (int64) that sorts packed UTF-8 terms (sparse.pack_strings) by their bytes, which is the
    order of their code points (Python's str order); ties, which a vocabulary never has, by position. Offsets must
    run in order from 0 to the end of the blob."""
    cdef Py_ssize_t n = offsets.shape[0] - 1, i
    if n < 0 or offsets[0] != 0 or offsets[n] != blob.shape[0]:
        raise ValueError("packed terms: offsets must run from 0 to the end of the bytes")
    for i in range(n):
        if offsets[i + 1] < offsets[i]:
            raise ValueError("packed terms: offsets must not decrease")
    order = np.arange(n, dtype=np.int64)
    cdef int64_t[::1] view = order
    global sorting_blob, sorting_offsets
    if n > 1:
        sorting_blob, sorting_offsets = &blob[0] if blob.shape[0] else NULL, &offsets[0]
        qsort(&view[0], n, sizeof(int64_t), compare_terms)
        sorting_blob, sorting_offsets = NULL, NULL
    return order


def take_packed(const unsigned char[::1] blob, const int64_t[::1] offsets, const int64_t[::1] positions):
    """The packed terms at ``positions`` (in that order), packed anew: (uint8 bytes, int64 offsets)."""
    cdef Py_ssize_t n = offsets.shape[0] - 1, m = positions.shape[0], t, size = 0
    cdef int64_t p
    for t in range(m):
        p = positions[t]
        if p < 0 or p >= n or offsets[p + 1] < offsets[p] or offsets[p] < 0 or offsets[p + 1] > blob.shape[0]:
            raise ValueError(f"packed terms: no term {p}")
        size += offsets[p + 1] - offsets[p]
    out = np.empty(size, dtype=np.uint8)
    new_offsets = np.zeros(m + 1, dtype=np.int64)
    cdef unsigned char[::1] out_view = out
    cdef int64_t[::1] bounds = new_offsets
    size = 0
    for t in range(m):
        p = positions[t]
        if offsets[p + 1] > offsets[p]:
            memcpy(&out_view[size], &blob[offsets[p]], offsets[p + 1] - offsets[p])
        size += offsets[p + 1] - offsets[p]
        bounds[t + 1] = size
    return out, new_offsets
