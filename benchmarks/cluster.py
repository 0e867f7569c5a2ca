"""training.engine dask (parameter mixing on a LocalCluster of 2 workers) against the single-process streaming
trainer, on a generated corpus of millions of documents, same machine, same run.

    python benchmarks/cluster.py [--data-root ../shared/data] [--work /tmp/sgdtext-cluster] [--documents 2000000]
                                 [--shards 8] [--repeats 1]

The corpus: AG News split 80/20 (benchmarks/data_sets.py); each generated training document joins the first half
of one training document to the second half of another of the same class (seeded), so nearly every document is new;
written as --shards files for the cluster and as one file for the single process. Tested on the real held-out 20 %.
Both runs read the same settings (hashing 2^20, word unigrams + bigrams, counts, logistic, plain SGD, 3 epochs);
the single process streams chunks of 50,000 with its chunk cache, the cluster keeps each shard's features in its
worker. Printed: whole-process seconds and test accuracy (medians of --repeats), the speed-up, what travelled per
epoch, each shard's CPU seconds per epoch, and the projection for 100M documents on 16 and 64 machines.
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import bench_arguments, run_measured  # noqa: E402
from data_sets import materialise  # noqa: E402

SETTINGS = """features:
  n_features: 1048576
  ngram_range: [1, 2]
  weighting: count
model:
  type: logistic
training:
  optimizer: sgd
  epochs: 3
  learning_rate: 0.5
  batch_size: 16
"""


def generate(source, folder, documents, shards, seed=0):
    """Write the corpus as ``shards`` files part-NNN.tsv and as one file all.tsv; returns (shard paths, all.tsv)."""
    rows = [line.split("\t", 1) for line in source.read_text(encoding="utf-8").splitlines()[1:]]
    by_class = {}
    for label, text in rows:
        by_class.setdefault(label, []).append(text.split())
    labels = sorted(by_class)
    rng = np.random.default_rng(seed)
    paths = [folder / f"part-{i:03d}.tsv" for i in range(shards)]
    whole = folder / "all.tsv"
    if whole.exists() and all(p.exists() for p in paths):
        return paths, whole
    outs = [open(p, "w", encoding="utf-8") for p in paths]
    with open(whole, "w", encoding="utf-8") as everything:
        for out in [*outs, everything]:
            out.write("label\ttext\n")
        for start in range(0, documents, 100_000):
            size = min(100_000, documents - start)
            classes = rng.integers(0, len(labels), size=size)
            for i, c in enumerate(classes):
                docs = by_class[labels[c]]
                a, b = docs[rng.integers(len(docs))], docs[rng.integers(len(docs))]
                line = f"{labels[c]}\t{' '.join(a[:len(a) // 2] + b[len(b) // 2:])}\n"
                everything.write(line)
                outs[(start + i) % shards].write(line)
    for out in outs:
        out.close()
    return paths, whole


def train(work, name, data, extra, test):
    config = work / f"{name}.yaml"
    config.write_text(f"data:\n{data}  test: {test}\n{SETTINGS}{extra}")
    seconds, rss, _ = run_measured(["sgdtext", "train", str(config), "--out-dir", str(work / name), "--quiet"])
    metrics = json.loads((work / name / "metrics.json").read_text())
    return seconds, rss, metrics


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sgdtext-cluster")
    parser.add_argument("--documents", type=int, default=2_000_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.set_defaults(repeats=1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    split = materialise(args.data_root, "ag-news", args.work / "split") / "ag-news"
    shards, whole = generate(split / "train.tsv", args.work, args.documents, args.shards)
    test = split / "test.tsv"
    single, cluster = [], []
    for _ in range(args.repeats):  # alternating, so both see the same machine
        single.append(train(args.work, "single", f"  train: {whole}\n  chunk_size: 50000\n", "", test))
        cluster.append(train(args.work, "cluster", f"  train: {args.work}/part-*.tsv\n",
                             "  engine: dask\n  workers: 2\n", test))
    s_time, c_time = statistics.median(r[0] for r in single), statistics.median(r[0] for r in cluster)
    s_metrics, c_metrics = single[-1][2], cluster[-1][2]
    record = c_metrics["training"]["cluster"]
    print(f"{args.documents:,} generated documents in {args.shards} shards; test: {test} "
          f"({c_metrics['test']['n_documents']:,} real documents); medians of {args.repeats} run(s)\n")
    print("| run | whole process s | peak RSS MB (driver) | fit s | test accuracy |\n|---|---:|---:|---:|---:|")
    for name, runs, metrics in (("single process, streaming (chunk_size 50,000, chunk cache)", single, s_metrics),
                                ("engine dask, LocalCluster of 2 workers", cluster, c_metrics)):
        print(f"| {name} | {statistics.median(r[0] for r in runs):.1f} | {statistics.median(r[1] for r in runs):.0f} "
              f"| {metrics['training']['fit_seconds']:.1f} | {metrics['test']['accuracy']:.4f} |")
    gap = c_metrics["test"]["accuracy"] - s_metrics["test"]["accuracy"]
    print(f"\nspeed-up x{s_time / c_time:.2f}; accuracy {gap:+.4f}")
    per_shard = record["shard_cpu_seconds_per_epoch"]
    print(f"per epoch: {record['bytes_to_workers_per_epoch'] / 1e6:.1f} MB to the workers, "
          f"{record['bytes_from_workers_per_epoch'] / 1e6:.1f} MB back (the whole matrix: "
          f"{record['whole_matrix_bytes'] / 1e6:.1f} MB a copy); CPU seconds per shard per epoch: median "
          f"{statistics.median(per_shard):.2f} ({min(per_shard):.2f}-{max(per_shard):.2f})")
    epoch_seconds = statistics.median(e["seconds"] for e in c_metrics["training"]["epochs"])
    for name, metrics in (("single process", s_metrics), ("cluster", c_metrics)):
        phases = {}
        for p in metrics["training"]["phases"]:
            key = f"{p['phase']} {p['detail'] or ''}".strip().replace(str(args.work) + "/", "")
            phases[key] = phases.get(key, 0.0) + p["seconds"]
        print(f"{name}: " + ", ".join(f"{key} {seconds:.1f} s" for key, seconds in phases.items()))
    project(args.documents, args.shards, record, epoch_seconds, c_time, c_metrics)


def project(documents, shards, record, epoch_seconds, whole_seconds, metrics):
    """On paper: 100M documents on 16 and 64 machines of 2 cores, 10 Gbit/s to the driver, from this run's rates."""
    per_doc_epoch = statistics.median(record["shard_cpu_seconds_per_epoch"]) * shards / documents  # CPU s a document
    epochs = len(metrics["training"]["epochs"])
    setup = max(whole_seconds - epochs * epoch_seconds, 0.0) * 2 / documents  # read + featurise, CPU s a document
    bytes_shard = (record["bytes_to_workers_per_epoch"] + record["bytes_from_workers_per_epoch"]) / shards
    print("\nProjection for 100M documents (2 cores a machine, a shard per core, 1.25 GB/s at the driver):\n")
    print("| machines | read + featurise s | compute s / epoch | transfer s / epoch | total s (3 epochs) |")
    print("|---:|---:|---:|---:|---:|")
    for machines in (16, 64):
        cores = 2 * machines
        read = setup * 1e8 / cores
        compute = per_doc_epoch * 1e8 / cores
        transfer = cores * bytes_shard / 1.25e9  # every shard's rows pass the driver's link
        print(f"| {machines} | {read:.0f} | {compute:.0f} | {transfer:.1f} | {read + 3 * (compute + transfer):.0f} |")


if __name__ == "__main__":
    main()
