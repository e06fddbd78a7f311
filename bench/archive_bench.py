"""Archive figures: records per second (in process and through the CLI) and verify time for 1,000 records.

Run: .venv/bin/python bench/archive_bench.py [--records 1000] [--cli 20]

Each record stores a distinct PDF (a letter with the 65 signatories of the sample and its manifest, made
distinct by a trailing comment) so that verify has 1,000 PDFs to re-hash. Every write is fsynced, so the
figures depend on the disk; the folder is a temporary one on the default temp file system.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def sample_pdf(folder: Path) -> Path:
    """A one-letter PDF with the sample's 65 signatories and a manifest, as letter-pdf would embed it."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    from letter_pdf import manifest as M
    from letter_pdf.letter import load_letter

    from conftest import RESOURCES, write_letter

    with (RESOURCES / "foreign-agents-signatories.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    letter = load_letter(write_letter(folder, rows=rows, body="We write to you about the draft law.\n" * 20))
    names = "".join(f"<li>{r['name']}</li>" for r in rows)
    pdf = HTML(string=f"<h1>{letter.title}</h1><p>{letter.body}</p><ul>{names}</ul>").write_pdf()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(M.MANIFEST_NAME, M.canonical_json(M.build_manifest(letter, sources=M.collect_sources(letter))))
    out = io.BytesIO()
    writer.write(out)
    path = folder / "letter.pdf"
    path.write_bytes(out.getvalue())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="records to write in process, then verify")
    parser.add_argument("--cli", type=int, default=20, help="records to write through 'python -m letter_pdf'")
    args = parser.parse_args()

    from letter_pdf.archive import Archive

    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        tmp = Path(tmp)
        base = sample_pdf(tmp / "letter")
        data = base.read_bytes()
        pdfs = tmp / "pdfs"
        pdfs.mkdir()
        paths = []
        for i in range(args.records):
            path = pdfs / f"letter-{i}.pdf"
            path.write_bytes(data + f"\n% copy {i}\n".encode())
            paths.append(path)
        print(f"PDF: {len(data):,} bytes, 65 signatories, manifest embedded")

        store = Archive(tmp / "archive")
        started = time.perf_counter()
        for i, path in enumerate(paths):
            store.record(path, recipient=f"Recipient {i}", channel="email")
        elapsed = time.perf_counter() - started
        print(f"record, in process: {args.records} records in {elapsed:.2f} s = {args.records / elapsed:.1f} records/s")

        started = time.perf_counter()
        report = store.verify()
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (tmp / "archive").rglob("*") if p.is_file())
        print(f"verify: {report.records} records ({size / 2**20:.1f} MiB) in {elapsed:.2f} s; ok={report.ok}")

        started = time.perf_counter()
        rows = store.list()
        print(f"list: {len(rows)} rows in {(time.perf_counter() - started) * 1000:.1f} ms")

        env = dict(os.environ, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        for i in range(args.cli):
            subprocess.run([sys.executable, "-m", "letter_pdf", "archive", "record", str(paths[i]), "--to", "CLI",
                            "--via", "post", "--archive-dir", str(tmp / "archive")], env=env, check=True,
                           capture_output=True)
        elapsed = time.perf_counter() - started
        print(f"record, one CLI process each: {args.cli} records in {elapsed:.2f} s = {args.cli / elapsed:.1f} records/s")


if __name__ == "__main__":
    main()
