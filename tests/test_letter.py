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
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("recipent"))
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


def test_date_defaults_to_today(make_letter, monkeypatch):
    import letter_pdf.letter as letter_module

    monkeypatch.setattr(letter_module, "_today", lambda: dt.date(2031, 12, 31))  # pinned: no midnight race
    path = make_letter(drop=("signatories", "date"))
    assert load_letter(path).date == dt.date(2031, 12, 31)


# ---------------------------------------------------------------------------------------------- bounded front matter

import logging  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from letter_pdf.errors import LetterPdfError  # noqa: E402
from letter_pdf.frontmatter import MAX_DEPTH, MAX_FRONT_MATTER_BYTES, MAX_LETTER_BYTES, MAX_NODES  # noqa: E402
from tests.conftest import run_main  # noqa: E402

LAUGHS = """\
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def write_raw(folder: Path, front: str, body: str = "Text.\n") -> Path:
    """A letter whose front matter is written as given (line 1 is '---', the front matter starts on line 2)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "letter.md"
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def check_in_child(cwd: Path, letter: str) -> subprocess.CompletedProcess:
    """``letter-pdf check`` in a child process, so that a front matter that is not refused in time fails
    the test (timeout) instead of hanging or exhausting the memory of the test run."""
    root = Path(__file__).resolve().parents[1]
    return subprocess.run([sys.executable, "-m", "letter_pdf", "check", letter], cwd=cwd, capture_output=True,
                          text=True, timeout=20, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("key", ["x-notes", "keywords"])  # under an unknown key, under a known one
def test_billion_laughs_is_refused_at_its_line(tmp_path, key):
    write_raw(tmp_path / "bomb", f"title: T\n{key}:\n{LAUGHS}")
    result = check_in_child(tmp_path, "bomb/letter.md")
    # 9**5 values are reached at 'e:', the 8th line of the file
    assert result.stderr.splitlines() == [
        f"error: bomb/letter.md:8: the front matter holds more than {MAX_NODES:,} values (counting what aliases "
        "repeat) — remove the anchors ('&') and aliases ('*'); a long list of signatories belongs in a CSV file "
        "beside the letter",
        "bomb/letter.md: 1 error, 0 warnings"]
    assert result.returncode == 1


def test_deep_nesting_is_refused_at_its_line(tmp_path):
    write_raw(tmp_path / "deep", "title: T\nsubject: T\ncc: " + "[" * 5000 + "]" * 5000 + "\n")
    result = check_in_child(tmp_path, "deep/letter.md")
    assert result.stderr.splitlines() == [
        f"error: deep/letter.md:4: the front matter is nested more than {MAX_DEPTH} levels deep — write each key "
        "on its own line with a plain value",
        "deep/letter.md: 1 error, 0 warnings"]
    assert result.returncode == 1


def test_deep_nesting_through_an_alias_is_refused(tmp_path):
    nested = "[" * (MAX_DEPTH - 3) + "x" + "]" * (MAX_DEPTH - 3)  # the deepest the front matter allows
    path = write_raw(tmp_path, f"title: T\ndeep: &d {nested}\ncc: [[*d]]\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value).startswith(f"{path}:4: the front matter is nested more than {MAX_DEPTH} levels deep")


def test_an_alias_inside_itself_is_refused(tmp_path):
    path = write_raw(tmp_path, "title: T\ncc: &a [x, *a]\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value) == (f"{path}:3: the alias '*a' refers to the list or mapping it is inside — write the "
                               "values out instead of the alias")


def test_small_aliases_still_work(tmp_path):
    path = write_raw(tmp_path, "title: T\nplace: &town London\ncc: [*town, Paris]\n")
    letter = load_letter(path)
    assert (letter.place, letter.cc) == ("London", ("London", "Paris"))


def test_front_matter_size_limit_names_the_line(tmp_path):
    line = "cc: [" + ", ".join(["Office of the Ombudsman"] * 40) + "]\n"  # ~1 KB a line
    count = MAX_FRONT_MATTER_BYTES // len(line) + 5
    path = write_raw(tmp_path, "title: T\n" + line * count)
    with pytest.raises(InputError) as info:
        load_letter(path)
    crossed = 2 + 1 + MAX_FRONT_MATTER_BYTES // len(line)  # title on line 2, the cc lines after it
    assert str(info.value) == (
        f"{path}:{crossed}: the front matter is longer than {MAX_FRONT_MATTER_BYTES // 1024} KB — is its closing "
        "'---' missing? a long list of signatories belongs in a CSV file beside the letter")


def test_letter_file_size_limit(tmp_path):
    path = write_raw(tmp_path, "title: T\n", body="x" * (MAX_LETTER_BYTES + 1))
    with pytest.raises(InputError, match=f"the letter file is larger than {MAX_LETTER_BYTES // 2**20} MB"):
        load_letter(path)


def test_yaml_tags_are_refused(tmp_path):
    path = write_raw(tmp_path, "title: T\ndate: !!timestamp 2026-02-30\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value) == (f"{path}:3: YAML tags such as '!!timestamp' are not used in a letter — remove the "
                               "tag and write the value as text")


# ---------------------------------------------------------------------------------------------- duplicate keys


@pytest.mark.parametrize(("front", "message"), [
    ("title: A\nsubject: S\ntitle: B\n", "letter.md:4, field 'title': 'title' is given twice, on lines 2 and 4"),
    ("title: A\ngroup-by: kind\ngroup_by: country\n",
     "letter.md:4, field 'group_by': 'group_by' is given twice (as 'group-by' and 'group_by'), on lines 3 and 4"),
    ("title: A\nref: X1\nreference: X2\n",
     "letter.md:4, field 'reference': 'reference' is given twice (as 'ref' and 'reference'), on lines 3 and 4"),
    ("title: A\nsender:\n  name: One\n  Name: Two\n",
     "letter.md:5, field 'sender.name': 'sender.name' is given twice (as 'name' and 'Name'), on lines 4 and 5"),
    ("title: A\nsigner: {name: N, organisation: O1, organization: O2}\n",
     "letter.md:3, field 'signer.organisation': 'signer.organisation' is given twice "
     "(as 'organisation' and 'organization'), on lines 3 and 3"),
])
def test_duplicate_keys_name_the_key_and_both_lines(tmp_path, front, message):
    path = write_raw(tmp_path, front)
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value) == f"{tmp_path}/{message} — keep one of them"


# ---------------------------------------------------------------------------------------------- values as written


@pytest.mark.parametrize(("value", "message"), [
    ("2026-02-30", "'2026-02-30' is not a date: February 2026 has 28 days"),
    ("2026-13-45", "'2026-13-45' is not a date: there is no month 13"),
    ("2028-02-30", "'2028-02-30' is not a date: February 2028 has 29 days"),
    ("0000-01-01", "'0000-01-01' is not a date: there is no year 0"),
    ("2026-04-31", "'2026-04-31' is not a date: April 2026 has 30 days"),
    ("yes", "'date' must be a date, not yes/no"),
    ("[2026-11-29]", "'date' must be a date, not a list"),
])
def test_impossible_dates_are_named(tmp_path, value, message):
    path = write_raw(tmp_path, f"title: T\ndate: {value}\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value) == f"{path}:3, field 'date': {message} — write it as YYYY-MM-DD, e.g. 2026-11-29"


def test_impossible_date_exits_1_with_one_line(tmp_path, capsys, monkeypatch):
    write_raw(tmp_path / "d", "title: T\ndate: 2026-02-30\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(["check", "d/letter.md"], capsys)
    assert code == 1
    assert err.splitlines() == ["error: d/letter.md:3, field 'date': '2026-02-30' is not a date: February 2026 "
                                "has 28 days — write it as YYYY-MM-DD, e.g. 2026-11-29",
                                "d/letter.md: 1 error, 0 warnings"]


@pytest.mark.parametrize(("value", "date"), [
    ("2026-11-29", dt.date(2026, 11, 29)), ("2026-2-3", dt.date(2026, 2, 3)), ("'2026-11-29'", dt.date(2026, 11, 29)),
    ("2026-11-29 10:30:00", dt.date(2026, 11, 29)), ("2026-11-29T10:30:00+01:00", dt.date(2026, 11, 29)),
])
def test_dates_that_load(tmp_path, value, date):
    assert load_letter(write_raw(tmp_path, f"title: T\ndate: {value}\n")).date == date


def test_plain_values_are_kept_as_written(tmp_path):
    huge = "1" * 5000  # more digits than Python converts to an int by default: text, over the length limit
    with pytest.raises(InputError, match="field 'title': the value is 5,000 characters long; the limit is 1,000"):
        load_letter(write_raw(tmp_path, f"title: {huge}\n"))
    path = write_raw(tmp_path, "title: 1234\nreference: 012\nplace: 12:30\nsubject: 1e3\n"
                               "their_reference: 0x1F\ncc: [1_000, .inf, 2026-11-29]\n")
    letter = load_letter(path)
    assert letter.title == "1234"
    assert (letter.reference, letter.place, letter.subject, letter.their_reference) == ("012", "12:30", "1e3", "0x1F")
    assert letter.cc == ("1_000", ".inf", "2026-11-29")


@pytest.mark.parametrize("front", [
    "title: T\nlogo: \"a\\0b.png\"\n",
    "title: T\nlogo: " + "a" * 5000 + ".png\n",
    "title: T\nlogo: !!binary aGVsbG8=\n",
    "title: T\nlogo: !!python/object:os.system {}\n",
    "title: T\n? [a, b]\n: c\n",
    "title: T\n<<: {subject: S}\n",
    "title: =\n",
    "title: T\nlang: [en]\n",
    "title: T\nlang: \"en\\u202e\"\n",
    "title: T\nlang: " + "en-" * 2000 + "\n",
    "title: T\npaper: {a: 1}\n",
    "title: T\norder: [1, 2]\n",
    "title: T\ncover: {enabled: maybe}\n",
    "title: T\ncover: [1]\n",
    "title: T\nsignatories: {a: 1}\n",
    "title: T\nsignatories: [{name: [a]}, 12, {name: 012, country: [GB, [FR]]}]\n",
    "title: T\nkeywords: {a: b}\n",
    "title: T\nenclosures: [{title: [x]}, {file: 5}, [1]]\n",
    "title: T\nsigners: [{name: A, signature: \"\\e[31m.png\"}]\n",
    "title: T\nsender: {name: {x: y}, address: {a: b}}\n",
    "title: {a: b}\n",
    "title: T\n1: x\nnull: y\ntrue: z\n",
    "- a\n- b\n",
    "title: T\n" + "x: 1\n" * 3,
    "title: T\ndate: 99999-01-01\n",
])
def test_any_front_matter_ends_in_a_result_or_one_line_error(tmp_path, front):
    path = write_raw(tmp_path, front)
    try:
        load_letter(path)
    except LetterPdfError as error:
        for line in messages(error):
            assert "\n" not in line and line.startswith(str(path)), line


def test_symlink_loop_is_an_error(tmp_path):
    path = write_raw(tmp_path, "title: T\nlogo: loop.png\n")
    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    with pytest.raises(ResourceError, match=r"field 'logo'"):
        load_letter(path)


def test_messages_name_files_as_given(tmp_path, monkeypatch):
    write_raw(tmp_path / "mine", "title: T\nlogo: missing.png\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ResourceError) as info:
        load_letter(Path("mine/letter.md"))
    assert str(info.value) == ("mine/letter.md:3, field 'logo': file 'missing.png' not found — put it in mine "
                               "or correct the name")


# ---------------------------------------------------------------------------------------------- printed as written

RLO = "\u202e"
BIDI_HINT = "it can reorder what is printed; delete it (it is invisible in most editors: retype the text around it)"


@pytest.mark.parametrize(("front", "line", "field"), [
    ('title: "Joint \\u202eletter"\n', 2, "title"),
    ('subject: "Pay to IBAN \\u202e1234 5678 9012 now"\n', 3, "subject"),
    ('sender: {name: "Coalition \\u2067X"}\n', 3, "sender.name"),
    ('sender:\n  name: C\n  address: ["1 Road", "\\u202aLondon"]\n', 5, "sender.address.1"),
    ('sender:\n  name: C\n  address: "1 Road\\n\\u202dLondon"\n', 5, "sender.address"),
    ('sender: {name: C, email: "a\\u202c@b.org"}\n', 3, "sender.email"),
    ('recipient: {name: "The \\u202bMinister"}\n', 3, "recipient.name"),
    ('recipient:\n  name: M\n  address: ["\\u2066Capital"]\n', 5, "recipient.address.0"),
    ('opening: "Dear \\u202eMinister,"\n', 3, "opening"),
    ('closing: "\\u2068Yours,"\n', 3, "closing"),
    ('signer: {name: A, role: "Dir\\u202eector"}\n', 3, "signer.role"),
    ('signers:\n  - {name: "B\\u2069", organisation: O}\n', 4, "signers.0.name"),
    ('place: "Lon\\u202edon"\n', 3, "place"),
    ('reference: "AI/\\u202e2026"\n', 3, "reference"),
    ('your-reference: "K\\u202e55"\n', 3, "their_reference"),
    ('cover: {channel: "By \\u202epost"}\n', 3, "cover.channel"),
    ('cover: {note: "See \\u202eattached"}\n', 3, "cover.note"),
    ('enclosures: [{title: "Report \\u202e2026"}]\n', 3, "enclosures.0.title"),
    ('annexes: ["Report \\u202e2026"]\n', 3, "annexes.0"),
    ('cc: ["Ombudsman \\u202e"]\n', 3, "cc.0"),
    ('keywords: "NGOs, \\u202eagents"\n', 3, "keywords"),
    ('author: "A\\u202eB"\n', 3, "author"),
    ('logo: "logo\\u202egnp.svg"\n', 3, "logo"),
    ('enclosures: [{file: "annex\\u202e.pdf"}]\n', 3, "enclosures.0.file"),
])
def test_bidi_controls_are_refused_in_every_printed_field(tmp_path, front, line, field):
    path = write_raw(tmp_path, "title: T\n" + front if not front.startswith("title") else front)
    with pytest.raises(InputError) as info:
        load_letter(path)
    text = str(info.value)
    assert text.startswith(f"{path}:{line}, field '{field}': the value contains an invisible bidirectional control, U+")
    assert text.endswith(f" — {BIDI_HINT}")


SEPARATOR_HINT = ("it is a line break in some programs and invisible in others; replace it with a space "
                  "(or an ordinary line end where the text may have several lines)")


@pytest.mark.parametrize("front, line, field, shown", [
    ('place: "Lon\\u2028don"\n', 3, "place", "a line break, U+2028 LINE SEPARATOR: 'Lon<U+2028>don'"),
    ('subject: "A\\u2029B"\n', 3, "subject", "a line break, U+2029 PARAGRAPH SEPARATOR: 'A<U+2029>B'"),
    ('signer: {name: "Jan\\u2028Nowak"}\n', 3, "signer.name", "a line break, U+2028 LINE SEPARATOR: 'Jan<U+2028>Nowak'"),
    ('reference: "AI\\x852026"\n', 3, "reference", "a control character, U+0085 CONTROL: 'AI<U+0085>2026'"),
])
def test_unicode_line_separators_are_refused_in_printed_fields(tmp_path, front, line, field, shown):
    path = write_raw(tmp_path, "title: T\n" + front)
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value) == f"{path}:{line}, field '{field}': the value contains {shown} — " + (
        SEPARATOR_HINT if "U+0085" not in shown else "delete it (it is invisible in most editors: retype the text around it)")


def test_bidi_control_in_the_body_names_its_line(tmp_path):
    path = write_raw(tmp_path, "title: T\n", body=f"Dear Minister,\n\nPay to IBAN {RLO}1234 5678 9012 now.\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value) == (f"{path}:6: the text contains an invisible bidirectional control, U+202E "
                               f"RIGHT-TO-LEFT OVERRIDE: 'Pay to IBAN <U+202E>1234 5678 9012 now.' — {BIDI_HINT}")


def test_build_refuses_a_bidi_override_in_the_subject(make_letter, capsys, monkeypatch):
    path = make_letter(front={"subject": f"Pay to IBAN {RLO}1234 5678 9012 now"})
    monkeypatch.chdir(path.parent.parent)
    code, _, err = run_main(["build", "letter/letter.md"], capsys)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("subject"))
    assert code == 1
    assert err.splitlines() == [
        f"error: letter/letter.md:{line}, field 'subject': the value contains an invisible bidirectional control, "
        f"U+202E RIGHT-TO-LEFT OVERRIDE: 'Pay to IBAN <U+202E>1234 5678 9012 now' — {BIDI_HINT}"]
    assert not path.with_suffix(".pdf").exists()


@pytest.mark.parametrize(("where", "front", "body", "what"), [
    ("letter/letter.md:{subject}, field 'subject'", {"subject": "Caf\ufffd in Paris"}, "Text.\n",
     "U+FFFD REPLACEMENT CHARACTER (the mark of text decoded with the wrong encoding: a character was lost "
     "here): 'Caf<U+FFFD> in Paris'"),
    ("letter/letter.md:{recipient}, field 'recipient.address.0'",
     {"recipient": {"name": "M", "address": ["Road \U000e0041\U000e0042"]}}, "Text.\n",
     "invisible Unicode tag characters (U+E0000–U+E007F): 'Road <U+E0041><U+E0042>'"),
])
def test_damaged_text_marks_are_warned_about_once(make_letter, capsys, monkeypatch, where, front, body, what):
    path = make_letter(front=front, body=body)
    monkeypatch.chdir(path.parent.parent)
    lines = path.read_text().splitlines()
    numbers = {key: next(i for i, text in enumerate(lines, 1) if text.startswith(key)) for key in ("subject", "recipient")}
    numbers["recipient"] += 3  # name, address:, then the first address line
    code, _, err = run_main(["check", "letter/letter.md"], capsys)
    expected = f"warning: {where.format(**numbers)}: the value contains {what}"
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("warning: letter/letter.md")] == [expected]


def test_damaged_text_in_the_body_is_warned_about_with_its_line(tmp_path, caplog):
    path = write_raw(tmp_path, "title: T\n", body="Line one.\nCaf\ufffd.\n")
    with caplog.at_level(logging.WARNING, logger="letter_pdf"):
        load_letter(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:5: the text contains U+FFFD REPLACEMENT CHARACTER (the mark of text decoded with the wrong "
        "encoding: a character was lost here): 'Caf<U+FFFD>.'"]


@pytest.mark.parametrize("reference", ["&#x202E;", "&#8238;", "&#X202e;", "&#x2067;"])
def test_bidi_control_written_as_a_character_reference_is_refused(tmp_path, reference):
    path = write_raw(tmp_path, "title: T\n", body=f"Dear Minister,\n\nPay to IBAN {reference}1234 now.\n")
    with pytest.raises(InputError) as info:
        load_letter(path)
    assert str(info.value).startswith(f"{path}:6: the text contains an invisible bidirectional control, U+20")
    assert str(info.value).endswith(f": 'Pay to IBAN {reference}1234 now.' — {BIDI_HINT}")


@pytest.mark.parametrize("reference", ["&#0;", "&#x1;", "&#x110000;", "&#xD800;"])
def test_character_reference_that_prints_a_replacement_character_is_warned_about(tmp_path, caplog, reference):
    path = write_raw(tmp_path, "title: T\n", body=f"Line one.\nCaf{reference}.\n")
    with caplog.at_level(logging.WARNING, logger="letter_pdf"):
        load_letter(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:5: the text contains U+FFFD REPLACEMENT CHARACTER (the mark of text decoded with the wrong "
        f"encoding: a character was lost here): 'Caf{reference}.'"]


def test_ordinary_character_references_pass_the_body_check(tmp_path, caplog):
    path = write_raw(tmp_path, "title: T\n", body="Fish &amp; chips &eacute; &#233; &#xE9; &bogus; &#x;.\n")
    with caplog.at_level(logging.WARNING, logger="letter_pdf"):
        load_letter(path)
    assert caplog.records == []


MARKS = "\u0301\u0300\u0302\u0303"


def test_stacked_marks_are_refused_in_every_printed_field_and_line(make_letter, capsys, monkeypatch):
    """A letter's name with 40 marks was drawn over the return line and the sender's name: refused in the
    front matter's printed fields and the body (a mark written as a character reference too)."""
    path = make_letter(front={"recipient": {"name": "President" + MARKS * 10 + " of X"}, "subject": "S" + MARKS + "\u0304",
                              "signer": {"name": "Anna", "role": "Dir" + MARKS * 2}},
                       body="We write.\n\nZe&#x301;&#x300;&#x302;&#x303;&#x304;lgo.\n")
    monkeypatch.chdir(path.parent.parent)
    lines = path.read_text().splitlines()
    line = {key: next(i for i, text in enumerate(lines, 1) if text.lstrip().startswith(key))
            for key in ("subject:", "name: President", "role:", "Ze")}
    code, _, err = run_main(["check", "letter/letter.md"], capsys)
    hint = "a letter carries at most 4 accents or vowel signs; more are drawn over the lines around it: retype the " \
           "word without the extra marks"
    assert code == 1
    assert err.splitlines() == [
        f"error: letter/letter.md:{line['subject:']}, field 'subject': the value contains 5 combining marks stacked on "
        f"U+0053 LATIN CAPITAL LETTER S (U+0301 U+0300 U+0302 U+0303 U+0304; at most 4): 'S{MARKS}<U+0304>' — {hint}",
        f"error: letter/letter.md:{line['name: President']}, field 'recipient.name': the value contains 40 combining "
        "marks stacked on U+0074 LATIN SMALL LETTER T (U+0301 U+0300 U+0302 U+0303 U+0301 and 35 more; at most 4): "
        f"'President{MARKS}" + "<U+0301><U+0300><U+0302><U+0303>" * 2 + "<U…' — " + hint,
        f"error: letter/letter.md:{line['role:']}, field 'signer.role': the value contains 8 combining marks stacked "
        "on U+0072 LATIN SMALL LETTER R (U+0301 U+0300 U+0302 U+0303 U+0301 and 3 more; at most 4): "
        f"'Dir{MARKS}<U+0301><U+0300><U+0302><U+0303>' — {hint}",
        f"error: letter/letter.md:{line['Ze']}: the text contains 5 combining marks stacked on U+0065 LATIN SMALL "
        "LETTER E (U+0301 U+0300 U+0302 U+0303 U+0304; at most 4): 'Ze&#x301;&#x300;&#x302;&#x303;&#x304;lgo.' — "
        + hint,
        "letter/letter.md: 4 errors, 0 warnings"]


@pytest.mark.parametrize(("front", "field", "only"), [
    ("title: \"\\u200B\"\n", "title", "U+200B ZERO WIDTH SPACE"),
    ("title: T\nsender:\n  name: \"\\u200B\\u2060\"\n", "sender.name", "U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER"),
    ("title: T\nsubject: \"\\u0301\"\n", "subject", "U+0301 COMBINING ACUTE ACCENT"),
])
def test_a_field_with_no_visible_character_is_refused_like_an_empty_one(tmp_path, capsys, monkeypatch, front, field,
                                                                      only):
    write_raw(tmp_path / "d", front)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(["check", "d/letter.md"], capsys)
    line = 2 + front.count("\n") - 1
    assert code == 1
    assert err.splitlines() == [f"error: d/letter.md:{line}, field '{field}': '{field}' has no visible characters "
                                f"(only {only}) — type the text again: it holds only characters that print nothing",
                                "d/letter.md: 1 error, 0 warnings"]
