"""Multi-label: sgdtext one-vs-rest against fastText `-loss ova` and scikit-learn OneVsRestClassifier(LinearSVC()).

    python benchmarks/multilabel.py [--data ../shared/data] [--pair-fraction 0.5] [--seed 0]

The data (there is no multi-label set in the shared data): 20 Newsgroups (bydate), each split on its own, shuffled
with the seed; walking through it, a document is kept alone (one label) or, with probability --pair-fraction, joined
with the next one of another newsgroup into one document labelled with both. Written as TSV (labels joined by ",")
and fastText lines in a temporary folder. Training sees only the training split; thresholds are fixed (score 0 /
probability 0.5), none tuned on the test split.

Each row: micro and macro F1, subset accuracy on the test split, and the training time. sgdtext's time is a whole
`sgdtext train` process (reading, featurising, fitting, evaluating, writing); the peers' is their fit in this
process (featurising included), which favours them.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]


def rows(path):
    lines = Path(path).read_text(encoding="utf-8").split("\n")[1:]
    return [line.split("\t", 1) for line in lines if line]


def make_split(documents, pair_fraction, rng):
    """[(labels, text)]: documents alone, or joined in pairs of two newsgroups."""
    order = rng.permutation(len(documents))
    out, i = [], 0
    while i < len(order):
        label, text = documents[order[i]]
        partner = next((j for j in range(i + 1, min(i + 20, len(order))) if documents[order[j]][0] != label), None)
        if partner is not None and rng.random() < pair_fraction:
            other_label, other_text = documents[order[partner]]
            out.append(((label, other_label), f"{text} {other_text}"))
            order = np.delete(order, partner)
        else:
            out.append(((label,), text))
        i += 1
    return out


def f1_scores(truth, predicted, labels):
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer(classes=labels)
    T, P = binarizer.fit_transform(truth), binarizer.transform(predicted)
    return (f1_score(T, P, average="micro", zero_division=0), f1_score(T, P, average="macro", zero_division=0),
            float(np.mean([set(t) == set(p) for t, p in zip(truth, predicted)])))


WORDS = {"ngram_range": [1, 1], "token_pattern": r"(?u)\b\w\w+\b", "weighting": "tfidf", "sublinear_tf": False}


def run_sgdtext(name, settings, folder, test, validation_split=0.0):
    config = {"data": {"train": str(folder / "train.tsv"), "label_separator": ",",
                       "validation_split": validation_split}, **settings}
    config["model"] = {**settings.get("model", {}), "multilabel": True}
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(config))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sgdtext", "train", str(folder / f"{name}.yaml"), "--out-dir",
                    str(folder / name)], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    done = subprocess.run([sys.executable, "-m", "sgdtext", "predict", str(folder / name), "--format", "jsonl"],
                          input="".join(text + "\n" for _, text in test), capture_output=True, text=True, check=True)
    return [json.loads(line)["labels"] for line in done.stdout.splitlines()], seconds


def run_linearsvc(train, test, labels):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    started = time.perf_counter()
    vectorizer = TfidfVectorizer()
    X = vectorizer.fit_transform([text for _, text in train])
    binarizer = MultiLabelBinarizer(classes=labels)
    model = OneVsRestClassifier(LinearSVC()).fit(X, binarizer.fit_transform([labels_i for labels_i, _ in train]))
    seconds = time.perf_counter() - started
    predicted = binarizer.inverse_transform(model.predict(vectorizer.transform([text for _, text in test])))
    return [list(p) for p in predicted], seconds


def run_fasttext(train, test, folder):
    import fasttext

    path = folder / "train.ft"
    path.write_text("".join(" ".join(f"__label__{label}" for label in labels_i) + " " + " ".join(text.split()) + "\n"
                            for labels_i, text in train), encoding="utf-8")
    started = time.perf_counter()
    model = fasttext.train_supervised(str(path), loss="ova", epoch=25, lr=0.5, wordNgrams=2, minCount=1, thread=2,
                                      seed=0, verbose=0)
    seconds = time.perf_counter() - started
    predicted = []
    for _, text in test:  # the binding's own call: fastText's Python predict trips over NumPy 2's copy=False
        found = model.f.predict(" ".join(text.split()), -1, 0.5, "strict")
        predicted.append([label[len("__label__"):] for _, label in found])
    return predicted, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--pair-fraction", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    source = args.data / "20newsgroups-bydate"
    rng = np.random.default_rng(args.seed)
    train = make_split(rows(source / "train.tsv"), args.pair_fraction, rng)
    test = make_split(rows(source / "test.tsv"), args.pair_fraction, rng)
    labels = sorted({label for labels_i, _ in train for label in labels_i})
    truth = [list(labels_i) for labels_i, _ in test]
    print(f"{len(train):,} training and {len(test):,} test documents, {len(labels)} labels, "
          f"{np.mean([len(t) for t in truth]):.2f} labels a test document\n")
    print("| system | settings | micro F1 | macro F1 | subset accuracy | train seconds |")
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "train.tsv").write_text("label\ttext\n" + "".join(f"{','.join(labels_i)}\t{text}\n"
                                                                   for labels_i, text in train), encoding="utf-8")
        systems = [
            ("sgdtext", "defaults (logistic, dual_cd, C = 30, thresholds fixed)", lambda: run_sgdtext(
                "defaults", {}, folder, test)),
            ("sgdtext", "squared_hinge, dual_cd, C = 1", lambda: run_sgdtext(
                "svm", {"model": {"type": "squared_hinge"}, "training": {"C": 1.0}}, folder, test)),
            ("sgdtext", "squared_hinge, dual_cd, C = 1, words (as TfidfVectorizer())", lambda: run_sgdtext(
                "svm-words", {"model": {"type": "squared_hinge"}, "training": {"C": 1.0}, "features": WORDS},
                folder, test)),
            ("sgdtext", "the same, thresholds tuned per label on a 10 % validation split", lambda: run_sgdtext(
                "svm-tuned", {"model": {"type": "squared_hinge"}, "training": {"C": 1.0, "thresholds": "per_label"},
                              "features": WORDS}, folder, test, validation_split=0.1)),
            ("sgdtext", "mlp [256] with a sigmoid per label, adam 1e-3, 10 epochs, words (min_df 2), thresholds "
             "tuned per label on a 10 % validation split", lambda: run_sgdtext(
                "mlp", {"model": {"type": "mlp", "hidden_sizes": [256]},
                        "features": {**WORDS, "weighting": "tfidf", "min_df": 2},
                        "training": {"optimizer": "adam", "learning_rate": 0.001, "epochs": 10, "batch_size": 32,
                                     "thresholds": "per_label"}}, folder, test, validation_split=0.1)),
            ("sgdtext", "defaults, thresholds tuned per label on a 10 % validation split", lambda: run_sgdtext(
                "defaults-tuned", {"training": {"thresholds": "per_label"}}, folder, test, validation_split=0.1)),
            ("scikit-learn", "TfidfVectorizer() + OneVsRestClassifier(LinearSVC())",
             lambda: run_linearsvc(train, test, labels)),
            ("fastText", "-loss ova -epoch 25 -lr 0.5 -wordNgrams 2 -thread 2, predict k=-1 threshold 0.5",
             lambda: run_fasttext(train, test, folder)),
        ]
        for system, settings, run in systems:
            predicted, seconds = run()
            micro, macro, subset = f1_scores(truth, predicted, labels)
            print(f"| {system} | {settings} | {micro:.4f} | {macro:.4f} | {subset:.4f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
