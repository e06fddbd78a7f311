"""Long signatory lists through the real pieces (letter.load_letter -> render -> typeset): every name is
printed exactly once, never split across pages, never past the margin, and read down the columns.

letter-pdf lays the columns out itself (letter_pdf/columns.py) rather than with CSS columns (WeasyPrint's
multi-column page breaking has open bugs, #1963 and #2032). A name is found on a page when its text, with
whitespace removed (a wrapped name gains line breaks), occurs in that page's extracted text; the names
carry a serial number so that none is a substring of another. Reading order is measured in the PDF: the
text inside each column's rectangle, page by page, left column first.
"""

from __future__ import annotations

import io
import random
import time
import unicodedata

import pytest
from pypdf import PdfReader

from letter_pdf import letter as letter_module
from letter_pdf import render, typeset
from letter_pdf.fonts import FontSet
from letter_pdf.pipeline import creation_time

from conftest import write_letter

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
    # read down the columns: consecutive organisations stand one under the other in the same column,
    # or the next one starts the next column (or page) at the top
    organisations = [row["name"].split()[0][:6] for row in rows if row["kind"] == "organisation"]
    breaks = 0
    for index in range(40, 200):
        here, following = position(pdf, organisations[index]), position(pdf, organisations[index + 1])
        if here[0] == following[0] and abs(here[1] - following[1]) < 0.5:
            assert following[2] < here[2], (index, here, following)  # same column: below
        else:
            breaks += 1
            assert following[2] > here[2] or following[0] == here[0] + 1, (index, here, following)
            assert following[1] > here[1] or following[0] == here[0] + 1, (index, here, following)
    assert breaks >= 4


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


# --- reading order, balance and group headings, measured in the PDF --------------------------------

FIRST_WORDS = ["Белорусский", "Комитет", "Правозащитный", "Фонд", "Amnesty", "Zorro", "Helsinki", "Ärzte",
               "Łódź", "Open", "Civil", "Мемориал", "Östra", "Eesti", "Fundacja", "Ґанок"]
MORE_WORDS = ["центр", "for", "Human", "Rights", "Committee", "e.V.", "Foundation", "инициатива",
              "Association of the Defence of Liberties and Justice"]
GIVEN = ["Иван", "Людмила", "Anna", "Jan", "Olena"]
FAMILY = ["Петров", "Алексеева", "Zimmer", "Abbott", "Kowalska", "Шевченко"]
TAG = r"T\d{3}"


def ordered_rows(n: int, *, countries: list[str] | None = None, seed: int = 11) -> list[dict[str, str]]:
    """``n`` signatories whose names carry a unique tag T000..T999 (tags shuffled, so that alphabetical order
    is not tag order); every 10th an individual, written "Given TAG Family"."""
    rng = random.Random(seed)
    tags = rng.sample(range(1000), n)
    rows = []
    for i in range(n):
        tag = f"T{tags[i]:03d}"
        if i % 10 == 9:
            name, kind = f"{rng.choice(GIVEN)} {tag} {rng.choice(FAMILY)}", "individual"
        else:
            words = " ".join(rng.choice(MORE_WORDS) for _ in range(rng.choice([0, 1, 1, 2, 5])))
            name, kind = f"{rng.choice(FIRST_WORDS)} {words} {tag}".replace("  ", " "), "organisation"
        rows.append({"name": name, "country": rng.choice(countries or ["PL", "FR", "", "UA"]), "kind": kind,
                     "role": "Director" if kind == "individual" else ""})
    return rows


def build_letter(folder, rows, front) -> tuple[bytes, list[str]]:
    """The typeset letter and its entries' tags in the order the letter prints them."""
    import re

    from letter_pdf.arrange import printed_list

    path = write_letter(folder, rows=rows, front=front)
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    html = render.render_letter(letter, paper="a4", font_set=font_set)
    pdf = typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter)).pdf
    return pdf, [re.search(TAG, s.name).group(0) for s in printed_list(letter).signatories]


def column_rects(columns: int) -> list[tuple[float, float]]:
    """(left, right) of each column in points: the text area is 25-190 mm, columns 8 mm apart."""
    width = (165 - 8 * (columns - 1)) / columns
    return [((25 + c * (width + 8) - 1) * MM, (25 + c * (width + 8) + width + 1) * MM) for c in range(columns)]


def columns_text(pdf: bytes, columns: int) -> list[list[str]]:
    """Per page, per column: the text inside the column's rectangle (PDFium), between the running head
    and the page number, NFC."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            _width, height = page.get_size()
            textpage = page.get_textpage()
            pages.append([unicodedata.normalize("NFC", textpage.get_text_bounded(
                left=left, bottom=20 * MM, right=right, top=height - 24 * MM)) for left, right in column_rects(columns)])
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


def tags_in(text: str) -> list[str]:
    import re

    return re.findall(TAG, text)


def list_pages(pages: list[list[str]]) -> list[list[str]]:
    return [page for page in pages if any(tags_in(column) for column in page)]


@pytest.fixture(scope="module")
def alphabetical(tmp_path_factory):
    rows = ordered_rows(150)
    built = {}
    for columns in (1, 2, 3):
        front = {"order": "alphabetical", "group_by": "kind", "columns": str(columns)}
        built[columns] = build_letter(tmp_path_factory.mktemp(f"c{columns}"), rows, front)
    return built


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_an_alphabetical_list_reads_down_the_columns(alphabetical, columns):
    pdf, expected = alphabetical[columns]
    pages = list_pages(columns_text(pdf, columns))
    read = [tag for page in pages for column in page for tag in tags_in(column)]
    assert read == expected  # left column top to bottom, then the next, page by page: the sorted order
    assert len(pages) >= 2
    if columns > 1:  # the columns are really used: a full page has text in every column
        assert all(tags_in(column) for column in pages[0 if len(pages) > 2 else 1])


def column_lines(pdf: bytes, page_index: int, columns: int) -> list[list[tuple[float, float, float]]]:
    """Per column of a page: its text lines as (top, bottom, left) in points, top to bottom (characters
    grouped by their baseline; running head and page number left out)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[page_index]
        height = page.get_size()[1]
        textpage = page.get_textpage()
        lines: list[dict[float, list[float]]] = [{} for _ in range(columns)]
        for index in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(index)
            if right - left <= 0 or bottom < 20 * MM or top > height - 24 * MM:
                continue  # spaces, the page number, the running head
            for c, (x0, x1) in enumerate(column_rects(columns)):
                if x0 <= left <= x1:
                    line = next((k for k in lines[c] if abs(k - bottom) < 2.5), bottom)
                    box = lines[c].setdefault(line, [top, bottom, left])
                    box[0], box[1], box[2] = max(box[0], top), min(box[1], bottom), min(box[2], left)
        textpage.close()
        page.close()
    finally:
        document.close()
    return [sorted((tuple(v) for v in column.values()), reverse=True) for column in lines]


