"""Signatory-list layout at 1,000 and 10,000 names: time to render + typeset, and the same checks as
tests/test_layout.py (every name exactly once, whole, inside the margins). The suite checks 2,000.

    .venv/bin/python bench/layout.py [N ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_layout  # noqa: E402


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            pdf, rows, seconds = test_layout.build(Path(tmp), n)
            started = time.perf_counter()
            pages = test_layout.page_texts(pdf, inside_margins=True)
            test_layout.assert_each_name_once(pages, rows)
            checked = time.perf_counter() - started
            print(f"{n:>6} signatories: {len(pages):>4} pages, render+typeset {seconds:6.1f} s, "
                  f"{len(pdf) / 1e6:5.1f} MB, every name once and inside the margins (checked in {checked:.1f} s)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
