"""Loading recipients lists (CSV, TSV, .txt, YAML): one personalised copy per row, every problem with its line."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from letter_pdf import recipients
from letter_pdf.errors import InputError, LetterPdfError, Problems
from letter_pdf.model import Recipient
from letter_pdf.recipients import MAX_BYTES, MAX_RECIPIENTS, email_problem, load_recipients


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Each test runs in its own folder, so that messages name files as a user types them (``lists/x.csv``)."""
    monkeypatch.chdir(tmp_path)


def write(text: str | bytes, name: str = "recipients.csv") -> Path:
    Path("lists").mkdir(exist_ok=True)
    path = Path("lists", name)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def problems(text: str | bytes, name: str = "recipients.csv", **kwargs) -> list[str]:
    """The one-line messages of every problem found in the list ``text``."""
    with pytest.raises(LetterPdfError) as info:
        load_recipients(write(text, name), **kwargs)
    error = info.value
    return [str(p) for p in error.problems] if isinstance(error, Problems) else [str(error)]


def one(text: str, name: str = "recipients.csv", **kwargs) -> Recipient:
    (recipient,) = load_recipients(write(text, name), **kwargs)
    return recipient


# --- what a good list gives -----------------------------------------------------------------------------


def test_resource_list_loads_every_column(resources):
    recipients = load_recipients(resources / "recipients" / "committee.csv", letter_lang="en-GB")
    assert [(r.row, r.line, r.name) for r in recipients] == [
        (1, 2, "Anna Kowalska"), (2, 5, "Jan Nowak"), (3, 8, "Maria Wiśniewska")]
    anna = recipients[0]
    assert anna == Recipient(
        row=1, line=2, name="Anna Kowalska", address=("Sejm RP", "ul. Wiejska 4/6/8", "00-902 Warszawa"),
        opening="Dear Ms Kowalska", email="anna.kowalska@example.org", lang="en", reference="REF-001",
        cc=("office.kowalska@example.org",),
        fields=(("name", "Anna Kowalska"), ("address", "Sejm RP\nul. Wiejska 4/6/8\n00-902 Warszawa"),
                ("opening", "Dear Ms Kowalska"), ("email", "anna.kowalska@example.org"), ("lang", "en"),
                ("reference", "REF-001"), ("cc", "office.kowalska@example.org"), ("constituency", "Kraków")))
    maria = recipients[2]
    assert (maria.opening, maria.email, maria.lang, maria.cc) == (None, None, None, ())
    assert dict(maria.fields)["email"] == "" and dict(maria.fields)["constituency"] == "Łódź"


def test_headings_are_canonical_and_numbered_address_lines_join_in_number_order():
    text = ("  NAME ,Address 2,address-10,ADDRESS_1,E-mail,Seat Number\n"
            "Jane Doe,Second,Tenth,First,jane@example.org,12\n")
    jane = one(text)
    assert jane.address == ("First", "Second", "Tenth")
    assert jane.email == "jane@example.org"
    assert dict(jane.fields) == {"name": "Jane Doe", "address_2": "Second", "address_10": "Tenth",
                                 "address_1": "First", "email": "jane@example.org", "seat_number": "12",
                                 "address": "First\nSecond\nTenth"}


def test_values_are_nfc_and_trimmed_empty_address_lines_skipped():
    text = 'name,address,opening\n  Jose\u0301 Marti\u0301  ," Calle 1\r\n\r\n  Madrid  ",  Estimado  \n'
    jose = one(text)
    assert (jose.name, jose.address, jose.opening) == ("José Martí", ("Calle 1", "Madrid"), "Estimado")
    assert jose.name == "Jos\u00e9 Mart\u00ed"


def test_empty_rows_skipped_and_rows_counted_as_kept():
    text = "name,email,,\nA,a@example.org,,\n,,,\n\n  ,  ,,\nB,b@example.org,,\n"
    assert [(r.row, r.line, r.name) for r in load_recipients(write(text))] == [(1, 2, "A"), (2, 6, "B")]


def test_tsv_and_txt_with_semicolons():
    tsv = one("name\taddress_1\temail\nA, Ltd\tStreet 1; flat 2\ta@example.org\n", "recipients.tsv")
    assert (tsv.name, tsv.address) == ("A, Ltd", ("Street 1; flat 2",))
    txt = one("name;email;cc\nB;b@example.org;c@example.org, d@example.org\n", "recipients.txt")
    assert (txt.name, txt.cc) == ("B", ("c@example.org", "d@example.org"))  # ';' sniffed as the delimiter
    txt = one('name;email;cc\nB;b@example.org;"c@example.org; d@example.org\ne@example.org"\n', "list.txt")
    assert txt.cc == ("c@example.org", "d@example.org", "e@example.org")


