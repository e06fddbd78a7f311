"""The page check, measured on the PDF (PDFium's character boxes, mm from the page's top left corner):
the recipient inside the envelope's window or refused saying how many lines fit, the return line on one
line, the cover on one page, no text over text or in the margin, no word hyphenated across a page break."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from letter_pdf import letter as letter_module
from letter_pdf import pagecheck, pipeline, render, typeset
from letter_pdf.errors import LayoutError
from letter_pdf.fonts import FontSet

from conftest import run_main, write_letter

pytestmark = pytest.mark.slow

MM = 72 / 25.4
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        '<circle cx="32" cy="32" r="30" fill="#1f3a5f"/></svg>')  # a logo as tall as the letterhead allows
BUNDLED_CSS = Path(__file__).resolve().parents[1] / "templates" / "letter.css"
EXAMPLE_SENDER = {
    "name": "Civil Society Solidarity Network",
    "address": ["12 Example Row", "London EC1A 1AA", "United Kingdom"],
}


def text_lines(pdf: Path, page_index: int) -> list[dict]:
    """The lines of text on a page, top to bottom: text (NFC; PDFium's line-end hyphen as '-'), the ink box
    of its characters in mm from the top left corner, the largest font size. Characters on one baseline
    belong to one line unless more than 4 mm apart (the address field and the information block)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    matrix = raw.FS_MATRIX()
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[page_index]
        height = page.get_size()[1]
        textpage = page.get_textpage()
        chars, spaces = [], set()
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1).replace("\x02", "-").replace("\ufffe", "-")
            if not char.strip():
                spaces.add(i)
                continue
            left, bottom, right, top = textpage.get_charbox(i)
            _l, loose_bottom, _r, _t = textpage.get_charbox(i, loose=True)
            raw.FPDFText_GetMatrix(textpage.raw, i, ctypes.byref(matrix))  # WeasyPrint scales px to pt
            size = raw.FPDFText_GetFontSize(textpage.raw, i) * abs(matrix.d)
            chars.append({"index": i, "char": char, "x0": left / MM, "top": (height - top) / MM, "x1": right / MM,
                          "bottom": (height - bottom) / MM, "base": (height - loose_bottom) / MM, "size": size})
    finally:
        document.close()
    rows: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: c["base"]):
        if rows and abs(rows[-1][0]["base"] - char["base"]) < 0.5:
            rows[-1].append(char)
        else:
            rows.append([char])
    result = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        segments = [[row[0]]]
        for char in row[1:]:
            if char["x0"] - segments[-1][-1]["x1"] > 4:
                segments.append([char])
            else:
                segments[-1].append(char)
        for segment in segments:
            in_order = sorted(segment, key=lambda c: c["index"])  # the spaces PDFium found lie between
            text = in_order[0]["char"]
            for previous, char in zip(in_order, in_order[1:]):
                gap = any(i in spaces for i in range(previous["index"] + 1, char["index"]))
                text += (" " if gap else "") + char["char"]
            result.append({
                "text": unicodedata.normalize("NFC", text),
                "x0": segment[0]["x0"], "x1": max(c["x1"] for c in segment),
                "top": min(c["top"] for c in segment), "bottom": max(c["bottom"] for c in segment),
                "size": max(c["size"] for c in segment),
            })
    return sorted(result, key=lambda r: (round(r["top"], 1), r["x0"]))


# --- the recipient in the window -----------------------------------------------------------------

