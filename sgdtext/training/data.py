"""The training data: documents read with the config's reader, their classes and class indices, the validation
split, and the class weights."""

import math

import numpy as np

from sgdtext import progress
from sgdtext.errors import DataError, SgdtextError
from sgdtext.io.documents import ReadOptions, ReadStats, read_documents

MAX_CLASSES = 5000
HEADER_NAMES = {"label", "labels", "class", "category", "target", "text", "sentence", "document", "message"}


def read_options(data, multilabel="auto"):
    """The reader's options from the data section (a config.sections.DataConfig, or its mapping) and
    model.multilabel (auto: a record's several labels are read as a tuple)."""
    fields = [name for name in ReadOptions._fields if name != "multilabel"]  # model.multilabel: the argument
    if isinstance(data, dict):  # a saved model's data section: one from before a key existed lacks it
        values = {name: data[name] for name in fields if name in data}
        values.setdefault("mail_text", "raw")  # such a model was trained on one-line documents
    else:
        values = {name: getattr(data, name) for name in fields}
    return ReadOptions(**values, multilabel=multilabel)._replace(
        mail_header_tokens=tuple(values.get("mail_header_tokens", ())))


def read_all(path, options, warn):
    """Every document of ``path``; problems the reader counted are reported through ``warn``."""
    stats = ReadStats()
    with progress.phase("reading", detail=str(path), unit="documents") as shown:
        docs = list(shown.count(read_documents(path, options, stats)))
    if stats.n_skipped:
        first = "; ".join(f"{where}: {why}" for where, why in stats.skipped[:2])
        warn(f"skipped {stats.n_skipped} malformed record(s) in {path} (first: {first})")
    if stats.n_problems:
        first = "; ".join(f"{where}: {what}" for where, what in stats.problems[:2])
        warn(f"{stats.n_problems} problem(s) reading {path}, each read as far as it could be (first: {first})")
    if stats.n_invalid_utf8:
        warn(f"{stats.n_invalid_utf8} record(s) of {path} are not valid UTF-8 (first at "
             f"{stats.first_invalid_utf8}); invalid bytes were replaced by U+FFFD")
    if not docs:
        raise DataError(f"{path}: has no documents; check data.format and the file")
    if isinstance(docs[0].label, str) and docs[0].label.strip().lower() in HEADER_NAMES:
        warn(f"{docs[0].where}: the first row looks like a header ({docs[0].label[:20]!r}) but was read as a "
             f"document; set data.header: yes, or name the columns in data.label_field / data.text_field")
    for doc in docs:
        for label in (doc.label,) if isinstance(doc.label, str) else doc.label:
            if any(c in label for c in "\t\n\r"):
                raise DataError(f"{doc.where}: the label {label[:40]!r} holds a tab or a line break, which would "
                                f"break predict's one-line-per-document output; fix the label")
    return docs


def featurize(featurizer, docs, n_jobs, split, *, fit=False):
    """The documents of ``split`` through ``featurizer`` (its fit_transform with ``fit``, else its transform) as a
    scipy CSR matrix, shown as a phase with the number of features (and the character n-grams', when it counts
    them: auto decides on the training documents)."""
    method = featurizer.fit_transform if fit else featurizer.transform
    with progress.phase("featurising", detail=split, total=len(docs), unit="documents") as shown:
        X = method(docs, n_jobs=n_jobs).to_scipy()
        chars = featurizer.settings.char_ngram_range
        shown.advance(len(docs), features=X.shape[1], char_ngrams=f"{chars[0]}-{chars[1]}" if chars else None)
    return X


def is_multilabel(docs, setting, path, warn):
    """Whether the documents train a multi-label model: model.multilabel true, or auto and some document holds
    other than one label (said through ``warn``). A document with several labels under model.multilabel: false
    is refused."""
    several = next((doc for doc in docs if not isinstance(doc.label, str)), None)
    if setting is True:
        return True
    if several is None:
        return False
    if setting is False:
        raise DataError(f"{several.where}: holds {len(several.label)} labels ({', '.join(several.label[:3])}), but "
                        f"model.multilabel is false; set it to true (or auto) for a multi-label model, or give one "
                        f"label a document")
    warn(f"{path}: documents hold several labels (first: {several.where}): training a multi-label model "
         f"(one-vs-rest); set model.multilabel: true to say so, false to refuse such data")
    return True