def test_utf16_and_cp1251_files():
    text = "name,address\nАнна Иванова,\"Москва\nКремль\"\n"
    utf16 = one(text.encode("utf-16"))
    assert (utf16.name, utf16.address) == ("Анна Иванова", ("Москва", "Кремль"))
    cp = ("name,address,opening\nГосударственная Дума,Москва Охотный ряд дом один,"
          "Уважаемые депутаты Государственной Думы\n")
    legacy = one(cp.encode("cp1251"))
    assert (legacy.name, legacy.opening) == ("Государственная Дума", "Уважаемые депутаты Государственной Думы")
    assert problems(b"name\nSoci\xe9t\xe9 G\xe9n\xe9rale\n")[0].startswith(
        "lists/recipients.csv: the file is not UTF-8 (line 2 has bytes that are not UTF-8;")


# --- the header ---------------------------------------------------------------------------------------


def test_header_problems_all_at_once():
    found = problems("name,Größe,2nd line,email,Email,,x\nA,1,2,a@example.org,,,3\n")
    assert found == [
        "lists/recipients.csv:1: the column 'Größe' is not a usable name — a heading is made of the letters "
        "a-z, digits and '_' (spaces and '-' are read as '_'), and does not start with a digit, so that the "
        "letter can use it as {{ recipient.<column> }}",
        "lists/recipients.csv:1: the column '2nd line' is not a usable name — a heading is made of the letters "
        "a-z, digits and '_' (spaces and '-' are read as '_'), and does not start with a digit, so that the "
        "letter can use it as {{ recipient.<column> }}",
        "lists/recipients.csv:1: the column 'email' is given twice — keep one of them",
        "lists/recipients.csv:1: a column has no heading — give it a heading (letters, digits and '_') or "
        "delete the column"]


def test_no_name_column_and_both_address_forms():
    assert problems("email,address,address_1\na@example.org,x,y\n") == [
        "lists/recipients.csv:1: both an 'address' column and numbered address columns ('address_1') are given"
        " — write the address either in one 'address' column (lines separated by line breaks in the cell) or "
        "in 'address_1', 'address_2'..., not both",
        "lists/recipients.csv:1: there is no 'name' column (the columns are: 'email', 'address', 'address_1') "
        "— the first line must be a header such as 'name,address,opening,email'"]


def test_too_many_columns_and_empty_columns_at_the_right():
    assert problems(",".join(["name"] + [f"c{i}" for i in range(50)]) + "\nA\n") == [
        "lists/recipients.csv:1: the header has 51 columns (at most 50) — check that this is the right file; "
        "the first line must be a header such as 'name,address,opening,email'"]
    wide = one(",".join(["name"] + [f"c{i}" for i in range(49)]) + ",,,\nA" + "," * 52 + "\n")
    assert wide.name == "A" and len(wide.fields) == 50
    start = time.monotonic()  # a million empty headings at the right were dropped one by one: quadratic, hours
    assert problems("name" + "," * 1_000_000 + "\n") == [
        "lists/recipients.csv: the list has no recipients — add one row per recipient"]
    assert time.monotonic() - start < 3


def test_row_wider_than_header():
    assert problems("name,email\nCommittee, Ltd,c@example.org\nB,b@example.org,,\n") == [
        "lists/recipients.csv:2: the row has 3 fields but the header has 2 — a value that contains the "
        'delimiter must be in double quotes, e.g. "Committee, Ltd"',
        "lists/recipients.csv:3: the row has 4 fields but the header has 2 — a value that contains the "
        'delimiter must be in double quotes, e.g. "Committee, Ltd"']


def test_no_rows_no_recipients_empty_file():
    assert problems("") == ["lists/recipients.csv: the recipients file is empty — add a header line "
                            "'name,address,opening,email' and one row per recipient"]
    assert problems("name,email\n,\n") == [
        "lists/recipients.csv: the list has no recipients — add one row per recipient"]


# --- values -------------------------------------------------------------------------------------------


