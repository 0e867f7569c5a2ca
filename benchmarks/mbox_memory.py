"""Peak memory and speed of `sgdtext predict --input mbox` against the mbox's size: flat memory is the goal.

    python benchmarks/mbox_memory.py [--sizes 10 100 1000] [--n-jobs 1]

Each size (MB) is an mbox made of tests/mail/labelled.mbox repeated (14 real messages, 3.7 KB each on average),
in a temporary folder; the model is trained on tests/mail/maildir. Peak RSS is GNU time's %M (the largest resident
set of the predict process, or of its largest worker with --n-jobs), messages per second of the whole process.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    box = (REPO / "tests" / "mail" / "labelled.mbox").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "c.yaml").write_text(json.dumps({"data": {"train": str(REPO / "tests" / "mail" / "maildir"),
                                                         "format": "maildir"}}))
        subprocess.run([sys.executable, "-m", "sgdtext", "train", str(tmp / "c.yaml"), "--out-dir",
                        str(tmp / "model")], check=True, capture_output=True)
        print(f"| mbox MB | messages | seconds | messages/s | peak RSS MB (--n-jobs {args.n_jobs}) |")
        print("|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            path = tmp / "big.mbox"
            copies = max(1, size * 2**20 // len(box))
            with open(path, "wb") as handle:
                for _ in range(copies):
                    handle.write(box)
            command = [sys.executable, "-m", "sgdtext", "predict", str(tmp / "model"), "--input", "mbox",
                       "--n-jobs", str(args.n_jobs), str(path)]
            started = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
            seconds = time.perf_counter() - started
            lines = done.stdout.count("\n")
            peak = int(done.stderr.strip().splitlines()[-1]) / 1024
            print(f"| {path.stat().st_size / 2**20:.0f} | {lines:,} | {seconds:.1f} | {lines / seconds:,.0f} | "
                  f"{peak:.0f} |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
