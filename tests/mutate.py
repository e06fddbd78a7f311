"""Mutation testing of the guard functions, one function at a time, with only the tests that check it.

    make mutate                                   # the whole scope (long: see tests/MUTATION.md)
    make mutate MUTATE="output.write_atomic names._compatible"
    make mutate MUTATE="--write"                  # the whole scope, and refresh tests/MUTATION.md

or directly: ``.venv/bin/python tests/mutate.py [--jobs N] [--write] [FUNCTION_GLOB ...]``.
A function glob matches the names in SCOPE (``output.*``, ``assemble._c*``).

mutmut 3 does the work: it copies the package into ./mutants/, gives every function of a file its
mutants behind a switch, runs the selected test files once to learn which of their tests call which
function, then runs only those tests against each mutant. Its settings are in pyproject.toml
([tool.mutmut]); this script narrows them for each entry of SCOPE: the file to mutate, the test files
to run, and the functions whose mutants are tried. Each entry runs in a child process of its own, in a
fresh ./mutants/, so no result or test map leaks from one entry into the next.

Survivors are printed with their change; ``--write`` also puts the table in tests/MUTATION.md between its
markers, keeping the explanation already written for a survivor whose change is the same.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN = ROOT / "tests" / "MUTATION.md"
BEGIN, END = "<!-- mutate:begin -->", "<!-- mutate:end -->"


@dataclass(frozen=True)
class Entry:
    """One guard: the functions of one file, and the test files that are meant to check them.

    ``tests`` may name files that do not exist yet (tests another change is adding): missing ones are
    left out with a note. ``skip`` keeps an entry in the scope list without running it."""

    guard: str
    file: str | None
    functions: tuple[str, ...]  # "name" or "Class.method"
    tests: tuple[str, ...]
    skip: str | None = None

    @property
    def module(self) -> str:
        return self.file.removesuffix(".py").replace("/", ".") if self.file else ""

    def label(self, function: str) -> str:
        short = self.module.removeprefix("letter_pdf.")
        return f"{short}.{function}" if short else function


SCOPE: tuple[Entry, ...] = (
    Entry("glyph coverage", "letter_pdf/fonts.py",
          ("check_coverage", "uncovered", "_ignorable", "_letter_fields", "_label_strings", "_date_strings",
           "_error"),
          ("tests/test_fonts.py",)),
    Entry("atomic output", "letter_pdf/output.py", ("write_atomic", "write_temp"),
          ("tests/test_output.py",)),
    # test_archive.py checks Archive.verify end to end too, but builds letters (about a minute per mutant)
    Entry("archive verify", "letter_pdf/archive/check.py",
          ("verify", "_Check.top", "_Check.chain", "_Check.stored_files", "_Check.objects", "_Check.index",
           "_Check.head"), ("tests/test_archive_verify.py",)),
    Entry("signature verify", "letter_pdf/verify.py", ("verify_pdf",), ("tests/test_verify.py",)),
    Entry("PDF sanitising", "letter_pdf/pdf/sanitise.py",
          ("_catalog_removals", "_action_kind", "_copy_external_page", "_flatten", "_clean_link",
           "clean_external", "_resolve_links"),
          # test_assemble.py checks them too, but builds letters (minutes per mutant)
          ("tests/test_sanitise.py",)),
    # test_duplicates.py calls names' functions on small in-memory lists (about 2 s); test_lint.py also
    # checks them, through files and letters (about 20 s per mutant)
    Entry("duplicate detection", "letter_pdf/names.py",
          ("duplicate_pairs", "candidate_pairs", "why_duplicate", "_compatible", "_distance", "_own_acronym", "_initials",
           "_marked_distinct", "probable_duplicate"),
          ("tests/test_duplicates.py",)),
    # test_pagecheck.py checks the page check end to end too, but typesets letters (seconds per test)
    Entry("page check", "letter_pdf/pagecheck.py",
          ("_check_recipient", "_check_return_line", "_return_options", "_check_cover", "_cover_steps",
           "_check_overlaps_and_margins", "_inserted_hyphen", "_check_hyphens", "_selector"),
          ("tests/test_pagecheck_rules.py",)),
)


def mangled(function: str) -> str:
    """mutmut's name for a function (x_name) or a method (xǁClassǁname)."""
    if "." in function:
        cls, name = function.split(".")
        return f"x\u01c1{cls}\u01c1{name}"
    return f"x_{function}"


@dataclass
class Result:
    label: str
    guard: str
    tests: list[str] = field(default_factory=list)  # test files actually run
    mutants: int = 0
    killed: int = 0
    survivors: list[dict] = field(default_factory=list)  # name, change
    other: dict[str, int] = field(default_factory=dict)  # timeout, no tests, suspicious, ... by status
    test_seconds: float = 0.0  # time mutmut spent running tests against this function's mutants
    covering_tests: int = 0  # tests (within the files above) that call the function
    skipped: str | None = None


# --- the child: one entry, one mutmut run ------------------------------------------------------------


