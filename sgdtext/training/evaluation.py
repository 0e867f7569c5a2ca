"""Evaluating a trained model on labelled documents: the metrics of sgdtext.training.metrics, with labels the model
never saw counted as errors."""

import numpy as np

from sgdtext import progress
from sgdtext.training.data import label_indices, label_sets, sort_labels
from sgdtext.training.metrics import classification_metrics, multilabel_metrics, reliability, reliability_parts


def classes_with_unseen(model, labels):
    """The model's classes, then the labels it never saw (in sort_labels' order): the metrics' label list."""
    return list(model.classes) + sort_labels(set(labels) - set(model.classes))


def evaluate_split(model, X, docs, split=None):
    """Metrics of ``model`` on labelled documents (their matrix X), shown as a phase (``split``: its name)."""
    with progress.phase("evaluating", detail=split, total=len(docs), unit="documents") as shown:
        if getattr(model, "multilabel", False):
            metrics = evaluate_multilabel(model, X, docs)
        else:
            classes = classes_with_unseen(model, (d.label for d in docs))
            y = label_indices(docs, classes)
            scores = model.scores(X)
            metrics = classification_metrics(y, model.predict_index(scores), classes)
            if model.has_proba:
                metrics["reliability"] = reliability(*reliability_parts(model.proba(scores), y))
        shown.advance(len(docs), accuracy=metrics["accuracy"])
    return metrics


def evaluate_chunks(model, featurizer, chunks):
    """Metrics of ``model`` over labelled chunks of documents, one chunk in memory at a time (a multi-label model
    keeps the scores, float32, for precision@k)."""
    if getattr(model, "multilabel", False):
        sets, scores = [], []
        for chunk in chunks:
            scores.append(model.scores(featurizer.transform(chunk)).astype(np.float32))
            sets += label_sets(chunk)
        return multilabel_evaluation(model, np.vstack(scores) if scores else np.zeros((0, len(model.classes))), sets)
    truth, predicted, probabilities = [], [], []
    known = {label: i for i, label in enumerate(model.classes)}
    for chunk in chunks:
        scores = model.scores(featurizer.transform(chunk))
        predicted.append(model.predict_index(scores))
        truth.extend(doc.label for doc in chunk)
        if model.has_proba:  # a label the model never saw: index k, wrong whatever the model says
            y = np.array([known.get(doc.label, len(known)) for doc in chunk], dtype=np.int64)
            probabilities.append(reliability_parts(model.proba(scores), y))
    classes = classes_with_unseen(model, truth)
    index = {label: i for i, label in enumerate(classes)}
    y = np.fromiter(map(index.__getitem__, truth), dtype=np.int64, count=len(truth))
    metrics = classification_metrics(y, np.concatenate(predicted) if predicted else np.zeros(0, np.int64), classes)
    if probabilities:
        metrics["reliability"] = reliability(*(np.concatenate(part) for part in zip(*probabilities)))
    return metrics


def label_matrix(sets, labels):
    """(n, labels) booleans: row i marks the labels of ``sets[i]`` (labels not in ``labels`` are left out)."""
    index = {label: j for j, label in enumerate(labels)}
    Y = np.zeros((len(sets), len(labels)), dtype=bool)
    for i, labels_i in enumerate(sets):
        Y[i, [index[label] for label in labels_i if label in index]] = True
    return Y


def evaluate_multilabel(model, X, docs):
    """Multi-label metrics of labelled documents (their matrix X)."""
    return multilabel_evaluation(model, model.scores(X), label_sets(docs))


def multilabel_evaluation(model, model_scores, sets):
    """Multi-label metrics of the model's scores against the true label sets; a true label the model does not know
    counts as missed (a label column of its own)."""
    labels = list(model.classes) + sorted({label for s in sets for label in s} - set(model.classes))
    k = len(model.classes)
    scores = np.full((len(sets), len(labels)), -np.inf)
    scores[:, :k] = model_scores
    predicted = np.zeros((len(sets), len(labels)), dtype=bool)
    predicted[:, :k] = model.predict_sets(model_scores)
    return multilabel_metrics(label_matrix(sets, labels), predicted, scores, labels)
