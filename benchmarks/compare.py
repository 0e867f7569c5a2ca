"""sgdtext against its peers, side by side in one run: accuracy, training time, memory, prediction speed.

    python -m pip install -e ".[bench]"        # the peers: fasttext-wheel, vowpalwabbit
    python benchmarks/compare.py [--data-root ../shared/data] [--datasets sms-spam,trec-6] [--repeats 3]

Every figure is a whole process as a user runs it (imports included): `sgdtext train configs/NAME.yaml` against
benchmarks/peers.py TOOL. Times and peak RSS are medians over --repeats runs; the ratio column is
sgdtext / peer, computed run by run in the same session (pairs interleaved), then the median taken.
Prediction: `sgdtext predict` from a file to a file, on the test texts repeated to >= 100,000 lines, against
fastText's Python `predict` on the same lines (inside its process, load excluded: generous to fastText).
Cold start: `sgdtext predict model.npz` on a one-line input, whole process.
"""

import argparse
import compileall
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"  # GNU time (Debian package "time")
DATASETS = ["sms-spam", "20newsgroups-bydate", "spamassassin", "trec-6", "trec-50", "sst-2", "sst-5"]
CONFIGS = {"20newsgroups-bydate": "20newsgroups"}  # dataset folder -> config name
PEERS = ["sklearn-sgd", "sklearn-svc", "sklearn-logreg", "fasttext", "fasttext-default", "vw"]


@functools.cache
def byte_compile_sgdtext():
    """Write the bytecode of sgdtext's modules, as `pip install` does for an installed package (an editable install
    leaves it to the first import, which writes nothing where PYTHONDONTWRITEBYTECODE is set, as on this machine:
    then every process compiles sgdtext's sources again, about 0.15 s, which no user's installed copy pays). The
    peers' packages are installed with their bytecode."""
    if not compileall.compile_dir(REPO / "sgdtext", quiet=1):
        raise SystemExit("could not byte-compile sgdtext/")


def sgdtext_predictions(model, texts):
    """`sgdtext predict MODEL`'s label for each of ``texts`` (not timed)."""
    return subprocess.run(["sgdtext", "predict", str(model)], input="".join(f"{t}\n" for t in texts),
                          capture_output=True, text=True, check=True).stdout.splitlines()


def mcnemar(ours, theirs, truth):
    """(documents only ``ours`` got right, only ``theirs`` got right, McNemar's exact p): the two-sided binomial
    p-value of that split, the chance of one at least as uneven between two equally accurate classifiers."""
    from scipy.stats import binomtest

    only_ours = sum(a == t != b for a, b, t in zip(ours, theirs, truth))
    only_theirs = sum(b == t != a for a, b, t in zip(ours, theirs, truth))
    p = binomtest(only_ours, only_ours + only_theirs).pvalue if only_ours + only_theirs else 1.0
    return only_ours, only_theirs, p


def run_measured(cmd, stdin=None, stdout=subprocess.PIPE):
    """(seconds, peak RSS in MB, stdout) of one whole process (sgdtext's modules byte-compiled first).

    Peak RSS comes from GNU time, which forks the command from its own small process: a child forked
    straight from this harness would inherit the harness's high-water mark in ru_maxrss.
    """
    byte_compile_sgdtext()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        started = time.perf_counter()
        proc = subprocess.run([TIME, "-f", "%M", "-o", rss_file.name, *map(str, cmd)], stdin=stdin, stdout=stdout,
                              stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
        if proc.returncode:
            raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr.decode()[-2000:]}")
        rss = int(rss_file.read().split()[-1]) / 1024
    return seconds, rss, proc.stdout


def sgdtext_train(name, root, out):
    config = REPO / "configs" / f"{CONFIGS.get(name, name)}.yaml"
    seconds, rss, _ = run_measured(["sgdtext", "train", str(config), "--set", f"data.root={root}",
                                    "--out-dir", str(out)])
    accuracy = json.loads((out / "metrics.json").read_text())["test"]["accuracy"]
    return seconds, rss, accuracy


def peer_train(tool, name, root, work):
    folder = root / name
    seconds, rss, out = run_measured([sys.executable, str(REPO / "benchmarks" / "peers.py"), tool,
                                      str(folder / "train.tsv"), str(folder / "test.tsv"), str(work)])
    return seconds, rss, json.loads(out)


