"""render: the Jinja2 environment, and the letter as typeset — asserted on the PDF (text, outline, tags,
positions), built once per module through letter.load_letter -> render.render_letter -> typeset.typeset."""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
from pathlib import Path

import jinja2
import jinja2.sandbox
import pytest
from pypdf import PdfReader

from letter_pdf import counts, render, typeset
from letter_pdf import letter as letter_module
from letter_pdf.arrange import printed_list
from letter_pdf.errors import ResourceError
from letter_pdf.fonts import FontSet
from letter_pdf.pipeline import creation_time

from conftest import RESOURCES, read_csv_rows, write_letter

MM = 72 / 25.4
INCH = 72

HOSTILE_ROWS = [
    {"name": "Org B</li><li>Org C", "country": "PL"},
    {"name": "{{ 7*7 }} Foundation", "country": "FR"},
    {"name": "{% if true %}Yes{% endif %} Network", "country": ""},
    {"name": "Fund \"Quotes\" & 'Apostrophes' <Ltd>", "country": "DE"},
    {"name": "AT&T Workers &amp; Friends", "country": "GB"},
]
HOSTILE_NAMES = [row["name"] for row in HOSTILE_ROWS]

BODY = """\
We write about **freedom of association**.

# Background

- first point
- second point

> A quoted sentence.

Raw <b>not bold</b> and {{ not_a_variable }} stay text.
"""


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def signature_png(path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 90), (290, 30)], fill=(10, 20, 90, 255), width=5)
    image.save(path)


def build(path: Path, paper: str | None = None):
    letter = letter_module.load_letter(path)
    font_set = FontSet.for_letter(letter)
    html = render.render_letter(letter, paper=paper or letter.paper, font_set=font_set)
    result = typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter))
    return letter, html, result


class Built:
    def __init__(self, letter, html, result):
        self.letter, self.html, self.result = letter, html, result
        self.reader = PdfReader(io.BytesIO(result.pdf))
        self.pages = [page.extract_text() for page in self.reader.pages]
        self.squeezed = [squeeze(text) for text in self.pages]

    def page_of(self, text: str) -> list[int]:
        return [i for i, page in enumerate(self.squeezed) if squeeze(text) in page]

    def char_box(self, page_index: int, text: str) -> tuple[float, float, float, float]:
        """(left, top-from-page-top, right, bottom-from-page-top) of ``text``'s first character, in points."""
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(self.result.pdf)
        page = document[page_index]
        height = page.get_size()[1]
        textpage = page.get_textpage()
        full = textpage.get_text_range()
        index = full.index(text)
        left, bottom, right, top = textpage.get_charbox(index)
        return left, height - top, right, height - bottom


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> Built:
    folder = tmp_path_factory.mktemp("english")
    signature_png(folder / "signature.png")
    signature_png(folder / "logo.png")
    rows = read_csv_rows(RESOURCES / "foreign-agents-signatories.csv") + HOSTILE_ROWS
    path = write_letter(
        folder,
        rows=rows,
        body=BODY,
        front={
            "subject": "Protect civil society {% raw %} & <associations>",
            "reference": "IOR 46/2026",
            "their_reference": "No. 12-345",
            "logo": "logo.png",
            "sender": {
                "name": "Example Coalition",
                "address": ["1 Example Street", "London WC1X 0DW"],
                "contact": ["+44 20 0000 0000", "office@example.org"],
            },
            "recipient": {"name": "The Minister <of> Justice & \"Rights\"", "address": ["1 Government Road", "Capital City"]},
            "signers": [
                {"name": "Agnès Example", "role": "Secretary General", "organisation": "Example Coalition",
                 "signature": "signature.png"},
                {"name": "Jan Kowalski", "role": "Director", "organisation": "Fundacja Przykład"},
            ],
            "cc": ["Office of the Ombudsman"],
            "enclosures": [{"title": "Briefing on the draft law"}],
        },
    )
    return Built(*build(path))


