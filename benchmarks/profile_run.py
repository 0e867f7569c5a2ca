"""Where each second of `sgdtext train CONFIG` goes, and the floor under each part.

    python benchmarks/profile_run.py [--config configs/20newsgroups.yaml] [--data-root ../shared/data] [--repeats 3]

Part 1 runs the whole process (--repeats times) and splits its wall time by the phases metrics.json records
(training.phases: reading, featurising, training, evaluating; writing is timed from the JSON log), the
interpreter's start and imports before the first phase (the first log line's time against the process start),
and the rest between phases (building the solver's state, the test file's matrix, metrics). Medians.

Part 2 measures, in this process, what each part cannot go below on this machine:
- reading: the file's bytes read and decoded once;
- featurising: the compiled tokeniser on the same texts, words only and no n-gram (the trie then only counts words);
- training (dual_cd): the solver's first pass, timed on its own, twice: LIBLINEAR's method visits every example of
  every class on its first pass (nothing is shrunk yet) and again on its last (it stops only after a pass over all
  of them), so no run of it takes less than two full passes; the run's other passes visit the examples not shrunk;
- start: `python -c "import numpy"` (the interpreter and numpy, which sgdtext cannot avoid).
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from compare import REPO, bench_arguments, byte_compile_sgdtext
from sgdtext.config import load_config
from sgdtext.config.sections import Config
from sgdtext.text.analysis import compiled_term_settings, resolve_stop_words
from sgdtext.training.data import read_all, read_options


def whole_run(config, root, work):
    """{part: seconds} of one `sgdtext train` process (sgdtext's modules byte-compiled first, as installed)."""
    byte_compile_sgdtext()
    started = time.time()
    proc = subprocess.run(["sgdtext", "train", config, "--set", f"data.root={root}", "--out-dir", work / "run",
                           "--log-format", "json"], capture_output=True, text=True, check=True)
    wall = time.time() - started
    events = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    stamp = lambda event: datetime.fromisoformat(event["time"]).timestamp()
    first = min(stamp(e) for e in events if e.get("event") == "start")
    parts = {"start and imports": first - started}
    metrics = json.loads((work / "run" / "metrics.json").read_text())
    for phase in metrics["training"]["phases"]:
        key = f"{phase['phase']} {phase['detail']}" if phase["phase"] in ("featurising", "evaluating") \
            else phase["phase"]
        parts[key] = parts.get(key, 0.0) + phase["seconds"]
    writing = [stamp(e) for e in events if e.get("phase") == "writing"]
    parts["writing"] = max(writing) - min(writing)
    parts["between phases"] = wall - sum(parts.values())
    parts["whole process"] = wall
    return parts


def first_pass_seconds(config, docs):
    """Seconds of the dual solver's first pass (an epoch, every class on the solver's threads) on the run's matrix."""
    import numpy as np

    from sgdtext.core.settings import TrainSettings
    from sgdtext.linear.dual import DualSolver
    from sgdtext.linear.model import LinearModel
    from sgdtext.text.features import Featurizer

    X = Featurizer(config.features).fit_transform(docs).to_scipy()
    classes = sorted({doc.label for doc in docs})
    y = np.array([classes.index(doc.label) for doc in docs])
    model = LinearModel.zeros(config.model.type, classes, X.shape[1])
    solver = DualSolver(model, X, y, TrainSettings.from_config(config, n_examples=X.shape[0]),
                        np.random.default_rng(config.training.seed))
    started = time.perf_counter()
    solver.run_epoch(1)
    seconds = time.perf_counter() - started
    solver.pool.shutdown()
    return seconds


def floors(config_path, root):
    """{part: seconds} of the floors (Part 2), from this process."""
    from sgdtext.text._text_fast import TermIndex

    config = Config.from_mapping(load_config(config_path, overrides=[f"data.root={root}"]))
    train = Path(config.data.train)
    out = {}
    started = time.perf_counter()
    with open(train, "rb") as handle:
        handle.read().decode("utf-8", errors="replace")
    out["reading: bytes read and decoded"] = time.perf_counter() - started
    docs = read_all(str(train), read_options(config.data), print)
    texts = [doc.text for doc in docs]
    words_only = compiled_term_settings(config.features, resolve_stop_words(config.features.stop_words))
    if words_only is not None:
        words_only = {**words_only, "ngram_range": (1, 1), "char_ngram_range": None}
        started = time.perf_counter()
        TermIndex(**words_only).count(texts, grow=True)
        out["featurising: tokenise and count words only"] = time.perf_counter() - started
    if config.training.optimizer == "dual_cd":
        out["training: the solver's first and last full passes (2 x its first pass, every class, every core)"] = \
            2 * first_pass_seconds(config, docs)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy"], check=True)
    out["start: python -c 'import numpy'"] = time.perf_counter() - started
    return out


def main():
    parser = bench_arguments(__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "20newsgroups.yaml")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            runs.append(whole_run(args.config, args.data_root, Path(tmp)))
    parts = {key: statistics.median(run.get(key, 0.0) for run in runs) for key in runs[0]}
    print(f"`sgdtext train {args.config.name}`: where the seconds go (median of {args.repeats} whole processes)\n")
    print("| part | seconds | share |\n|---|---:|---:|")
    for key, seconds in parts.items():
        if key != "whole process":
            print(f"| {key} | {seconds:.2f} | {seconds / parts['whole process']:.0%} |")
    print(f"| whole process | {parts['whole process']:.2f} | |")
    print("\nFloors on this machine (one process, median where repeated)\n")
    print("| floor | seconds |\n|---|---:|")
    for key, seconds in floors(args.config, args.data_root).items():
        print(f"| {key} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