def test_every_row_problem_with_its_line():
    text = ("name,address,opening,email,reference,note\n"
            "Good,Street,Dear,good@example.org,R1,\n"
            ",Street,,,,\n"                                      # data but no name
            "Evil \u202eOrg,Street,,,,\n"                        # bidi control in the name
            "Tabbed,Street,Dear\tSir,,,\n"                       # tab in a one-line column
            'Broken,Street,,,"R\n2",\n'                          # line break in the reference
            "Bell,Street,,,,ring\x07\n")                         # control character in an extra column
    assert problems(text) == [
        "lists/recipients.csv:3: the name is empty — fill in the name or delete the row",
        "lists/recipients.csv:4: the name 'Evil <U+202E>Org' contains an invisible bidirectional control, "
        "U+202E RIGHT-TO-LEFT OVERRIDE — it can reorder what is printed; delete it (it is invisible in most "
        "editors: retype the text around it)",
        "lists/recipients.csv:5: the opening 'Dear<U+0009>Sir' contains a tab — write the opening on one line",
        "lists/recipients.csv:6: the reference 'R<U+000A>2' contains a line break — write the reference on one "
        "line",
        "lists/recipients.csv:8: the note 'ring<U+0007>' contains a control character, U+0007 CONTROL — delete it "
        "(it is invisible in most editors: retype the text around it)"]


def test_invisible_name_refused():
    assert problems("name\n\u200b\u200b\n") == [
        "lists/recipients.csv:2: the name '<U+200B><U+200B>' has no visible characters — fill in the name or "
        "delete the row"]


def test_replacement_character_is_warned(caplog):
    with caplog.at_level(logging.WARNING, logger="letter_pdf"):
        assert one("name,note\nA\ufffdB,x\n").name == "A\ufffdB"
    assert [r.getMessage() for r in caplog.records] == [
        "lists/recipients.csv:2: the name 'A<U+FFFD>B' contains U+FFFD REPLACEMENT CHARACTER (the mark of text "
        "decoded with the wrong encoding: a character was lost here)"]


def test_limits_cell_and_address_lines():
    long = "x" * 1_001
    address = "\n".join(f"line {i}" for i in range(13))
    found = problems(f'name,address,note\nA,"{address}",\nB,,{long}\nC,,{"y" * 1_000}\n')
    assert found == [
        "lists/recipients.csv:2: the address has 13 lines (at most 12) — an envelope's window holds a few "
        "lines: shorten the address",
        "lists/recipients.csv:15: the note has 1,001 characters (at most 1,000) — a cell of a recipients list "
        "has at most 1,000 characters; check that this is the right file (a double quote that is never closed "
        "runs on to the end of the file)"]
    assert len(one(f'name,address\nA,"{address.rsplit(chr(10), 1)[0]}"\n').address) == 12


def test_too_many_recipients_and_file_too_large():
    rows = "".join(f"R{i}\n" for i in range(MAX_RECIPIENTS + 1))
    assert problems("name\n" + rows) == [
        "lists/recipients.csv:10002: the list has more than 10,000 rows — a recipients list has at most 10,000 "
        "recipients; check that this is the right file, or split the list"]
    assert len(load_recipients(write("name\n" + rows[: rows.rindex("R")]))) == MAX_RECIPIENTS
    big = "name,note\n" + ("A," + "x" * 998 + "\n") * (MAX_BYTES // 1_000)
    assert problems(big) == ["lists/recipients.csv: the recipients file is larger than 5 MB — a recipients list is "
                             "at most 5 MB; check that this is the right file"]


def test_csv_field_beyond_the_csv_limit_and_lone_cr():
    assert problems('name\n"' + "x" * 140_000 + '"\n')[0].startswith(
        "lists/recipients.csv:2: a field has more than 131,072 characters — a cell of a recipients list has at "
        "most 1,000 characters")
    assert problems("name,note\nA,x\rB\nC,y\n") == [
        "lists/recipients.csv:2: a carriage return inside a row — the lines of this file end in line feeds, but "
        "this row holds a lone carriage return (U+000D), which some programs show as a line break; delete it or "
        "put the row back on one line"]


# --- e-mail ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "why"), [
    ("Jane <jane@example.org>", "write the address alone, without a name, quotes or angle brackets"),
    ("jane doe@example.org", "an address has no spaces (several addresses go in the cc column)"),
    ("jane@exämple.org", "an address with letters outside ASCII cannot be sent"),
    ("jane.example.org", "an address has exactly one '@'"),
    ("jane@doe@example.org", "an address has exactly one '@'"),
    ("jane@localhost", "the part after '@' is a domain with a dot, such as example.org"),
    ("jane@-x.org", "the part after '@' is a domain with a dot, such as example.org"),
    ("jane@example..org", "the part after '@' is a domain with a dot, such as example.org"),
    ("@example.org", "the part before '@' has 1 to 64 characters"),
    ("j" * 65 + "@example.org", "the part before '@' has 1 to 64 characters"),
    ("j" * 64 + "@" + ".".join(["d" * 63] * 3) + ".org", "an address has at most 254 characters"),
    ("jane..doe@example.org", "the part before '@' has a character or a dot that an address cannot have"),
    ("jane(x)@example.org", "the part before '@' has a character or a dot that an address cannot have"),
])
def test_invalid_email(address, why):
    assert email_problem(address) == why
    assert problems(f'name,email\nA,"{address}"\n') == [
        f"lists/recipients.csv:2: the email '{address}' is not one e-mail address — {why}"]