@pytest.fixture(scope="module")
def german(tmp_path_factory) -> Built:
    folder = tmp_path_factory.mktemp("german")
    rows = [
        {"name": "Fundacja Przykład", "country": "PL", "kind": "organisation", "role": ""},
        {"name": "Правозащитный центр", "country": "RU", "kind": "organisation", "role": ""},
        {"name": "Erika Mustermann", "country": "DE", "kind": "individual", "role": "Vorsitzende, Beispielverein"},
    ]
    path = write_letter(
        folder,
        rows=rows,
        front={
            "lang": "de",
            "place": "Berlin",
            "paper": "letter",
            "group_by": "kind",
            "signature_layout": "stacked",
            "reference": "AZ 1/26",
            "subject": "Schutz der Vereinigungsfreiheit",
            "signers": [{"name": "Erika Mustermann", "role": "Vorsitzende"}, {"name": "Max Muster", "role": "Geschäftsführer"}],
            "cc": ["Bundesministerium der Justiz"],
            "enclosures": [{"title": "Stellungnahme"}],
        },
    )
    return Built(*build(path))


# --- the environment ---------------------------------------------------------------------------


def test_environment_escapes_is_strict_and_sandboxed():
    env = render.environment()
    assert isinstance(env, jinja2.sandbox.SandboxedEnvironment)
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(jinja2.sandbox.SecurityError):
        env.from_string("{{ x.__class__.__mro__[1].__subclasses__() }}").render(x="")
    assert env.get_template("letter.html.j2") is not None


def test_css_string_cannot_break_out():
    assert render.css_string('a"b\\c\n') == '"a\\22 b\\5c c\\a "'
    assert render.css_string("</style>") == '"\\3c /style\\3e "'


def test_page_counter_in_each_language():
    assert render.page_counter_css("en") == '"Page " counter(page) " of " counter(pages)'
    assert render.page_counter_css("fi") == '"Sivu " counter(page) "/" counter(pages)'
    assert render.page_counter_css("ru") == '"Страница " counter(page) " из " counter(pages)'


def test_unknown_paper_is_refused(make_letter):
    letter = letter_module.load_letter(make_letter())
    with pytest.raises(ValueError, match="paper"):
        render.render_letter(letter, paper="a5", font_set=FontSet.bundled())


def test_refused_body_image_names_the_line(make_letter):
    path = make_letter(body="First line.\n\nSee ![map](https://example.org/map.png).\n")
    letter = letter_module.load_letter(path)
    with pytest.raises(ResourceError) as info:
        render.render_letter(letter, paper="a4", font_set=FontSet.bundled())
    assert info.value.where == f"{path}:{letter.body_line + 2}"  # the letter as given (build: as typed)


def test_a_stylesheet_in_the_letters_folder_replaces_the_bundled_one(make_letter):
    path = make_letter()
    (path.parent / "letter.css").write_text(".subject { color: #ff0000; } /* my style </style> */", encoding="utf-8")
    html = render.render_letter(letter_module.load_letter(path), paper="a4", font_set=FontSet.bundled())
    assert ".subject { color: #ff0000; }" in html
    assert "<\\/style>" in html and html.count("</style>") == 1
    assert "--band-top" not in html  # the bundled stylesheet is not used