def _change(diff: str) -> str:
    """The changed line of a mutant, as ``old → new`` (first removed and added lines of its diff)."""
    removed = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    old = removed[0] if removed else ""
    new = added[0] if added else "(line removed)"
    return f"{old} → {new}"


def child(spec: dict) -> int:
    from mutmut import configuration

    cfg = configuration.config()
    cfg.only_mutate = [spec["file"]]
    cfg.pytest_add_cli_args_test_selection = list(spec["tests"])
    globs = [f"{spec['module']}.{mangled(f)}__mutmut_*" for f in spec["functions"]]

    from mutmut.__main__ import cli  # imported after the config is narrowed; mutmut forks from here

    try:
        cli(["run", "--max-children", str(spec["jobs"]), *globs], standalone_mode=False)
    except SystemExit as exc:  # mutmut exits on a failed clean run or stats collection
        if exc.code:
            return int(exc.code)

    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    data = SourceFileMutationData(path=Path(spec["file"]))
    data.load()
    stats = json.loads(Path("mutants/mutmut-stats.json").read_text())
    covering = stats.get("tests_by_mangled_function_name", {})
    out = {}
    for function in spec["functions"]:
        prefix = f"{spec['module']}.{mangled(function)}__mutmut_"
        names = sorted((k for k in data.exit_code_by_key if k.startswith(prefix)),
                       key=lambda k: int(k.rpartition("_")[2]))
        row = {"mutants": len(names), "killed": 0, "survivors": [], "other": {}, "test_seconds": 0.0,
               "covering_tests": len(covering.get(f"{spec['module']}.{mangled(function)}", ()))}
        for name in names:
            status = status_by_exit_code[data.exit_code_by_key[name]]
            row["test_seconds"] += data.durations_by_key.get(name) or 0.0
            if status == "killed":
                row["killed"] += 1
            elif status == "survived":
                diff = get_diff_for_mutant(name, path=spec["file"])
                row["survivors"].append({"name": name.rpartition(".")[2], "change": _change(diff), "diff": diff})
            else:
                row["other"][status] = row["other"].get(status, 0) + 1
        out[function] = row
    Path(spec["out"]).write_text(json.dumps(out))
    return 0


# --- the parent: the scope, the table ----------------------------------------------------------------


def selected(patterns: list[str]) -> list[tuple[Entry, tuple[str, ...]]]:
    chosen = []
    for entry in SCOPE:
        if entry.skip:
            if not patterns or any(fnmatch.fnmatch(entry.guard, p) for p in patterns):
                chosen.append((entry, ()))
            continue
        functions = tuple(f for f in entry.functions
                          if not patterns or any(fnmatch.fnmatch(entry.label(f), p) for p in patterns))
        if functions:
            chosen.append((entry, functions))
    return chosen


def run_entry(entry: Entry, functions: tuple[str, ...], jobs: int) -> tuple[list[Result], float]:
    if entry.skip:
        print(f"\n== {entry.guard}: skipped ({entry.skip})")
        return [Result(label=entry.guard, guard=entry.guard, skipped=entry.skip)], 0.0
    tests = [t for t in entry.tests if (ROOT / t).exists()]
    for missing in sorted(set(entry.tests) - set(tests)):
        print(f"note: {missing} does not exist (yet); left out")
    print(f"\n== {entry.guard}: {', '.join(entry.label(f) for f in functions)}  [{' '.join(tests)}]", flush=True)
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    out = ROOT / "mutants" / "mutate-result.json"
    spec = {"file": entry.file, "module": entry.module, "functions": list(functions), "tests": tests,
            "jobs": jobs, "out": str(out)}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the mutated copy must be what loads
    start = time.monotonic()
    code = subprocess.call([sys.executable, __file__, "--child", json.dumps(spec)], cwd=ROOT, env=env)
    seconds = time.monotonic() - start
    if code or not out.exists():
        raise SystemExit(f"mutmut failed on {entry.guard} (exit {code}); see its output above")
    rows = json.loads(out.read_text())
    return [Result(label=entry.label(f), guard=entry.guard, tests=tests, **rows[f]) for f in functions], seconds


