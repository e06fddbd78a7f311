"""typeset.py: HTML -> PDF/A-3a with only the font set's fonts, a fetcher that reads only the letter's
folder and the bundled assets, WeasyPrint's failures as typed errors, metadata, anchors, reproducibility.

The HTML here is our own small pages (the templates are tested with render.py); each PDF is built once
per module and asserted on many times.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import logging
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_fonts import CYRILLIC_NAMES, LATIN_NAMES, TEST_FONT

from letter_pdf import fetcher
from letter_pdf import typeset as ts
from letter_pdf.errors import FontCoverageError, Problems, ResourceError, TypesettingError
from letter_pdf.fonts import FontSet
from letter_pdf.model import Letter, Party

pytestmark = pytest.mark.slow

CREATED = dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
NAMES = [*CYRILLIC_NAMES, *LATIN_NAMES, "Lǫ́ngr Sámi s̈ ъ"]  # the last has marks without a precomposed form


def make_letter(folder: Path, **kwargs) -> Letter:
    folder.mkdir(parents=True, exist_ok=True)
    defaults = dict(
        source=folder / "letter.md",
        title="Joint letter on freedom of association",
        body="x",
        body_line=10,
        date=CREATED.date(),
        lang="en",
        subject="Protect civil society organisations",
        keywords=("civil society", "NGOs"),
        sender=Party(name="Example Coalition"),
    )
    defaults.update(kwargs)
    return Letter(**defaults)


def page(body: str, *, css: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>t</title><style>'
        "body { font-family: var(--body-font); font-size: 11pt }"
        "h1, h2 { font-family: var(--heading-font) }"
        f"{css}</style></head><body>{body}</body></html>"
    )


def build(html: str, letter: Letter, font_set: FontSet | None = None, created=CREATED) -> ts.Typeset:
    return ts.typeset(html, letter=letter, font_set=font_set or FontSet.for_letter(letter), created=created)


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Every font on every page (Type0 descendants too): BaseFont without subset tag -> embedded?"""
    found: dict[str, bool] = {}
    for pg in PdfReader(io.BytesIO(data)).pages:
        for font in (pg["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            targets = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for target in targets:
                name = str(target["/BaseFont"]).lstrip("/")
                name = re.sub(r"^[A-Z]{6}\+", "", name)
                descriptor = target.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                found[name] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def assert_only_set_fonts(data: bytes, font_set: FontSet) -> None:
    fonts = pdf_fonts(data)
    assert fonts, "no fonts in the PDF"
    prefixes = [f.replace(" ", "-") for f in font_set.families]
    for name, embedded in fonts.items():
        assert embedded, f"{name} is not embedded"
        assert any(name == p or name.startswith(p + "-") for p in prefixes), f"{name} is not one of {prefixes}"


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))


# --- one letter with every alphabet, hyphenation, a heading, anchors --------------------------------


@pytest.fixture(scope="module")
def names_pdf(tmp_path_factory):
    letter = make_letter(tmp_path_factory.mktemp("names"))
    body = "<h1>Signatories</h1>" + "".join(f"<p class=n>{html_lib.escape(n)}</p>" for n in NAMES)
    # a narrow column forces automatic hyphenation (which inserts U+2010)
    body += '<div style="width: 25mm; hyphens: auto" lang="en"><p>internationalisation incomprehensibilities ' \
            "extraordinarily characteristically</p></div>"
    body += '<div id="signature-block" style="height: 40px">signature</div>'
    return letter, build(page(body, css=".n { hyphens: manual }"), letter)


