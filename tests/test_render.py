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

from conftest import read_csv_rows, write_letter, RESOURCES
from letter_pdf import counts, letter as letter_module, render, typeset
from letter_pdf.arrange import printed_signatories
from letter_pdf.errors import ResourceError
from letter_pdf.fonts import FontSet
from letter_pdf.pipeline import creation_time

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
    assert info.value.where == f"letter.md:{letter.body_line + 2}"


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
    assert [s.name for s in printed_signatories(letter)] == ["Alpha", "Zeta", "Ann Person"]


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
    for part in ("Berlin, 29. November 2026", "Unser Zeichen", "AZ 1/26", "Anlagen", "Stellungnahme", "Kopie an",
                 "Bundesministerium der Justiz", "Unterzeichnende", "Fundacja Przykład (Polen)",
                 "Правозащитный центр (Russland)", "Vorsitzende, Beispielverein",
                 f"{counts.heading('organisations', 'de')} (2)", f"{counts.heading('individuals', 'de')} (1)"):
        assert squeeze(part) in text or squeeze(part).upper() in text.upper(), part


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


def test_grouped_by_country_a_single_country_is_not_repeated(make_letter):
    rows = [
        {"name": "Fundacja Przykład", "country": "PL"},
        {"name": "Observatoire commun", "country": "FR/CH"},
    ]
    letter = letter_module.load_letter(make_letter(rows=rows, front={"group-by": "country"}))
    html = render.render_letter(letter, paper="a4", font_set=FontSet.bundled())
    assert "Poland" in html  # the heading
    assert 'Fundacja Przykład</span> <span class="signatory-country">' not in html
    assert "(France / Switzerland)" in html or "(France/Switzerland)" in html  # several countries still say more
    ungrouped = render.render_letter(letter_module.load_letter(make_letter(subdir="b", rows=rows)), paper="a4",
                                     font_set=FontSet.bundled())
    assert 'Fundacja Przykład</span> <span class="signatory-country">(Poland)</span>' in ungrouped