# lines given -> None (fits as set), "fitted" (smaller), or the number of lines that fit (refused)
EXPECTED = {
    "a4": {1: None, 2: None, 3: None, 4: None, 5: None, 6: "fitted", 7: "fitted", 8: "fitted", 9: 8},
    "letter": {1: None, 2: None, 3: None, 4: None, 5: None, 6: "fitted", 7: "fitted", 8: 7, 9: 7},
}


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("n", range(1, 10))
def test_the_recipient_lies_inside_the_window_or_is_refused(tmp_path, paper, n):
    address = [f"Address line {i}" for i in range(2, n + 1)]
    path = write_letter(tmp_path, front={"paper": paper, "cover": False, "sender": EXAMPLE_SENDER,
                                         "recipient": {"name": "The Minister", "address": address}})
    expected = EXPECTED[paper][n]
    window = pagecheck.WINDOWS[paper]
    if isinstance(expected, int):
        with pytest.raises(LayoutError) as caught:
            pipeline.build(path)
        assert str(caught.value) == (
            f"{path}, field 'recipient': the recipient's name and address take {n} lines; {expected} lines fit in the "
            f"window of {window.envelope}, even in 8 pt — shorten the recipient's name and address to "
            f"{expected} lines (a line too long for the window wraps and counts twice)")
        assert not path.with_suffix(".pdf").exists()
        return
    result = pipeline.build(path)
    wanted = ["The Minister", *address]
    lines = [line for line in text_lines(result.output, 0) if line["text"] in wanted]
    assert [line["text"] for line in lines] == wanted  # every line printed, once, in order
    for line in lines:
        assert window.left <= line["x0"] and line["x1"] <= window.right, line
        assert window.top <= line["top"] and line["bottom"] <= window.bottom, line
    sizes = {round(line["size"], 2) for line in lines}
    pitch = (lines[-1]["bottom"] - lines[0]["bottom"]) / (n - 1) / 25.4 * 72 if n > 1 else 13
    if expected is None:
        assert sizes == {10} and pitch == pytest.approx(13, abs=0.05)
        assert not [note for note in result.notes if note.startswith("the recipient")]
    else:  # fitted: tighter lines or smaller type, and the build says so
        assert max(sizes) <= 10 and pitch < 12.9
        assert [note for note in result.notes if note.startswith("the recipient's address is set ")]


def test_letter_pdf_check_runs_the_page_check(tmp_path, capsys):
    address = [f"Address line {i}" for i in range(2, 10)]
    path = write_letter(tmp_path, front={"recipient": {"name": "The Minister", "address": address}})
    code, _out, err = run_main(["check", str(path)], capsys)
    assert code == 1
    assert (f"error: {path}, field 'recipient': the recipient's name and address take 9 lines; 8 lines fit in the window "
            f"of a DL or C6/5 envelope (DIN 5008 form B), even in 8 pt") in err


def test_a_wrapped_recipient_line_counts_and_the_build_says_so(tmp_path):
    name = "Permanent Mission of the Republic of Examplestan to the United Nations Office at Geneva"
    address = [f"Address line {i}" for i in range(2, 7)]  # 6 lines given, the first wraps at 10 pt
    path = write_letter(tmp_path, front={"cover": False, "recipient": {"name": name, "address": address}})
    result = pipeline.build(path)
    window = pagecheck.WINDOWS["a4"]
    lines = [line for line in text_lines(result.output, 0)
             if window.left <= line["x0"] < window.right and window.top - 1 < line["top"] < window.bottom + 5]
    assert len(lines) >= 7  # the name takes two lines
    for line in lines:
        assert line["bottom"] <= window.bottom and line["x1"] <= window.right, line


# --- the return line -----------------------------------------------------------------------------


def return_lines(pdf: Path, paper: str) -> list[dict]:
    window = pagecheck.WINDOWS[paper]
    return [line for line in text_lines(pdf, 0)
            if window.return_top - 1 <= line["top"] and line["bottom"] <= window.return_top + 18
            and line["x0"] < window.right and line["size"] < 8]


@pytest.mark.parametrize("paper, expected, note", [
    ("a4", "Civil Society Solidarity Network · 12 Example Row · London EC1A 1AA",
     "the return line above the recipient leaves out 'United Kingdom' to fit on one line"),
    ("letter", "Civil Society Solidarity Network, 12 Example Row, London EC1A 1AA, United Kingdom", None),
])
def test_the_return_line_is_one_line_without_a_trailing_separator(tmp_path, paper, expected, note):
    path = write_letter(tmp_path, front={"paper": paper, "cover": False, "sender": EXAMPLE_SENDER})
    result = pipeline.build(path)
    lines = return_lines(result.output, paper)
    assert [line["text"] for line in lines] == [expected]
    line = lines[0]
    assert not line["text"].rstrip().endswith(("·", ","))
    assert line["size"] >= pagecheck.RETURN_FLOOR - 0.01
    window = pagecheck.WINDOWS[paper]
    assert window.left <= line["x0"] and line["x1"] <= window.right
    assert (note in result.notes) if note else not [n for n in result.notes if "return line" in n]


