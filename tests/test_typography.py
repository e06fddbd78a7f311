"""Typography of the letter, measured on the PDF: the place-and-date line per language, the order of the
references on the letter and its cover, flush-left body text (justified on request) and the limits on
hyphenation."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from letter_pdf import assemble, assets, labels, render, typeset
from letter_pdf.errors import InputError
from letter_pdf.fonts import FontSet
from letter_pdf.letter import load_letter

from conftest import write_letter

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "joint-letter" / "letter.md"
CREATED = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
MM = 72 / 25.4
INFO_LEFT = 125 * MM  # the information block (references, place and date): right of this, on A4,
BAND = (45 * MM, 90 * MM)  # and between these heights (the address band of DIN 5008 form B)


def typeset_letter(path: Path) -> bytes:
    letter = load_letter(path)
    font_set = FontSet.for_letter(letter)
    html = render.render_letter(letter, paper=letter.paper, font_set=font_set)
    return typeset.typeset(html, letter=letter, font_set=font_set, created=CREATED).pdf


def typeset_cover(path: Path) -> bytes:
    letter = load_letter(path)
    font_set = FontSet.for_letter(letter)
    html = render.render_cover(letter, paper=letter.paper, font_set=font_set, enclosures=assemble.enclosure_entries(letter))
    return typeset.typeset(html, letter=letter, font_set=font_set, created=CREATED).pdf


def text_lines(pdf: bytes, page: int = 0, box: tuple[float, float, float, float] | None = None) -> list[dict]:
    """The lines of a page (or of the part of it inside ``box``: x0, top, x1, bottom) as pdfplumber reads
    them: text (NFC), x0, x1, top, size of the first character."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        area = doc.pages[page]
        if box is not None:
            area = area.within_bbox(box)
        return [
            {"text": unicodedata.normalize("NFC", line["text"]), "x0": line["x0"], "x1": line["x1"],
             "top": line["top"], "size": line["chars"][0]["size"]}
            for line in area.extract_text_lines(return_chars=True)
        ]


def info_block(pdf: bytes) -> list[dict]:
    """The lines of the information block of the letter's first page, top to bottom."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        width = doc.pages[0].width
    return sorted(text_lines(pdf, 0, (INFO_LEFT - 1, BAND[0], width, BAND[1])), key=lambda line: line["top"])


def body_lines(pdf: bytes, first: str, last: str) -> list[dict]:
    """The lines of body text (10.5 pt) between the line starting with ``first`` (the opening, excluded)
    and the line starting with ``last`` (the closing, excluded), over every page."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)
    out, inside = [], False
    for page in range(pages):
        for line in text_lines(pdf, page):
            if line["text"].startswith(first):
                inside = True
            elif line["text"].startswith(last):
                return out
            elif inside and abs(line["size"] - 10.5) < 0.1:
                out.append({**line, "page": page})
    raise AssertionError(f"no line starting with {last!r} after {first!r}")


# ---- the place-and-date line ---------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(
    "lang, place, date, expected",
    [
        ("fr", "Paris", "2026-12-03", "Paris, le 3 décembre 2026"),
        ("fr", "Paris", "2026-12-01", "Paris, le 1er décembre 2026"),
        ("de", "Berlin", "2026-12-03", "Berlin, 3. Dezember 2026"),
        ("en", "New York", "2026-12-03", "New York, December 3, 2026"),
        ("en-GB", "London", "2026-12-03", "London, 3 December 2026"),
        ("ru", "Москва", "2026-12-03", "Москва, 3 декабря 2026\u202fг."),
        ("pl", "Warszawa", "2026-12-03", "Warszawa, 3 grudnia 2026\u00a0r."),
    ],
)
def test_place_and_date_line_as_printed_on_letter_and_cover(tmp_path, lang, place, date, expected):
    path = write_letter(tmp_path, front={"lang": lang, "place": place, "date": date})
    # The no-break spaces of the date ("2026\u202fг.", "2026\u00a0r.") come out of the PDF as spaces: the
    # fonts draw them with the space glyph, whose text is U+0020.
    printed = expected.replace("\u202f", " ").replace("\u00a0", " ")
    info = [line["text"] for line in info_block(typeset_letter(path))]
    assert info == [printed]
    cover = [line["text"] for line in text_lines(typeset_cover(path))]
    assert [text for text in cover if text.endswith(printed)] == [f"{labels.label('date', lang)} {printed}"]


# ---- the order of the references -----------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "de"])
def test_your_reference_comes_before_ours_on_the_letter_and_on_the_cover(tmp_path, lang):
    path = write_letter(tmp_path, front={"lang": lang, "reference": "OUR-1", "their_reference": "THEIR-2"})
    letter_order = [line["text"] for line in info_block(typeset_letter(path))]
    assert letter_order[:4] == [labels.label("your_ref", lang).upper(), "THEIR-2",
                                labels.label("our_ref", lang).upper(), "OUR-1"]
    cover_lines = sorted(text_lines(typeset_cover(path)), key=lambda line: line["top"])
    cover_order = [line["text"] for line in cover_lines if line["text"].endswith(("OUR-1", "THEIR-2"))]
    assert cover_order == [f"{labels.label('your_reference', lang)} THEIR-2",
                           f"{labels.label('our_reference', lang)} OUR-1"]


# ---- flush left by default, justified on request ---------------------------------------------------