def test_a_broken_template_in_the_letters_folder_is_an_error(make_letter):
    path = make_letter()
    (path.parent / "_signature.html.j2").write_text("{% if %}\n", encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        render.render_letter(letter_module.load_letter(path), paper="a4", font_set=FontSet.bundled())
    assert info.value.where == "_signature.html.j2:1"


def test_printed_signatories_follow_the_printed_order(make_letter):
    rows = [
        {"name": "Zeta", "country": "", "kind": "organisation", "role": ""},
        {"name": "Ann Person", "country": "", "kind": "individual", "role": "Lawyer"},
        {"name": "Alpha", "country": "", "kind": "organisation", "role": ""},
    ]
    letter = letter_module.load_letter(make_letter(rows=rows, front={"order": "alphabetical"}))
    assert [s.name for s in printed_list(letter).signatories] == ["Alpha", "Zeta", "Ann Person"]


# --- the English letter, A4 ----------------------------------------------------------------------


@pytest.mark.slow
def test_every_signatory_printed_once_with_country(english):
    rows = read_csv_rows(RESOURCES / "foreign-agents-signatories.csv") + HOSTILE_ROWS
    names = [squeeze(row["name"]) for row in rows]
    text = "\x00".join(english.squeezed)
    for name in names:
        containing = sum(1 for other in names if name in other)  # "Human Rights Commission" is in "Kenya ..."
        assert text.count(name) == containing, name
    assert english.html.count('<li class="signatory ') == len(rows)
    assert "CentrumKształceniaLiderówiWychowawcówim.PedroArrupe(Poland)" in text
    assert "(France/Switzerland)" in text


@pytest.mark.slow
def test_hostile_names_and_fields_are_printed_literally(english):
    text = "".join(english.squeezed)
    for name in HOSTILE_NAMES:
        assert squeeze(name) in text, name
    assert "49Foundation" not in text and "YesNetwork" not in text.replace("%}Yes{%", "")
    assert squeeze('The Minister <of> Justice & "Rights"') in text
    assert squeeze("Protect civil society {% raw %} & <associations>") in text
    assert squeeze("Raw <b>not bold</b> and {{ not_a_variable }} stay text.") in text
    # one list entry per name: the </li><li> inside a name did not open a new entry
    assert english.html.count("Org B&lt;/li&gt;&lt;li&gt;Org C") == 1


@pytest.mark.slow
def test_page_numbers_and_running_header(english):
    n = len(english.pages)
    assert n >= 2
    subject = squeeze(english.letter.subject)
    for i, page in enumerate(english.squeezed, 1):
        assert f"Page{i}of{n}" in page
        if i > 1:
            assert subject in page, f"no running header on page {i}"
            _left, top, _right, _bottom = english.char_box(i - 1, "Protect civil society")
            assert top < 25 * MM, f"the running header of page {i} is not at the top"
    assert english.squeezed[0].count(subject) == 1  # the heading, no running header on page 1


@pytest.mark.slow
def test_letter_parts_in_order(english):
    first = english.squeezed[0]
    for text in ("Example Coalition", "1 Example Street", "office@example.org", "London, November 29, 2026",
                 "IOR 46/2026", "No. 12-345", "Dear Minister,", "freedom of association", "Background",
                 "first point", "A quoted sentence."):
        assert squeeze(text) in first, text
    assert "OURREF." in first.upper() and "YOURREF." in first.upper()
    text = "\x00".join(english.squeezed)
    order = ["Dear Minister,", "Yours sincerely,", "Agnès Example", "Secretary General",
             "On behalf of the 69 undersigned organisations and 1 individual", "Enclosures",
             "Briefing on the draft law", "cc", "Office of the Ombudsman", "Signatories"]
    positions = [text.find(squeeze(part)) for part in order]
    assert all(p >= 0 for p in positions), dict(zip(order, positions))
    assert positions == sorted(positions)


@pytest.mark.slow
def test_signature_block_is_whole_on_one_page_with_the_closing(english):
    pages = {part: english.page_of(part) for part in (
        "Yours sincerely,", "Agnès Example", "Jan Kowalski", "Fundacja Przykład", "On behalf of the 69")}
    found = {tuple(p) for p in pages.values()}
    assert len(found) == 1 and len(next(iter(found))) == 1, pages
    page = pages["Agnès Example"][0]
    assert english.result.anchors["signature-block"][0] == page
    # side by side: the two signers' names on one line
    left = english.char_box(page, "Agnès Example")
    right = english.char_box(page, "Jan Kowalski")
    assert abs(left[1] - right[1]) < 1 and right[0] > left[0] + 60 * MM
    # the signature image is on that page
    resources = english.reader.pages[page]["/Resources"]
    images = [x for x in resources.get("/XObject", {}).values() if x.get_object()["/Subtype"] == "/Image"]
    assert images


@pytest.mark.slow
def test_recipient_sits_in_the_din_5008_window(english):
    left, top, _right, bottom = english.char_box(0, "The Minister")
    assert 20 * MM <= left <= 30 * MM
    assert 45 * MM + 17.7 * MM <= top and bottom <= 90 * MM
    # the return line above it, inside the address field too
    left, top, _right, _bottom = english.char_box(0, "Example Coalition · 1 Example Street")
    assert 20 * MM <= left and 45 * MM <= top <= 45 * MM + 17.7 * MM
    # the date in the information block (125 mm from the left)
    left, top, _right, _bottom = english.char_box(0, "London, November")
    assert 124 * MM <= left and 45 * MM <= top <= 100 * MM


@pytest.mark.slow
def test_bookmarks_for_letter_and_signatory_list(english):
    outline = english.reader.outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    assert titles == ["Protect civil society {% raw %} & <associations>", "Signatories"]
    nested = [item for item in outline if isinstance(item, list)]
    flat = [entry.title for group in nested for entry in group if not isinstance(entry, list)]
    assert "Background" in flat  # a body heading, under the letter
    assert any(re.fullmatch(r"Individuals \(1\)", t) for t in flat)  # a group, under the signatory list


@pytest.mark.slow
def test_tagged_pdf_with_language_headings_and_lists(english):
    root = english.reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    roles: set[str] = set()

    def walk(node, depth=0):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "keys"):
            if "/S" in node:
                roles.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                kids = kids.get_object()
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object") and depth < 60:
                        walk(kid, depth + 1)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/L", "/LI", "/P", "/Figure"} <= roles, roles


