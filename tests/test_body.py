"""body.markdown_to_html: Markdown to safe HTML; images only from the letter's folder; errors name file:line."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest

from letter_pdf.body import markdown_to_html
from letter_pdf.errors import ResourceError
from letter_pdf.text import visible


def png(path: Path) -> Path:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture
def letter(tmp_path, monkeypatch) -> Path:
    """``letter/letter.md`` as a user types it, from ``tmp_path`` as the current folder."""
    folder = tmp_path / "letter"
    folder.mkdir()
    png(folder / "map.png")
    png(folder / "images" / "chart.png")
    (folder / "letter.md").write_text("---\n---\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return Path("letter", "letter.md")


def html(text: str, source: Path, first_line: int = 10) -> str:
    return str(markdown_to_html(text, source=source, first_line=first_line))


def test_paragraphs_emphasis_lists_quotes(letter):
    out = html("One *two* **three**.\n\n- a\n- b\n\n1. x\n2. y\n\n> quoted\n\n~~gone~~", letter)
    assert "<p>One <em>two</em> <strong>three</strong>.</p>" in out
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in out
    assert "<ol>\n<li>x</li>" in out
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in out
    assert "<s>gone</s>" in out


def test_headings_sit_below_the_letters_own(letter):
    out = html("# Background\n\n## Detail\n\n###### Deep", letter)
    assert "<h2>Background</h2>" in out and "<h3>Detail</h3>" in out and "<h6>Deep</h6>" in out
    assert "<h1" not in out


@pytest.mark.parametrize(
    "markdown, literal",
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Text <b onclick='x'>bold</b>", "&lt;b onclick='x'&gt;bold&lt;/b&gt;"),
        ('<img src="file:///etc/passwd">', "&lt;img src=&quot;file:///etc/passwd&quot;&gt;"),
        ("<link rel=stylesheet href=http://example.org/x.css>", "&lt;link rel=stylesheet"),
        ("{{ 7*7 }} {% if x %}", "{{ 7*7 }} {% if x %}"),
        ("Org B</li><li>Org C", "Org B&lt;/li&gt;&lt;li&gt;Org C"),
    ],
)
def test_raw_html_and_template_syntax_are_text(letter, markdown, literal):
    out = html(markdown, letter)
    assert literal in out
    assert "<script" not in out and "<b " not in out and "<img" not in out and "<link" not in out


def test_web_links_stay_links_other_schemes_become_text(letter):
    out = html(
        "[site](https://example.org/a?b=1&c=2) [mail](mailto:info@example.org) "
        "[js](javascript:alert(1)) [ftp](ftp://example.org/f) [local](annex.pdf) [frag](#top)",
        letter,
    )
    assert out == ('<p><a href="https://example.org/a?b=1&amp;c=2">site</a> <a href="mailto:info@example.org">mail</a>'
                   " js ftp local frag</p>\n")


def test_local_images_inside_the_folder(letter):
    out = html("![A map](map.png)\n\n![Chart](images/chart.png \"Title\")", letter)
    folder = letter.parent.resolve()
    assert f'src="{(folder / "map.png").as_uri()}"' in out
    assert f'src="{(folder / "images" / "chart.png").as_uri()}"' in out
    assert 'alt="A map"' in out


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://example.org/tracker.png", "refused"),
        ("https://example.org/logo.png", "refused"),
        ("file:///etc/passwd", "refused"),
        ("data:image/png;base64,iVBORw0KGgo=", "refused"),
        ("/etc/hosts.png", "absolute path"),
        ("../outside.png", "outside the letter's folder"),
        ("images/../../outside.png", "outside the letter's folder"),
        ("missing.png", "does not exist"),
        ("letter.md", "not an image"),
    ],
)
def test_refused_images_name_the_line(letter, url, message):
    Path("outside.png").write_bytes(b"x")
    body = f"First paragraph.\n\nSecond paragraph starts here\nand the image is ![x]({url}) here.\n"
    with pytest.raises(ResourceError) as info:
        markdown_to_html(body, source=letter, first_line=7)
    error = info.value
    assert error.where == "letter/letter.md:10"  # body line 4 -> file line 7 + 3
    assert message in error.message
    assert error.hint


def test_symlink_out_of_the_folder_is_refused(letter, tmp_path):
    secret = png(tmp_path / "secret.png")
    os.symlink(secret, letter.parent / "innocent.png")
    with pytest.raises(ResourceError, match="outside the letter's folder") as info:
        markdown_to_html("![x](innocent.png)", source=letter, first_line=3)
    assert info.value.where == "letter/letter.md:3"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "../secret.pdf", "//host/share/x"])
def test_links_out_of_the_folder_are_refused(letter, url):
    with pytest.raises(ResourceError, match="points") as info:
        markdown_to_html(f"Intro\n\n> quote with [a link]({url})", source=letter, first_line=20)
    assert info.value.where == "letter/letter.md:22"


def test_image_in_a_table_cell_and_a_list_is_checked(letter):
    with pytest.raises(ResourceError):
        markdown_to_html("| a | b |\n|---|---|\n| ![x](http://e.org/x.png) | y |", source=letter, first_line=1)
    with pytest.raises(ResourceError):
        markdown_to_html("- item\n- ![x](../x.png)", source=letter, first_line=1)


@pytest.mark.slow
def test_links_in_the_pdf_are_exactly_the_web_links_over_their_words(tmp_path):
    """Typeset: the link annotations read back with pikepdf are the two web links, each over its own word;
    the other links are plain text."""
    import pikepdf
    import pypdfium2 as pdfium

    from letter_pdf import letter as letter_module
    from letter_pdf import render, typeset
    from letter_pdf.fonts import FontSet
    from letter_pdf.pipeline import creation_time

    from conftest import write_letter

    body = ("Links: [site](https://example.org/a?b=1&c=2) [mail](mailto:info@example.org) [js](javascript:alert(1)) "
            "[ftp](ftp://example.org/f) [local](annex.pdf) [frag](#top).\n")
    letter = letter_module.load_letter(write_letter(tmp_path / "links", body=body))
    font_set = FontSet.for_letter(letter)
    html = render.render_letter(letter, paper="a4", font_set=font_set)
    pdf = typeset.typeset(html, letter=letter, font_set=font_set, created=creation_time(letter)).pdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1
        links = [(str(a.A.URI), [float(v) for v in a.Rect]) for a in document.pages[0].obj.get("/Annots", [])
                 if a.get("/Subtype") == "/Link"]
    assert [uri for uri, _rect in links] == ["https://example.org/a?b=1&c=2", "mailto:info@example.org"]

    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        line = "Links: site mail js ftp local frag."
        assert line in text.replace("\r\n", "\n").split("\n")  # PDFium ends lines with CR LF
        for (uri, rect), word in zip(links, ("site", "mail")):
            x0, x1 = sorted(rect[0::2])  # a rectangle may be given by any two opposite corners
            y0, y1 = sorted(rect[1::2])
            at = text.index(f" {word} ") + 1
            for i in range(at, at + len(word)):  # every character of the word lies inside its link's rectangle
                left, bottom, right, top = textpage.get_charbox(i)
                assert x0 - 0.5 <= left and right <= x1 + 0.5 and y0 - 0.5 <= bottom and top <= y1 + 0.5, (uri, word)
    finally:
        document.close()


# --- limits: a body beyond them is refused at once, naming the line ------------------------------------

from letter_pdf import body  # noqa: E402
from letter_pdf.errors import InputError  # noqa: E402

ENCLOSURE_HINT = "a longer text belongs in an enclosure (a PDF named under 'enclosures:')"


def limit_error(text: str, first_line: int = 10) -> str:
    with pytest.raises(InputError) as caught:
        body.check_limits(text, source="letter.md", first_line=first_line)
    assert caught.value.exit_code == 1
    return str(caught.value)


def nested_list(depth: int) -> str:
    return "".join("  " * level + f"- level {level + 1}\n" for level in range(depth))


def test_a_body_over_the_size_limit_is_refused_naming_the_line_where_it_passes_it():
    line = "word " * 20 + "\n"  # 101 bytes
    text = line * (body.MAX_BODY_BYTES // len(line)) + "ä" * 40 + "\n"  # 'ä': two bytes in UTF-8, one character
    assert len(text) <= body.MAX_BODY_BYTES < len(text.encode("utf-8"))
    kb = len(text.encode("utf-8")) // 1024
    passed_at = 10 + body.MAX_BODY_BYTES // len(line)  # the line holding byte MAX_BODY_BYTES + 1
    assert limit_error(text) == (f"letter.md:{passed_at}: the letter's text is longer than 200 KB ({kb:,} KB) — "
                                 + ENCLOSURE_HINT)


def test_a_body_of_exactly_the_size_limit_is_read():
    word = "a" * 99 + " "
    text = word * (body.MAX_BODY_BYTES // len(word) - 1) + "a" * 99 + "\n"
    assert len(text.encode("utf-8")) == body.MAX_BODY_BYTES
    assert [t.type for t in body.check_limits(text, source="letter.md", first_line=1)] == [
        "paragraph_open", "inline", "paragraph_close"]


WORD_HINT = "a word this long cannot be set on a line: put spaces in it"


@pytest.mark.parametrize("word", ["&lt;div&gt;" * 60, "a" * 501, "a\u00a0" * 250 + "a"])
def test_a_word_over_the_length_limit_is_refused_naming_its_line(word):
    text = "Dear all,\n\nThe text, then\n" + word + " and more.\n"
    assert limit_error(text) == (
        f"letter.md:13: the letter's text has a word longer than 500 characters ({len(word):,} characters without "
        f"a space): '{visible(word, 40)}' — {WORD_HINT}")


def test_a_word_of_the_length_limit_is_read_and_spaces_of_every_kind_end_a_word():
    url = "https://example.org/" + "a" * (body.MAX_WORD - 20)
    assert len(url) == body.MAX_WORD
    body.check_limits(f"See {url} now.\n\n" + ("a" * 400 + "\t") * 3 + ("b" * 400 + "\u2003") * 3 + "\n",
                      source="letter.md", first_line=1)


def test_the_longest_word_is_checked_before_the_parse(monkeypatch):
    # a word as long as the size limit allows: refused at once, before markdown-it reads it
    monkeypatch.setattr(body, "_parser", lambda: pytest.fail("the text was parsed"))
    assert limit_error("<div>" * 35_000 + "\n").startswith(
        "letter.md:10: the letter's text has a word longer than 500 characters (175,000 characters")


def test_lists_nested_past_the_limit_are_refused_at_the_line_of_the_deepest_allowed_plus_one():
    text = "Dear all,\n\n" + nested_list(body.MAX_NESTING + 1)
    assert limit_error(text) == (f"letter.md:{10 + 2 + body.MAX_NESTING}: lists and block quotes are nested more "
                                 "than 8 levels deep — indent less: a list inside a list inside a list is plenty")
    assert limit_error("> " * 5 + "- " * 4 + "quoted\n", first_line=3).startswith(
        "letter.md:3: lists and block quotes are nested more than 8 levels deep")


def test_a_list_nested_thousands_deep_is_refused_quickly():
    # under the size limit: 400 levels are 160 KB of indentation
    assert limit_error(nested_list(400)).startswith(f"letter.md:{10 + body.MAX_NESTING}: lists and block quotes")


def test_at_the_nesting_limit_nothing_is_lost(letter):
    # markdown-it drops what lies deeper than its own maxNesting: the limit keeps every word printed
    indent = "  " * body.MAX_NESTING
    text = (nested_list(body.MAX_NESTING) + "\n" + indent + "| a | b |\n" + indent + "|---|---|\n"
            + indent + "| cell one | cell two |\n\n" + indent + "deepest words\n\nAfter the list.\n")
    out = html(text, letter)
    for words in ("level 8", "cell one", "cell two", "deepest words", "After the list."):
        assert words in out
    assert out.count("<ul>") == body.MAX_NESTING


def test_too_many_table_cells_are_refused_at_the_row_that_passes_the_limit():
    rows = body.MAX_TABLE_CELLS // 4  # header row + rows x 4 columns = MAX_TABLE_CELLS + 4 cells
    table = "| a | b | c | d |\n|---|---|---|---|\n" + "| 1 | 2 | 3 | 4 |\n" * rows
    assert limit_error("Dear all,\n\n" + table) == (
        f"letter.md:{10 + 2 + 1 + rows}: the tables have more than 1,000 cells — "
        "a larger table belongs in an enclosure (a PDF named under 'enclosures:')")
    body.check_limits(table.rsplit("| 1 |", 1)[0], source="letter.md", first_line=1)  # one row fewer: read


def test_too_many_paragraphs_are_refused_at_the_one_that_passes_the_limit():
    assert limit_error("a\n\n" * (body.MAX_BLOCKS + 1)) == (
        f"letter.md:{10 + 2 * body.MAX_BLOCKS}: the letter's text has more than 1,000 paragraphs, headings and "
        "list items — " + ENCLOSURE_HINT)
    body.check_limits("a\n\n" * body.MAX_BLOCKS, source="letter.md", first_line=1)
    body.check_limits("- a\n" * body.MAX_BLOCKS, source="letter.md", first_line=1)  # a tight list's items once
    assert limit_error("- a\n" * (body.MAX_BLOCKS + 1)).startswith(f"letter.md:{10 + body.MAX_BLOCKS}: ")


def test_markdown_to_html_checks_the_limits(letter):
    with pytest.raises(InputError, match=r"^letter.md:12: lists and block quotes are nested more than 8"):
        markdown_to_html("Dear all,\n\n" + "> " * 9 + "deep\n", source=letter, first_line=10)


def test_too_many_emphasised_or_linked_passages_are_refused_at_their_line():
    # each is a box of its own (and a link an annotation and a tag): 50,000 in 200 KB took minutes
    text = "Dear all,\n\n" + "*a* [b](https://example.org/)\n" * (body.MAX_SPANS // 2) + "`c`\n"
    assert limit_error(text) == (
        f"letter.md:{10 + 2 + body.MAX_SPANS // 2}: the letter's text has more than 1,000 emphasised, linked or "
        "coded passages and images — keep emphasis and links for what matters; a longer text belongs in an "
        "enclosure")
    body.check_limits(text.rsplit("`c`", 1)[0], source="letter.md", first_line=1)
