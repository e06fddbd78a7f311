"""The delivery package end to end: ``letter_pdf.build`` and ``letter-pdf build`` with cover, cover PDFs and
enclosures, read back from the written PDF."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from test_assemble import REPORT_HTML, active_content, bomb_pdf, hostile_pdf, weasy

import letter_pdf
import letter_pdf.cli

from conftest import write_letter

pytestmark = pytest.mark.slow

LETTERHEAD_HTML = """<html lang="en"><head><title>Letterhead</title></head>
<body><h1>Example Coalition letterhead</h1></body></html>"""

FRONT = {
    "cover": {"channel": "By e-mail and registered post", "note": "Please acknowledge receipt."},
    "cover_pdfs": ["letterhead.pdf"],
    "enclosures": [{"title": "Report on the law", "file": "report.pdf"}, "Signed originals (by post)"],
    "reference": "CS-2026/041",
}


def squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_of(reader: PdfReader, index: int) -> str:
    return squash(reader.pages[index].extract_text())


def text_colour(path: Path, index: int, text: str) -> tuple[int, int, int]:
    """The fill colour (R, G, B, 0-255) of every character of ``text`` on page ``index``, read with PDFium."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(path)
    try:
        textpage = document[index].get_textpage()
        start = textpage.get_text_range().index(text)
        colours = set()
        for i in range(start, start + len(text)):
            if text[i - start].isspace():
                continue
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            assert pdfium_c.FPDFText_GetFillColor(textpage.raw, i, r, g, b, a)
            colours.add((r.value, g.value, b.value))
        (colour,) = colours
        return colour
    finally:
        document.close()


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(letter_pdf.cli.cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    (folder / "letterhead.pdf").write_bytes(weasy(LETTERHEAD_HTML, "pdf/a-3b"))
    (folder / "report.pdf").write_bytes(weasy(REPORT_HTML, "pdf/a-3b"))
    (folder / "extra-annex.pdf").write_bytes(weasy("<html><body><p>Extra annex page</p></body></html>", None))
    (folder / "hostile.pdf").write_bytes(hostile_pdf())
    write_letter(folder, front=FRONT)
    return folder


@pytest.fixture(scope="module")
def built(folder, reads):
    """cover + letterhead (PDF/A) + letter + report (PDF/A, 2 pages); the claim stays (3B)."""
    from letter_pdf.pdf import inspection

    read_external, run = inspection.read_external, inspection.run

    def counted_read(path):
        reads.append(("read", Path(path).name))
        return read_external(path)

    def counted_run(path, data):
        reads.append(("preflight", Path(path).name))
        return run(path, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inspection, "read_external", counted_read)
        patch.setattr(inspection, "run", counted_run)
        result = letter_pdf.build(folder / "letter.md", output=folder / "out.pdf")
    return result, PdfReader(folder / "out.pdf")


@pytest.fixture(scope="module")
def reads() -> list[tuple[str, str]]:
    """What the build of ``built`` read of the external PDFs: ("read" | "preflight", file name), in order."""
    return []


def test_each_external_pdf_is_read_and_preflighted_once(built, reads):
    assert sorted(reads) == [("preflight", "letterhead.pdf"), ("preflight", "report.pdf"),
                             ("read", "letterhead.pdf"), ("read", "report.pdf")]


def test_pages_and_order(built):
    result, reader = built
    letter_pages = len([label for label in reader.page_labels if label.isdigit()])
    assert result.pages == len(reader.pages) == 1 + 1 + letter_pages + 2
    assert "Example Coalition letterhead" in text_of(reader, 1)
    assert "We, the undersigned, write to you about a test." in text_of(reader, 2)
    assert "Report" in text_of(reader, len(reader.pages) - 2)


def test_cover_page_content(built):
    _result, reader = built
    cover = text_of(reader, 0)
    for expected in ("Joint letter on freedom of association", "Protect civil society organisations",
                     "The Minister", "1 Government Road", "Capital City", "Example Coalition", "1 Example Street",
                     "London, November 29, 2026", "By e-mail and registered post", "CS-2026/041",
                     "2 signatories", "Enclosures", "A Report on the law 2 p.",
                     "B Signed originals (by post) sent separately", "Please acknowledge receipt."):
        assert expected in cover, expected


def test_labels_bookmarks_metadata(built):
    _result, reader = built
    labels = reader.page_labels
    letter_pages = len(reader.pages) - 4
    assert labels == ["Cover-1", "Cover-2", *[str(i) for i in range(1, letter_pages + 1)], "A-1", "A-2"]
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [item.title for item in top]
    assert titles[:2] == ["Cover", "letterhead"] and titles[-1] == "A. Report on the law"
    assert reader.get_destination_page_number(top[-1]) == len(reader.pages) - 2
    assert reader.get_destination_page_number(top[2]) == 2  # the letter's own first bookmark
    assert reader.metadata.title == "Joint letter on freedom of association"
    assert reader.metadata.subject == "Protect civil society organisations"


def test_pdfa_3b_when_every_merged_file_is_pdfa(built, folder):
    result, _reader = built
    with pikepdf.open(folder / "out.pdf") as pdf:
        assert pdf.open_metadata().pdfa_status == "3B"
    assert any("PDF/A-3b" in note for note in result.notes)


def test_letter_alone_with_cover_is_pdfa_3a_and_rebuilds_identically(tmp_path):
    letter = write_letter(tmp_path / "plain", front={"cover": {"channel": "By courier"}})
    first = letter_pdf.build(letter, output=tmp_path / "a.pdf")
    second = letter_pdf.build(letter, output=tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert first.notes == second.notes == ()
    with pikepdf.open(tmp_path / "a.pdf") as pdf:
        assert pdf.open_metadata().pdfa_status == "3A"
    assert PdfReader(tmp_path / "a.pdf").page_labels[0] == "Cover"


def test_cli_no_cover_annex_and_hostile_cover_pdf(folder, tmp_path):
    out = tmp_path / "cli.pdf"
    code, stdout, stderr = run_cli("build", str(folder / "letter.md"), "-o", str(out), "--no-cover",
                                   "--cover-pdf", str(folder / "hostile.pdf"),
                                   "--annex", str(folder / "extra-annex.pdf"))
    assert code == 0, stderr
    assert str(out) in stdout
    assert "note: hostile.pdf: removed" in stderr and "Launch actions" in stderr
    assert "note: the package is not PDF/A" in stderr
    reader = PdfReader(out)
    assert reader.page_labels[:3] == ["Cover-1", "Cover-2", "1"]  # letterhead + hostile, no generated cover
    assert reader.page_labels[-3:] == ["A-1", "A-2", "C-1"]  # the --annex comes after the paper-only B
    assert "Extra annex page" in text_of(reader, len(reader.pages) - 1)
    assert [i.title for i in reader.outline if not isinstance(i, list)][-1] == "C. extra-annex"
    assert active_content(out.read_bytes()) == []
    with pikepdf.open(out) as pdf:
        assert pdf.open_metadata().pdfa_status == ""
    # the letter lists the --annex enclosure too
    letter_text = " ".join(text_of(reader, i) for i in range(2, len(reader.pages) - 3))
    assert "extra-annex" in letter_text


def _encrypted() -> bytes:
    w = PdfWriter()
    w.add_blank_page(100, 100)
    w.encrypt("secret")
    buffer = io.BytesIO()
    w.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message", "exit_code"),
    [
        (b"PK\x03\x04 not a pdf", "is not a PDF file", 1),  # bad input
        ("truncated", "is truncated", 1),
        ("encrypted", "is encrypted (password-protected) — remove the password first, e.g. `qpdf --decrypt", 5),
        ("bomb", "expands beyond 64 MiB when decompressed (a decompression bomb)", 5),  # refused by the sandbox
    ],
)
def test_cli_refused_enclosure_leaves_no_output(folder, tmp_path, content, message, exit_code):
    if content == "truncated":
        data = (folder / "report.pdf").read_bytes()
        content = data[: len(data) // 2]
    elif content == "encrypted":
        content = _encrypted()
    elif content == "bomb":
        content = bomb_pdf(100)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(content)
    out = tmp_path / "out.pdf"
    code, stdout, stderr = run_cli("build", str(folder / "letter.md"), "-o", str(out), "--annex", str(bad))
    assert code == exit_code
    assert stderr.strip().splitlines() == [stderr.strip()] and stderr.startswith(f"error: {bad}: ")
    assert message in stderr
    assert not out.exists() and stdout == ""
    # an existing output is not overwritten either
    out.write_bytes(b"previous")
    assert run_cli("build", str(folder / "letter.md"), "-o", str(out), "--annex", str(bad))[0] == exit_code
    assert out.read_bytes() == b"previous"


def test_check_reports_refused_files(tmp_path):
    folder = tmp_path / "check"
    folder.mkdir()
    (folder / "locked.pdf").write_bytes(_encrypted())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nnothing here\n")
    letter = write_letter(folder, front={"enclosures": [{"title": "Locked", "file": "locked.pdf"},
                                                        {"title": "Broken", "file": "broken.pdf"}]})
    problems = [str(p) for p in letter_pdf.check(letter)]
    assert any("locked.pdf: is encrypted" in p for p in problems)
    assert any("broken.pdf: is truncated" in p for p in problems)


def test_cover_values_are_data(tmp_path):
    letter = write_letter(tmp_path / "inj", front={
        "cover": {"channel": "By <b>post</b> & {{ 7*7 }}", "note": "{% if true %}x{% endif %} </style>"},
    })
    letter_pdf.build(letter, output=tmp_path / "inj.pdf")
    cover = text_of(PdfReader(tmp_path / "inj.pdf"), 0)
    assert "By <b>post</b> & {{ 7*7 }}" in cover
    assert "{% if true %}x{% endif %} </style>" in cover


def test_cover_follows_a_restyled_letter_and_can_be_replaced(tmp_path):
    from letter_pdf import render

    folder = tmp_path / "styled"
    path = write_letter(folder)
    bundled = (Path(render.assets.templates_dir()) / "letter.css").read_text(encoding="utf-8")
    (folder / "letter.css").write_text(bundled.replace("--accent: #1f3a5f;", "--accent: #c80000;"), encoding="utf-8")
    letter_pdf.build(path, output=tmp_path / "styled.pdf")
    letter_pdf.build(write_letter(tmp_path / "plain"), output=tmp_path / "plain.pdf")
    title = "Joint letter on freedom of association"
    # the cover's title is painted in the letter's accent colour: the copied stylesheet's, or the bundled one's
    assert text_colour(tmp_path / "styled.pdf", 0, title) == (0xC8, 0, 0)
    assert text_colour(tmp_path / "plain.pdf", 0, title) == (0x1F, 0x3A, 0x5F)
    (folder / "cover.html.j2").write_text("<html><body><p>Our own cover for {{ letter.title }}</p></body></html>",
                                          encoding="utf-8")
    letter_pdf.build(path, output=tmp_path / "own.pdf")
    assert text_of(PdfReader(tmp_path / "own.pdf"), 0) == "Our own cover for Joint letter on freedom of association"


def test_annex_title_from_file_name_is_checked_for_glyphs(folder, tmp_path):
    odd = tmp_path / "ანგარიში.pdf"  # Georgian: no bundled font has it
    odd.write_bytes((folder / "extra-annex.pdf").read_bytes())
    out = tmp_path / "odd.pdf"
    code, _stdout, stderr = run_cli("build", str(folder / "letter.md"), "-o", str(out), "--annex", str(odd))
    assert code == 1 and "U+10D0" in stderr and not out.exists()


def test_the_example_builds_to_the_same_bytes_in_two_fresh_processes(tmp_path):
    """Reproducible across processes, not only within one: two interpreters with different hash seeds, working
    directories and output paths write byte-identical PDFs."""
    import os
    import subprocess
    import sys

    example = Path(__file__).resolve().parents[1] / "examples" / "joint-letter" / "letter.md"
    runs = []
    for seed in ("1", "2"):
        folder = tmp_path / f"run{seed}"
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([str(example.parents[2]), os.environ.get("PYTHONPATH", "")])}
        runs.append((folder / f"letter-{seed}.pdf", subprocess.Popen(
            [sys.executable, "-m", "letter_pdf", "build", str(example), "-o", str(folder / f"letter-{seed}.pdf")],
            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    for _output, process in runs:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    first, second = (output.read_bytes() for output, _process in runs)
    assert len(first) > 10_000
    assert first == second