# --- the German letter on US Letter paper --------------------------------------------------------


@pytest.mark.slow
def test_german_labels_dates_countries_and_groups(german):
    text = "\x00".join(german.squeezed)
    n = len(german.pages)
    for i in range(1, n + 1):
        assert f"Seite{i}von{n}" in german.squeezed[i - 1]
    for part in ("Berlin, 29. November 2026", "AZ 1/26", "Anlagen", "Stellungnahme", "Kopie an",
                 "Bundesministerium der Justiz", "Unterzeichnende", "Fundacja Przykład (Polen)",
                 "Правозащитный центр (Russland)", "Vorsitzende, Beispielverein"):
        assert squeeze(part) in text, part
    # the reference label and the group headings are set in capitals by the stylesheet
    for part in ("Unser Zeichen", f"{counts.heading('organisations', 'de')} (2)",
                 f"{counts.heading('individuals', 'de')} (1)"):
        assert squeeze(part).upper() in text, part
    assert counts.heading("organisations", "de") == "Organisationen"
    assert counts.heading("individuals", "de") == "Einzelpersonen"


@pytest.mark.slow
def test_us_letter_size_and_window(german):
    box = german.reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    left, top, _right, bottom = german.char_box(0, "The Minister")
    # #10 window envelope: window 7/8 in from the left, 4 1/2 x 1 1/8 in, about 2 to 3.6 in from the top
    assert 0.875 * INCH <= left <= 1.2 * INCH
    assert 2 * INCH <= top and bottom <= 3.625 * INCH


@pytest.mark.slow
def test_stacked_signers(german):
    page = german.page_of("Max Muster")[0]
    first = german.char_box(page, "Erika Mustermann\r\nVorsitzende\r\n")
    second = german.char_box(page, "Max Muster")
    assert second[1] > first[1] + 10 * MM  # below, not beside
    assert abs(second[0] - first[0]) < 1


@pytest.mark.slow
def test_signatory_list_in_two_columns(english):
    def box(text):
        return english.char_box(english.page_of(text)[0], text)

    # read down the columns: each name under the one before it in the same column
    names = ["Emmaüs International", "Finnish PEN", "Foundation Max van der Stoel", "Free Press Unlimited"]
    boxes = [box(name) for name in names]
    for above, below in zip(boxes, boxes[1:]):
        assert abs(above[0] - below[0]) < 1 and below[1] > above[1] + 5, (above, below)  # y from the top
    # and the list has a second column, right of the first one's half of the text area
    lefts = set()
    for signatory in english.letter.signatories:
        pages = english.page_of(signatory.name)
        with contextlib.suppress(ValueError):  # a wrapped name is not found as one string
            lefts.add(round(english.char_box(pages[0], signatory.name)[0])) if pages else None
    assert len(lefts) == 2 and max(lefts) - min(lefts) > 70 * MM, lefts


