"""The benchmark datasets as the benchmarks see them: the shared folders, and ag-news (a test file only) split
80/20, stratified and seeded (numpy RandomState(0)), into a training and a test part."""

import tempfile
from pathlib import Path

import numpy as np

from sgdtext.io.documents import ReadOptions, read_documents

DATASETS = ["sms-spam", "20newsgroups-bydate", "spamassassin", "trec-6", "trec-50", "sst-2", "sst-5", "ag-news"]
SPLIT = {"ag-news"}  # datasets with a test file only


def split_80_20(labels, seed=0):
    """(train indices, test indices): 20 % of each class, chosen by RandomState(seed), held out."""
    rng, held = np.random.RandomState(seed), []
    labels = np.asarray(labels)
    for label in sorted(set(labels)):
        members = np.flatnonzero(labels == label)
        held.extend(rng.permutation(members)[: int(round(0.2 * len(members)))])
    held = np.sort(np.array(held, dtype=np.int64))
    return np.setdiff1d(np.arange(len(labels)), held), held


def documents(path):
    return list(read_documents(path, ReadOptions(format="tsv")))


def training_data(root, name):
    """(documents, labels) of a dataset's training part."""
    if name in SPLIT:
        docs = documents(root / name / "test.tsv")
        keep, _ = split_80_20([d.label for d in docs])
        docs = [docs[i] for i in keep]
    else:
        docs = documents(root / name / "train.tsv")
    return docs, [d.label for d in docs]


def materialise(root, name, folder=None):
    """A folder holding the dataset's train.tsv and test.tsv (ag-news: its split written out); returns the data root
    that holds it (the shared root itself for the others)."""
    if name not in SPLIT:
        return root
    folder = Path(folder or tempfile.mkdtemp(prefix="sgdtext-data-"))
    lines = (root / name / "test.tsv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    keep, held = split_80_20([row.split("\t", 1)[0] for row in rows])
    (folder / name).mkdir(parents=True, exist_ok=True)
    for part, index in (("train", keep), ("test", held)):
        (folder / name / f"{part}.tsv").write_text("\n".join([header] + [rows[i] for i in index]) + "\n",
                                                   encoding="utf-8")
    return folder