def pdfium_lines(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return [unicodedata.normalize("NFC", line.strip()) for line in text.splitlines()]


def test_extended_cyrillic_and_latin_names_round_trip_exactly(names_pdf):
    _, result = names_pdf
    exact = pdfium_lines(result.pdf)
    # pypdf adds a space after a combining mark that has no precomposed form ('s\u0308'): its lines are
    # compared with runs of spaces collapsed; pdfium's are compared exactly.
    collapsed = [" ".join(line.split()) for line in text_of(result.pdf).splitlines()]
    for name in NAMES:
        nfc = unicodedata.normalize("NFC", name)
        assert nfc in exact, name
        assert nfc in collapsed, name


def test_only_the_bundled_fonts_are_used_embedded_and_subset(names_pdf):
    letter, result = names_pdf
    assert_only_set_fonts(result.pdf, FontSet.for_letter(letter))
    names = set(pdf_fonts(result.pdf))
    assert {"Noto-Serif", "Noto-Sans-Bold"} <= names  # body text and the h1


def test_hyphenation_happened_with_a_glyph_from_our_fonts(names_pdf):
    _, result = names_pdf
    text = text_of(result.pdf)
    assert re.search(r"\w[\u2010-]\n", text), "no hyphenated line end"


def test_pdfa_3a_claim_tags_language_and_title(names_pdf):
    import pikepdf

    _, result = names_pdf
    with pikepdf.open(io.BytesIO(result.pdf)) as doc:
        meta = doc.open_metadata()
        assert meta.pdfa_status == "3A"
        assert doc.check_pdf_syntax() == []  # qpdf's structural check
        assert len(doc.trailer.ID) == 2  # PDF/A requires a file identifier
        assert "/StructTreeRoot" in doc.Root and bool(doc.Root.MarkInfo.Marked)
        assert str(doc.Root.Lang) == "en"
        assert bool(doc.Root.ViewerPreferences.DisplayDocTitle)
        assert "/OutputIntents" in doc.Root
        # Info and XMP agree
        info = doc.docinfo
        assert str(info.Title) == meta["dc:title"] == "Joint letter on freedom of association"
        assert str(info.Author) == "Example Coalition" and meta["dc:creator"] == ["Example Coalition"]
        assert str(info.Subject) == meta["dc:description"] == "Protect civil society organisations"
        assert str(info.Keywords) == meta["pdf:Keywords"] == "civil society, NGOs"
        assert str(info.CreationDate) == str(info.ModDate) == "D:20261129000000Z"
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == "2026-11-29T00:00:00Z"


def test_page_count(names_pdf):
    _, result = names_pdf
    assert result.pages == len(PdfReader(io.BytesIO(result.pdf)).pages) >= 1


# --- anchors: CSS px, top-left -> PDF points, bottom-left ----------------------------------------


@pytest.fixture(scope="module")
def anchor_pdf(tmp_path_factory):
    letter = make_letter(tmp_path_factory.mktemp("anchors"))
    css = (
        "@page { size: 200mm 100mm; margin: 10mm } body { margin: 0 }"
        "#signature-block { margin: 20px 0 0 40px; width: 100px; height: 50px; background: black }"
        "#later { break-before: page; margin-top: 96px; width: 96px; height: 48px; background: black }"
    )
    body = '<div id="signature-block"></div><div id="later"></div>'
    return build(page(body, css=css), letter)


def test_anchor_rectangles_are_in_pdf_points_from_the_bottom_left(anchor_pdf):
    mm = 72 / 25.4
    page_h = 100 * mm
    reader = PdfReader(io.BytesIO(anchor_pdf.pdf))
    assert float(reader.pages[0].mediabox.height) == pytest.approx(page_h, abs=0.01)
    idx, x0, y0, x1, y1 = anchor_pdf.anchors["signature-block"]
    assert idx == 0
    assert x0 == pytest.approx(10 * mm + 30, abs=0.01)  # margin 10 mm + 40 px = 30 pt
    assert x1 - x0 == pytest.approx(75, abs=0.01)  # 100 px
    assert y1 == pytest.approx(page_h - 10 * mm - 15, abs=0.01)  # top: 20 px = 15 pt below the margin
    assert y1 - y0 == pytest.approx(37.5, abs=0.01)  # 50 px
    idx, x0, y0, x1, y1 = anchor_pdf.anchors["later"]
    assert idx == 1 and (x1 - x0, y1 - y0) == (pytest.approx(72), pytest.approx(36))
    assert y1 == pytest.approx(page_h - 10 * mm - 72, abs=0.01)


def test_anchor_rectangle_matches_the_drawn_box(anchor_pdf):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(anchor_pdf.pdf)
    image = doc[0].render(scale=1).to_pil().convert("L")  # 1 px = 1 pt
    _, x0, y0, x1, y1 = anchor_pdf.anchors["signature-block"]
    height = image.height

    def pixel(x, y):  # PDF points (bottom-left) -> image pixel (top-left)
        return image.getpixel((int(x), int(height - y)))

    assert pixel((x0 + x1) / 2, (y0 + y1) / 2) < 50  # inside: black
    assert pixel(x0 + 2, y1 - 2) < 50 and pixel(x1 - 2, y0 + 2) < 50
    assert pixel(x0 - 3, (y0 + y1) / 2) > 200 and pixel((x0 + x1) / 2, y1 + 3) > 200  # just outside: white
    assert pixel(x1 + 3, (y0 + y1) / 2) > 200 and pixel((x0 + x1) / 2, y0 - 3) > 200


# --- reproducibility -----------------------------------------------------------------------------


def test_rebuilds_are_byte_identical_also_after_another_letter(tmp_path, names_pdf):
    letter, first = names_pdf
    body = "".join(f"<p>{html_lib.escape(n)}</p>" for n in NAMES)
    other = build(page("<p>Something else entirely, <b>in bold</b>.</p>"), make_letter(tmp_path / "other"))
    again = build(page("<h1>Signatories</h1>" + body), letter)
    assert other.pdf != again.pdf
    twice = build(page("<h1>Signatories</h1>" + body), letter)
    assert again.pdf == twice.pdf
    # and the module's PDF, built minutes earlier, is rebuilt identically
    assert build(first_html(), letter).pdf == first.pdf


def first_html() -> str:
    body = "<h1>Signatories</h1>" + "".join(f"<p class=n>{html_lib.escape(n)}</p>" for n in NAMES)
    body += '<div style="width: 25mm; hyphens: auto" lang="en"><p>internationalisation incomprehensibilities ' \
            "extraordinarily characteristically</p></div>"
    body += '<div id="signature-block" style="height: 40px">signature</div>'
    return page(body, css=".n { hyphens: manual }")


def test_source_date_epoch_gives_the_same_bytes_as_the_same_created_time(tmp_path, monkeypatch):
    letter = make_letter(tmp_path)
    html = page("<p>Reproducible</p>")
    epoch = 1_700_000_000
    created = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    plain = build(html, letter, created=created)
    assert "SOURCE_DATE_EPOCH" not in os.environ  # typeset restores the environment
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    with_env = build(html, letter, created=created)
    assert os.environ["SOURCE_DATE_EPOCH"] == str(epoch)
    assert plain.pdf == with_env.pdf
    later = build(html, letter, created=created + dt.timedelta(days=1))
    assert later.pdf != plain.pdf
    assert PdfReader(io.BytesIO(later.pdf)).metadata["/CreationDate"] == "D:20231115221320Z"


# --- user fonts and glyphs no font has ------------------------------------------------------------


def test_a_user_font_typesets_georgian_and_is_embedded_under_its_own_family(tmp_path):
    folder = tmp_path / "letter"
    folder.mkdir()
    shutil.copy(TEST_FONT, folder / "Georgian.ttf")
    letter = make_letter(folder, fonts=(folder / "Georgian.ttf",))
    fs = FontSet.for_letter(letter)
    result = build(page("<p>ქართული ასოციაცია</p><p>Ґанна</p>", lang="ka"), letter, fs)
    assert pdfium_lines(result.pdf)[:2] == ["ქართული ასოციაცია", "Ґанна"]
    assert_only_set_fonts(result.pdf, fs)
    assert set(pdf_fonts(result.pdf)) == {"Noto-Serif", fs.faces[-1].family.replace(" ", "-")}


def test_a_glyph_no_font_has_fails_instead_of_falling_back_to_an_installed_font(tmp_path):
    # DejaVu (installed here) has Georgian: without isolation fontconfig would silently use it.
    letter = make_letter(tmp_path)
    with pytest.raises(FontCoverageError) as info:
        build(page("<p>Template text ქა ქ</p>"), letter)
    assert str(info.value) == (
        "no font in use has a glyph for U+10E5 GEORGIAN LETTER KHAR 'ქ', U+10D0 GEORGIAN LETTER AN 'ა' "
        "(in the template, its labels or its stylesheet (e.g. a list marker))"
        " — add a font covering them with the letter's 'fonts:' key, or change the template"
    )
    assert info.value.where is None


def test_the_glyph_check_after_typesetting_names_each_character_once_and_where_it_comes_from(tmp_path):
    # Typeset without the preflight (which would stop the first two earlier): the check after typesetting
    # must still name the letter's line and the logo file, and never the digits of a code point.
    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="0" y="15">ბ</text></svg>',
        encoding="utf-8",
    )
    letter = make_letter(folder, body="Intro.\n\nA snowman &#x2603; here.\n", body_line=10, logo=folder / "logo.svg")
    nested = "<ul><li>one<ul><li>two<ul><li>three</li></ul></li></ul></li></ul>"  # browser default markers
    html = page(f'<p><img src="logo.svg" alt="logo"></p><p>A snowman ☃ here ☃.</p>{nested}')
    with pytest.raises(Problems) as info:
        build(html, letter)
    got = sorted((p.where or "", str(p)) for p in info.value.problems)
    assert got == sorted([
        (
            f"{folder / 'logo.svg'}",
            f"{folder / 'logo.svg'}: no font in use has a glyph for U+10D1 GEORGIAN LETTER BAN 'ბ' "
            f"(in {folder / 'logo.svg'})"
            " — add a font covering it with the letter's 'fonts:' key, or change the text",
        ),
        (
            f"{folder / 'letter.md'}:12",
            f"{folder / 'letter.md'}:12: no font in use has a glyph for U+2603 SNOWMAN '☃' (in {folder / 'letter.md'}:12)"
            " — add a font covering it with the letter's 'fonts:' key, or change the text",
        ),
        (
            "",
            "no font in use has a glyph for U+25E6 WHITE BULLET '◦', U+25AA BLACK SMALL SQUARE '▪' "
            "(in the template, its labels or its stylesheet (e.g. a list marker))"
            " — add a font covering them with the letter's 'fonts:' key, or change the template",
        ),
    ])
    assert all(p.__class__ is FontCoverageError for p in info.value.problems)


