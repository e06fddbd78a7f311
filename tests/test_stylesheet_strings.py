"""The letter's folder's stylesheets print what they say: a CSS string with a bidirectional control or a
control character (written as is or as a CSS escape) is refused like the same character in the letter."""

from __future__ import annotations

import pytest

from letter_pdf import assets
from tests.conftest import run_main

BUNDLED = (assets.templates_dir() / "letter.css").read_text("utf-8").rstrip("\n") + "\n"
N = BUNDLED.count("\n")  # a restyled letter.css is the bundled one with a few lines added

BIDI = ("a CSS string contains an invisible bidirectional control, U+202E RIGHT-TO-LEFT OVERRIDE — it can "
        "reorder what is printed; delete it (it is invisible in most editors: retype the text around it)")


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize(("files", "expected"), [
    # the escape of the probe, in a rule
    ({"letter.css": 'p { color: black; }\nh1::after { content: "\\202E abc"; }\n'}, f"letter.css:{N + 2}: {BIDI}"),
    # the character itself, inside an at-rule's block
    ({"letter.css": '@media print {\n  h1::before {\n    content: "x\u202ey";\n  }\n}\n'}, f"letter.css:{N + 3}: {BIDI}"),
    # in a stylesheet another imports from a subfolder
    ({"letter.css": '@import "css/more.css";\n', "css/more.css": '\n\nq { quotes: "\\202E" "\\202C"; }\n'},
     f"css/more.css:3: {BIDI}"),
    # a control character (BEL, as an escape) inside a function's arguments
    ({"letter.css": 'h2::after { content: counter(x, "\\7"); }\n'},
     f"letter.css:{N + 1}: a CSS string contains a control character, U+0007 CONTROL — delete it (it is invisible in most "
     "editors: retype the text around it)"),
])
def test_refused(make_letter, capsys, monkeypatch, files, expected):
    letter = make_letter()
    for name, css in files.items():
        (letter.parent / name).parent.mkdir(exist_ok=True)
        (letter.parent / name).write_text(BUNDLED + css if name == "letter.css" else css, "utf-8")
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, errors(err)) == (1, [f"error: {expected}"])


def test_build_refuses_too(make_letter, capsys, monkeypatch):
    letter = make_letter()
    (letter.parent / "letter.css").write_text(BUNDLED + 'h1::after { content: "\\202E abc"; }\n', "utf-8")
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["build", "letter.md", "-o", "out.pdf"], capsys)
    assert (code, err.strip().splitlines()[-1]) == (1, f"error: letter.css:{N + 1}: {BIDI}")
    assert not (letter.parent / "out.pdf").exists()


def test_printable_strings_and_comments_pass(make_letter, capsys, monkeypatch):
    """Ordinary strings (arrows, quotes, a right-to-left script) print as written; a comment prints nothing."""
    letter = make_letter()
    (letter.parent / "letter.css").write_text(
        BUNDLED + '/* \u202e in a comment is never printed */\nh1::after { content: "\\2192  « » مرحبا"; }\n', "utf-8")
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, errors(err)) == (0, [])


def test_imported_through_url_and_a_fifo_beside_them(make_letter, capsys, monkeypatch):
    """``@import url("...")`` is followed too; an imported stylesheet that is a FIFO is not read (never waits).
    (A FIFO named like a stylesheet beside the letter is refused when the letter is loaded, before this check.)"""
    import os

    letter = make_letter()
    (letter.parent / "letter.css").write_text('@import url("css/more.css");\n@import url("css/pipe.css");\n'
                                              + BUNDLED, "utf-8")
    (letter.parent / "css").mkdir()
    (letter.parent / "css" / "more.css").write_text('h1::after { content: "\\202E"; }\n', "utf-8")
    os.mkfifo(letter.parent / "css" / "pipe.css")
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert code == 1 and f"error: css/more.css:1: {BIDI}" in errors(err)


def test_blocks_nested_beyond_the_limit_are_refused_before_typesetting(make_letter, capsys, monkeypatch):
    """5,000 unclosed brackets made WeasyPrint end in a RecursionError (exit 3); refused with its line."""
    from letter_pdf import typeset

    letter = make_letter()
    (letter.parent / "letter.css").write_text(BUNDLED + "a { b: " + "[" * 5000, "utf-8")
    monkeypatch.setattr(typeset, "typeset", lambda *a, **k: pytest.fail("typesetting started"))
    monkeypatch.chdir(letter.parent)
    line = (BUNDLED + "a").count("\n") + 1
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, errors(err)) == (1, [f"error: letter.css:{line}: blocks and brackets are nested more than 32 deep "
                                       "— a stylesheet needs a few levels; check for unclosed brackets"])


def test_an_import_that_leads_back_to_itself_is_refused(make_letter, capsys, monkeypatch):
    """Through a link to its own folder, each spelling (sub/, sub/sub/, ...) was a new stylesheet to WeasyPrint,
    read again and again for minutes."""
    import os

    from letter_pdf import typeset

    letter = make_letter()
    os.symlink(".", letter.parent / "sub")
    (letter.parent / "letter.css").write_text('@import "sub/letter.css";\n' + BUNDLED, "utf-8")
    monkeypatch.setattr(typeset, "typeset", lambda *a, **k: pytest.fail("typesetting started"))
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, errors(err)) == (1, ["error: letter.css:1: the stylesheet imports 'sub/letter.css', which leads "
                                       "back to itself — remove the @import: a stylesheet that imports itself is "
                                       "read again and again"])