def test_valid_emails():
    for address in ("a@b.co", "o'brien+letter@mail.example.org", "j" * 64 + "@" + "d" * 63 + ".org",
                    "x_y-z@sub-domain.example.museum"):
        assert email_problem(address) is None


def test_same_address_twice_is_an_error_naming_both_lines():
    text = ("name,email,cc\n"
            "A,Jane@Example.org,office@example.org\n"
            "B,jane@example.org,\n"
            "C,,Office@example.org; c@example.org\n"
            "D,d@example.org,d@example.org\n"
            "E,e@example.org,not-an-address\n")
    assert problems(text) == [
        "lists/recipients.csv:6: the cc address 'not-an-address' is not an e-mail address — an address has "
        "exactly one '@'",
        "lists/recipients.csv:3: the e-mail address 'jane@example.org' is also the email of line 2 — one "
        "person would get two copies: remove one of them, or correct the address",
        "lists/recipients.csv:5: the cc address 'd@example.org' is this row's email — they would get two messages: "
        "remove it from the cc column"]


def test_a_cc_that_is_another_rows_email_or_given_twice_is_an_error():
    text = ("name,email,cc\n"
            "A,a@example.org,B@example.org\n"
            "B,b@example.org,x@example.org; X@example.org\n")
    assert problems(text) == [
        "lists/recipients.csv:2: the cc address 'B@example.org' is the email of line 3 — they would get two "
        "messages: remove it from the cc column",
        "lists/recipients.csv:3: the cc address 'X@example.org' is given twice in this row — they would get the "
        "message twice: write it once"]


def test_formula_names_and_many_repeated_names_are_warned_in_few_lines(caplog):
    rows = "".join(f"Same Name,s{n}@example.org\n" for n in range(40))
    with caplog.at_level("WARNING", logger="letter_pdf"):
        load_recipients(write("name,email\n=HYPERLINK(\"http://x\"),f@example.org\n" + rows))
    messages = [r.getMessage() for r in caplog.records]
    assert any("starts with '=', which a spreadsheet" in m for m in messages)
    assert sum("is also on line" in m for m in messages) == 20
    assert messages[-1].endswith("19 more names are also on an earlier line (two copies to people of the same name)")


def test_the_same_cc_on_every_row_is_allowed():
    kept = load_recipients(write("name,email,cc\nA,a@example.org,office@example.org\nB,b@example.org,"
                                 "OFFICE@example.org\n"))
    assert [r.cc for r in kept] == [("office@example.org",), ("OFFICE@example.org",)]


# --- lang and names ---------------------------------------------------------------------------------------


