#!/usr/bin/env python3
"""Build the bundled example letter with 65, 1,000 and 10,000 signatories; print wall time and peak memory
of the whole pipeline (``letter_pdf.build``) and of WeasyPrint alone on the same HTML, and the overhead.

Each measurement runs in a fresh Python process (imports included, as a user's ``letter-pdf build``),
started by a small runner process that reads the child's peak RSS with ``getrusage(RUSAGE_CHILDREN)``.

    .venv/bin/python bench/build_sizes.py                # 65, 1000, 10000; 1 run each
    .venv/bin/python bench/build_sizes.py --sizes 65 1000 --runs 3

Targets (issue 2): overhead of the pipeline over WeasyPrint alone <= 10 %; 10,000 signatories in under
2 GiB; time from 1,000 to 10,000 signatories growing no worse than linearly (ratio <= 10).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sample_rows import numbered_rows

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "joint-letter"
PYTHON = sys.executable
GIB = 1024**3


def make_letter(folder: Path, size: int) -> Path:
    """A copy of the bundled example whose signatory list has ``size`` rows (the sample's 65, numbered)."""
    shutil.copytree(EXAMPLE, folder)
    for stale in folder.glob("*.pdf"):
        stale.unlink()
    rows = numbered_rows(size)
    with (folder / "signatories.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder / "letter.md"


def write_html(letter_path: Path, html_path: Path) -> None:
    """The HTML the pipeline typesets, for the WeasyPrint-only measurement."""
    from letter_pdf import pipeline, render

    prepared = pipeline.prepare(letter_path)
    letter, font_set = prepared.letter, prepared.font_set
    html_path.write_text(render.render_letter(letter, paper=letter.paper, font_set=font_set, printed=prepared.printed),
                         encoding="utf-8")
    # typeset.py also passes the font set's @font-face rules as a stylesheet: do the same
    html_path.with_suffix(".css").write_text(font_set.css(), encoding="utf-8")


# --- the measured child processes ---------------------------------------------------------------

CHILD_PIPELINE = """
import sys, time
t0 = time.perf_counter()
import letter_pdf
result = letter_pdf.build(sys.argv[1], output=sys.argv[2])
print(time.perf_counter() - t0, result.pages)
"""

CHILD_STAGES = """
import functools, json, sys, time
t0 = time.perf_counter()
import letter_pdf
from letter_pdf import assemble, fonts, letter, lint, output, render, typeset
times = {}
def timed(module, name):
    function = getattr(module, name)
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            key = f"{module.__name__.split('.')[-1]}.{name}"
            times[key] = times.get(key, 0.0) + time.perf_counter() - start
    setattr(module, name, wrapper)
for module, name in [(letter, "load_letter"), (fonts, "check_coverage"), (lint, "letter_problems"),
                     (render, "render_letter"), (render, "render_cover"), (typeset, "typeset"),
                     (assemble, "assemble"), (output, "write_atomic")]:
    timed(module, name)
times["imports"] = time.perf_counter() - t0
start = time.perf_counter()
result = letter_pdf.build(sys.argv[1], output=sys.argv[2])
times["total build"] = time.perf_counter() - start
print(json.dumps(times))
print(time.perf_counter() - t0, result.pages)
"""

CHILD_WEASYPRINT = """
import sys, time
t0 = time.perf_counter()
import weasyprint, weasyprint.text.fonts
html = open(sys.argv[1], encoding="utf-8").read()
fonts = weasyprint.text.fonts.FontConfiguration()
css = weasyprint.CSS(filename=sys.argv[1][:-5] + ".css", font_config=fonts)
doc = weasyprint.HTML(string=html, base_url=sys.argv[3]).render(
    font_config=fonts, stylesheets=[css], pdf_variant="pdf/a-3a")
doc.write_pdf(sys.argv[2], pdf_variant="pdf/a-3a")
print(time.perf_counter() - t0, len(doc.pages))
"""


def runner(code: str, args: list[str]) -> None:
    """Run one child; print its in-process seconds, pages, wall seconds and peak RSS (bytes) as JSON."""
    start = time.perf_counter()
    proc = subprocess.run([PYTHON, "-c", code, *args], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(proc.returncode)
    if code is CHILD_STAGES:
        sys.stderr.write(proc.stdout.splitlines()[0] + "\n")
    seconds, pages = proc.stdout.split()[-2:]
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
    print(json.dumps({"seconds": float(seconds), "pages": int(pages), "wall": wall, "rss": rss_kib * 1024}))


def measure(kind: str, args: list[str]) -> dict:
    proc = subprocess.run(
        [PYTHON, __file__, "--runner", kind, *args], capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_stages(args: list[str]) -> dict:
    proc = subprocess.run(
        [PYTHON, __file__, "--runner", "stages", *args], capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"stages run failed:\n{proc.stderr}")
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("{")][-1]
    return dict(sorted(json.loads(line).items(), key=lambda kv: -kv[1]))


def best(runs: list[dict]) -> dict:
    fastest = min(runs, key=lambda r: r["wall"])
    return {**fastest, "rss": max(r["rss"] for r in runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[65, 1000, 10000])
    parser.add_argument("--runs", type=int, default=1, help="runs per size and kind; the fastest is shown")
    parser.add_argument("--stages", action="store_true", help="also print where the pipeline's time goes")
    parser.add_argument("--runner", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runner:
        kind, *rest = args.runner
        code = {"pipeline": CHILD_PIPELINE, "stages": CHILD_STAGES}.get(kind, CHILD_WEASYPRINT)
        runner(code, rest)
        return 0

    sys.path.insert(0, str(ROOT))
    env_note = f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)"
    print(f"letter-pdf build benchmark ({env_note}); each figure from a fresh process, imports included")
    header = f"{'signatories':>11} {'pages':>5} | {'pipeline s':>10} {'peak MiB':>8} | " \
             f"{'WeasyPrint s':>12} {'peak MiB':>8} | {'overhead':>8}"
    print(header)
    print("-" * len(header))
    results = {}
    with tempfile.TemporaryDirectory(prefix="letter-pdf-bench-") as tmp:
        for size in args.sizes:
            letter_path = make_letter(Path(tmp) / f"n{size}", size)
            html = letter_path.with_name("letter.html")
            write_html(letter_path, html)
            pipe = best([measure("pipeline", [str(letter_path), str(letter_path.with_name("out.pdf"))])
                         for _ in range(args.runs)])
            weasy = best([measure("weasyprint", [str(html), str(letter_path.with_name("wp.pdf")),
                                                 str(letter_path.parent)]) for _ in range(args.runs)])
            overhead = pipe["wall"] / weasy["wall"] - 1
            results[size] = (pipe, weasy, overhead)
            print(f"{size:>11} {pipe['pages']:>5} | {pipe['wall']:>10.2f} {pipe['rss'] / 2**20:>8.0f} | "
                  f"{weasy['wall']:>12.2f} {weasy['rss'] / 2**20:>8.0f} | {overhead:>+8.1%}", flush=True)
            if args.stages:
                stages = measure_stages([str(letter_path), str(letter_path.with_name("stages.pdf"))])
                print("            stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()), flush=True)
                outside = stages["total build"] - stages.get("typeset.typeset", 0.0)
                print(f"            outside typeset (letter + cover): {outside:.2f} s = "
                      f"{outside / stages['typeset.typeset']:+.1%} of typesetting", flush=True)
    print()
    worst = max(o for _, _, o in results.values())
    print(f"overhead (pipeline wall time / WeasyPrint alone - 1): worst {worst:+.1%}  (target <= +10%)")
    if 10000 in results:
        rss = results[10000][0]["rss"]
        print(f"10,000 signatories: peak {rss / GIB:.2f} GiB  (target < 2 GiB)")
    if 1000 in results and 10000 in results:
        ratio = results[10000][0]["wall"] / results[1000][0]["wall"]
        print(f"time 10,000 / 1,000 signatories: x{ratio:.1f}  (linear: x10; target <= x10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
