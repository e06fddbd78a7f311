"""The delivery package's own cost: assemble() on letters of 65, 1,000 and 10,000 signatories, with the
generated cover only and with two external files (each read once in a limited child process).

    .venv/bin/python bench/package.py [N ...]

Prints, per size: the letter's pages and size, assemble time and size with the cover, the same with a
cover PDF and an enclosure (first call: includes the sandboxed preflight of both; second call: preflight
cached), and the preflight of one external file alone.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_assemble  # noqa: E402
import test_layout  # noqa: E402

from letter_pdf import assemble, fonts, render, typeset  # noqa: E402
from letter_pdf import letter as letter_module
from letter_pdf.model import Annex  # noqa: E402
from letter_pdf.pdf import inspection  # noqa: E402
from letter_pdf.pipeline import creation_time  # noqa: E402


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report = folder / "report.pdf"
        report.write_bytes(test_assemble.weasy(test_assemble.REPORT_HTML, "pdf/a-3b"))
        hostile = folder / "hostile.pdf"
        hostile.write_bytes(test_assemble.hostile_pdf())
        started = time.perf_counter()
        inspection.preflight(report, report.read_bytes())
        print(f"preflight of one 2-page PDF in a limited child process: {time.perf_counter() - started:.2f} s")
        for n in sizes:
            pdf, _rows, seconds = test_layout.build(folder, n)
            letter = letter_module.load_letter(folder / f"n{n}" / "letter.md")
            font_set = fonts.FontSet.for_letter(letter)
            html = render.render_cover(letter, paper="a4", font_set=font_set, enclosures=[])  # no enclosures
            cover = typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter)).pdf
            started = time.perf_counter()
            alone = assemble.assemble(letter=letter, letter_pdf=pdf, cover_pdf=cover, cover_pdfs=(), annexes=())
            t_cover = time.perf_counter() - started
            timings = []
            for _ in range(2):
                started = time.perf_counter()
                full = assemble.assemble(letter=letter, letter_pdf=pdf, cover_pdf=cover, cover_pdfs=(hostile,),
                                         annexes=(Annex("Report", report),))
                timings.append(time.perf_counter() - started)
            print(f"{n:>6} signatories: letter {full.pages - 4:>4} pages {len(pdf) / 1e6:5.2f} MB "
                  f"(typeset {seconds:5.1f} s); assemble with cover {t_cover:5.2f} s -> {len(alone.pdf) / 1e6:5.2f} MB "
                  f"({alone.pdfa_level}); + cover PDF + enclosure {timings[0]:5.2f} s first, {timings[1]:5.2f} s "
                  f"cached -> {len(full.pdf) / 1e6:5.2f} MB (PDF/A: {full.pdfa_level})")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [65, 1000, 10000])