PARAGRAPH = (
    "Independent associations already report to the authorities and to the public on their activities and "
    "their funding, and they answer every question that is put to them. The additional burden does not make "
    "them more transparent; it makes them less able to help the people who rely on them every day, in towns "
    "and villages where no other help is available, and it keeps volunteers and donors away from their work. "
    "We therefore ask you to review the legislation and to let every organisation contest its listing in "
    "court before any sanction is applied to it or to the people who work with it."
)


@pytest.fixture(scope="module")
def alignment_pdfs(tmp_path_factory) -> dict[str, list[dict]]:
    out = {}
    for align in ("default", "justify"):
        front = {} if align == "default" else {"align": "justify"}
        path = write_letter(tmp_path_factory.mktemp(align), front=front, body=PARAGRAPH + "\n")
        lines = body_lines(typeset_letter(path), "Dear Minister,", "Yours sincerely,")
        assert len(lines) >= 6, [line["text"] for line in lines]
        out[align] = lines[:-1]  # a paragraph's last line is short in either setting
    return out


@pytest.mark.slow
def test_body_text_is_flush_left_by_default(alignment_pdfs):
    lines = alignment_pdfs["default"]
    assert len({round(line["x0"], 1) for line in lines}) == 1  # one left edge
    rights = [line["x1"] for line in lines]
    assert max(rights) - min(rights) > 10  # a ragged right edge: the lines end where their words end


@pytest.mark.slow
def test_align_justify_sets_every_full_line_to_the_measure(alignment_pdfs):
    lines = alignment_pdfs["justify"]
    assert len({round(line["x0"], 1) for line in lines}) == 1
    rights = [line["x1"] for line in lines]
    assert max(rights) - min(rights) < 0.5


def test_align_accepts_only_left_or_justify(tmp_path):
    path = write_letter(tmp_path, front={"align": "center"})
    line = path.read_text(encoding="utf-8").splitlines().index("align: center") + 1
    with pytest.raises(InputError) as caught:
        load_letter(path)
    assert str(caught.value) == f"{path}:{line}, field 'align': 'center' is not a valid align — use one of: left, justify"
    assert load_letter(write_letter(tmp_path / "j", front={"align": "justify"})).align == "justify"
    assert load_letter(write_letter(tmp_path / "d")).align == "left"


# ---- hyphenation -----------------------------------------------------------------------------------

def hyphenated_breaks(lines: list[dict], source: str) -> list[tuple[str, str]]:
    """(the word up to the break, the rest of it) for each line that ends in a hyphen the typesetter
    added: the pieces joined are a word of ``source`` (a hyphen written in the text, as in
    "long-established", is not counted). A word broken twice ("re-", "sponsibil-", "ity") gives two."""
    words = set(re.findall(r"\w+", source))
    text = "\n".join(line["text"] for line in lines)
    breaks = []
    for match in re.finditer(r"\w+(?:-\n\w+)+", text):
        pieces = match.group(0).split("-\n")
        word = "".join(pieces)
        if word in words:
            for k in range(1, len(pieces)):
                before = "".join(pieces[:k])
                breaks.append((before, word[len(before):]))
    return breaks


@pytest.mark.slow
def test_the_example_body_has_at_most_one_hyphenated_line(tmp_path):
    lines = body_lines(typeset_letter(EXAMPLE), "Dear Mr President,", "Respectfully yours,")
    breaks = hyphenated_breaks(lines, EXAMPLE.read_text(encoding="utf-8"))
    # Justified as before (greedy lines, every break taken): 4 of 24 lines ended in a hyphen, one of them
    # the poor "activit-ies". Flush left with the limits of letter.css: 1.
    assert len(lines) >= 20
    assert len(breaks) <= 1, breaks
    for before, after in breaks:
        assert len(before + after) >= 6 and len(before) >= 3 and len(after) >= 3, (before, after)


NARROW_WORDS = (
    "water paper table going about under house river music sugar later never over "
    "report hyphen butter "
    "organisations international responsibility administrative independently"
)


@pytest.mark.slow
def test_in_a_narrow_column_short_words_stay_whole_and_breaks_keep_three_letters(tmp_path):
    path = write_letter(tmp_path, body=NARROW_WORDS + "\n")
    css = (assets.templates_dir() / "letter.css").read_text(encoding="utf-8")  # the bundled rules, then:
    (path.parent / "letter.css").write_text(css + "\n.body p { width: 18mm; }\n", encoding="utf-8")
    lines = body_lines(typeset_letter(path), "Dear Minister,", "Yours sincerely,")
    hyphenated = [line["text"] for line in lines if line["text"].endswith("-")]
    breaks = hyphenated_breaks(lines, NARROW_WORDS)
    assert len(breaks) == len(hyphenated)  # every hyphen at a line end is one the typesetter added
    assert len(breaks) >= 4, [line["text"] for line in lines]  # the long words are hyphenated
    assert [f"{before}-{after}" for before, after in breaks if len(before + after) < 6] == []
    assert [f"{before}-{after}" for before, after in breaks if min(len(before), len(after)) < 3] == []
    printed = " ".join(line["text"] for line in lines)
    for word in NARROW_WORDS.split():
        if len(word) < 6:
            assert re.search(rf"(^|\s){word}(\s|$)", printed), f"'{word}' is not printed whole: {printed}"
