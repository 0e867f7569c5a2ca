"""Scaling in hashing (streaming) mode, incremental-mode speed, and the 1M-document race with fastText.

    python benchmarks/scale.py [--data-root ../shared/data] [--work /tmp/sgdtext-scale] [--repeats 3]

1. Corpora of 100,000 and 1,000,000 lines resampled from AG News (benchmarks/make_corpus.py), a
   disjoint 10,000-line test file from the same documents' resample.
2. `sgdtext train` streaming (data.chunk_size 10,000, hashing 2^20, word unigrams+bigrams, logistic
   one-vs-rest, 5 epochs) on both: whole-process time and peak RSS, and the ratios 1M / 100k.
3. fastText's default configuration (lr 0.1, 5 epochs, unigrams, 2 threads) on the 1M corpus, whole
   process, against sgdtext on the same corpus.
4. Incremental mode (batch_size 1) on the SMS features: examples per second of the SGD loop.
Medians of --repeats runs; figures from one run on one machine.
"""

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import REPO, bench_arguments, run_measured  # noqa: E402

CONFIG = """data:
  train: {train}
  test: {test}
  chunk_size: 10000
features:
  n_features: 1048576
  ngram_range: [1, 2]
model:
  type: logistic
training:
  epochs: 5
  learning_rate: 0.5
  batch_size: 16
output:
  train_metrics: false
"""


def corpus(source, path, lines, seed):
    if not path.exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), str(source), str(path),
                        "--lines", str(lines), "--seed", str(seed)], check=True)
    return path


def sgdtext_run(train, test, work):
    config = work / f"scale-{train.stem}.yaml"
    config.write_text(CONFIG.format(train=train, test=test))
    seconds, rss, _ = run_measured(["sgdtext", "train", str(config), "--out-dir", str(work / train.stem)])
    accuracy = json.loads((work / train.stem / "metrics.json").read_text())["test"]["accuracy"]
    return seconds, rss, accuracy


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sgdtext-scale")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = args.data_root / "ag-news" / "test.tsv"
    small = corpus(source, args.work / "ag-100k.tsv", 100_000, 1)
    large = corpus(source, args.work / "ag-1m.tsv", 1_000_000, 2)
    test = corpus(source, args.work / "ag-test.tsv", 10_000, 3)
    rows = {}
    for name, path in (("100k", small), ("1M", large)):
        runs = [sgdtext_run(path, test, args.work) for _ in range(args.repeats)]
        rows[name] = {"seconds": statistics.median(r[0] for r in runs), "rss_mb": statistics.median(r[1] for r in runs),
                      "accuracy": runs[-1][2]}
    ft = [run_measured([sys.executable, str(REPO / "benchmarks" / "peers.py"), "fasttext-default", str(large),
                        str(test), str(args.work)]) for _ in range(args.repeats)]
    rows["fastText default, 1M"] = {"seconds": statistics.median(r[0] for r in ft),
                                    "rss_mb": statistics.median(r[1] for r in ft),
                                    "accuracy": json.loads(ft[-1][2])["accuracy"]}
    print("| run | whole process s | peak RSS MB | test accuracy |\n|---|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| sgdtext {name} |" if "fastText" not in name else f"| {name} |",
              f"{r['seconds']:.2f} | {r['rss_mb']:.0f} | {r['accuracy']:.4f} |")
    fasttext_ratio = rows['1M']['seconds'] / rows['fastText default, 1M']['seconds']
    print(f"\n1M / 100k: time x{rows['1M']['seconds'] / rows['100k']['seconds']:.2f}, "
          f"peak memory x{rows['1M']['rss_mb'] / rows['100k']['rss_mb']:.2f}; "
          f"sgdtext / fastText default on 1M: time x{fasttext_ratio:.2f}")
    incremental(args.work, args.repeats)


def incremental(work, repeats):
    """Examples per second of the SGD loop in incremental mode (batch_size 1) on the SMS features."""
    speeds = []
    for _ in range(repeats):
        run_measured(["sgdtext", "train", str(REPO / "configs" / "sms-spam.yaml"), "--out-dir", str(work / "inc"),
                      "--set", "training.batch_size=1", "--set", "training.epochs=50"])
        speeds.append(json.loads((work / "inc" / "metrics.json").read_text())["training"]["documents_per_second"])
    print(f"\nincremental mode (batch_size 1, sms-spam, 50 epochs): {statistics.median(speeds):,.0f} examples/s "
          f"(SGD loop with per-epoch evaluation)")


if __name__ == "__main__":
    main()