def test_a_return_line_that_cannot_fit_is_refused(tmp_path):
    sender = {"name": "The Coalition of Independent Civil Society Organisations for Human Rights and Democracy",
              "address": ["Building 12, Long Example Row", "London EC1A 1AA"]}
    path = write_letter(tmp_path, front={"cover": False, "sender": sender})
    with pytest.raises(LayoutError) as caught:
        pipeline.build(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, field 'sender': the sender's return line does not fit on one line in the "
                              "window of a DL or C6/5 envelope (DIN 5008 form B), even in 6 pt: it is ")
    assert message.endswith("— shorten the sender's name or address lines (the return line prints them all on one line)")
    assert not path.with_suffix(".pdf").exists()


# --- the cover page --------------------------------------------------------------------------------

COVER_FRONT = {
    "title": "Joint letter of civil society organisations on the freedom of association",
    "subject": "Let independent organisations work without the “foreign agent” label",
    "logo": "logo.svg",
    "reference": "CS-2026/041",
    "sender": {**EXAMPLE_SENDER, "contact": ["+44 20 7946 0000", "Registered charity 1234567",
                                             "coordination@example.org", "www.example.org"]},
    "recipient": {"name": "President of the Russian Federation", "address": ["The Kremlin", "Moscow, 103132", "Russia"]},
    "cc": ["Commissioner for Human Rights of the Russian Federation",
           "Permanent Mission of the Russian Federation to the United Nations Office at Geneva"],
    "cover": {"channel": "By e-mail and registered post", "note": "Please acknowledge receipt to coordination@example.org."},
    "enclosures": ["Russian translation of this letter",
                   "Report on the law of 2012 on foreign agents and its application since then",
                   "Signed originals (sent by post)"],
}


def cover_pages(pdf: Path) -> list[int]:
    labels = PdfReader(str(pdf)).page_labels
    return [i for i, label in enumerate(labels) if not label[:1].isdigit()]


@pytest.mark.parametrize("case", ["pt-BR, US Letter", "fr, 11 pt"])
def test_the_cover_is_one_page(tmp_path, case):
    (tmp_path / "logo.svg").write_text(LOGO, encoding="utf-8")
    if case == "fr, 11 pt":
        front = {**COVER_FRONT, "lang": "fr"}
        (tmp_path / "letter.css").write_text(
            BUNDLED_CSS.read_text(encoding="utf-8").replace("--body-size: 10.5pt", "--body-size: 11pt"), encoding="utf-8")
    else:
        front = {**COVER_FRONT, "lang": "pt-BR", "paper": "letter"}
    path = write_letter(tmp_path, front=front)
    result = pipeline.build(path)
    assert cover_pages(result.output) == [0]
    lines = [line["text"] for line in text_lines(result.output, 0)]
    assert "Please acknowledge receipt to coordination@example.org." in lines  # the last part, on the cover
    assert "Signed originals (sent by post)" in lines


def test_a_long_list_of_enclosures_goes_in_two_columns_on_the_one_cover_page(tmp_path):
    (tmp_path / "logo.svg").write_text(LOGO, encoding="utf-8")
    titles = [f"Statement of partner {i}" for i in range(1, 19)]
    path = write_letter(tmp_path, front={**COVER_FRONT, "enclosures": titles})
    result = pipeline.build(path)
    assert cover_pages(result.output) == [0]
    lines = [line for line in text_lines(result.output, 0) if line["text"] in titles]
    assert sorted(line["text"] for line in lines) == sorted(titles)  # each printed once, on the cover
    left = [line["text"] for line in lines if line["x0"] < 100]
    right = [line["text"] for line in lines if line["x0"] >= 100]
    assert left == titles[:9] and right == titles[9:]  # read down the first column, then the second
    assert "the cover page is set with tighter spacing and smaller type to fit on one page" in result.notes


def test_a_cover_that_cannot_fit_is_refused_naming_the_longest_part(tmp_path):
    front = {**COVER_FRONT, "logo": None, "enclosures": [
        f"Annex {i}: statement of a partner organisation on the consequences of the law for its work and for the "
        f"people it serves, with its documents" for i in range(40)]}
    path = write_letter(tmp_path, front={k: v for k, v in front.items() if v is not None})
    with pytest.raises(LayoutError) as caught:
        pipeline.build(path)
    assert re.fullmatch(
        re.escape(f"{path}, field 'enclosures': the cover page takes ") + r"[2-9] pages, even with tighter spacing "
        r"and smaller type; the longest part is the list of enclosures \([0-9]{2,3} lines\) — shorten the list of "
        r"enclosures, or build without a cover page \('cover: false' in the front matter, or --no-cover\)",
        str(caught.value)), str(caught.value)
    assert not path.with_suffix(".pdf").exists()