def test_a_notdef_record_gives_its_character_not_the_digits_of_its_code_point():
    record = logging.LogRecord(
        "weasyprint", logging.WARNING, __file__, 1,
        '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)', ("◦", 0x25E6), None,
    )  # fmt: skip
    assert ts._notdef_chars(record) == ["◦"]
    (error,) = ts._problems_from_log([record, record])
    assert error.message == (
        "no font in use has a glyph for U+25E6 WHITE BULLET '◦' "
        "(in the template, its labels or its stylesheet (e.g. a list marker))"
    )


def test_weasyprint_messages_go_to_the_letter_pdf_logger_only(tmp_path, caplog):
    caplog.set_level(logging.WARNING)  # the root logger: where the user's stderr handler would be
    ours: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = ours.append
    logger = logging.getLogger("letter_pdf")  # other tests (the CLI) may have configured it: listen on it
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        with pytest.raises(FontCoverageError):
            build(page("<p>ქ</p>"), make_letter(tmp_path))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]
    assert any(r.levelno == logging.DEBUG and ".notdef" in r.getMessage() for r in ours)
    assert logging.getLogger("weasyprint").propagate  # restored


# --- resources: only the letter's folder and the bundled assets ---------------------------------------


@pytest.fixture(scope="module")
def res_folder(tmp_path_factory):
    from PIL import Image

    root = tmp_path_factory.mktemp("res")
    folder = root / "letter"
    (folder / "img").mkdir(parents=True)
    Image.new("RGB", (4, 4), "red").save(folder / "img" / "logo.png")
    Image.new("RGB", (4, 4), "blue").save(root / "outside.png")
    (folder / "escape.png").symlink_to(root / "outside.png")
    (folder / "inside-link.png").symlink_to(folder / "img" / "logo.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    (folder / "style.css").write_text("p { color: green }", encoding="utf-8")
    return folder


def images_in(data: bytes) -> int:
    count = 0
    for pg in PdfReader(io.BytesIO(data)).pages:
        xobjects = pg["/Resources"].get("/XObject") or {}
        count += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return count


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="img/logo.png" alt="logo">',
        '<img src="inside-link.png" alt="logo">',  # a symlink that stays inside the folder
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Dw'
        'HwAFBQIAX8jx0gAAAABJRU5ErkJggg==" alt="dot">',
    ],
)
def test_allowed_images_are_embedded(res_folder, markup):
    result = build(page(f"<p>{markup}</p>"), make_letter(res_folder))
    assert images_in(result.pdf) == 1


