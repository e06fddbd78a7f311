"""Bounded work for the front matter: a value longer than a line or a few (a 200 KB subject is printed in
the running head of every page and takes minutes to typeset) is refused at once, with its line."""

from __future__ import annotations

import pytest

from letter_pdf.letter import MAX_VALUE_CHARS
from tests.conftest import run_main

LIMIT_HINT = ("shorten it: a subject, title, name or address line is a line or two (longer text belongs in "
              "the body)")


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize(("front", "line", "field"), [
    ({"subject": " ".join(["word"] * 40_000)}, 3, "subject"),  # the probe's 40,000-word subject (200 KB)
    ({"title": "T" * (MAX_VALUE_CHARS + 1)}, 2, "title"),
    ({"place": "P" * (MAX_VALUE_CHARS + 1)}, 5, "place"),
    ({"recipient": {"name": "The Minister", "address": ["A" * (MAX_VALUE_CHARS + 1)]}}, 15, "recipient.address.0"),
    ({"sender": {"name": "S" * (MAX_VALUE_CHARS + 1), "address": ["1 Example Street"]}}, 8, "sender.name"),
])
def test_a_value_over_the_limit_is_refused_with_its_line(make_letter, capsys, monkeypatch, front, line, field):
    letter = make_letter(front=front)
    monkeypatch.chdir(letter.parent)
    length = len(front.get("subject") or front.get("title") or front.get("place")
                 or (front.get("recipient") or {}).get("address", [""])[0] or front["sender"]["name"])
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, errors(err)) == (1, [
        f"error: letter.md:{line}, field '{field}': the value is {length:,} characters long; the limit is "
        f"{MAX_VALUE_CHARS:,} — {LIMIT_HINT}"])


def test_a_value_at_the_limit_is_accepted(make_letter, capsys, monkeypatch):
    subject = ("word " * MAX_VALUE_CHARS)[:MAX_VALUE_CHARS - 1] + "s"  # 1,000 characters: some six lines
    letter = make_letter(front={"subject": subject})
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, errors(err)) == (0, [])


@pytest.mark.parametrize("cc", [[f"Office {i}" for i in range(52)], "\n".join(f"Office {i}" for i in range(52))])
def test_a_list_of_lines_over_the_limit_is_refused(make_letter, capsys, monkeypatch, cc):
    from letter_pdf.letter import MAX_LIST_LINES

    letter = make_letter(front={"cc": cc})
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    line = next(n for n, text in enumerate(letter.read_text("utf-8").splitlines(), 1) if text.startswith("cc:"))
    assert (code, errors(err)) == (1, [
        f"error: letter.md:{line}, field 'cc': 'cc' has 52 lines; the limit is {MAX_LIST_LINES} — shorten the "
        "list (a longer list belongs in the body or an enclosure)"])


def test_a_list_at_the_limit_is_read(make_letter):
    from letter_pdf.letter import MAX_LIST_LINES, load_letter

    letter = make_letter(front={"cc": [f"Office {i}" for i in range(MAX_LIST_LINES)]})
    assert load_letter(letter).cc == tuple(f"Office {i}" for i in range(MAX_LIST_LINES))


def test_a_sender_too_long_for_any_return_line_is_refused_before_typesetting(make_letter, capsys, monkeypatch):
    """Two 1,000-character address lines took 15 s to lay out (ten, over a minute) only to be refused as a
    return line longer than the window: refused at once."""
    from letter_pdf import pagecheck, typeset

    address = ["w" * 200, "s" * 140, "City"]  # 200 + 140 + 4 characters
    letter = make_letter(front={"sender": {"name": "A" * 57, "address": address}})  # 401 in all
    monkeypatch.setattr(typeset, "typeset", lambda *a, **k: pytest.fail("typesetting started"))
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert code == 1
    assert [e.split(": ", 2)[2] for e in errors(err)] == [
        f"the sender's name and address are 401 characters; the return line above the recipient prints them on one "
        f"line, and no more than {pagecheck.RETURN_MAX_CHARS} fit the window — shorten the sender's name or address "
        "lines (the return line prints them all on one line)"]
