"""``sgdtext check-data``: what is worth knowing about a config's data before training on it (as spaCy's `debug
data`): label counts, empty and duplicate documents, the same text under two labels, documents shared by train and
test, test labels training never saw, very short or very long documents, a first row that looks like a header."""

from collections import Counter

import numpy as np

from sgdtext.config.sections import Config
from sgdtext.training.data import HEADER_NAMES, read_all, read_options


def split_report(docs):
    """Figures of one split's documents."""
    texts = [d.text.strip() for d in docs]
    lengths = np.array([len(t.split()) for t in texts])
    by_text = {}
    for doc, text in zip(docs, texts):
        by_text.setdefault(text, set()).add(doc.label)
    return {
        "documents": len(docs),
        "labels": dict(Counter(d.label for d in docs).most_common()),
        "empty": sum(1 for t in texts if not t),
        "duplicates": len(texts) - len(by_text),
        "conflicting_duplicates": sum(1 for labels in by_text.values() if len(labels) > 1),
        "words": {"median": float(np.median(lengths)) if len(lengths) else 0.0,
                  "max": int(lengths.max()) if len(lengths) else 0,
                  "under_3": int((lengths < 3).sum())},
        "header_like_first_row": bool(docs) and docs[0].label.strip().lower() in HEADER_NAMES,
    }


def data_report(resolved, warn):
    """The report of every split the config names (the training data's, and the others' against it)."""
    config = Config.from_mapping(resolved)
    options = read_options(config.data)
    report, texts = {}, {}
    for split in ("train", "valid", "test"):
        path = getattr(config.data, split)
        if path and path != "-":
            docs = read_all(path, options, warn)
            report[split] = {"path": path, **split_report(docs)}
            texts[split] = {d.text.strip() for d in docs}
    for split in ("valid", "test"):
        if split in report and "train" in report:
            report[split]["shared_with_train"] = len(texts[split] & texts["train"])
            report[split]["labels_not_in_train"] = sorted(set(report[split]["labels"]) - set(report["train"]["labels"]))
    return report


def format_report(report):
    """The report as lines a person reads, problems marked with "!"."""
    lines = []
    for split, r in report.items():
        counts = ", ".join(f"{label} {n:,}" for label, n in list(r["labels"].items())[:10])
        more = f", ... ({len(r['labels'])} labels)" if len(r["labels"]) > 10 else ""
        lines += [f"{split}: {r['path']}: {r['documents']:,} documents, {len(r['labels'])} labels",
                  f"  labels: {counts}{more}",
                  f"  words per document: median {r['words']['median']:g}, max {r['words']['max']:,}"]
        smallest = min(r["labels"].values())
        if split == "train" and smallest * 20 < max(r["labels"].values()):
            lines.append(f"  ! the rarest label has {smallest} documents: consider training.class_weight: balanced")
        for key, what in (("empty", "empty documents"), ("duplicates", "duplicate documents"),
                          ("conflicting_duplicates", "texts that appear under two labels")):
            if r[key]:
                lines.append(f"  ! {r[key]:,} {what}")
        if r["words"]["under_3"]:
            lines.append(f"  ! {r['words']['under_3']:,} documents of fewer than 3 words")
        if r["header_like_first_row"]:
            lines.append("  ! the first row looks like a header but was read as a document: check data.header")
        if r.get("shared_with_train"):
            lines.append(f"  ! {r['shared_with_train']:,} documents also in the training data (the score flatters)")
        if r.get("labels_not_in_train"):
            lines.append(f"  ! labels training never saw: {', '.join(r['labels_not_in_train'][:10])}")
    return "\n".join(lines)
