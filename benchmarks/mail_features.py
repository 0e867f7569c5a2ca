"""Mail-aware features on the SpamAssassin data: the contacts list behind FROM_FRIEND, and three configs compared.

    python benchmarks/mail_features.py [--data ../shared/data] [--write-contacts] [--folds 5]

--write-contacts writes configs/spamassassin-contacts.txt from the training file only: every sender address (the
From header's) seen in at least two ham messages and in no spam message, as a user's contacts list would hold the
people they correspond with. Then, for the one-line config (data paths only), configs/spamassassin.yaml and
configs/spamassassin-mail.yaml (the same plus header tokens and FROM_FRIEND): K-fold cross-validation accuracy on
the training file, test accuracy, and the test accuracy of `sgdtext predict --input maildir` on the same test
messages as raw mail files (spamassassin-mail/test-maildir), which reads them as the training file holds them.
"""

import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sgdtext.io.documents import header_value  # noqa: E402

ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")


def rows(path):
    lines = Path(path).read_text(encoding="utf-8").split("\n")[1:]
    return [line.split("\t", 1) for line in lines if line]


def contacts(train_rows):
    ham, spam = collections.Counter(), collections.Counter()
    for label, text in train_rows:
        found = ADDRESS.search(header_value(text, "From"))
        if found:
            (ham if label == "ham" else spam)[found.group(0).lower()] += 1
    return sorted(address for address, count in ham.items() if count >= 2 and address not in spam)


def config_of(name, data):
    if name == "one-line":
        return {"data": {"train": str(data / "spamassassin" / "train.tsv")}}
    raw = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
    raw["data"]["root"] = str(data)
    for feature in raw.get("features", {}).get("extra", []):
        if "values_file" in feature:
            feature["values_file"] = str(REPO / "configs" / feature["values_file"])
    return raw


def train(raw, train_file, test_file, folder):
    raw = json.loads(json.dumps(raw))
    raw["data"]["train"], raw["data"]["test"] = str(train_file), str(test_file)
    raw["data"].pop("root", None)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(raw))
    done = subprocess.run([sys.executable, "-m", "sgdtext", "train", str(config), "--out-dir", str(folder / "model"),
                           "--json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["test"]["accuracy"]


def cross_validated(raw, train_rows, folds, folder):
    order = np.random.default_rng(0).permutation(len(train_rows))
    scores = []
    for k in range(folds):
        held = set(order[k::folds].tolist())
        for name, keep in (("train", False), ("test", True)):
            part = [train_rows[i] for i in range(len(train_rows)) if (i in held) == keep]
            (folder / f"{name}.tsv").write_text("label\ttext\n" + "".join(f"{a}\t{b}\n" for a, b in part),
                                                encoding="utf-8")
        scores.append(train(raw, folder / "train.tsv", folder / "test.tsv", folder))
    return np.mean(scores), np.std(scores) / np.sqrt(folds)


def maildir_accuracy(model_folder, data):
    mail = data / "spamassassin-mail"
    truth = dict(line.split("\t") for line in (mail / "test-labels.tsv").read_text().split("\n")[1:] if line)
    folders = [str(mail / "test-maildir" / name) for name in ("ham", "spam")]
    done = subprocess.run([sys.executable, "-m", "sgdtext", "predict", str(model_folder), "--input", "maildir",
                           *folders], capture_output=True, text=True, check=True)
    predicted = [line.split("\t") for line in done.stdout.splitlines()]
    return np.mean([truth[str(Path(path).relative_to(mail / "test-maildir"))] == label for path, label in predicted])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--write-contacts", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    train_rows = rows(args.data / "spamassassin" / "train.tsv")
    if args.write_contacts:
        found = contacts(train_rows)
        (REPO / "configs" / "spamassassin-contacts.txt").write_text("\n".join(found) + "\n")
        print(f"wrote {len(found)} addresses to configs/spamassassin-contacts.txt")
    print(f"| config | CV accuracy ({args.folds} folds of train) | test accuracy | predict --input maildir |")
    print("|---|---:|---:|---:|")
    for name in ("one-line", "spamassassin", "spamassassin-mail"):
        raw = config_of(name, args.data)
        with tempfile.TemporaryDirectory() as tmp:
            mean, error = cross_validated(raw, train_rows, args.folds, Path(tmp))
            test = train(raw, args.data / "spamassassin" / "train.tsv", args.data / "spamassassin" / "test.tsv",
                         Path(tmp))
            mail = maildir_accuracy(Path(tmp) / "model", args.data)
        print(f"| {name} | {mean:.4f} ± {error:.4f} | {test:.4f} | {mail:.4f} |", flush=True)


if __name__ == "__main__":
    main()
