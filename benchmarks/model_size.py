"""Model size against test accuracy on 20 newsgroups: `sgdtext quantize` beside fastText's own `quantize`.

    python benchmarks/model_size.py [--data-root ../shared/data] [--dataset 20newsgroups-bydate]

sgdtext: `sgdtext train` on the shipped config (float32 weights), then `sgdtext quantize MODEL -o SMALL.npz
[--cutoff N]` (int8 weights, the N features of largest weight norm) and `sgdtext evaluate SMALL.npz test.tsv`.
fastText: the best-accuracy peer of benchmarks/peers.py (lr 1.0, epoch 25, wordNgrams 2, 2 threads, the tutorial's
text preparation), saved as .bin, then `model.quantize` as its tutorial does (qnorm; with a cutoff, retrained on the
training file, which fastText's documentation recommends) and saved as .ftz. File sizes on disk, test accuracy on the
whole test file. One run: no times are compared here.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from compare import CONFIGS, REPO, bench_arguments
from peers import fasttext_model, ft_text, read_tsv

CUTOFFS = [None, 200_000, 100_000, 50_000]


def sgdtext_rows(name, root, work):
    run = work / "run"
    subprocess.run(["sgdtext", "train", REPO / "configs" / f"{CONFIGS.get(name, name)}.yaml", "--set",
                    f"data.root={root}", "--out-dir", run, "--quiet"], check=True)
    test = root / name / "test.tsv"
    rows = [("sgdtext, float32 weights", run / "model.npz")]
    for cutoff in CUTOFFS:
        small = work / f"small-{cutoff}.npz"
        subprocess.run(["sgdtext", "quantize", run / "model.npz", "-o", small] +
                       ([] if cutoff is None else ["--cutoff", str(cutoff)]), check=True, capture_output=True)
        rows.append((f"sgdtext quantize, int8{'' if cutoff is None else f', --cutoff {cutoff:,}'}", small))
    for label, path in rows:
        out = subprocess.run(["sgdtext", "evaluate", path, test, "--json"], check=True,
                             capture_output=True, text=True).stdout
        yield label, path.stat().st_size, json.loads(out)["accuracy"]


def fasttext_rows(name, root, work):
    import fasttext

    train, test = read_tsv(root / name / "train.tsv"), read_tsv(root / name / "test.tsv")
    texts = [ft_text(t) for t in test[1]]

    def accuracy(model):
        labels, _ = model.predict(texts)
        return sum(p[0][len("__label__"):] == t for p, t in zip(labels, test[0])) / len(test[0])

    model = fasttext_model("fasttext", train, work)
    full = work / "fasttext.bin"
    model.save_model(str(full))
    yield "fastText best, .bin", full.stat().st_size, accuracy(model)
    for cutoff in [0, 200_000, 100_000, 50_000]:
        model = fasttext.load_model(str(full))
        model.quantize(input=str(work / "train.ft") if cutoff else None, qnorm=True, cutoff=cutoff,
                       retrain=bool(cutoff), thread=2, verbose=0)
        small = work / f"fasttext-{cutoff}.ftz"
        model.save_model(str(small))
        label = "fastText quantize, qnorm" + (f", cutoff {cutoff:,}, retrain" if cutoff else "")
        yield label, small.stat().st_size, accuracy(model)


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--dataset", default="20newsgroups-bydate")
    args = parser.parse_args()
    print("| model file | size MB | test accuracy |")
    print("|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for rows in (sgdtext_rows, fasttext_rows):
            for label, size, accuracy in rows(args.dataset, args.data_root, work):
                print(f"| {label} | {size / 1e6:.1f} | {accuracy:.4f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
