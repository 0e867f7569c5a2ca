"""The long fuzzing run (tests/test_fuzz.py with many cases per target), as a table: target, cases, seconds, result.

    python benchmarks/fuzz.py [--examples 5000]

CI runs 300 cases per target; this runs each target in its own pytest process with SGDTEXT_FUZZ_EXAMPLES set, so a
crash (not only an exception) shows as that target's failure.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUZZ = REPO / "tests" / "test_fuzz.py"


def targets():
    return re.findall(r"^def (test_\w+)", FUZZ.read_text(), flags=re.M)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    args = parser.parse_args()
    env = {**os.environ, "SGDTEXT_FUZZ_EXAMPLES": str(args.examples)}
    print("| target | cases | seconds | result |\n|---|---:|---:|---|")
    total = 0
    for name in targets():
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{FUZZ}::{name}"],
                              cwd=REPO, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        result = "passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        print(f"| {name} | {args.examples} | {seconds:.0f} | {result} |", flush=True)
        total += done.returncode != 0
        if done.returncode:
            print(done.stdout[-3000:], file=sys.stderr)
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
