import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from sgdtext.training.metrics import classification_metrics, format_metrics


def test_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, size=200)
    y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, 4, size=200))
    y_pred[y_pred == 3] = 2  # class 3 never predicted: precision 0 by zero_division=0
    m = classification_metrics(y_true, y_pred, ["a", "b", "c", "d"])
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=[0, 1, 2, 3], zero_division=0)
    assert m["accuracy"] == accuracy_score(y_true, y_pred)
    np.testing.assert_allclose([m["per_class"][c]["precision"] for c in "abcd"], p)
    np.testing.assert_allclose([m["per_class"][c]["recall"] for c in "abcd"], r)
    np.testing.assert_allclose([m["per_class"][c]["f1"] for c in "abcd"], f)
    assert [m["per_class"][c]["support"] for c in "abcd"] == s.tolist()
    np.testing.assert_allclose(m["macro_f1"], f.mean())
    assert m["confusion_matrix"] == confusion_matrix(y_true, y_pred, labels=[0, 1, 2, 3]).tolist()


def test_format_metrics_table():
    text = format_metrics("test", classification_metrics([0, 1, 1], [0, 1, 0], ["ham", "spam"]))
    assert text.splitlines() == [
        "test: accuracy 0.6667  macro F1 0.6667  (3 documents)",
        "  class      precision  recall      f1  support",
        "  ham           0.5000  1.0000  0.6667        1",
        "  spam          1.0000  0.5000  0.6667        2",
        "  confusion matrix (rows: true class, columns: predicted):",
        "         ham spam",
        "  ham      1    0",
        "  spam     1    1",
    ]


def test_a_confusion_matrix_of_many_classes_numbers_its_columns():
    labels = [f"newsgroup.with.a.long.name.number.{i}" for i in range(15)]
    lines = format_metrics("test", classification_metrics(list(range(15)), list(range(15)), labels)).splitlines()
    start = lines.index("  confusion matrix (rows: true class, columns: predicted, numbered as the rows):")
    assert lines[start + 1].split() == [str(i) for i in range(1, 16)]
    assert lines[start + 2].startswith("   1 newsgroup.with.a.long.name.nu…   1  0")  # names cut at 30 characters
    assert len({len(line) for line in lines[start + 1:]}) == 1  # the columns line up


def test_macro_f1_over_the_classes_present_as_scikit_learn_and_over_all_classes_named():
    from sklearn.metrics import f1_score

    y_true, y_pred = np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 1, 0])
    m = classification_metrics(y_true, y_pred, ["a", "b", "never"])
    assert m["macro_f1"] == f1_score(y_true, y_pred, average="macro")
    assert m["macro_f1_all_classes"] == f1_score(y_true, y_pred, average="macro", labels=[0, 1, 2], zero_division=0)
    assert m["macro_f1"] > m["macro_f1_all_classes"]
