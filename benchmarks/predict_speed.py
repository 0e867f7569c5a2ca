"""Prediction speed, whole processes file to file: `sgdtext predict MODEL < input > output` against a Python process
that loads a fastText model, reads the same lines, predicts them with fastText's `predict` and writes the labels.

    python benchmarks/predict_speed.py [--data-root ../shared/data] [--datasets sms-spam,trec-6] [--repeats 3]

Each set's test texts repeated to >= 100,000 lines (benchmarks/compare.py's big_input); sgdtext's shipped config
against fastText trained as benchmarks/peers.py does (its tutorial's best settings, lr 1.0, epoch 25, wordNgrams 2,
and its defaults, lr 0.1, epoch 5, wordNgrams 1; the text lower-cased with punctuation split off, as the tutorial
prepares it, inside the timed fastText process too). Medians of --repeats runs, alternating.
"""

import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import REPO, bench_arguments, big_input, run_measured, sgdtext_train  # noqa: E402
from data_sets import materialise  # noqa: E402
from peers import ft_text, read_tsv  # noqa: E402

DATASETS = ["sms-spam", "20newsgroups-bydate", "spamassassin", "trec-6", "trec-50", "sst-2", "sst-5"]  # shipped configs
SETTINGS = {"fasttext": {"lr": 1.0, "epoch": 25, "wordNgrams": 2}, "fasttext-default": {"lr": 0.1, "epoch": 5,
                                                                                         "wordNgrams": 1}}
FASTTEXT_PREDICT = """import re, sys
import fasttext
punct = re.compile(r"([.!?,'/()\\"])")
model = fasttext.load_model(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as handle:
    texts = [" ".join(punct.sub(r" \\1 ", line.rstrip("\\n")).lower().split()) for line in handle]
labels, _ = model.predict(texts)
with open(sys.argv[3], "w", encoding="utf-8") as out:
    out.writelines(label[0][len("__label__"):] + "\\n" for label in labels)
"""


def fasttext_model(train, work, kind):
    import fasttext

    rows = list(zip(*read_tsv(train)))
    random.Random(0).shuffle(rows)
    path = work / "train.ft"
    path.write_text("".join(f"__label__{label} {ft_text(text)}\n" for label, text in rows), encoding="utf-8")
    model = fasttext.train_supervised(str(path), thread=2, verbose=0, seed=0, **SETTINGS[kind])
    model.save_model(str(work / f"{kind}.bin"))
    return work / f"{kind}.bin"


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    print("| dataset | input lines | sgdtext docs/s | fastText (best) docs/s | ratio | fastText (default) docs/s "
          "| ratio |\n|---|---:|---:|---:|---:|---:|---:|")
    for name in args.datasets.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            root = materialise(args.data_root, name, work / "data")
            sgdtext_train(name, root, work / "model")
            path, n = big_input(name, root, work)
            script = work / "ft_predict.py"
            script.write_text(FASTTEXT_PREDICT)
            models = {kind: fasttext_model(root / name / "train.tsv", work, kind) for kind in SETTINGS}
            speeds = {"sgdtext": [], **{kind: [] for kind in SETTINGS}}
            for _ in range(args.repeats):
                with open(path, "rb") as stdin, open(work / "out.txt", "wb") as stdout:
                    speeds["sgdtext"].append(n / run_measured(["sgdtext", "predict", str(work / "model")],
                                                              stdin=stdin, stdout=stdout)[0])
                for kind, model in models.items():
                    speeds[kind].append(n / run_measured([sys.executable, str(script), str(model), str(path),
                                                          str(work / "ft.txt")])[0])
            ours, best, default = (statistics.median(speeds[k]) for k in ("sgdtext", "fasttext", "fasttext-default"))
            print(f"| {name} | {n:,} | {ours:,.0f} | {best:,.0f} | {ours / best:.2f} | {default:,.0f} | "
                  f"{ours / default:.2f} |", flush=True)
    print(f"\n(run from {REPO})")


if __name__ == "__main__":
    main()