# --- overlaps and margins ---------------------------------------------------------------------------


def with_css(folder: Path, extra: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "letter.css").write_text(BUNDLED_CSS.read_text(encoding="utf-8") + "\n" + extra + "\n", encoding="utf-8")


def test_a_planted_overlap_is_caught(tmp_path):
    with_css(tmp_path, ".subject { margin-top: -30mm; }")  # the subject pulled up over the return line
    path = write_letter(tmp_path, front={"cover": False})
    with pytest.raises(LayoutError) as caught:
        pipeline.build(path)
    assert str(caught.value) == (
        f"{path}: the letter, page 1: the text 'Protect civil society organisations' overlaps "
        "'Example Coalition · 1 Example Street ·…' — a letter.css or template in the letter's folder places it "
        "there; otherwise please report this as a bug")
    assert not path.with_suffix(".pdf").exists()


def test_text_in_the_margin_is_caught(tmp_path):
    with_css(tmp_path, ".opening { margin-left: -12mm; }")
    path = write_letter(tmp_path, front={"cover": False})
    with pytest.raises(LayoutError) as caught:
        pipeline.build(path)
    assert str(caught.value) == (
        f"{path}: the letter, page 1: the text 'Dear Minister,' runs 12.0 mm into the left margin — a letter.css "
        "or template in the letter's folder places it there; otherwise please report this as a bug")


def test_a_long_web_address_in_the_body_is_caught(tmp_path):
    body = "See https://example.org/" + "a" * 150 + " for details.\n"
    path = write_letter(tmp_path, front={"cover": False}, body=body)
    with pytest.raises(LayoutError) as caught:
        pipeline.build(path)
    assert "mm into the right margin — break or shorten the long word or web address" in str(caught.value)


# --- hyphenation across a page break ----------------------------------------------------------------

WORDS = ("the organisations responsibilities internationalisation administrative independent accountability "
         "documentation consultation transparency").split()


def hyphen_body() -> str:
    """Nine paragraphs whose first page ends in 'transpar-' / 'ency' when hyphenated freely."""
    paragraphs = []
    for p in range(9):
        words = [WORDS[(p * 7 + i * 3) % len(WORDS)] for i in range(60 + (12 if p == 0 else 0))]
        paragraphs.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(paragraphs) + "\n"


def last_body_line(pdf: Path, page_index: int) -> str:
    reader_height = 297
    lines = [line for line in text_lines(pdf, page_index) if line["bottom"] < reader_height - 22 and line["size"] > 9]
    return lines[-1]["text"]


def test_no_word_is_hyphenated_across_a_page_break(tmp_path):
    path = write_letter(tmp_path / "checked", front={"cover": False}, body=hyphen_body())
    # without the page check, the first page ends in the middle of a word
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    plain = typeset.typeset(render.render_letter(letter, paper="a4", font_set=font_set), letter=letter,
                            font_set=font_set, created=pipeline.creation_time(letter))
    (tmp_path / "plain.pdf").write_bytes(plain.pdf)
    assert re.search(r"\w-$", last_body_line(tmp_path / "plain.pdf", 0))  # e.g. "transpar-" / "internationalisa-"
    # through the page check, it does not
    result = pipeline.build(path)
    assert not last_body_line(result.output, 0).endswith("-")
    assert not last_body_line(result.output, 1).endswith("-")


def test_without_a_recipient_the_return_line_still_sits_in_the_us_window(tmp_path):
    path = write_letter(tmp_path, drop=("recipient",), front={"paper": "letter", "cover": False})
    result = pipeline.build(path)
    window = pagecheck.WINDOWS["letter"]
    lines = return_lines(result.output, "letter")
    assert [line["text"] for line in lines] == ["Example Coalition · 1 Example Street · London"]
    assert window.top <= lines[0]["top"] and lines[0]["bottom"] <= window.bottom


LONG_WORDS = ["internationalisation", "responsibilities", "accountability", "telecommunications",
              "characteristically", "incomprehensibility", "administratively", "interdependencies",
              "representativeness", "institutionalised"]
SHORT_WORDS = ["and", "the", "of", "a", "to", "in", "we", "our"]


