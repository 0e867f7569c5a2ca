"""Classification metrics from a confusion matrix, in numpy.

Written here rather than taken from sklearn.metrics because importing that costs a large share of a whole
`sgdtext train` on a small set (the README has the figures); scikit-learn is the test oracle (accuracy_score,
precision_recall_fscore_support, confusion_matrix, zero_division=0).
"""

import numpy as np


def confusion(y_true, y_pred, n_classes):
    """C[i, j] = number of documents of class i predicted as class j."""
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def classification_metrics(y_true, y_pred, classes):
    """Accuracy, macro F1, per-class precision/recall/F1/support and the confusion matrix.

    ``macro_f1`` averages over the classes present in the truth or the predictions, as scikit-learn's
    f1_score(average="macro") does; ``macro_f1_all_classes`` over every class the model knows (a class absent from
    both counts as F1 0)."""
    C = confusion(np.asarray(y_true), np.asarray(y_pred), len(classes))
    tp = np.diag(C).astype(float)
    predicted, support = C.sum(axis=0), C.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {
        "n_documents": int(C.sum()),
        "accuracy": float(tp.sum() / max(C.sum(), 1)),
        "macro_f1": float(f1[(support > 0) | (predicted > 0)].mean()) if C.sum() else 0.0,
        "macro_f1_all_classes": float(f1.mean()),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(classes, precision, recall, f1, support)
        },
        "labels": list(classes),
        "confusion_matrix": C.tolist(),
    }


def reliability_parts(proba, y_true):
    """What the reliability table needs of each document: (the top label's probability, whether it is right, the
    true label's probability, NaN for a label the model never saw). ``proba`` (n, k) over the model's classes;
    ``y_true`` (n,) class indices, k and above for labels the model never saw."""
    proba, y_true = np.asarray(proba, dtype=float), np.asarray(y_true)
    top = proba.argmax(axis=1)
    seen = y_true < proba.shape[1]
    picked = np.full(len(y_true), np.nan)
    picked[seen] = proba[np.flatnonzero(seen), y_true[seen]]
    return proba.max(axis=1), top == y_true, picked


def reliability(confidence, right, picked, n_bins=10):
    """How far the model's probabilities can be trusted (from reliability_parts): log-loss over the documents whose
    label the model knows, and the reliability table of the top label's probability (``n_bins`` equal bins of
    [0, 1]: documents, mean probability, fraction right in each non-empty bin)."""
    known = picked[~np.isnan(picked)]
    log_loss = float(-np.mean(np.log(np.clip(known, 1e-15, 1.0)))) if known.size else None
    which = np.minimum((confidence * n_bins).astype(np.int64), n_bins - 1)
    right = right.astype(float)
    bins = []
    for b in range(n_bins):
        members = which == b
        if members.any():
            bins.append({"low": b / n_bins, "high": (b + 1) / n_bins, "documents": int(members.sum()),
                         "mean_probability": float(confidence[members].mean()),
                         "fraction_right": float(right[members].mean())})
    return {"log_loss": log_loss, "bins": bins}


