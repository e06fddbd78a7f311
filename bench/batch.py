#!/usr/bin/env python3
"""Personalised copies (issue 13): one ``letter-pdf build --recipients`` of N copies against N separate
``letter-pdf build`` runs of the same copies; wall time, per copy, speed-up and peak memory.

The letter is a copy of the bundled example (``examples/joint-letter``, 65 signatories) with a sentence
naming ``{{ recipient.name }}`` inserted into its body; the recipients list is a CSV of N rows (name, a
multi-line address, opening, email; names of varied lengths).

- **batch**: ``python -m letter_pdf build LETTER --recipients FILE -o DIR`` once (imports, fonts and the
  printed list once; the copies spread over the cores by forked workers).
- **naive**: ``python -m letter_pdf build COPY_i.md -o COPY_i.pdf`` for ``--naive-runs`` of the copies, one
  after the other (the letter written out by hand per recipient: the same name, address, opening and body),
  half of them before the batch and half after (the machine is shared: its load drifts); the total for N
  copies is extrapolated from their mean, and said so.

Memory: every command runs in a fresh process started by this script. ``max RSS`` is
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a small runner process that starts the command: the
largest resident set of the command or any of its workers (the kernel keeps the maximum over waited-for
descendants, not their sum). The sum over the process tree (the command and its workers at the same
moment) is sampled from ``/proc`` every 0.1 s: ``sum RSS`` (pages shared by the forked workers counted in
each) and ``sum PSS`` (shared pages divided among the processes sharing them: the memory the set takes).

    .venv/bin/python bench/batch.py                          # 450 copies, 10 naive runs
    .venv/bin/python bench/batch.py --copies 60 --naive-runs 4

Target (issue 13): batch at least 5x faster than the naive runs on a 2-core machine, peak memory < 1 GiB.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "joint-letter"
PYTHON = sys.executable
MIB = 1024**2
GIB = 1024**3

FIRST = ["Anna", "Boris", "Yekaterina", "Li", "Olga", "Alexander", "Ivan", "Maria-Magdalena", "Oleg", "Svetlana",
         "Dmitry", "Nina", "Konstantin", "Ada", "Vyacheslav", "Eva"]
LAST = ["Ivanova", "Smirnov", "Kuznetsova-Rimskaya", "Popov", "Vasiliev", "Sokolova", "Mikhailov", "Novikova",
        "Fyodorov", "Morozova", "Volkov", "Alekseyeva", "Lebedev", "Semyonova", "Yegorov", "Pavlova", "Kozlov"]
SENTENCE = ("We write to you, {{ recipient.name }}, as a member of the State Duma and ask for your support "
            "on the points below.\n\n")


def recipient_rows(n: int) -> list[dict[str, str]]:
    """``n`` recipients: names of varied lengths (every 50th one long enough to take several lines)."""
    rows = []
    for i in range(n):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        if i % 50 == 49:
            name = f"Deputy {name} of the Committee on Public Associations and Religious Organisations"
        rows.append({
            "name": name,
            "address": f"State Duma of the Federal Assembly\nOffice {100 + i}\nOkhotny Ryad 1\nMoscow 103265\nRussia",
            "opening": f"Dear {name.split()[0]},",
            "email": f"deputy{i + 1}@example.org",
        })
    return rows


def make_letter(folder: Path, copies: int) -> tuple[Path, Path]:
    """A copy of the example with the placeholder sentence, and a recipients CSV of ``copies`` rows."""
    shutil.copytree(EXAMPLE, folder)
    for stale in folder.glob("*.pdf"):
        stale.unlink()
    letter = folder / "letter.md"
    text = letter.read_text(encoding="utf-8")
    head, _sep, body = text.partition("\n---\n")
    letter.write_text(f"{head}\n---\n{SENTENCE}{body}", encoding="utf-8")
    recipients = folder / "recipients.csv"
    with recipients.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "address", "opening", "email"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(recipient_rows(copies))
    return letter, recipients


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def naive_letter(letter: Path, row: dict[str, str], path: Path) -> Path:
    """The copy for ``row`` written by hand as its own letter: recipient, opening, the name in the body."""
    text = letter.read_text(encoding="utf-8")
    head, _sep, body = text.partition("\n---\n")
    address = ", ".join(_yaml(line) for line in row["address"].split("\n"))
    head = re.sub(r"\nrecipient:\n(  .*\n)+", f"\nrecipient:\n  name: {_yaml(row['name'])}\n  address: [{address}]\n",
                  head + "\n")
    head = re.sub(r"\nopening: .*\n", f"\nopening: {_yaml(row['opening'])}\n", head)
    path.write_text(f"{head.rstrip()}\n---\n{body.replace('{{ recipient.name }}', row['name'])}", encoding="utf-8")
    return path


# --- measuring a command ---------------------------------------------------------------------------

RUNNER = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True)
code = done.returncode
if code:
    sys.stderr.write(done.stderr.decode("utf-8", "replace"))
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def measure(command: list[str], *, sample: bool) -> dict[str, float]:
    """Run ``command`` under the runner: wall s, CPU s, max RSS of one process, sampled tree sums."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    runner = subprocess.Popen([PYTHON, "-c", RUNNER, *command], env=env, stdout=subprocess.PIPE, text=True)
    peak = [0, 0]
    if sample:
        def watch() -> None:
            while runner.poll() is None:
                rss, pss = _memory(_tree(runner.pid))
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    out, _ = runner.communicate()
    if sample:
        watcher.join()
    code, wall, maxrss_kib, cpu = out.split()
    if int(code) != 0:
        raise SystemExit(f"failed (exit {code}): {' '.join(command)}")
    return {"wall": float(wall), "cpu": float(cpu), "maxrss": int(maxrss_kib) * 1024, "sum_rss": peak[0],
            "sum_pss": peak[1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=450, help="copies in the batch (default 450)")
    parser.add_argument("--naive-runs", type=int, default=10, help="separate builds measured (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="letter-pdf-batch-bench-"))
    try:
        letter, recipients = make_letter(work / "letter", args.copies)
        with os.popen("uptime") as handle:
            print(f"cpus {os.cpu_count()}, {args.copies} copies, {args.naive_runs} naive runs; before: "
                  f"{handle.read().strip()}")

        rows = recipient_rows(args.copies)
        step = max(1, args.copies // max(1, args.naive_runs))
        naive = []

        def run_naive(runs: range) -> None:
            for k in runs:
                i = (k * step) % args.copies
                single = naive_letter(letter, rows[i], work / "letter" / f"naive-{i + 1}.md")
                naive.append(measure([PYTHON, "-m", "letter_pdf", "build", str(single), "-o",
                                      str(work / f"naive-{i + 1}.pdf")], sample=k == 0))

        # half the naive runs before the batch, half after: the machine's other load drifts
        run_naive(range(0, (args.naive_runs + 1) // 2))
        batch = measure([PYTHON, "-m", "letter_pdf", "build", str(letter), "--recipients", str(recipients),
                         "-o", str(work / "copies")], sample=True)
        run_naive(range((args.naive_runs + 1) // 2, args.naive_runs))
        built = len(list((work / "copies").glob("*.pdf")))
        if built != args.copies:
            raise SystemExit(f"the batch wrote {built} copies, not {args.copies}")
        with os.popen("uptime") as handle:
            print(f"after: {handle.read().strip()}")

        per_naive = sum(r["wall"] for r in naive) / len(naive)
        naive_total = per_naive * args.copies
        per_batch = batch["wall"] / args.copies
        cpu_naive = sum(r["cpu"] for r in naive) / len(naive)
        naive_rss = max(r["maxrss"] for r in naive)
        print()
        print(f"| | naive ({args.naive_runs} runs, x{args.copies} extrapolated) | batch (1 run) |")
        print("| --- | ---: | ---: |")
        print(f"| total wall s | {naive_total:.1f} (extrapolated) | {batch['wall']:.1f} |")
        print(f"| per copy wall s | {per_naive:.2f} | {per_batch:.3f} |")
        print(f"| per copy CPU s | {cpu_naive:.2f} | {batch['cpu'] / args.copies:.3f} |")
        print(f"| max RSS of one process MiB | {naive_rss / MIB:.0f} | {batch['maxrss'] / MIB:.0f} |")
        print(f"| peak sum RSS of the tree MiB | {naive[0]['sum_rss'] / MIB:.0f} | {batch['sum_rss'] / MIB:.0f} |")
        print(f"| peak sum PSS of the tree MiB | {naive[0]['sum_pss'] / MIB:.0f} | {batch['sum_pss'] / MIB:.0f} |")
        ratio = naive_total / batch["wall"]
        print(f"\nCPU time (user+sys, all processes) per copy: naive {cpu_naive:.2f} s, batch "
              f"{batch['cpu'] / args.copies:.3f} s: x{cpu_naive * args.copies / batch['cpu']:.1f} less work")
        print(f"speed-up (wall) {ratio:.1f}x (target >= 5x): {'met' if ratio >= 5 else 'NOT met'}; "
              f"peak memory {batch['sum_rss'] / GIB:.2f} GiB summed RSS (target < 1 GiB): "
              f"{'met' if batch['sum_rss'] < GIB else 'NOT met'}")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
