"""Prediction speed, whole processes file to file: `sgdtext predict MODEL < input > output` against a Python process
that loads a fastText model, reads the same lines, predicts them with fastText's `predict` and writes the labels.

    python benchmarks/predict_speed.py [--data-root ../shared/data] [--datasets sms-spam,trec-6] [--repeats 3]

Each set's test texts repeated to >= 100,000 lines (benchmarks/compare.py's big_input); sgdtext's shipped config
against fastText trained as benchmarks/peers.py does (its tutorial's best settings, lr 1.0, epoch 25, wordNgrams 2,
and its defaults, lr 0.1, epoch 5, wordNgrams 1; the text lower-cased with punctuation split off, as the tutorial
prepares it, inside the timed fastText process too). Medians of --repeats runs, alternating.
"""

import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from compare import REPO, bench_arguments, big_input, run_measured, sgdtext_train  # noqa: E402
from data_sets import materialise  # noqa: E402
from peers import FASTTEXT_SETTINGS, fasttext_model, read_tsv  # noqa: E402

DATASETS = ["sms-spam", "20newsgroups-bydate", "spamassassin", "trec-6", "trec-50", "sst-2", "sst-5"]  # shipped configs
FASTTEXT_PREDICT = """import sys
sys.path.insert(0, sys.argv[4])
import fasttext
from peers import ft_text
model = fasttext.load_model(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as handle:
    texts = [ft_text(line.rstrip("\\n")) for line in handle]
labels, _ = model.predict(texts)
with open(sys.argv[3], "w", encoding="utf-8") as out:
    out.writelines(label[0][len("__label__"):] + "\\n" for label in labels)
"""


def saved_fasttext(train, work, kind):
    path = work / f"{kind}.bin"
    fasttext_model(kind, read_tsv(train), work).save_model(str(path))
    return path


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
            models = {kind: saved_fasttext(root / name / "train.tsv", work, kind) for kind in FASTTEXT_SETTINGS}
            speeds = {"sgdtext": [], **{kind: [] for kind in FASTTEXT_SETTINGS}}
            for _ in range(args.repeats):
                with open(path, "rb") as stdin, open(work / "out.txt", "wb") as stdout:
                    speeds["sgdtext"].append(n / run_measured(["sgdtext", "predict", str(work / "model")],
                                                              stdin=stdin, stdout=stdout)[0])
                for kind, model in models.items():
                    speeds[kind].append(n / run_measured([sys.executable, str(script), str(model), str(path),
                                                          str(work / "ft.txt"), str(HERE)])[0])
            ours, best, default = (statistics.median(speeds[k]) for k in ("sgdtext", "fasttext", "fasttext-default"))
            print(f"| {name} | {n:,} | {ours:,.0f} | {best:,.0f} | {ours / best:.2f} | {default:,.0f} | "
                  f"{ours / default:.2f} |", flush=True)
    print(f"\n(run from {REPO})")


if __name__ == "__main__":
    main()