def green_pixels(data: bytes) -> int:
    import pypdfium2 as pdfium

    image = pdfium.PdfDocument(data)[0].render(scale=1).to_pil().convert("RGB")
    red, green, blue = (channel.tobytes() for channel in image.split())
    return sum(1 for r, g, b in zip(red, green, blue) if g > 90 and r < 60 and b < 60)


def test_a_stylesheet_in_the_folder_is_allowed_and_applied(res_folder):
    plain = page("<p>xxxxxxxx</p>", css="p { font-size: 30pt }")
    linked = plain.replace("</head>", '<link rel="stylesheet" href="style.css"></head>')
    assert green_pixels(build(plain, make_letter(res_folder)).pdf) == 0
    assert green_pixels(build(linked, make_letter(res_folder)).pdf) > 500  # style.css: p { color: green }


@pytest.mark.parametrize(
    "markup,expected",
    [
        ('<img src="http://example.com/x.png">', "'http' resources are not allowed"),
        ('<img src="https://example.com/x.png">', "'https' resources are not allowed"),
        ('<img src="ftp://example.com/x.png">', "'ftp' resources are not allowed"),
        ('<img src="file:///etc/hostname">', "outside the letter's folder"),
        ('<img src="../outside.png">', "outside the letter's folder"),
        ('<img src="escape.png">', "symbolic link"),
        ('<img src="img/missing.png">', "does not exist"),
        ('<img src="data:text/html,<b>x</b>">', "'data:' resources of type 'text/html'"),
        ('<link rel="stylesheet" href="https://example.com/s.css">', "'https' resources are not allowed"),
        ('<style>@import url("file:///etc/ssl/openssl.cnf");</style>', "outside the letter's folder"),
        ('<p style="background: url(../outside.png)">x</p>', "outside the letter's folder"),
        ('<img src="broken.png">', "broken.png: the image 'broken.png' cannot be used: OSError: Truncated File Read"),
    ],
)
def test_refused_or_failed_resources_fail_the_build(res_folder, markup, expected):
    html = page(markup) if not markup.startswith(("<link", "<style")) else page("<p>x</p>").replace(
        "</head>", markup + "</head>"
    )
    with pytest.raises(ResourceError) as info:
        build(html, make_letter(res_folder))
    message = str(info.value)
    assert expected in message, message
    assert "\n" not in message and "Traceback" not in message


# --- a real letter: letter.py -> render.py -> typeset ------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "joint-letter"


def test_the_bundled_example_typesets_with_bundled_fonts_and_a_signature_anchor(tmp_path):
    from letter_pdf import render
    from letter_pdf.fonts import check_coverage
    from letter_pdf.letter import load_letter

    folder = shutil.copytree(EXAMPLE, tmp_path / "example")
    letter = load_letter(folder / "letter.md")
    fs = FontSet.for_letter(letter)
    assert check_coverage(letter, fs) == []
    result = build(render.render_letter(letter, paper=letter.paper, font_set=fs), letter, fs)
    assert_only_set_fonts(result.pdf, fs)
    reader = PdfReader(io.BytesIO(result.pdf))
    assert result.pages == len(reader.pages) >= 2
    index, x0, y0, x1, y1 = result.anchors["signature-block"]
    box = reader.pages[index].mediabox
    assert 0 <= x0 < x1 <= float(box.width) and 0 <= y0 < y1 <= float(box.height)
    text = " ".join(text_of(result.pdf).split())
    assert letter.signers[0].name in text
    for sig in letter.signatories:
        assert " ".join(sig.name.split()) in text, sig.name