def big_input(name, root, work, lines=100_000, max_bytes=200_000_000):
    """The test texts repeated to ``lines`` lines (or ``max_bytes``), written without holding them twice."""
    texts = [line.split("\t", 1)[1] + "\n" for line in
             (root / name / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    size = sum(len(t.encode()) for t in texts)
    repeat = max(1, min(-(-lines // len(texts)), max_bytes // size))
    path = work / "predict-input.txt"
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(repeat):
            handle.writelines(texts)
    return path, len(texts) * repeat


def predict_speed(model, path, n, work):
    with open(path, "rb") as stdin, open(work / "predictions.txt", "wb") as stdout:
        seconds, _, _ = run_measured(["sgdtext", "predict", str(model)], stdin=stdin, stdout=stdout)
    return n / seconds


def cold_start(model, work):
    one = work / "one.txt"
    one.write_text("WINNER! claim your free prize now\n")
    with open(one, "rb") as stdin:
        return run_measured(["sgdtext", "predict", str(model)], stdin=stdin)[0]


def median(values):
    return statistics.median(values)


def bench_dataset(name, root, repeats, peers):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours = {"time": [], "rss": [], "acc": None}
        theirs = {tool: {"time": [], "rss": [], "acc": None, "ratio": [], "extra": {}} for tool in peers}
        for _ in range(repeats):
            t, rss, acc = sgdtext_train(name, root, work / "sgdtext")
            ours["time"].append(t)
            ours["rss"].append(rss)
            ours["acc"] = acc
            for tool in peers:
                pt, prss, result = peer_train(tool, name, root, work)
                theirs[tool]["time"].append(pt)
                theirs[tool]["rss"].append(prss)
                theirs[tool]["acc"] = result["accuracy"]
                theirs[tool]["extra"] = result
                theirs[tool]["ratio"].append(t / pt)
        path, n = big_input(name, root, work)
        model = work / "sgdtext" / "model.npz"
        speed = median([predict_speed(model, path, n, work) for _ in range(repeats)])
        cold = median([cold_start(model, work) for _ in range(repeats)])
        rows.append({"dataset": name, "tool": "sgdtext", "accuracy": ours["acc"], "train_s": median(ours["time"]),
                     "ratio": None, "rss_mb": median(ours["rss"]), "predict_docs_s": speed, "cold_start_s": cold})
        for tool, r in theirs.items():
            rows.append({"dataset": name, "tool": tool, "accuracy": r["acc"], "train_s": median(r["time"]),
                         "ratio": median(r["ratio"]), "rss_mb": median(r["rss"]),
                         "predict_docs_s": r["extra"].get("predict_docs_per_second"), "cold_start_s": None})
    return rows


def table(rows):
    lines = ["| dataset | tool | test accuracy | train s (whole process) | sgdtext/peer time | peak RSS MB | "
             "predict docs/s | cold start s |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        def fmt(v, spec):
            return "" if v is None else format(v, spec)
        lines.append(f"| {r['dataset']} | {r['tool']} | {r['accuracy']:.4f} | {r['train_s']:.2f} | "
                     f"{fmt(r['ratio'], '.2f')} | {r['rss_mb']:.0f} | {fmt(r['predict_docs_s'], ',.0f')} | "
                     f"{fmt(r['cold_start_s'], '.2f')} |")
    return "\n".join(lines)


def bench_arguments(doc):
    """The options every benchmark script shares: --data-root and --repeats."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--data-root", type=lambda value: Path(value).resolve(),
                        default=REPO.parent / "shared" / "data",
                        help="the shared datasets folder (relative paths are taken from the current folder)")
    parser.add_argument("--repeats", type=int, default=3)
    return parser


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    root = args.data_root.resolve()
    rows = []
    for name in args.datasets.split(","):
        rows.extend(bench_dataset(name, root, args.repeats, [p for p in args.peers.split(",") if p]))
        print(table([r for r in rows if r["dataset"] == name]).split("\n", 2)[-1], file=sys.stderr)
    print(f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"medians of {args.repeats} runs\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
