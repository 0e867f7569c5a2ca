"""``sgdtext init``: a short, commented starter config: the data paths, a summary of the training data when it can
be read, and the handful of keys a new user should look at, each at its default; the rest is in the README's
config reference."""

from collections import Counter
from pathlib import Path

import yaml

from sgdtext.config.schema import DEFAULTS, SCHEMA
from sgdtext.io.documents import ReadOptions, ReadStats, read_documents

SHOWN = [  # (section, key, why a new user looks at it)
    ("features", "ngram_range", "[1, 2] adds word pairs (often better, larger models)"),
    ("features", "ngram_min_df", "word pairs in fewer documents are dropped (1 keeps every one)"),
    ("features", "char_ngram_range", "letter n-grams beside the words; auto: [2, 5] on short texts, none on long"),
    ("features", "weighting", "count, binary or tfidf"),
    ("model", "type", "logistic, softmax, hinge, squared_hinge, ... (train --help lists them)"),
    ("training", "optimizer", "dual_cd trains a linear model to its exact optimum; sgd, adagrad, ... step by step"),
    ("training", "l2", "the penalty; auto is 1/(C n) with training.C (larger: simpler model, smaller: closer fit)"),
    ("training", "epochs", "passes over the data at most"),
    ("training", "class_weight", "balanced when some classes are rare"),
]


def value_text(value):
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("\n...").strip()


def data_summary(path):
    """Comment lines on the labels of a training file: documents, classes, the largest and smallest."""
    stats = ReadStats()
    counts = Counter(doc.label for doc in read_documents(path, ReadOptions(bad_lines="skip"), stats))
    total = sum(counts.values())
    lines = [f"# {path}: {total:,} documents, {len(counts)} classes"]
    common = counts.most_common()
    lines.append("#   " + ", ".join(f"{label} {n:,}" for label, n in common[:8]) + (", ..." if len(common) > 8 else ""))
    if stats.n_skipped:
        lines.append(f"#   {stats.n_skipped} malformed line(s) skipped here; `sgdtext train` stops at the first")
    if len(common) > 1 and common[-1][1] * 10 < common[0][1]:
        lines.append("#   some classes are rare: consider training.class_weight: balanced")
    return lines


def starter_config(train=None, test=None):
    """The starter config's text (YAML with comments). ``train``/``test``: data paths, written as given."""
    lines = ["# sgdtext config: every key not written here has its default (README: Config reference;",
             "# `sgdtext check-config FILE` prints them all). Paths are relative to this file's folder.",
             "# Train with: sgdtext train FILE", ""]
    if train and Path(train).exists():
        lines += data_summary(train)
    lines += ["data:", f"  train: {value_text(train or 'train.tsv')}"]
    if test:
        lines.append(f"  test: {value_text(test)}")
    else:
        lines.append("  # test: test.tsv        # evaluated after training, never used to train")
    lines.append("  # validation_split: 0.1  # hold out 10 % for early stopping and metrics")
    for section in ("features", "model", "training"):
        lines += ["", f"{section}:"]
        for shown_section, key, why in SHOWN:
            if shown_section == section:
                entry = f"  # {key}: {value_text(DEFAULTS[section][key])}"
                lines.append(f"{entry:<30}# {why}")
    lines += ["", "output:", f"  # dir: runs/NAME          # {SCHEMA['output']['dir'].doc}"]
    return "\n".join(lines) + "\n"