def label_sets(docs):
    """Each document's labels as a tuple (a single-label document's one label too)."""
    return [(doc.label,) if isinstance(doc.label, str) else doc.label for doc in docs]


def sort_labels(labels):
    """Classes in a stable order: numerically when every label is a finite number (so -1 < +1), else as text."""
    labels = set(labels)
    try:
        values = {label: float(label) for label in labels}
    except ValueError:
        return sorted(labels)
    if not all(math.isfinite(v) for v in values.values()):  # "nan" compares with nothing: order as text
        return sorted(labels)
    return sorted(labels, key=lambda label: (values[label], label))


def stratified_split(y, fraction, rng):
    """Indices (keep, held_out): ``fraction`` of each class held out, chosen by ``rng``."""
    held = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n = int(round(fraction * len(members)))
        held.extend(rng.permutation(members)[:n])
    held = np.sort(np.array(held, dtype=np.int64))
    return np.setdiff1d(np.arange(len(y)), held), held


def label_indices(docs, classes):
    index = {label: i for i, label in enumerate(classes)}
    return np.array([index.get(doc.label, -1) for doc in docs], dtype=np.int64)


def class_weight_table(setting, classes, counts):
    """Weight of each class (k,) from training.class_weight and the class counts, or None."""
    if setting is None:
        return None
    if setting == "balanced":
        return counts.sum() / (len(classes) * np.maximum(counts, 1))
    unknown = sorted(set(setting) - set(classes))
    if unknown:
        raise SgdtextError(f"training -> class_weight: label {unknown[0]!r} is not in the training data "
                           f"(classes: {', '.join(classes)}); fix the label")
    return np.array([setting.get(label, 1.0) for label in classes])


def class_weights(setting, classes, y):
    """Per-example weights from training.class_weight, or None."""
    table = class_weight_table(setting, classes, np.bincount(y, minlength=len(classes)))
    return None if table is None else table[y]


SINGLE_LABEL_FIX = "set model.multilabel: true (a linear model, in memory)"


def read_training_data(config, warn, *, min_classes=2, docs=None, single_label_fix=SINGLE_LABEL_FIX):
    """Training documents, their classes and class indices, and the validation documents (or None).
    ``min_classes`` 1: a warm start's data may hold one class (the model knows the others). ``docs``: the training
    documents when already read. ``single_label_fix``: what the message on a document with several labels says to
    do."""
    data, options = config.data, read_options(config.data)
    docs = read_all(data.train, options, warn) if docs is None else docs
    several = next((doc for doc in docs if not isinstance(doc.label, str)), None)
    if several is not None:
        raise DataError(f"{several.where}: holds {len(several.label)} labels, but this model trains single-label; "
                        f"{single_label_fix}")
    classes = sort_labels(d.label for d in docs)
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{data.train}: has {len(classes):,} different labels, more than the {MAX_CLASSES:,} sgdtext "
                        f"trains (a weight vector and a confusion-matrix row each); check data.format and the label "
                        f"column, or group rare labels")
    if len(classes) < min_classes:
        raise DataError(f"{data.train}: every document has the label {classes[0]!r}; "
                        f"a classifier needs at least two classes")
    y = label_indices(docs, classes)
    valid_docs = read_all(data.valid, options, warn) if data.valid else None
    if valid_docs is None and data.validation_split:
        split_rng = np.random.default_rng([config.training.seed, 1])
        keep, held = stratified_split(y, data.validation_split, split_rng)
        valid_docs = [docs[i] for i in held]
        docs, y = [docs[i] for i in keep], y[keep]
    return docs, y, classes, valid_docs