def test_lang_known_and_of_the_letter():
    text = "name,lang\nA,pl\nB,pl-PL\nC,\nD,xx\nE,en\nF,de_AT\nG,en-GB--x\n"
    assert problems(text, letter_lang="pl") == [
        "lists/recipients.csv:5: the lang 'xx' is not a language tag letter-pdf knows — use a BCP 47 tag such "
        "as en, fr, pl, ru, pt-BR, or leave it empty",
        "lists/recipients.csv:6: the lang 'en' is not the letter's language ('pl') — a translated edition is a "
        "separate letter for now; leave lang empty or write the letter's lang",
        "lists/recipients.csv:7: the lang 'de_AT' is not the letter's language ('pl') — a translated edition is "
        "a separate letter for now; leave lang empty or write the letter's lang",
        "lists/recipients.csv:8: the lang 'en-GB--x' is not a language tag letter-pdf knows — use a BCP 47 tag "
        "such as en, fr, pl, ru, pt-BR, or leave it empty"]
    assert problems("name,lang\nA,de_DE.UTF-8\nB,fr@euro\n") == [  # Babel reads both (a POSIX locale's parts)
        f"lists/recipients.csv:{line}: the lang '{tag}' is not a language tag letter-pdf knows — use a BCP 47 tag "
        "such as en, fr, pl, ru, pt-BR, or leave it empty" for line, tag in ((2, "de_DE.UTF-8"), (3, "fr@euro"))]
    kept = load_recipients(write("name,lang\nA,pl\nB,pl-PL\nC,\nF,de_AT\n"))
    assert [r.lang for r in kept] == ["pl", "pl-PL", None, "de_AT"]


def test_same_name_twice_is_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="letter_pdf"):
        kept = load_recipients(write("name,email\nJan Kowalski,a@example.org\nOther,\nJAN  KOWALSKI.,b@example.org\n"))
    assert len(kept) == 3
    assert [r.getMessage() for r in caplog.records] == [
        "lists/recipients.csv:4: the name 'JAN  KOWALSKI.' is also on line 2 (two copies to people of the same "
        "name)"]


# --- file types and YAML ------------------------------------------------------------------------------------


def test_spreadsheets_and_unknown_types_refused():
    for name in ("list.xlsx", "list.ods"):
        with pytest.raises(InputError) as info:
            load_recipients(write(b"PK\x03\x04", name))
        assert str(info.value) == (
            f"lists/{name}: spreadsheet files ('.{name.split('.')[1]}') are not read yet — save the sheet as CSV "
            "(in Excel 'File > Save As > CSV UTF-8') and give that file")
    assert problems("x", "list.json") == [
        "lists/list.json: unknown recipients file type '.json' — use a .csv (or .tsv, .txt) or .yaml file"]
    with pytest.raises(InputError) as info:
        load_recipients(Path("lists/none.csv"))
    assert str(info.value) == ("lists/none.csv: the recipients file does not exist — check the path (it is "
                               "relative to the letter's folder)")


def test_yaml_list():
    text = ("- name: Jane Doe\n"
            "  address: [Parliament, 1 Square]\n"
            "  Seat-Number: 012\n"
            "  email: jane@example.org\n"
            "- name: yes\n"
            "  address: |\n"
            "    Line one\n"
            "    Line two\n"
            "  opening: ~\n"
            "- {}\n"
            "- name: Off\n"
            "  cc: [a@example.org, b@example.org]\n")
    jane, yes, off = load_recipients(write(text, "recipients.yaml"))
    assert (jane.row, jane.line, jane.address) == (1, 1, ("Parliament", "1 Square"))
    assert dict(jane.fields) == {"name": "Jane Doe", "address": "Parliament\n1 Square", "seat_number": "012",
                                 "email": "jane@example.org", "opening": "", "cc": ""}
    assert (yes.row, yes.line, yes.name, yes.address, yes.opening) == (2, 5, "yes", ("Line one", "Line two"), None)
    assert (off.row, off.line, off.name, off.cc) == (3, 11, "Off", ("a@example.org", "b@example.org"))


def test_yaml_problems():
    text = ("- name: A\n"
            "  Name: B\n"
            "- just a name\n"
            "- name: [x, y]\n"
            "- name: C\n"
            "  email: c@example.org\n"
            "  lang: de\n"
            "- name: D\n"
            "  email: C@example.org\n"
            "  note: {a: b}\n")
    assert problems(text, "recipients.yaml", letter_lang="en") == [
        "lists/recipients.yaml:2: 'name' is given twice, on lines 1 and 2 — keep one of them",
        "lists/recipients.yaml:3: an item is not a mapping — write '- name: ...' with address, opening, email... "
        "under it",
        "lists/recipients.yaml:4: the name must be text — write the value after the key, on the same line",
        "lists/recipients.yaml:8: the note must be text — write the value after the key, on the same line",
        "lists/recipients.yaml:5: the lang 'de' is not the letter's language ('en') — a translated edition is a "
        "separate letter for now; leave lang empty or write the letter's lang",
        "lists/recipients.yaml:8: the e-mail address 'C@example.org' is also the email of line 5 — one "
        "person would get two copies: remove one of them, or correct the address"]