def embedded_fonts(data: bytes) -> dict[str, object]:
    """The font programs embedded in the PDF (fontTools TTFont), by BaseFont name without subset tag."""
    from fontTools.ttLib import TTFont

    found = {}
    for pg in PdfReader(io.BytesIO(data)).pages:
        for font in (pg["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for target in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                program = target["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
                found[re.sub(r"^[A-Z]{6}\+", "", str(target["/BaseFont"]).lstrip("/"))] = TTFont(io.BytesIO(program))
    return found


def test_nested_lists_in_the_body_build_with_markers_the_bundled_fonts_have(tmp_path):
    from letter_pdf import render
    from letter_pdf.fonts import check_coverage
    from letter_pdf.letter import load_letter

    folder = shutil.copytree(EXAMPLE, tmp_path / "example")
    source = folder / "letter.md"
    text = source.read_text(encoding="utf-8")
    head, rest = text.split("\n---\n", 1)
    lists = "- first level\n  - second level\n    - third level\n      - fourth level\n\n1. one\n   - inside\n\n"
    source.write_text(f"{head}\n---\n{lists}{rest}", encoding="utf-8")
    letter = load_letter(source)
    fs = FontSet.for_letter(letter)
    assert check_coverage(letter, fs) == []
    result = build(render.render_letter(letter, paper=letter.paper, font_set=fs), letter, fs)
    lines = pdfium_lines(result.pdf)
    for item in ("first level", "second level", "third level", "fourth level", "inside"):
        assert item in lines, item
    # the markers were drawn with Noto Serif: its subset keeps exactly the marker glyphs used
    cmap = embedded_fonts(result.pdf)["Noto-Serif"].getBestCmap()
    assert {0x2022, 0x2013, 0x2023} <= set(cmap)  # '•' '–' '‣'
    assert not {0x25E6, 0x25AA} & set(cmap)  # the browser defaults '◦' '▪' are not used


# --- the typesetter's own guards ------------------------------------------------------------------------


def test_a_font_outside_the_set_in_the_output_fails_the_build(tmp_path):
    # A font set that does not list one of the fonts it registers stands for a system font reaching the
    # output: the check of the fonts WeasyPrint used must refuse the PDF.
    from letter_pdf.fonts import FontFace

    intruder = FontFace("Intruder Face", TEST_FONT, 400, "normal")
    bundled = FontSet.bundled()

    class Lying(FontSet):
        @property
        def families(self):
            return bundled.families

    fs = Lying(faces=bundled.faces + (intruder,), body_families=bundled.body_families,
               heading_families=bundled.heading_families)  # fmt: skip
    html = page('<p>Text</p><p style="font-family: \'Intruder Face\'">ქართული</p>')
    with pytest.raises(TypesettingError) as info:
        build(html, make_letter(tmp_path), fs)
    assert str(info.value) == (
        "an installed font was used instead of the letter's fonts: Intruder Face"
        " — please report this as a bug in letter-pdf"
    )


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (1-bit grey); its data is a stub."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "width,height,reason",
    [
        # over our limit only
        (8000, 6000, "the image has 8,000 x 6,000 = 48,000,000 pixels; the limit is 40,000,000 pixels"),
        # where Pillow warns (DecompressionBombWarning) and where it raises (DecompressionBombError)
        (10000, 10000, "the image has more than 89,478,485 pixels; the limit is 40,000,000 pixels"),
        (20000, 20000, "the image has more than 89,478,485 pixels; the limit is 40,000,000 pixels"),
    ],
)
def test_a_decompression_bomb_image_is_refused_with_its_size_and_no_library_warning(
    tmp_path, capfd, width, height, reason
):
    import warnings

    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "bomb.png").write_bytes(png_header(width, height))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ResourceError) as info:
            build(page('<p><img src="bomb.png" alt="x"></p>'), make_letter(folder))
    assert str(info.value) == (
        f"bomb.png: refused to load the image: {reason}"
        " — save the image at a lower resolution (for a logo or signature, 1000 pixels wide is plenty)"
    )
    assert [str(w.message) for w in caught if "ecompression" in str(w.category)] == []
    assert "DecompressionBomb" not in capfd.readouterr().err


def test_a_decompression_bomb_inside_an_svg_logo_is_refused(tmp_path):
    import base64

    folder = tmp_path / "letter"
    folder.mkdir()
    data = base64.b64encode(png_header(10000, 10000)).decode()
    (folder / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="data:image/png;base64,{data}" width="10" height="10"/></svg>',
        encoding="utf-8",
    )
    with pytest.raises(ResourceError) as info:
        build(page('<p><img src="logo.svg" alt="x"></p>'), make_letter(folder))
    assert info.value.where == "logo.svg"
    assert info.value.message.startswith("the image 'logo.svg' refers to 'data:image/png;base64,")
    assert info.value.message.endswith(
        "': refused to load the 'data:' image: the image has more than 89,478,485 pixels;"
        " the limit is 40,000,000 pixels"
    )


