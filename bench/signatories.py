"""Print how long the signatory-list stages take for 65, 1,000 and 10,000 signatories.

    .venv/bin/python bench/signatories.py                 # 65, 1,000 and 10,000
    .venv/bin/python bench/signatories.py --sizes 65 1000

For each size it writes a CSV made of the sample's 65 names (numbered after the 65th row, so that they stay
distinct), then times, in this process: load_signatories, lint.lint_file (as ``check`` and ``build`` run
it), arrange (alphabetical, grouped by country, Polish collation), Counts.of, and the importer on the
same list pasted as bullets. The first size also pays the one-off costs (CLDR and collation tables).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from sample_rows import numbered_rows


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    print(f"  {label:<34} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[65, 1000, 10_000])
    args = parser.parse_args()

    from letter_pdf import arrange, counts, importer, lint
    from letter_pdf.countries import display_name
    from letter_pdf.signatories import load_signatories

    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rows = numbered_rows(n)
            path = Path(tmp) / f"signatories-{n}.csv"
            with path.open("w", encoding="utf-8", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
            pasted = Path(tmp) / f"pasted-{n}.txt"
            pasted.write_text("".join(
                f"• {r['name']}" + (f" ({display_name(r['country'].split('/')[0], 'fr')})" if r["country"] else "")
                + "\n" for r in rows), encoding="utf-8")
            print(f"{n} signatories")
            sigs = timed("load_signatories", lambda: load_signatories(path))
            report = timed("lint.lint_file", lambda: lint.lint_file(path, lang="en"))
            timed("arrange (alphabetical, country, pl)",
                  lambda: arrange.arrange(sigs, order="alphabetical", group_by="country", lang="pl"))
            timed("Counts.of", lambda: counts.Counts.of(sigs))
            result = timed("importer.import_file (pasted)", lambda: importer.import_file(pasted))
            print(f"  -> {len(sigs)} loaded, {len(report.findings)} findings, {len(result.signatories)} imported")


if __name__ == "__main__":
    main()
