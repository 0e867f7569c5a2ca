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


def format_metrics(name, m):
    """A readable table of one split's metrics."""
    width = max([len(label) for label in m["labels"]] + [9])
    lines = [f"{name}: accuracy {m['accuracy']:.4f}  macro F1 {m['macro_f1']:.4f}  ({m['n_documents']} documents)",
             f"  {'class':<{width}}  precision  recall      f1  support"]
    for label, r in m["per_class"].items():
        lines.append(f"  {label:<{width}}  {r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:6.4f}  "
                     f"{r['support']:7d}")
    lines.append("  confusion matrix (rows: true class, columns: predicted, in the order above):")
    cell = max(len(str(v)) for row in m["confusion_matrix"] for v in row)
    lines.extend("  " + " ".join(f"{v:>{cell}}" for v in row) for row in m["confusion_matrix"])
    return "\n".join(lines)