def multilabel_metrics(truth, predicted, scores, labels, ks=(1, 3, 5)):
    """Multi-label metrics from (n, labels) boolean matrices of the true and predicted label sets and the scores.

    ``accuracy`` is the subset accuracy (the whole set right); micro scores pool every (document, label) decision,
    macro scores average each label's, over every label (scikit-learn's f1_score(average="macro") on indicator
    matrices, zero_division=0); ``hamming_loss`` the fraction of decisions wrong; ``precision_at_k`` the mean
    fraction of true labels among each document's k best-scored."""
    truth, predicted = np.asarray(truth, dtype=bool), np.asarray(predicted, dtype=bool)
    n = truth.shape[0]
    tp = (truth & predicted).sum(axis=0).astype(float)
    n_predicted, support = predicted.sum(axis=0), truth.sum(axis=0)
    precision = np.divide(tp, n_predicted, out=np.zeros_like(tp), where=n_predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    micro_p = tp.sum() / max(n_predicted.sum(), 1)
    micro_r = tp.sum() / max(support.sum(), 1)
    order = np.argsort(-scores, axis=1, kind="stable")
    at_k = {}
    for k in ks:
        if k <= truth.shape[1]:
            hits = np.take_along_axis(truth, order[:, :k], axis=1).sum(axis=1)
            at_k[str(k)] = float(hits.mean() / k) if n else 0.0
    return {
        "n_documents": int(n),
        "multilabel": True,
        "accuracy": float(np.all(truth == predicted, axis=1).mean()) if n else 0.0,
        "micro_precision": float(micro_p),
        "micro_recall": float(micro_r),
        "micro_f1": float(2 * micro_p * micro_r / (micro_p + micro_r)) if micro_p + micro_r else 0.0,
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "hamming_loss": float((truth != predicted).mean()) if truth.size else 0.0,
        "precision_at_k": at_k,
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "labels": list(labels),
    }


def format_metrics(name, m):
    """A readable table of one split's metrics."""
    if m.get("multilabel"):
        return format_multilabel_metrics(name, m)
    width = max([len(label) for label in m["labels"]] + [9])
    lines = [f"{name}: accuracy {m['accuracy']:.4f}  macro F1 {m['macro_f1']:.4f}  ({m['n_documents']} documents)",
             f"  {'class':<{width}}  precision  recall      f1  support"]
    for label, r in m["per_class"].items():
        lines.append(f"  {label:<{width}}  {r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:6.4f}  "
                     f"{r['support']:7d}")
    lines.extend(confusion_lines(m["labels"], m["confusion_matrix"]))
    return "\n".join(lines)


LABEL_WIDTH = 30  # a longer class name is cut, with "…", in the confusion matrix's rows


def confusion_lines(labels, matrix):
    """The confusion matrix with its classes named: rows by name; columns by name when every name is short and the
    classes few, else numbered as the rows are (so 50 classes still fit a terminal's width)."""
    names = [label if len(label) <= LABEL_WIDTH else label[:LABEL_WIDTH - 1] + "…" for label in labels]
    by_name = len(labels) <= 12 and max(map(len, labels)) <= 8
    heads = list(labels) if by_name else [str(i) for i in range(1, len(labels) + 1)]
    cell = max([len(str(v)) for row in matrix for v in row] + [len(h) for h in heads])
    rows = names if by_name else [f"{i:>{len(str(len(labels)))}} {name}" for i, name in enumerate(names, 1)]
    width = max(map(len, rows))
    title = "  confusion matrix (rows: true class, columns: predicted" + ("" if by_name else ", numbered as the rows")
    lines = [title + "):", "  " + " " * width + "  " + " ".join(f"{h:>{cell}}" for h in heads)]
    lines.extend(f"  {row:<{width}}  " + " ".join(f"{v:>{cell}}" for v in values) for row, values in zip(rows, matrix))
    return lines


def format_multilabel_metrics(name, m):
    width = max([len(label) for label in m["labels"]] + [9])
    at_k = "  ".join(f"P@{k} {v:.4f}" for k, v in m["precision_at_k"].items())
    lines = [f"{name}: micro F1 {m['micro_f1']:.4f}  macro F1 {m['macro_f1']:.4f}  subset accuracy "
             f"{m['accuracy']:.4f}  Hamming loss {m['hamming_loss']:.4f}  ({m['n_documents']} documents)",
             f"  micro precision {m['micro_precision']:.4f}  micro recall {m['micro_recall']:.4f}  {at_k}",
             f"  {'label':<{width}}  precision  recall      f1  support"]
    for label, r in m["per_class"].items():
        lines.append(f"  {label:<{width}}  {r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:6.4f}  "
                     f"{r['support']:7d}")
    return "\n".join(lines)