def long_word_paragraph(count: int, end: str) -> str:
    """A justified paragraph of long words (a fixed pseudo-random order) that WeasyPrint hyphenates a lot."""
    x, words = 7, []
    for _ in range(count):
        x = (x * 1103515245 + 12345) % 2**31
        words.append(LONG_WORDS[x % len(LONG_WORDS)] if x % 3 else SHORT_WORDS[x % len(SHORT_WORDS)])
    return " ".join(words).capitalize() + end + "\n"


# found by trying lengths (the layout decides): as WeasyPrint sets them, the first paragraph hyphenates more
# than two lines in a row but not its second last line, the second its second last line but never more than
# two lines in a row, so that each rule of the page check is tested on its own
HYPHEN_BODY = long_word_paragraph(90, ".") + "\n" + long_word_paragraph(51, " accountability.")


def paragraphs_of_lines(pdf: Path) -> list[list[str]]:
    """The long-word paragraphs on page 1, each a list of whole lines (justified words are far apart)."""
    rows: list[list[dict]] = []
    for line in text_lines(pdf, 0):
        if line["size"] > 9 and any(w[:6] in line["text"].lower() for w in LONG_WORDS + ["alisation"]):
            if rows and abs(rows[-1][0]["top"] - line["top"]) < 0.5:
                rows[-1].append(line)
            else:
                rows.append([line])
    paragraphs: list[list[str]] = []
    for i, row in enumerate(rows):
        text = " ".join(part["text"] for part in sorted(row, key=lambda p: p["x0"]))
        if i == 0 or row[0]["top"] - rows[i - 1][0]["top"] > 6:  # a line is about 5.3 mm, a paragraph gap 3 mm more
            paragraphs.append([])
        paragraphs[-1].append(text)
    return paragraphs


def hyphen_runs(lines: list[str]) -> list[int]:
    runs, run = [], 0
    for line in lines[:-1]:
        run = run + 1 if re.search(r"\w-$", line) else 0
        runs.append(run)
    return runs


def test_no_paragraph_hyphenates_its_second_last_line_or_three_lines_in_a_row(tmp_path):
    path = write_letter(tmp_path / "checked", front={"cover": False, "align": "justify"}, body=HYPHEN_BODY)
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    plain = typeset.typeset(render.render_letter(letter, paper="a4", font_set=font_set), letter=letter,
                            font_set=font_set, created=pipeline.creation_time(letter))
    (tmp_path / "plain.pdf").write_bytes(plain.pdf)
    runs, second_last = paragraphs_of_lines(tmp_path / "plain.pdf")
    assert max(hyphen_runs(runs)) > pagecheck.MAX_HYPHENS_IN_A_ROW and not runs[-2].endswith("-")
    assert max(hyphen_runs(second_last)) <= pagecheck.MAX_HYPHENS_IN_A_ROW and second_last[-2].endswith("-")
    result = pipeline.build(path)
    after = paragraphs_of_lines(result.output)
    assert len(after) == 2 and all(len(lines) >= 5 for lines in after)
    for lines in after:
        assert max(hyphen_runs(lines)) <= pagecheck.MAX_HYPHENS_IN_A_ROW
        assert not lines[-2].endswith("-")


# --- the information block: beside the window, never inside it ------------------------------------------


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_information_block_does_not_show_through_the_window(tmp_path, paper):
    """References, place and date sit right of the window (on US Letter the #10 window is 136.5 mm wide
    from the left edge of the sheet, so the block starts right of it), or below it."""
    path = write_letter(tmp_path, front={"paper": paper, "cover": False, "sender": EXAMPLE_SENDER,
                                         "reference": "CSSN-2026-014", "their_reference": "MIN/88"})
    result = pipeline.build(path)
    lines = text_lines(result.output, 0)
    window = pagecheck.WINDOWS[paper]
    date = next(line for line in lines if line["text"].startswith("London, ") and line["text"].endswith("2026"))
    anchor = min(line["x0"] for line in lines if line["text"] in ("CSSN-2026-014", "MIN/88") or line is date)
    info = [line for line in lines if line["top"] <= date["top"] and abs(line["x0"] - anchor) < 1.5]  # flush left
    assert [line["text"] for line in info] == ["YOUR REF.", "MIN/88", "OUR REF.", "CSSN-2026-014", date["text"]]
    for line in info:
        assert line["x0"] > window.right or line["top"] > window.bottom, line
        assert line["x1"] <= (215.9 if paper == "letter" else 210) - 20, line  # inside the text area