def test_yaml_aliases_shape_and_mixed_address_forms():
    assert problems("- &a {name: A}\n- *a\n", "r.yaml") == [
        "lists/r.yaml:2: aliases such as '*a' are not used in a recipients list — write each recipient out in full"]
    assert problems("recipients:\n  - name: A\n", "r.yml") == [
        "lists/r.yml: the recipients must be a list — write one item '- name: ...' per recipient, with address, "
        "opening, email..."]
    assert problems("- name: A\n  address: x\n- name: B\n  address_1: y\n", "r.yaml") == [
        "lists/r.yaml: both 'address' and numbered address keys are used in the list — write every address the "
        "same way: 'address' or 'address_1', 'address_2'..."]
    assert problems("- name: A\n  bad key!: x\n", "r.yaml") == [
        "lists/r.yaml:1: the column 'bad key!' is not a usable name — a heading is made of the letters a-z, "
        "digits and '_' (spaces and '-' are read as '_'), and does not start with a digit, so that the letter "
        "can use it as {{ recipient.<column> }}"]
    assert problems("- name: A\n  - x\n", "r.yaml")[0].startswith("lists/r.yaml:2: not valid YAML (")


# --- any input ends in a result or one of our errors, quickly ---------------------------------------------------

_CSV_TEXT = st.text(alphabet=st.sampled_from(list('name,emailcd@.;\t"\n\r xé\u202e\ufffd\x00_-1')) | st.characters(),
                    max_size=300)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_CSV_TEXT, header=st.booleans())
def test_any_text_ends_in_recipients_or_an_error(tmp_path, body, header):
    path = tmp_path / "any.csv"
    path.write_text(("name,email,address,cc,lang\n" if header else "") + body, encoding="utf-8",
                    errors="surrogatepass")
    start = time.monotonic()
    try:
        result = load_recipients(path, letter_lang="en")
        assert isinstance(result, tuple) and all(isinstance(r, Recipient) for r in result)
    except LetterPdfError as exc:
        assert str(exc)
    assert time.monotonic() - start < 1


def test_yaml_limits():
    items = "".join(f"- {{name: R{i}}}\n" for i in range(MAX_RECIPIENTS + 1))
    start = time.monotonic()
    assert problems(items, "r.yaml") == [
        "lists/r.yaml:10001: the list has more than 10,000 recipients — a recipients list has at most 10,000 "
        "recipients; check that this is the right file, or split the list"]
    assert time.monotonic() - start < 5
    keys = "".join(f"- {{name: R{i}, k{i}: x}}\n" for i in range(50))
    assert problems(keys, "r.yaml") == [
        "lists/r.yaml: the items have 51 different keys (at most 50) — check that this is the right file"]
    assert problems(f"- name: A\n  note: {'x' * 1_001}\n", "r.yaml") == [
        "lists/r.yaml:1: the note has 1,001 characters (at most 1,000) — a cell of a recipients list has at most "
        "1,000 characters; check that this is the right file (a double quote that is never closed runs on to the "
        "end of the file)"]


def test_only_regular_files_are_read():
    Path("lists").mkdir()
    os.mkfifo("lists/pipe.csv")
    with pytest.raises(InputError) as info:
        load_recipients(Path("lists/pipe.csv"))
    assert str(info.value) == ("lists/pipe.csv: the recipients file is a named pipe (FIFO), not a regular file — "
                               "give the file itself: letter-pdf reads only regular files")
    Path("lists/folder.csv").mkdir()
    with pytest.raises(InputError) as info:
        load_recipients(Path("lists/folder.csv"))
    assert str(info.value) == "lists/folder.csv: this is a folder, not a recipients file"


def test_yaml_stops_at_the_value_one_too_many(monkeypatch):
    """Counted while it is read: a 5 MB YAML of 600 items of 1,000 keys took 61 s and 1 GiB to parse whole."""
    monkeypatch.setattr(recipients._Loader, "max_values", 100)
    items = "".join(f"- {{name: R{i}, a: b, c: d, e: f, g: h}}\n" for i in range(30))
    assert problems(items, "r.yaml") == [
        "lists/r.yaml:10: the recipients list holds more than 100 values — a recipient has a few keys (name, "
        "address, email...); check that this is the right file, and write a long list as CSV"]
    assert len(load_recipients(write(items[: items.index("- {name: R9,")], "r.yaml"))) == 9
