"""One peer, one dataset, one whole process: read, featurise, train, evaluate; print JSON on stdout.

    python benchmarks/peers.py TOOL TRAIN.tsv TEST.tsv WORKDIR

The harness (compare.py) times this whole process, imports included, as a user would run it.
Settings are the ones a careful user would pick, written down here:
- sklearn-sgd: TfidfVectorizer(sublinear_tf, ngram_range (1, 2), min_df 2) + SGDClassifier(hinge, alpha 1e-5,
  30 epochs, random_state 0)
- sklearn-svc: the same tf-idf + LinearSVC(C=1) (LIBLINEAR)
- sklearn-logreg: the same tf-idf + LogisticRegression(C=10, max_iter 1000)
- sklearn-svc-default: TfidfVectorizer() + LinearSVC(), both at their defaults (what a new user starts from)
- sklearn-script: TfidfVectorizer(sublinear_tf) + SGDClassifier(hinge, alpha 1e-4, max_iter 30, tol 1e-4,
  random_state 0): the one-process script issue 19 measures against
- fasttext: the tutorial's best-accuracy settings: lr 1.0, epoch 25, wordNgrams 2, 2 threads, on text lower-cased
  with punctuation split off (the tutorial's preprocessing); fasttext-default: lr 0.1, epoch 5, wordNgrams 1
- vw: vw --oaa K --ngram 2 --passes 10 --loss_function logistic -b 22 -c -k (through VW's own file parser)
Training files sorted by class are shuffled once (seed 0) before fastText and VW see them. Every peer also writes its
test predictions to WORKDIR/TOOL.predictions, one label a line (for paired comparisons).
"""

import json
import random
import re
import sys
import time
from pathlib import Path


def read_tsv(path):
    labels, texts = [], []
    with open(path, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            labels.append(label)
            texts.append(text)
    return labels, texts


def sklearn_peer(kind, train, test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.svm import LinearSVC

    model = {
        "sklearn-sgd": lambda: SGDClassifier(loss="hinge", alpha=1e-5, max_iter=30, tol=None, random_state=0),
        "sklearn-svc": lambda: LinearSVC(C=1.0),
        "sklearn-logreg": lambda: LogisticRegression(C=10.0, max_iter=1000),
        "sklearn-svc-default": lambda: LinearSVC(),
        "sklearn-script": lambda: SGDClassifier(loss="hinge", alpha=1e-4, max_iter=30, tol=1e-4, random_state=0),
    }[kind]()
    vectorizer = {"sklearn-svc-default": TfidfVectorizer, "sklearn-script": lambda: TfidfVectorizer(sublinear_tf=True)
                  }.get(kind, lambda: TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2))()
    X = vectorizer.fit_transform(train[1])
    model.fit(X, train[0])
    return list(model.predict(vectorizer.transform(test[1]))), {}


PUNCT = re.compile(r"([.!?,'/()\"])")


def ft_text(text):
    return " ".join(PUNCT.sub(r" \1 ", text).lower().split())


FASTTEXT_SETTINGS = {"fasttext": {"lr": 1.0, "epoch": 25, "wordNgrams": 2},  # the tutorial's best
                     "fasttext-default": {"lr": 0.1, "epoch": 5, "wordNgrams": 1}}


def fasttext_model(kind, train, workdir):
    """fastText trained on (labels, texts) with the settings ``kind`` names: the rows shuffled (seeded), the text
    prepared as the tutorial does, 2 threads."""
    import fasttext

    rows = list(zip(*train))
    random.Random(0).shuffle(rows)
    path = Path(workdir) / "train.ft"
    path.write_text("".join(f"__label__{label} {ft_text(text)}\n" for label, text in rows), encoding="utf-8")
    return fasttext.train_supervised(str(path), thread=2, verbose=0, seed=0, **FASTTEXT_SETTINGS[kind])


def fasttext_peer(kind, train, test, workdir):
    model = fasttext_model(kind, train, workdir)
    texts = [ft_text(t) for t in test[1]]
    labels, _ = model.predict(texts)
    many = texts * max(1, 100000 // len(texts))
    started = time.perf_counter()
    model.predict(many)
    return [p[0][len("__label__"):] for p in labels], {"predict_docs_per_second":
                                                         len(many) / (time.perf_counter() - started)}


def vw_text(text):
    return " ".join(text.replace("|", " ").replace(":", " ").lower().split())


def vw_peer(train, test, workdir):
    from vowpalwabbit import pyvw

    classes = sorted(set(train[0]))
    index = {label: i + 1 for i, label in enumerate(classes)}
    rows = list(zip(*train))
    random.Random(0).shuffle(rows)
    train_path, test_path = Path(workdir) / "train.vw", Path(workdir) / "test.vw"
    train_path.write_text("".join(f"{index[label]} | {vw_text(t)}\n" for label, t in rows), encoding="utf-8")
    test_path.write_text("".join(f"1 | {vw_text(t)}\n" for t in test[1]), encoding="utf-8")
    model_path, preds = Path(workdir) / "vw.model", Path(workdir) / "preds.txt"
    options = f"--oaa {len(classes)} --ngram 2 --passes 10 --loss_function logistic -b 22 -k --quiet"
    cache = Path(workdir) / "train.cache"
    pyvw.Workspace(f"{options} -d {train_path} --cache_file {cache} -f {model_path}").finish()
    pyvw.Workspace(f"-t -i {model_path} -d {test_path} -p {preds} --quiet").finish()
    return [classes[int(float(line.split()[0])) - 1] for line in preds.read_text().splitlines()], {}


def main():
    tool, train_path, test_path, workdir = sys.argv[1:5]
    train, test = read_tsv(train_path), read_tsv(test_path)
    if tool.startswith("sklearn"):
        predicted, extra = sklearn_peer(tool, train, test)
    elif tool.startswith("fasttext"):
        predicted, extra = fasttext_peer(tool, train, test, workdir)
    elif tool == "vw":
        predicted, extra = vw_peer(train, test, workdir)
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    Path(workdir, f"{tool}.predictions").write_text("".join(f"{label}\n" for label in predicted), encoding="utf-8")
    accuracy = sum(p == t for p, t in zip(predicted, test[0])) / len(test[0])
    print(json.dumps({"accuracy": accuracy, **extra}))


if __name__ == "__main__":
    main()