@pytest.mark.parametrize(
    "svg,message",
    [
        (
            '<image href="https://example.com/x.png" width="10" height="10"/>',
            "the image 'logo.svg' refers to 'https://example.com/x.png': 'https' resources are not allowed "
            "(no network access)",
        ),
        (
            '<image href="../outside.png" width="10" height="10"/>',
            "the image 'logo.svg' refers to '{root}/outside.png': refused to load a file: it is outside the "
            "letter's folder",
        ),
        (
            '<image href="file:///etc/hostname" width="10" height="10"/>',
            "the image 'logo.svg' refers to '/etc/hostname': refused to load a file: it is outside the "
            "letter's folder",
        ),
    ],
)
def test_an_svg_logo_that_is_refused_says_what_it_refers_to_and_why(tmp_path, svg, message):
    from PIL import Image

    folder = tmp_path / "letter"
    folder.mkdir()
    Image.new("RGB", (4, 4), "blue").save(tmp_path / "outside.png")
    (folder / "logo.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{svg}</svg>', encoding="utf-8"
    )
    with pytest.raises(ResourceError) as info:
        build(page('<p><img src="logo.svg" alt="x"></p>'), make_letter(folder))
    assert info.value.where == "logo.svg"
    assert info.value.message == message.format(root=os.path.realpath(tmp_path))


