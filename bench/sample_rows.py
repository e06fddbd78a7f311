"""Signatory rows for the benchmarks: the sample's 65 organisations, repeated with a number to stay distinct."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

NAMES_CSV = Path(__file__).resolve().parents[1] / "tests" / "resources" / "foreign-agents-signatories.csv"


def iter_numbered_rows(n: int) -> Iterator[dict[str, str]]:
    """``n`` rows (name, country, kind, role): the 65 as they are, then copies with a number after the name."""
    with NAMES_CSV.open(encoding="utf-8", newline="") as f:
        base = list(csv.DictReader(f))
    for i in range(n):
        row = dict(base[i % len(base)])
        if i >= len(base):
            row["name"] = f"{row['name']} {i + 1}"
        yield row


def numbered_rows(n: int) -> list[dict[str, str]]:
    """The rows of ``iter_numbered_rows`` as a list."""
    return list(iter_numbered_rows(n))


def iter_repeated_rows(n: int) -> Iterator[dict[str, str]]:
    """``n`` rows that repeat the 65 names, each time in other countries (two ISO codes per row): every
    (name, countries) is distinct, and every name is shared by ``n / 65`` rows, as in a list that collects
    national sections. This is the case that makes pairwise duplicate checks quadratic."""
    from letter_pdf.countries import CODES

    codes = sorted(CODES)
    with NAMES_CSV.open(encoding="utf-8", newline="") as f:
        base = list(csv.DictReader(f))
    for i in range(n):
        row = dict(base[i % len(base)], kind="organisation", role="")
        k = i // len(base)
        row["country"] = f"{codes[k % len(codes)]}/{codes[(k // len(codes) + k + 1) % len(codes)]}"
        yield row


def write_csv(path: Path, n: int, shape: str = "numbered") -> None:
    """Write ``n`` rows (``numbered`` or ``repeated``) to ``path`` as CSV, one at a time (a million rows fit
    in little memory)."""
    rows = iter_numbered_rows(n) if shape == "numbered" else iter_repeated_rows(n)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(f, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow(row)
