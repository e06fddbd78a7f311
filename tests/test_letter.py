"""letter.py: front matter and body -> Letter; every bad input named with file, line, field and a fix."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from letter_pdf.errors import InputError, Problems, ResourceError
from letter_pdf.letter import load_letter


def messages(exc: Exception) -> list[str]:
    return [str(p) for p in exc.problems] if isinstance(exc, Problems) else [str(exc)]


def test_full_front_matter_loads(make_letter):
    path = make_letter(
        front={
            "reference": "AI/2026/117",
            "your-reference": "K-55",
            "cc": ["Office of the Ombudsman"],
            "enclosures": ["Russian translation", {"title": "Report"}],
            "keywords": "NGOs, foreign agents",
            "signer": {"name": "Anna Nowak", "role": "Director", "organization": "Example Coalition"},
            "cover": {"channel": "By e-mail and registered post"},
            "group-by": "kind",
            "order": "alphabetical",
            "paper": "letter",
        },
        body="Line one.\n\nLine two.\n",
    )
    letter = load_letter(path)
    assert letter.title == "Joint letter on freedom of association"
    assert letter.date == dt.date(2026, 11, 29)
    assert letter.sender.address == ("1 Example Street", "London")
    assert letter.reference == "AI/2026/117" and letter.their_reference == "K-55"
    assert letter.keywords == ("NGOs", "foreign agents")
    assert [a.title for a in letter.enclosures] == ["Russian translation", "Report"]
    assert letter.signers[0].organisation == "Example Coalition"
    assert letter.cover.channel == "By e-mail and registered post"
    assert (letter.group_by, letter.order, letter.paper) == ("kind", "alphabetical", "letter")
    assert letter.body.startswith("Line one.")
    assert letter.body_line == path.read_text().splitlines().index("Line one.") + 1
    assert [s.name for s in letter.signatories] == ["Organisation One", "Organisation Two"]


def test_text_is_nfc_normalised(make_letter):
    decomposed = unicodedata.normalize("NFD", "Comité Łódź")
    letter = load_letter(make_letter(front={"place": decomposed}, drop=("signatories",)))
    assert letter.place == unicodedata.normalize("NFC", decomposed)


def test_unknown_key_names_it_and_suggests(make_letter):
    path = make_letter(front={"recipent": {"name": "X"}}, drop=("signatories",))
    with pytest.raises(InputError) as info:
        load_letter(path)
    text = str(info.value)
    assert "unknown key 'recipent'" in text and "did you mean 'recipient'?" in text
    line = next(i for i, l in enumerate(path.read_text().splitlines(), 1) if l.startswith("recipent"))
    assert f"letter.md:{line}" in text


def test_unknown_nested_key(make_letter):
    path = make_letter(front={"sender": {"name": "A", "adress": ["x"]}}, drop=("signatories",))
    with pytest.raises(InputError, match=r"unknown key 'adress'.*did you mean 'address'"):
        load_letter(path)


def test_every_problem_is_reported(make_letter):
    path = make_letter(front={"date": "29/11/2026", "lang": "xx-notalang", "paper": "a5", "titel": "x"},
                       drop=("signatories",))
    with pytest.raises(Problems) as info:
        load_letter(path)
    text = "\n".join(messages(info.value))
    assert "is not a date" in text and "YYYY-MM-DD" in text
    assert "is not a language" in text
    assert "'a5' is not a valid paper" in text
    assert "unknown key 'titel'" in text and "did you mean 'title'" in text


def test_no_front_matter(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text("Dear Minister,\n")
    with pytest.raises(InputError, match="no front matter"):
        load_letter(path)


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text("---\ntitle: A\nsender: [unclosed\nlang: en\n---\nText\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert "not valid YAML" in str(info.value)
    assert "letter.md:" in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "letter.md"
    path.write_bytes("---\ntitle: Письмо\n---\nТекст\n".encode("cp1251"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_letter(path)


def test_missing_signatory_file(make_letter):
    path = make_letter(front={"signatories": "nowhere.csv"})
    (path.parent / "nowhere.csv").unlink()  # the factory writes the CSV the letter names
    with pytest.raises(ResourceError, match="'nowhere.csv' not found"):
        load_letter(path)


@pytest.mark.parametrize("value", ["../outside.png", "/etc/passwd.png", "file:///etc/logo.png", "http://example.org/logo.png"])
def test_paths_must_stay_in_the_letter_folder(make_letter, tmp_path, value):
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    path = make_letter(front={"logo": value}, drop=("signatories",))
    with pytest.raises(ResourceError) as info:
        load_letter(path)
    assert "field 'logo'" in str(info.value)


def test_symlink_escape_is_refused(make_letter, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    path = make_letter(front={"logo": "logo.png"}, drop=("signatories",))
    (path.parent / "logo.png").symlink_to(secret)
    with pytest.raises(ResourceError, match="outside the letter's folder"):
        load_letter(path)


def test_empty_body_and_title(make_letter):
    path = make_letter(front={"title": ""}, body="", drop=("signatories",))
    with pytest.raises(Problems) as info:
        load_letter(path)
    text = "\n".join(messages(info.value))
    assert "'title' is empty" in text and "no text after the front matter" in text


def test_yes_no_values_are_not_taken_as_text(make_letter):
    path = make_letter(front={"place": True}, drop=("signatories",))
    with pytest.raises(InputError, match="put the value in quotes"):
        load_letter(path)


def test_date_defaults_to_today(make_letter):
    path = make_letter(drop=("signatories", "date"))
    assert load_letter(path).date == dt.date.today()