@pytest.mark.slow
def test_a_letter_with_only_the_required_keys(make_letter):
    path = make_letter(rows=[], drop=("sender", "recipient", "opening", "closing", "subject", "place", "signatories"))
    letter, html, result = build(path)
    assert "letterhead-empty" in html and 'id="signature-block"' in html
    assert '<section class="signatories">' not in html
    text = squeeze(PdfReader(io.BytesIO(result.pdf)).pages[0].extract_text())
    assert result.pages == 1
    assert squeeze("Joint letter on freedom of association") in text  # the title stands in for the subject
    assert "Page1of1" in text and "Signatories" not in text


def test_a_template_linked_from_outside_the_folder_is_refused(make_letter, tmp_path):
    path = make_letter()
    secret = tmp_path / "secret.txt"
    secret.write_text("the contents of a private file", encoding="utf-8")
    (path.parent / "_signature.html.j2").symlink_to(secret)
    with pytest.raises(ResourceError, match="outside the letter's folder") as info:
        render.render_letter(letter_module.load_letter(path), paper="a4", font_set=FontSet.bundled())
    assert info.value.where == "_signature.html.j2"


@pytest.mark.slow
def test_grouped_by_country_a_single_country_is_not_repeated(make_letter):
    rows = [
        {"name": "Fundacja Przykład", "country": "PL"},
        {"name": "Observatoire commun", "country": "FR/CH"},
    ]

    def list_lines(path) -> list[str]:
        """The lines of the printed signatory list, from the PDF, after the "Signatories" heading."""
        _letter, _html, result = build(path)
        (page,) = PdfReader(io.BytesIO(result.pdf)).pages
        lines = [unicodedata.normalize("NFC", line) for line in page.extract_text().splitlines()]
        start = lines.index("Signatories") + 1
        return lines[start:lines.index("Example Coalition · 1 Example Street · London")]

    # under its country's heading, a single country is not printed again; several countries still say more
    assert list_lines(make_letter(rows=rows, front={"group-by": "country"})) == [
        "FRANCE / SWITZERLAND (1)", "Observatoire commun (France / Switzerland)", "POLAND (1)", "Fundacja Przykład"]
    # without groups, every entry shows its countries (two columns: one line of the text)
    assert list_lines(make_letter(subdir="b", rows=rows)) == [
        "Fundacja Przykład (Poland) Observatoire commun (France / Switzerland)"]


# --- the window band, measured on the first page (pypdfium2: text boxes and drawn paths, in points) ------

SIX_LINE_RECIPIENT = {"name": "The President of the Republic", "address": [
    "Office of the President", "Department of Correspondence and Petitions", "1 Government Road",
    "Capital City 12345", "Republic of Example"]}


def recipient_lines(pdf: bytes, lines: list[str]) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) in mm from the page's top left corner of each of ``lines`` on page 1, over all
    of its characters."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        height = page.get_size()[1]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        boxes = []
        for line in lines:
            at = text.index(line)
            assert text.count(line) == 1, line
            chars = [textpage.get_charbox(i) for i in range(at, at + len(line)) if not text[i].isspace()]
            boxes.append((min(c[0] for c in chars) / MM, (height - max(c[3] for c in chars)) / MM,
                          max(c[2] for c in chars) / MM, (height - min(c[1] for c in chars)) / MM))
        return boxes
    finally:
        document.close()


def left_margin_marks(pdf: bytes) -> list[tuple[float, float, float]]:
    """(left, right, top) in mm of the paths drawn in the left 15 mm of page 1: the fold and punch marks."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        height = page.get_size()[1]
        marks = []
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
            left, _bottom, right, top = obj.get_bounds()
            if right < 15 * MM:
                marks.append((round(left / MM, 1), round(right / MM, 1), round((height - top) / MM, 1)))
        return sorted(marks, key=lambda m: m[2])
    finally:
        document.close()


LONG_LINE_RECIPIENT = {"name": "The President of the Republic", "address": [
    "Ministry of Justice and of the Rights of the Citizens and of the Regions and of the Cities of the Republic",
    "Capital City 12345"]}  # short words: the wrapped lines fill the field to its right edge


def rightmost(pdf: bytes, first: str, last: str) -> float:
    """The right edge in mm of the rightmost character on page 1 from ``first`` to the end of ``last``."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        start, end = text.index(first), text.index(last) + len(last)
        return max(textpage.get_charbox(i)[2] for i in range(start, end) if text[i].isprintable() and not text[i].isspace()) / MM
    finally:
        document.close()


