"""Signatory rows for the benchmarks: the sample's 65 organisations, repeated with a number to stay distinct."""

from __future__ import annotations

import csv
from pathlib import Path

NAMES_CSV = Path(__file__).resolve().parents[1] / "tests" / "resources" / "foreign-agents-signatories.csv"


def numbered_rows(n: int) -> list[dict[str, str]]:
    """``n`` rows (name, country, kind, role): the 65 as they are, then copies with a number after the name."""
    with NAMES_CSV.open(encoding="utf-8", newline="") as f:
        base = list(csv.DictReader(f))
    rows = []
    for i in range(n):
        row = dict(base[i % len(base)])
        if i >= len(base):
            row["name"] = f"{row['name']} {i + 1}"
        rows.append(row)
    return rows