@pytest.mark.parametrize("columns", [2, 3])
def test_the_last_page_is_balanced(alphabetical, columns):
    """On the last list page the columns' heights differ by at most one entry (the tallest there). An entry
    starts with a line at the column's left edge (wrapped lines hang 3 mm to the right)."""
    pdf, _expected = alphabetical[columns]
    pages = columns_text(pdf, columns)
    last = max(i for i, page in enumerate(pages) if any(tags_in(column) for column in page))
    lines = column_lines(pdf, last, columns)
    assert all(lines), f"a column of the last page is empty: {[len(c) for c in lines]}"
    heights, entries = [], []
    for column, (x0, _x1) in zip(lines, column_rects(columns)):
        starts = [line for line in column if line[2] < x0 + 1 * MM + 1]
        bottom = min(line[1] for line in column)
        heights.append(column[0][0] - bottom)
        entries += [a[0] - b[0] for a, b in zip(starts, starts[1:])] + [starts[-1][0] - bottom]
    tallest = max(entries)
    for a, b in zip(heights, heights[1:]):
        assert abs(a - b) <= tallest + 1, (heights, tallest)


@pytest.fixture(scope="module")
def grouped(tmp_path_factory):
    rows = ordered_rows(180, countries=["PL", "FR", "UA", "DE"], seed=5)
    front = {"order": "alphabetical", "group_by": "country", "lang": "ru"}
    pdf, _tags = build_letter(tmp_path_factory.mktemp("grouped"), rows, front)
    return pdf, rows


def test_grouped_every_list_page_starts_with_its_heading_and_no_heading_ends_a_column(grouped):
    """Russian letter grouped by country: each list page begins with a heading, "(продолжение)" when its
    group goes on from the page before; every entry stands under its own country's heading; no heading is
    the last line of a column (nor of a page)."""
    import re

    from letter_pdf import countries, labels
    from letter_pdf.counts import heading as section_heading

    pdf, rows = grouped
    group_of = {}
    for row in rows:
        tag = re.search(TAG, row["name"]).group(0)
        group_of[tag] = section_heading("individuals", "ru") if row["kind"] == "individual" else \
            countries.display_name(row["country"], "ru")
    continued = labels.label("continued", "ru").upper()
    heading_line = re.compile(r"^(.+) \((\d+|" + continued + r")\)$")
    pages = list_pages(columns_text(pdf, 2))
    assert len(pages) >= 3
    current, seen_in_group, counts, continued_pages = None, 0, {}, 0
    for number, page in enumerate(pages):
        for c, column in enumerate(page):
            lines = [line.strip() for line in column.replace("\r", "").split("\n") if line.strip()]
            if number == 0 and c == 0:
                lines = lines[lines.index(labels.label("signatories", "ru")) + 1:]
            assert lines, (number, c)
            assert not heading_line.match(lines[-1]), f"a heading ends column {c + 1} of list page {number + 1}"
            if c == 0:
                first = heading_line.match(lines[0])
                assert first, f"list page {number + 1} starts with {lines[0]!r}, not a heading"
                group_open = current is not None and seen_in_group < counts[current]
                if group_open:
                    assert lines[0] == f"{current.upper()} ({continued})", (number, lines[0])
                    continued_pages += 1
                else:
                    assert first.group(2) != continued, (number, lines[0])
            for line in lines:
                found = heading_line.match(line)
                if found and found.group(2) != continued:
                    current = next(g for g in set(group_of.values()) if g.upper() == found.group(1))
                    counts[current], seen_in_group = int(found.group(2)), 0
                for tag in tags_in(line):
                    assert group_of[tag] == current, f"{tag} ({group_of[tag]}) printed under {current}"
                    seen_in_group += 1
    assert continued_pages >= 1
    assert sum(counts.values()) == len(rows)


def test_an_entry_taller_than_a_column_is_refused_with_its_line(tmp_path):
    from letter_pdf.errors import SignatoryError

    rows = [{"name": "Organisation One", "country": "GB", "kind": "organisation", "role": ""},
            {"name": "Anna Example", "country": "", "kind": "individual", "role": "Director " * 6000}]
    path = write_letter(tmp_path / "tall", rows=rows, front={"columns": "3"})
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    html = render.render_letter(letter, paper="a4", font_set=font_set)
    with pytest.raises(SignatoryError, match="'Anna Example' is taller than a column") as error:
        typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter))
    assert error.value.where == f"{letter.signatories_path}:3"  # build names it as typed
    assert "columns: 1" in error.value.hint
