"""A large labelled corpus by resampling real documents, for the scaling benchmark (not for accuracy).

    python benchmarks/make_corpus.py SOURCE.tsv OUT.tsv --lines 1000000 [--seed 0]

Draws lines of SOURCE (label<TAB>text, header skipped) uniformly with replacement, seeded, and writes
them with a header, streaming (the output is never held in memory).
"""

import argparse

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(args.source, encoding="utf-8") as handle:
        rows = handle.read().splitlines()[1:]
    rng = np.random.default_rng(args.seed)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("label\ttext\n")
        for start in range(0, args.lines, 100_000):
            picks = rng.integers(0, len(rows), size=min(100_000, args.lines - start))
            out.writelines(rows[i] + "\n" for i in picks)


if __name__ == "__main__":
    main()
