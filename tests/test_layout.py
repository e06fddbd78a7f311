"""Long signatory lists through the real pieces (letter.load_letter -> render -> typeset): every name is
printed exactly once, never split across pages, never past the margin.

The list is typeset as rows of two unbreakable boxes rather than CSS columns (WeasyPrint's multi-column
page breaking has open bugs, #1963 and #2032). A name is found on a page when its text, with whitespace
removed (a wrapped name gains line breaks), occurs in that page's extracted text; the names carry a
serial number so that none is a substring of another.
"""

from __future__ import annotations

import io
import random
import time
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import write_letter
from letter_pdf import letter as letter_module
from letter_pdf import render, typeset
from letter_pdf.fonts import FontSet
from letter_pdf.pipeline import creation_time

pytestmark = pytest.mark.slow

WORDS = [
    "Human", "Rights", "Centre", "Helsinki", "Committee", "Association", "Foundation", "for", "the",
    "Defence", "of", "Liberté", "Égalité", "Żółć", "Łódź", "Fundacja", "Praw", "Człowieka",
    "Правозащитная", "организация", "Мемориал", "Санкт-Петербург", "Правозахисна", "група", "Їжак",
    "Ґанок", "Қазақстан", "Ўзбекистон", "Straße", "Œuvre", "ry", "e.V.",
]
COUNTRIES = ["", "PL", "FR", "RU", "UA", "DE", "FI", "KZ", "GB;IE", "NO"]
UNBREAKABLE = "Überlangerorganisationsnamenohnejedeleerstelle" * 4  # ~190 characters, no break opportunity


def make_rows(n: int, seed: int = 20261129) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        serial = f"S{i:05d}"
        if i % 97 == 13:
            name = f"{serial}{UNBREAKABLE}"
        elif i % 89 == 7:
            name = f"{serial} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(18, 30)))
        else:
            name = f"{serial} " + " ".join(rng.choice(WORDS) for _ in range(rng.choice([1, 2, 3, 4, 6, 9])))
        kind = "individual" if i % 50 == 49 else "organisation"
        rows.append({
            "name": name,
            "country": rng.choice(COUNTRIES),
            "kind": kind,
            "role": "Director, Example Network" if kind == "individual" else "",
        })
    return rows


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def build(tmp_path, n: int) -> tuple[bytes, list[dict[str, str]], float]:
    rows = make_rows(n)
    path = write_letter(tmp_path / f"n{n}", rows=rows, front={"group_by": "kind"})
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    started = time.perf_counter()
    html = render.render_letter(letter, paper="a4", font_set=font_set)
    result = typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter))
    return result.pdf, rows, time.perf_counter() - started


def page_texts(pdf: bytes, *, inside_margins: bool) -> list[str]:
    """The text of each page (PDFium), whitespace removed; with ``inside_margins`` only the text lying
    inside the text area (25 mm left, 20 mm right margin), so that a name running past the margin is
    missing from it."""
    import pypdfium2 as pdfium

    mm = 72 / 25.4
    texts = []
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            if inside_margins:
                text = textpage.get_text_bounded(left=25 * mm - 0.5, bottom=0, right=width - 20 * mm + 0.5, top=height)
            else:
                text = textpage.get_text_range()
            # PDFium reports a hyphen that ends a line as U+FFFE (U+0002 in bounded text); names are never hyphenated by the
            # layout (hyphens: manual), so such a hyphen is the name's own.
            texts.append(squeeze(text.replace("\ufffe", "-").replace("\x02", "-")))
            textpage.close()
            page.close()
    finally:
        document.close()
    return texts


def assert_each_name_once(pages: list[str], rows: list[dict[str, str]]) -> None:
    joined = "\x00".join(pages)  # a name split across two pages straddles a \x00 and is not found
    problems = []
    for row in rows:
        name = squeeze(row["name"])
        total = joined.count(name)
        if total != 1:
            where = [i + 1 for i, text in enumerate(pages) if name in text]
            why = "split across pages, past the margin or lost" if total == 0 else f"printed {total} times (pages {where})"
            problems.append(f"{row['name'][:40]}...: {why}")
    assert not problems, f"{len(problems)} names wrong, e.g. {problems[:5]}"


def test_2000_names_each_printed_once_whole_and_inside_the_margins(tmp_path):
    pdf, rows, seconds = build(tmp_path, 2000)
    pages = page_texts(pdf, inside_margins=True)
    assert len(pages) > 20
    assert_each_name_once(pages, rows)
    # and the same seen by pypdf on a sample of pages (another extractor, another reading of the fonts)
    reader = PdfReader(io.BytesIO(pdf))
    for index in (1, len(pages) // 2, len(pages) - 1):
        assert squeeze(reader.pages[index].extract_text()) == pages[index].replace("\x00", "")
    print(f"\n2,000 signatories: {len(pages)} pages, render+typeset {seconds:.1f} s")
    # the list is cut into lists of 50 entries: the rows stay paired across the cuts
    organisations = [row["name"].split()[0][:6] for row in rows if row["kind"] == "organisation"]
    for index in (48, 50, 100, 150):
        left, right = position(pdf, organisations[index]), position(pdf, organisations[index + 1])
        assert left[0] == right[0] and abs(left[2] - right[2]) < 0.5, (index, left, right)  # same page, same row
        assert left[1] < 30 * MM < 100 * MM < right[1], (index, left, right)  # left and right column


MM = 72 / 25.4


def position(pdf: bytes, serial: str) -> tuple[int, float, float]:
    """(page index, x, y) of the first character of ``serial`` in the PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            at = textpage.get_text_range().find(serial)
            if at >= 0:
                left, bottom, _right, _top = textpage.get_charbox(at)
                return index, left, bottom
    finally:
        document.close()
    raise AssertionError(f"{serial} not found")


def test_the_check_sees_a_name_past_the_margin(tmp_path):
    """The assertion above can fail: a stylesheet that lets names overflow is caught."""
    from letter_pdf import assets

    rows = make_rows(120)
    folder = tmp_path / "overflow"
    path = write_letter(folder, rows=rows)
    css = (assets.templates_dir() / "letter.css").read_text(encoding="utf-8")
    (folder / "letter.css").write_text(css + "\n.signatory { overflow-wrap: normal; }\n", encoding="utf-8")
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    html = render.render_letter(letter, paper="a4", font_set=font_set)
    pdf = typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter)).pdf
    with pytest.raises(AssertionError, match=r"S00013.*past the margin"):
        assert_each_name_once(page_texts(pdf, inside_margins=True), rows)