@pytest.mark.parametrize(
    "svg,message",
    [
        (
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect',
            "the image 'logo.svg' cannot be used: ParseError: unclosed token: line 1, column 63",
        ),
    ],
)
def test_an_svg_logo_that_cannot_be_read_says_why(tmp_path, svg, message):
    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "logo.svg").write_text(svg, encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        build(page('<p><img src="logo.svg" alt="x"></p>'), make_letter(folder))
    assert (info.value.where, info.value.message) == ("logo.svg", message)


# --- SVG images that would draw too much, or define entities ----------------------------------------------

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
USE_X = '<use href="#x"/>'


def use_bomb(levels: int = 8, copies: int = 10) -> str:
    """An SVG of a few hundred bytes that draws ``copies ** levels`` rectangles: each group repeats the one
    below ``copies`` times with ``<use>``."""
    groups = "".join(f'<g id="a{n}">' + f'<use href="#a{n - 1}"/>' * copies + "</g>" for n in range(1, levels + 1))
    return (f'<svg {SVG_NS} width="100" height="40"><defs><rect id="a0" width="1" height="1"/>{groups}</defs>'
            f'<use href="#a{levels}"/></svg>')


BOMB_REASON = ("the SVG would draw more than 20,000 elements ('use' elements repeat others; it has 92); "
               "the limit is 20,000")
# Over the limit, yet drawn in seconds without the check: for the tests that build in this process, so that
# they fail instead of hanging if the check is gone.
SMALL_BOMB_REASON = ("the SVG would draw more than 20,000 elements ('use' elements repeat others; it has 44); "
                     "the limit is 20,000")
SVG_HINT = ("save the drawing again as a plain SVG (no document type declaration, no deeply repeated 'use' "
            "elements) or as a PNG image")


def test_a_use_bomb_as_the_logo_is_refused_within_seconds(tmp_path):
    """The example with an SVG logo that asks for 10**8 elements: the build ends with one error line (it was
    killed after a minute before the check)."""
    import subprocess
    import sys

    folder = tmp_path / "letter"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.pdf"))  # not a PDF `make demo` left
    (folder / "logo.svg").write_text(use_bomb(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = subprocess.run([sys.executable, "-m", "letter_pdf", "build", str(folder / "letter.md")],
                         capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: logo.svg: refused to load the image: {BOMB_REASON} — {SVG_HINT}"]
    assert not (folder / "letter.pdf").exists()


def marker_bomb(marker_points: int = 1000, line_points: int = 3000, how: str = 'marker-mid="url(#m)"') -> str:
    """A marker of ``marker_points`` points drawn at each of a path's ``line_points`` points."""
    return (f'<svg {SVG_NS} width="20" height="20"><defs><marker id="m" markerWidth="1" markerHeight="1">'
            f'<path d="M0 0{" L1 1" * marker_points}"/></marker></defs>'
            f'<path {how} d="M0 0{" L1 1" * line_points}"/></svg>')


MARKER_REASON = ("the SVG would draw more than 200,000 points of lines (markers repeat their drawing at every "
                 "point); the limit is 200,000")


def test_a_marker_bomb_as_the_logo_is_refused_within_seconds(tmp_path):
    """A path of 3,000 points with a marker of 1,000 points at each: the build was still running after 90 s
    before the points were counted."""
    import subprocess
    import sys

    folder = tmp_path / "letter"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.pdf"))  # not a PDF `make demo` left
    (folder / "logo.svg").write_text(marker_bomb(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = subprocess.run([sys.executable, "-m", "letter_pdf", "build", str(folder / "letter.md")],
                         capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: logo.svg: refused to load the image: {MARKER_REASON} — {SVG_HINT}"]
    assert not (folder / "letter.pdf").exists()


def test_an_svg_with_arrowhead_markers_is_drawn(tmp_path):
    import pypdfium2 as pdfium

    folder = tmp_path / "letter"
    folder.mkdir()
    svg = (f'<svg {SVG_NS} width="120" height="40"><defs><marker id="a" markerWidth="10" markerHeight="10" '
           'refX="0" refY="5" markerUnits="userSpaceOnUse"><path d="M0,0 L10,5 L0,10 z" fill="#00a000"/>'
           '</marker></defs><line x1="5" y1="20" x2="40" y2="20" stroke="black" marker-end="url(#a)"/>'
           '<polyline points="60,20 80,20 100,20" fill="none" stroke="black" style="marker-end: url(#a)"/></svg>')
    assert fetcher.svg_refusal(svg.encode()) is None
    (folder / "logo.svg").write_text(svg, encoding="utf-8")
    result = build(page('<p><img src="logo.svg" alt="two arrows" style="width: 120px"></p>'), make_letter(folder))
    image = pdfium.PdfDocument(result.pdf)[0].render(scale=1).to_pil().convert("RGB")
    green = {x for x in range(image.width) for y in range(image.height)
             if (lambda r, g, b: g > 120 and r < 40 and b < 40)(*image.getpixel((x, y)))}
    assert len([x for x in green if x - 1 not in green]) == 2  # two green arrowheads


def test_an_svg_with_a_few_use_elements_is_drawn(tmp_path):
    import pypdfium2 as pdfium

    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "logo.svg").write_text(
        f'<svg {SVG_NS} width="120" height="40"><defs><rect id="dot" width="20" height="20" fill="#00a000"/>'
        '<g id="pair"><use href="#dot"/><use xlink:href="#dot" x="30"/></g></defs>'
        '<use href="#pair"/><use href="#pair" x="60"/></svg>', encoding="utf-8")
    result = build(page('<p><img src="logo.svg" alt="four squares" style="width: 120px"></p>'), make_letter(folder))
    image = pdfium.PdfDocument(result.pdf)[0].render(scale=1).to_pil().convert("RGB")
    green = {x for x in range(image.width) for y in range(image.height)
             if (lambda r, g, b: g > 120 and r < 40 and b < 40)(*image.getpixel((x, y)))}
    assert len([x for x in green if x - 1 not in green]) == 4  # four squares side by side


@pytest.mark.parametrize(
    "svg,reason",
    [
        (use_bomb(), BOMB_REASON),
        (use_bomb(levels=5, copies=7), SMALL_BOMB_REASON),
        # two elements with one id: the larger one counts (a small one first cannot hide a large one)
        (f'<svg {SVG_NS}><defs><rect id="x"/><g id="x">{"<rect/>" * 100}</g></defs>{USE_X * 300}'
         "</svg>", "the SVG would draw more than 20,000 elements ('use' elements repeat others; it has 404); "
                   "the limit is 20,000"),
        (f'<svg {SVG_NS}>' + "<g/>" * 20_001 + "</svg>", "the SVG has more than 20,000 elements; the limit is 20,000"),
        (f'<svg {SVG_NS}><g id="a"><use href="#b"/></g><g id="b"><use xlink:href="#a"/></g></svg>',
         "the SVG has a 'use' element that refers to itself (directly or through others)"),
        (f'<svg {SVG_NS}><g id="a"><rect/><use href="#a"/></g></svg>',
         "the SVG has a 'use' element that refers to itself (directly or through others)"),
        (marker_bomb(), MARKER_REASON),
        (marker_bomb(how='style="fill: none; marker-mid: url(\'#m\')"'), MARKER_REASON),
        (marker_bomb(how="").replace("<defs>", "<style>path { marker: url(#m) }</style><defs>"), MARKER_REASON),
        (marker_bomb(100, 2_000, 'marker-start="url(#m)" marker-end="url(#m)"'), MARKER_REASON),
        (marker_bomb(0, 200_000, ""), MARKER_REASON),  # points count without markers too
        (f'<svg {SVG_NS}><defs><marker id="m"><path marker-mid="url(#m)" d="M0 0 L1 1 L2 2"/></marker></defs>'
         '<path marker-mid="url(#m)" d="M0 0 L1 1 L2 2"/></svg>',
         "the SVG has a 'use' element or marker that refers to itself (directly or through others)"),
        ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
         f'<svg {SVG_NS} width="10" height="10"><text>&x;</text></svg>',
         "the SVG has a document type declaration (DOCTYPE), which may define entities"),
        ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
         f'<svg {SVG_NS}/>', "the SVG has a document type declaration (DOCTYPE), which may define entities"),
    ],
)
def test_svg_refusals(svg, reason):
    assert fetcher.svg_refusal(svg.encode("utf-8")) == reason
    assert fetcher.svg_refusal(b"\xef\xbb\xbf" + svg.encode("utf-8")) == reason
    assert fetcher.svg_refusal(svg.encode("utf-16")) == reason


def test_svg_sizes_under_the_limit_and_what_is_not_svg_pass():
    assert fetcher.svg_refusal(use_bomb(levels=3).encode()) is None  # about 4,700 drawn
    assert fetcher.svg_refusal(f'<svg {SVG_NS}>{"<g/>" * 19_999}</svg>'.encode()) is None  # 20,000 elements
    assert fetcher.svg_refusal(f'<svg {SVG_NS}><defs><rect id="x"/><g id="x">{"<rect/>" * 100}</g></defs>'
                          f'{USE_X * 150}</svg>'.encode()) is None  # 150 x 102 drawn
    assert fetcher.svg_refusal(f'<svg {SVG_NS}><use href="#nowhere"/><use href="other.svg#a"/></svg>'.encode()) is None
    assert fetcher.svg_refusal(f'<svg {SVG_NS}><rect'.encode()) is None  # not well-formed: WeasyPrint says where
    assert fetcher.svg_refusal(b"\x89PNG\r\n\x1a\n") is None
    assert fetcher.svg_refusal(marker_bomb(100, 1_900).encode()) is None  # 1,902 x (1 + 104) + 108 points drawn
    assert fetcher.svg_refusal(marker_bomb(0, 199_990, "").encode()) is None
    assert fetcher.svg_refusal(b"p { color: green }") is None


def test_a_use_bomb_in_a_data_url_is_refused(tmp_path):
    import base64

    data = base64.b64encode(use_bomb(levels=5, copies=7).encode()).decode()
    with pytest.raises(ResourceError) as info:
        build(page(f'<p><img src="data:image/svg+xml;base64,{data}" alt="x"></p>'), make_letter(tmp_path / "letter"))
    assert info.value.message == f"refused to load the 'data:' image: {SMALL_BOMB_REASON}"


def test_a_use_bomb_inside_an_svg_signature_names_the_image_it_is_in(tmp_path):
    import base64

    folder = tmp_path / "letter"
    folder.mkdir()
    data = base64.b64encode(use_bomb(levels=5, copies=7).encode()).decode()
    (folder / "signature.svg").write_text(
        f'<svg {SVG_NS} width="10" height="10"><image href="data:image/svg+xml;base64,{data}" width="10" '
        'height="10"/></svg>', encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        build(page('<p><img src="signature.svg" alt="x"></p>'), make_letter(folder))
    assert info.value.where == "signature.svg"
    assert info.value.message.startswith("the image 'signature.svg' refers to 'data:image/svg+xml;base64,")
    assert info.value.message.endswith(f"': refused to load the 'data:' image: {SMALL_BOMB_REASON}")


@pytest.mark.parametrize(
    "svg",
    [
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>',
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>',
    ],
)
def test_an_svg_logo_with_a_doctype_is_refused(tmp_path, svg):
    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "logo.svg").write_text(svg, encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        build(page('<p><img src="logo.svg" alt="x"></p>'), make_letter(folder))
    assert str(info.value) == ("logo.svg: refused to load the image: the SVG has a document type declaration "
                               f"(DOCTYPE), which may define entities — {SVG_HINT}")


# --- the same bytes whatever optional libraries the machine has -------------------------------------------


class _NoHarfBuzzSubset:
    """Stands in for libharfbuzz-subset being installed: WeasyPrint would then subset with it."""

    def __bool__(self):
        return True

    def __getattr__(self, name):
        raise AssertionError(f"HarfBuzz-subset was used ({name})")


def test_fonts_are_subset_with_fonttools_whether_or_not_harfbuzz_subset_is_installed(tmp_path, monkeypatch):
    fetcher.import_weasyprint()  # imported the way typesetting imports it (without WeasyPrint's notice)
    from weasyprint.pdf import fonts as pdf_fonts

    letter = make_letter(tmp_path)
    html = page("<h1>Heading</h1><p>Body text, <b>bold</b> and <i>italic</i>: Ґанна Łódź</p>")
    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", None)
    without = build(html, letter).pdf
    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", _NoHarfBuzzSubset())
    assert pdf_fonts.harfbuzz.hb_version_atleast(4, 1, 0)  # the other condition WeasyPrint 70 checks
    present = build(html, letter).pdf
    assert present == without
    programs = embedded_fonts(present)
    assert set(programs) == {"Noto-Serif", "Noto-Serif-Bold", "Noto-Serif-Italic", "Noto-Sans-Bold"}
    for name, program in programs.items():  # fontTools' subset without the layout tables HarfBuzz keeps
        assert not {"GDEF", "GSUB", "GPOS"} & set(program.keys()), name


def test_importing_weasyprint_through_typeset_shows_no_harfbuzz_subset_notice():
    import subprocess
    import sys

    code = "from letter_pdf import fetcher; fetcher.import_weasyprint(); print('ok')"
    env = {**os.environ, "PYTHONPATH": str(Path(ts.__file__).parents[1]), "PYTHONWARNINGS": "error::DeprecationWarning"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "ok\n", "")