@pytest.fixture(scope="module")
def windows(tmp_path_factory) -> dict[str, bytes]:
    """The first page of a letter with a six-line recipient, and of one with a line too long for the field
    ("a4-long"), on A4 and on US Letter, built as ``letter-pdf build`` builds them (the page check fits the
    recipient into the window where its lines would not fit as set)."""
    from letter_pdf import pipeline

    folder = tmp_path_factory.mktemp("window")
    built = {}
    for paper in ("a4", "letter"):
        for suffix, recipient in (("", SIX_LINE_RECIPIENT), ("-long", LONG_LINE_RECIPIENT)):
            path = write_letter(folder / f"{paper}{suffix}",
                                front={"paper": paper, "recipient": recipient, "cover": False})
            built[f"{paper}{suffix}"] = pipeline.build(path).output.read_bytes()
    return built


@pytest.mark.slow
def test_a_long_recipient_line_wraps_at_the_windows_right_edge(windows):
    first, last = LONG_LINE_RECIPIENT["name"], LONG_LINE_RECIPIENT["address"][-1]
    assert 95 < rightmost(windows["a4-long"], first, last) <= 105  # DIN 5008: the field ends 105 mm from the left
    assert 105 < rightmost(windows["letter-long"], first, last) <= (0.875 + 4.5) * 25.4  # the #10 window's right edge


RECIPIENT_LINES = [SIX_LINE_RECIPIENT["name"], *SIX_LINE_RECIPIENT["address"]]


@pytest.mark.slow
def test_a4_six_recipient_lines_each_inside_the_din_5008_window(windows):
    boxes = recipient_lines(windows["a4"], RECIPIENT_LINES)
    for line, (left, top, right, bottom) in zip(RECIPIENT_LINES, boxes):
        # DIN 5008 form B: the address field is 20-105 mm from the left; the recipient's zone 62.7-90 mm from the top
        assert 20 <= left and right <= 105, (line, left, right)
        assert 62.7 <= top and bottom <= 90, (line, top, bottom)
    tops = [box[1] for box in boxes]
    assert tops == sorted(tops) and len({round(t) for t in tops}) == 6  # six lines, one under the other
    assert boxes[2][2] > 95  # the long line reaches far right, and still stays inside


@pytest.mark.slow
def test_us_letter_recipient_inside_the_number_10_window(windows):
    # README: window 7/8 in from the left, about 2 in from the top; a #10 window is 4 1/2 x 1 1/8 in.
    boxes = recipient_lines(windows["letter"], RECIPIENT_LINES)
    for line, (left, top, right, _bottom) in zip(RECIPIENT_LINES, boxes):
        assert 0.875 * 25.4 <= left and right <= (0.875 + 4.5) * 25.4, (line, left, right)
        assert 2 * 25.4 <= top, (line, top)
    # README: four lines on US Letter fit the window's height (1 1/8 in, to 3 1/8 in from the top)
    assert all(bottom <= 3.125 * 25.4 for _l, _t, _r, bottom in boxes[:4]), boxes


@pytest.mark.slow
def test_fold_and_punch_marks_at_their_positions(windows):
    # A4 (DIN 5008 form B): folds at 105 and 210 mm, the punch mark at 148.5 mm (longer), in the left margin
    assert left_margin_marks(windows["a4"]) == [(5.0, 10.0, 105.0), (5.0, 12.0, 148.5), (5.0, 10.0, 210.0)]
    # US Letter, tri-folded for a #10 envelope: folds at a third and two thirds of 11 in; no punch mark
    assert left_margin_marks(windows["letter"]) == [(5.0, 10.0, round(11 / 3 * 25.4, 1)),
                                                    (5.0, 10.0, round(22 / 3 * 25.4, 1))]