def report(results: list[Result]) -> None:
    print("\nfunction                          mutants  killed  survived  other")
    for r in results:
        if r.skipped:
            print(f"{r.label:<34}skipped: {r.skipped}")
            continue
        other = ", ".join(f"{n} {s}" for s, n in r.other.items()) or "-"
        print(f"{r.label:<34}{r.mutants:>7}  {r.killed:>6}  {len(r.survivors):>8}  {other}")
    survivors = [(r, s) for r in results for s in r.survivors]
    print(f"\n{len(survivors)} survivor(s)" + (":" if survivors else ""))
    for r, s in survivors:
        print(f"\n--- {r.label}: {s['name']}\n{s['diff']}")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _old_explanations(text: str) -> dict[tuple[str, str], str]:
    """Explanations already written in the survivors table, by (function, change)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\| (\S+) \| `\S+` \| `(.*?)` \| (.*) \|$", line)
        if m:
            out[(m.group(1), m.group(2))] = m.group(3)
    return out


def _kept(block: str, ran: set[str]) -> tuple[list[str], list[str], list[str]]:
    """The lines of the previous table about guards this run did not touch (results table, run times,
    survivors), so that a run of some guards updates their lines and keeps the others' last result."""
    labels = {e.label(f) for e in SCOPE if e.guard in ran for f in e.functions}
    rows, times, survivors = [], [], []
    for line in block.splitlines():
        if m := re.match(r"^\| ([^|`]+?) \| (`[^`]+`|—) \| ", line):
            if m.group(1) not in ("guard", "---", "—") and m.group(1) not in ran:
                rows.append(line)
        elif m := re.match(r"^- (.+?) \(", line):
            if m.group(1) not in ran:
                times.append(line)
        elif m := re.match(r"^\| `([^`]+)` \| `", line):
            if m.group(1) not in labels:
                survivors.append(line)
    return rows, times, survivors


def markdown(results: list[Result], seconds: dict[str, float], jobs: int, block: str) -> str:
    import platform

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    import mutmut

    old = _old_explanations(block)
    kept_rows, kept_times, kept_survivors = _kept(block, {r.guard for r in results})
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        f"Last run: {when}, `{' '.join(['tests/mutate.py', *sys.argv[1:]])}`, mutmut {mutmut.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores ({cpu}), {jobs} worker(s). "
        "A run of some guards replaces their lines and keeps the other guards' last result (dated below).",
        "",
        "| guard | function | tests run | tests calling it | mutants | killed | survived | other | test time |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: |",
    ]
    rows = list(kept_rows)
    for r in results:
        if r.skipped:
            rows.append(f"| {r.guard} | — | — | — | — | — | — | skipped: {_cell(r.skipped)} | — |")
            continue
        other = ", ".join(f"{n} {s}" for s, n in r.other.items()) or "—"
        files = " ".join(t.removeprefix("tests/") for t in r.tests)
        rows.append(f"| {r.guard} | `{r.label}` | {files} | {r.covering_tests} | {r.mutants} | {r.killed} | "
                    f"{len(r.survivors)} | {other} | {r.test_seconds:.0f} s |")
    order = {e.guard: i for i, e in enumerate(SCOPE)}
    lines += sorted(rows, key=lambda row: order.get(row.split(" | ")[0].removeprefix("| "), len(order)))
    lines += ["", "Wall-clock time per run (mutant generation, the test map, a clean run, then the mutants):", ""]
    times = kept_times + [f"- {guard}: {s:.0f} s ({when}, {jobs} worker(s))" for guard, s in seconds.items()]
    lines += sorted(times, key=lambda t: order.get(t[2:].split(" (")[0], len(order)))
    lines += ["", "Survivors (a mutant the tests did not notice):", "",
              "| function | mutant | change | why it survives / to kill |", "| --- | --- | --- | --- |"]
    survivors = list(kept_survivors)
    for r in results:
        for s in r.survivors:
            change = _cell(s["change"])
            why = old.get((f"`{r.label}`", change), "to kill")
            survivors.append(f"| `{r.label}` | `{s['name']}` | `{change}` | {why} |")
    labels = [e.label(f) for e in SCOPE for f in e.functions]
    lines += sorted(survivors, key=lambda row: labels.index(row.split("`")[1]) if row.split("`")[1] in labels
                    else len(labels)) or ["| — | — | — | none |"]
    return "\n".join(lines)


def write_markdown(results: list[Result], seconds: dict[str, float], jobs: int) -> None:
    text = MARKDOWN.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{MARKDOWN} has no {BEGIN} ... {END} block to replace")
    head, rest = text.split(BEGIN, 1)
    block, tail = rest.split(END, 1)
    table = markdown(results, seconds, jobs, block)
    MARKDOWN.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
    print(f"\nwrote {MARKDOWN.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("functions", nargs="*", help="globs over the scope's names (default: all)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", os.cpu_count() or 2)),
                        help="mutants tested at once (default: the number of cores, or $MUTATE_JOBS)")
    parser.add_argument("--write", action="store_true", help="put the result table in tests/MUTATION.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(json.loads(args.child))
    os.chdir(ROOT)
    chosen = selected(args.functions)
    if not chosen:
        names = [e.label(f) for e in SCOPE for f in e.functions] + [e.guard for e in SCOPE if e.skip]
        parser.error(f"nothing in the scope matches {args.functions}; the scope: {', '.join(names)}")
    results: list[Result] = []
    seconds: dict[str, float] = {}
    for entry, functions in chosen:
        rows, took = run_entry(entry, functions, args.jobs)
        results += rows
        if not entry.skip:
            seconds[f"{entry.guard} ({', '.join(entry.label(f) for f in functions)})"] = took
    report(results)
    for guard, s in seconds.items():
        print(f"{guard}: {s:.0f} s")
    if args.write:
        write_markdown(results, seconds, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
