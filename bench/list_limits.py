"""Time and peak memory of `letter-pdf check` and `letter-pdf signatories lint` on long signatory lists.

    .venv/bin/python bench/list_limits.py                         # 10,000, 20,000, 100,000 and 800,000 rows
    .venv/bin/python bench/list_limits.py --sizes 10000 --timeout 120 --runs 3 --shape repeated

For each size it copies the bundled example with a signatory list of that many rows and runs the two
commands. ``--shape numbered``: the sample's 65 names, numbered from the 66th row on (all distinct;
800,000 rows is just under the 50 MB size limit); ``repeated``: the 65 names again and again, each time in
other countries (every name shared by n/65 rows: the worst case for duplicate checks). Each command runs
in a fresh process started by a small runner that reads the child's peak RSS with
``getrusage(RUSAGE_CHILDREN)``; a child still running after ``--timeout`` seconds is killed and reported
as such. The code measured is the one on PYTHONPATH (set it to another checkout to measure "before").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sample_rows import write_csv

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "joint-letter"
PYTHON = sys.executable


def runner(timeout: float, command: list[str]) -> None:
    """Run one child; print its wall seconds, peak RSS (bytes), exit code and last stderr line as JSON."""
    start = time.perf_counter()
    try:
        proc = subprocess.run([PYTHON, "-m", "letter_pdf", *command], capture_output=True, text=True,
                              timeout=timeout)
        code, last = proc.returncode, (proc.stderr.strip().splitlines() or [""])[-1]
    except subprocess.TimeoutExpired:
        code, last = None, f"killed after {timeout:.0f} s"
    wall = time.perf_counter() - start
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
    print(json.dumps({"wall": wall, "rss": rss_kib * 1024, "code": code, "last": last[:160]}))


def measure(timeout: float, command: list[str]) -> dict:
    proc = subprocess.run([PYTHON, __file__, "--runner", str(timeout), *command], capture_output=True,
                          text=True, env=os.environ)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 100_000, 800_000])
    parser.add_argument("--shape", choices=("numbered", "repeated"), default="numbered")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--runner", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.runner:
        runner(float(args.runner[0]), args.runner[1:])
        return
    print(f"{args.shape} rows, PYTHONPATH={os.environ.get('PYTHONPATH', '')}")
    print(f"{'rows':>9} {'command':<18} {'s':>7} {'peak MiB':>9} {'exit':>5}  last line")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = Path(tmp) / f"letter-{n}"
            shutil.copytree(EXAMPLE, folder)
            for stale in folder.glob("*.pdf"):
                stale.unlink()
            write_csv(folder / "signatories.csv", n, args.shape)
            for label, command in (("check", ["check", str(folder / "letter.md")]),
                                   ("signatories lint", ["signatories", "lint", str(folder / "signatories.csv")])):
                for _ in range(args.runs):
                    r = measure(args.timeout, command)
                    print(f"{n:>9} {label:<18} {r['wall']:7.2f} {r['rss'] / 2**20:9.0f} {str(r['code']):>5}  {r['last']}",
                          flush=True)
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
