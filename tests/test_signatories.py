"""Loading signatory lists as spreadsheets and people write them (CSV, YAML), and every way they go wrong."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from letter_pdf.errors import Problems, SignatoryError
from letter_pdf.signatories import MAX_COLUMNS, MAX_ROWS, from_records, load_signatories, to_csv


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Each test runs in its own folder, so that it can name files as a user types them (``lists/x.csv``)."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path, text: str | bytes, name: str = "signatories.csv"):
    """Write ``lists/NAME`` in ``tmp_path`` (the current folder) and return it as typed: ``lists/NAME``,
    so that messages show the typed path, not the bare name."""
    (tmp_path / "lists").mkdir(exist_ok=True)
    path = Path("lists", name)
    if isinstance(text, str):
        text = text.encode("utf-8")
    (tmp_path / path).write_bytes(text)
    return path


def problems_of(excinfo) -> list[str]:
    error = excinfo.value
    return [str(p) for p in error.problems] if isinstance(error, Problems) else [str(error)]


def test_sample_resource_loads_65(resources, sample_rows):
    sigs = load_signatories(resources / "foreign-agents-signatories.csv")
    assert len(sigs) == 65
    assert [s.name for s in sigs] == [unicodedata.normalize("NFC", r["name"]) for r in sample_rows]
    danny = next(s for s in sigs if s.name == "Danny Sriskandarajah")
    assert danny.kind == "individual" and danny.countries == ()
    assert next(s for s in sigs if "joint program FIDH" in s.name).countries == ("FR", "CH")
    assert sigs[0].line == 2 and sigs[-1].line == 66


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_spreadsheet_dialects(tmp_path, bom, delimiter, newline):
    d = delimiter
    lines = [f"Name{d}Country{d}Kind{d}Role", f'"Committee, Ltd; (CAJ)"{d}"Northern Ireland, UK"{d}{d}',
             f"Fundacja im. Stefana Batorego{d}Polska{d}organization{d}",
             f'Danny Sriskandarajah{d}{d}individual{d}"Secretary General, CIVICUS"']
    path = write(tmp_path, bom + newline.join(lines).encode() + newline.encode())
    sigs = load_signatories(path)
    assert [s.name for s in sigs] == ["Committee, Ltd; (CAJ)", "Fundacja im. Stefana Batorego", "Danny Sriskandarajah"]
    assert [s.countries for s in sigs] == [("GB",), ("PL",), ()]
    assert [s.kind for s in sigs] == ["organisation", "organisation", "individual"]
    assert sigs[2].role == "Secretary General, CIVICUS"
    assert [s.line for s in sigs] == [2, 3, 4]


def test_names_nfc_and_exact(tmp_path):
    nfd = unicodedata.normalize("NFD", "Emmaüs International")
    path = write(tmp_path, f'name\n{nfd}\n"  A <b>&amp; {{{{x}}}} ""quoted""  "\n')
    sigs = load_signatories(path)
    assert sigs[0].name == "Emmaüs International" and unicodedata.is_normalized("NFC", sigs[0].name)
    assert sigs[1].name == 'A <b>&amp; {{x}} "quoted"'


def test_line_numbers_count_multiline_fields(tmp_path):
    path = write(tmp_path, 'name,country\n"Two\nline name",FR\n\nGood,PL\nBad,Atlantis\n')
    with pytest.raises(Problems) as info:
        load_signatories(path)
    lines = problems_of(info)
    assert lines[0].startswith("lists/signatories.csv:2: the name 'Two<U+000A>line name' contains a line break")
    assert lines[1].startswith("lists/signatories.csv:6: unknown country 'Atlantis'")


def test_all_problems_collected_with_lines(tmp_path):
    path = write(tmp_path, "name,country,kind\nOk,FR,\n,PL,\nX,Polnad,\nY,FR,robot\nZ,FR,,extra\n")
    with pytest.raises(Problems) as info:
        load_signatories(path)
    lines = problems_of(info)
    assert len(lines) == 4
    assert lines[0].startswith("lists/signatories.csv:3: the name is empty")
    assert lines[1].startswith("lists/signatories.csv:4: unknown country 'Polnad'") and "Poland (PL)" in lines[1]
    assert lines[2].startswith("lists/signatories.csv:5: unknown kind 'robot'")
    assert lines[3].startswith("lists/signatories.csv:6: the row has 4 fields but the header has 3")


def test_unknown_column_named_with_suggestion(tmp_path):
    path = write(tmp_path, "name,contry\nA,FR\n")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert "unknown column 'contry'" in str(info.value) and "did you mean 'country'" in str(info.value)


@pytest.mark.parametrize(("text", "found"), [("organisation,country\nA,FR\n", "organisation, country"),
                                             ("Email,Phone\na@example.org,123\n", "Email, Phone"),
                                             ("Email;Phone\na@example.org;123\n", "Email, Phone"),
                                             ("\ufeffEmail\na@example.org\n", "Email")])
def test_no_name_column_refused_naming_the_columns(tmp_path, text, found):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, text))
    assert problems_of(info) == [
        f"lists/signatories.csv:1: there is no 'name' column (the columns are: {found}) — the first line must be a header "
        "such as 'name,country,kind,role,group'; 'letter-pdf signatories import' maps other headings "
        "(Organisation, Nom...)"]


@pytest.mark.parametrize("row", ["Committee, Ltd,FR,", "Committee, Ltd,FR,organisation", "A,FR,,"])
def test_one_field_too_many_is_a_quoting_problem_even_when_empty(tmp_path, row):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, f"name,country,kind\nGood,PL,\n{row}\n"))
    assert problems_of(info) == [
        f"lists/signatories.csv:3: the row has {row.count(',') + 1} fields but the header has 3 — a name that contains the "
        'delimiter must be in double quotes, e.g. "Committee, Ltd"']


def test_empty_columns_at_the_right_of_the_header_allow_as_wide_rows(tmp_path):
    sigs = load_signatories(write(tmp_path, "name,country,,\nA,FR,,\nB,PL\n"))
    assert [(s.name, s.countries) for s in sigs] == [("A", ("FR",)), ("B", ("PL",))]
    with pytest.raises(SignatoryError, match="lists/signatories.csv:3: the row has 5 fields but the header has 4"):
        load_signatories(write(tmp_path, "name,country,,\nA,FR,,\nB,PL,,,\n"))


def test_row_limit_accepts_the_limit_and_refuses_one_more_at_once(tmp_path):
    assert MAX_ROWS == 15_000  # documented in README ("Limits")
    rows = "".join(f"Org {i}\n" for i in range(MAX_ROWS))
    assert len(load_signatories(write(tmp_path, "name\n" + rows))) == MAX_ROWS
    # one row more, then a line that is not CSV: reading stops at the row too many, before the bad line
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, "name\n" + rows + 'One too many\n"unclosed\n'))
    assert problems_of(info) == [
        f"lists/signatories.csv:{MAX_ROWS + 2}: the list has more than 15,000 rows — a list has at most 15,000 signatories; "
        "check that this is the right file, or send the letter with the first signatories and publish the full "
        "list separately"]


def test_row_limit_in_yaml_before_parsing_and_inline(tmp_path):
    items = "".join(f"- name: Org {i}\n  country: FR\n" for i in range(MAX_ROWS + 1))
    path = write(tmp_path, items + "- name: [unclosed\n", "signatories.yaml")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert str(info.value).startswith(f"lists/signatories.yaml:{2 * MAX_ROWS + 1}: the list has more than 15,000 signatories")
    with pytest.raises(SignatoryError, match="more than 15,000 signatories"):
        from_records([f"Org {i}" for i in range(MAX_ROWS + 1)], where="letter.md, field 'signatories'")


def test_yaml_size_limit_refused_before_reading(tmp_path):
    path = tmp_path / "signatories.yaml"
    with path.open("wb") as f:
        f.truncate(9_000_000)  # sparse: nothing is written, nothing is read
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert str(info.value) == (f"{path}: the file is too large (9 MB) — a signatory list is at most 5 MB "
                               "in YAML (CSV: 50 MB)")


@pytest.mark.parametrize(("cell", "shown"), [
    ("\u200b", "U+200B ZERO WIDTH SPACE"), ("\u00ad", "U+00AD SOFT HYPHEN"),
    ("\u200b\u00a0\u2060", "U+200B ZERO WIDTH SPACE, U+00A0 NO-BREAK SPACE, U+2060 WORD JOINER"),
    ("\u3164", "U+3164 HANGUL FILLER"), ("\ufe0f", "U+FE0F VARIATION SELECTOR-16"),
])
def test_name_of_invisible_characters_only_is_an_error(tmp_path, cell, shown):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, f"name,country\nCordaid,NL\n{cell},DE\n"))
    assert problems_of(info) == [f"lists/signatories.csv:3: the name has no visible characters (only {shown}) — fill in "
                                 "the name or delete the row"]
    with pytest.raises(SignatoryError, match="item 2: the name has no visible characters"):
        from_records(["Cordaid", cell], where="letter.md, field 'signatories'")


def test_visible_names_with_invisible_characters_load(tmp_path):
    sigs = load_signatories(write(tmp_path, "name\nZero\u200bwidth Org\n\u05e9\u05dc\u05d5\u05dd\n"))
    assert [s.name for s in sigs] == ["Zero\u200bwidth Org", "\u05e9\u05dc\u05d5\u05dd"]  # lint warns on the first


@pytest.mark.parametrize(("column", "value", "message"), [
    ("role", "Director\u202e, CIVICUS", "the role 'Director<U+202E>, CIVICUS' contains an invisible control character, "
     "U+202E RIGHT-TO-LEFT OVERRIDE — retype the role without it"),
    ("group", "\u2067Partners\u2069", "the group '<U+2067>Partners<U+2069>' contains an invisible control character, "
     "U+2067 RIGHT-TO-LEFT ISOLATE — retype the group without it"),
    ("country", "\u202dFR", "the country '<U+202D>FR' contains an invisible control character, U+202D LEFT-TO-RIGHT "
     "OVERRIDE — retype the country without it"),
    ("role", "\u200b", "the role has no visible characters (only U+200B ZERO WIDTH SPACE) — write the role or leave it "
     "empty"),
    ("group", "\u00ad", "the group has no visible characters (only U+00AD SOFT HYPHEN) — write the group or leave it "
     "empty"),
])
def test_bidi_controls_and_invisible_text_refused_in_every_printed_field(tmp_path, column, value, message):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, f'name,kind,{column}\nA,individual,"{value}"\n'))
    assert problems_of(info) == [f"lists/signatories.csv:2: {message}"]
    with pytest.raises(SignatoryError) as info:
        from_records([{"name": "A", "kind": "individual", column: value}], where="x.yaml")
    assert problems_of(info) == [f"x.yaml, item 1: {message}"]


def test_distinct_from_read_from_csv_and_yaml_and_written_back(tmp_path):
    sigs = load_signatories(write(tmp_path, 'name,distinct-from\nA,\nB,"A; C "\nC,\n'))
    assert [s.distinct_from for s in sigs] == [(), ("A", "C"), ()]
    again = load_signatories(write(tmp_path, to_csv(sigs), "again.csv"))
    assert again == sigs
    yaml_sigs = load_signatories(write(tmp_path, "- A\n- name: B\n  distinct_from: [A, C]\n- C\n", "s.yaml"))
    assert [s.distinct_from for s in yaml_sigs] == [(), ("A", "C"), ()]


def test_windows_1251_decoded_with_warning(tmp_path, caplog):
    text = ("name,country\nОбщественная правозащитная организация «Солдатские матери Санкт-Петербурга»,Россия\n"
            "Благотворительный фонд развития города Тюмени,RU\n")
    path = write(tmp_path, text.encode("cp1251"))
    with caplog.at_level("WARNING", logger="letter_pdf"):
        sigs = load_signatories(path)
    assert sigs[0].name == "Общественная правозащитная организация «Солдатские матери Санкт-Петербурга»"
    assert sigs[1].countries == ("RU",)
    assert caplog.messages == ["lists/signatories.csv: the file is not UTF-8; read it as cp1251 (check the names, "
                               "and re-save as UTF-8 to be sure)"]


def test_uncertain_legacy_encoding_refused(tmp_path):
    path = write(tmp_path, "name,country\nMałopolskie Towarzystwo Oświatowe,PL\n".encode("cp1250"))
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    message = str(info.value)
    assert "not UTF-8" in message and "line 2" in message and "CSV UTF-8" in message


UNSURE = ("the file is not UTF-8 (line 2 has bytes that are not UTF-8; letter-pdf cannot be sure of its encoding: "
          "it reads UTF-8, UTF-16 and, when it is sure, Windows-1251)")


def test_short_windows_1251_refused_not_read_as_another_encoding(tmp_path):
    """Three Cyrillic letters ("Мир" in Windows-1251) are too few to tell the encoding: charset-normalizer
    calls them Japanese cp932 and reads 'ﾌ頏'. Refused, with what to do."""
    path = write(tmp_path, b"name,country\n\xcc\xe8\xf0,RU\n")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert info.value.message == UNSURE
    assert info.value.hint.startswith("re-save it as UTF-8: in Excel 'File > Save As > CSV UTF-8'")


@pytest.mark.parametrize(("text", "encoding"), [
    ("name,country\nОбщество Мемориал Санкт-Петербурга,RU\nМосковская Хельсинкская группа,RU\n", "koi8_r"),
    ("name,country\nSociété générale des défenseurs,FR\nLigue des droits de l'Homme à Besançon,FR\n"
     "Fédération française,FR\nAssociation des élèves et étudiants,FR\nÉcole supérieure,FR\nComité Médecins,FR\n", "cp1252"),
    ("name,country\nMałopolskie Towarzystwo Oświatowe,PL\nStowarzyszenie Społeczne Świętokrzyskie,PL\n"
     "Fundacja Łódź Żoliborz Źródło,PL\nPolskie Towarzystwo Ekologiczne Źdźbło Ślęża,PL\n", "cp1250"),
], ids=["koi8-r", "cp1252", "cp1250"])
def test_legacy_encodings_other_than_windows_1251_refused(tmp_path, text, encoding):
    path = write(tmp_path, text.encode(encoding))
    assert sum(b >= 0x80 for b in text.encode(encoding)) >= 16  # long enough for the detector to be sure
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert info.value.message == UNSURE


def test_a_detector_that_says_windows_1251_for_latin_text_is_not_believed(tmp_path, monkeypatch):
    """Latin-1 'Société' read as Windows-1251 is 'Sociйtй': a word mixing Latin and Cyrillic letters is
    refused whatever the detector says."""
    import charset_normalizer

    class Sure:
        encoding, chaos, coherence = "cp1251", 0.0, 1.0

    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda data: type("R", (), {"best": lambda self: Sure()})())
    text = "name,country\nSociété générale des défenseurs,FR\nComité Médecins Génération,FR\nAssociation élèves étudiants à Besançon,FR\nÉcole supérieure,FR\n"
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, text.encode("cp1252")))
    assert info.value.message == ("the file is not UTF-8 (line 2 has bytes that are not UTF-8; it may be "
                                  "Windows-1251, but that is not certain)")


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path, "name\tcountry\r\nKoalicja Karat\tPologne\r\n".encode("utf-16"))
    sigs = load_signatories(path)
    assert sigs[0].name == "Koalicja Karat" and sigs[0].countries == ("PL",)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "the file is empty"), (b"  \n\n", "the file is empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
     (b"name,country\n", "no signatories"), (b'name\n"unclosed\n', "malformed CSV")],
)
def test_bad_files(tmp_path, data, message):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, data))
    assert message in str(info.value)


def test_missing_file_and_bad_suffix(tmp_path):
    with pytest.raises(SignatoryError, match="does not exist"):
        load_signatories(tmp_path / "none.csv")
    with pytest.raises(SignatoryError, match="unknown signatory file type"):
        load_signatories(write(tmp_path, "name\nA\n", "list.xlsx"))


def test_control_character_refused(tmp_path):
    with pytest.raises(SignatoryError, match="U\\+202E"):
        load_signatories(write(tmp_path, "name\nEvil\u202eCorp\n"))


def test_lone_carriage_return_inside_a_row_refused(tmp_path):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, b"name,country\r\nZeta,FR\r\nA\rB,PL\r\n"))
    assert str(info.value).startswith("lists/signatories.csv:3: a carriage return inside a row — ")
    with pytest.raises(SignatoryError, match="^lists/signatories.csv:2: a carriage return inside a row"):
        load_signatories(write(tmp_path, b"name,country\nA\rB,PL\n"))
    # a file whose every line ends in a lone CR (old Mac) is still read
    sigs = load_signatories(write(tmp_path, b"name,country\rA,PL\rB,PL\r"))
    assert [(s.name, s.countries, s.line) for s in sigs] == [("A", ("PL",), 2), ("B", ("PL",), 3)]


def test_yaml_file_with_line_numbers(tmp_path):
    path = write(tmp_path, "- name: Koalicja Karat\n  country: Pologne\n- Amnesty International\n"
                           "- name: Two Lands\n  country: [France, CH]\n- name: Bad\n  country: Nowhereland\n",
                 "signatories.yaml")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert str(info.value).startswith("lists/signatories.yaml:6: unknown country 'Nowhereland'")
    path.write_text("- name: Koalicja Karat\n  country: Pologne\n- Amnesty International\n"
                    "- name: Two Lands\n  country: [France, CH]\n  group: Europe\n", encoding="utf-8")
    sigs = load_signatories(path)
    assert [(s.name, s.countries, s.line) for s in sigs] == [
        ("Koalicja Karat", ("PL",), 1), ("Amnesty International", (), 3), ("Two Lands", ("FR", "CH"), 4)]
    assert sigs[2].group == "Europe"


def test_yaml_values_are_the_text_written(tmp_path):
    path = write(tmp_path, "- name: yes\n- name: Off\n- name: 0x1F\n- name: 012\n- name: 1_000\n- name: .inf\n"
                           "  group: on\n- {name: Norsk Org, country: NO}\n- name: Plain\n  role: ~\n  group: null\n"
                           "  kind:\n", "signatories.yaml")
    sigs = load_signatories(path)
    assert [(s.name, s.group, s.countries, s.line) for s in sigs] == [
        ("yes", None, (), 1), ("Off", None, (), 2), ("0x1F", None, (), 3), ("012", None, (), 4),
        ("1_000", None, (), 5), (".inf", "on", (), 6), ("Norsk Org", None, ("NO",), 8), ("Plain", None, (), 9)]
    assert (sigs[-1].role, sigs[-1].kind) == (None, "organisation")


def test_yaml_aliases_refused_in_signatory_list(tmp_path):
    path = write(tmp_path, "- &n {name: Same Org}\n- *n\n- *n\n", "signatories.yaml")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert str(info.value) == ("lists/signatories.yaml:2: aliases such as '*n' are not used in a signatory list"
                               " — write each signatory out in full")


def test_from_records_inline():
    sigs = from_records([{"name": "A", "country": "FR", "kind": "individual", "role": "Director, A"}, "B"],
                        where="letter.md, field 'signatories'")
    assert sigs[0].kind == "individual" and sigs[0].role == "Director, A" and sigs[1].name == "B"
    with pytest.raises(Problems) as info:
        from_records([{"name": "A", "contry": "FR"}, {"name": ""}], where="letter.md, field 'signatories'")
    lines = problems_of(info)
    assert "item 1: unknown field 'contry'" in lines[0] and "did you mean 'country'" in lines[0]
    assert "item 2: the name is empty" in lines[1]
    with pytest.raises(SignatoryError, match="must be a list"):
        from_records({"name": "A"}, where="x")


def test_to_csv_roundtrip(tmp_path, resources):
    sigs = load_signatories(resources / "foreign-agents-signatories.csv")
    path = write(tmp_path, to_csv(sigs))
    again = load_signatories(path)
    assert [(s.name, s.countries, s.kind, s.role) for s in again] == [(s.name, s.countries, s.kind, s.role) for s in sigs]
    assert "distinct-from" not in to_csv(sigs).splitlines()[0]  # only the columns in use


def test_spreadsheet_empty_rows_skipped_but_empty_quoted_name_is_an_error(tmp_path):
    sigs = load_signatories(write(tmp_path, "name,country\r\n,,\r\nA,FR\r\n,\r\n"))
    assert [(s.name, s.line) for s in sigs] == [("A", 3)]
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, 'name\n""\nA\n'))
    assert str(info.value).startswith("lists/signatories.csv:2: the name is empty")


# --- headers of any width: bounded work, one line ---------------------------------------------------------


def test_a_header_wider_than_the_limit_is_refused_before_any_row_is_read(tmp_path):
    """100,000 columns ran without bound (each checked against every other); refused on reading line 1:
    the malformed row after it is never reached."""
    header = "name," + ",".join(f"c{i}" for i in range(99_999))
    path = write(tmp_path, f"{header}\nOrg,FR\n\"unclosed\n")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert info.value.message == "the header has 100,000 columns (at most 50)"
    assert info.value.where.endswith("signatories.csv:1")
    assert info.value.hint.startswith("a signatory list has the columns name, country, kind, role, group, "
                                      "distinct-from, sort-as; check that this is the right file")


def test_a_header_at_the_limit_is_read(tmp_path):
    header = "name,country" + "," * (MAX_COLUMNS - 2)  # spreadsheets' empty columns at the right
    sigs = load_signatories(write(tmp_path, f"{header}\nOrg,FR\n"))
    assert [(s.name, s.countries) for s in sigs] == [("Org", ("FR",))]
    with pytest.raises(SignatoryError, match=r"the header has 51 columns \(at most 50\)"):
        load_signatories(write(tmp_path, f"{header},\nOrg,FR\n"))


def test_unknown_columns_are_one_line_naming_the_first_five(tmp_path):
    path = write(tmp_path, "name,contry,rol,foo,bar,baz,qux,zap\nA,FR,,,,,,\n")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert not isinstance(info.value, Problems)
    assert info.value.message == "unknown columns 'contry', 'rol', 'foo', 'bar', 'baz' and 2 more"
    assert info.value.hint == ("did you mean 'country' for 'contry'? did you mean 'role' for 'rol'? the columns "
                               "are: name, country, kind, role, group, distinct-from, sort-as ('letter-pdf "
                               "signatories import' maps other headings)")


def test_one_unknown_column_keeps_its_suggestion(tmp_path):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, "name,contry\nA,FR\n"))
    assert info.value.message == "unknown column 'contry'"
    assert info.value.hint.startswith("did you mean 'country'? the columns are: name, country")


def test_unknown_yaml_fields_are_one_line_per_item():
    keys = {f"x{i}": "v" for i in range(1000)}
    with pytest.raises(SignatoryError) as info:
        from_records([{"name": "A", **keys}], where="letter.md, field 'signatories'")
    assert not isinstance(info.value, Problems)
    assert info.value.message == "unknown fields 'x0', 'x1', 'x2', 'x3', 'x4' and 995 more"


def test_a_field_beyond_the_csv_limit_is_said_in_our_words(tmp_path):
    """The csv module's 'field larger than field limit (131072)' came with a hint about quoting."""
    path = write(tmp_path, 'name,country\nA,FR\n"' + "x" * 5_000_000 + '",FR\n')
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert info.value.message == "a field has more than 131,072 characters"
    assert info.value.where.endswith("signatories.csv:3")
    assert info.value.hint == ("a name, role or group has at most a few hundred; check that this is the right "
                               "file (a double quote that is never closed runs on to the end of the file)")


# --- nothing printed that the reader cannot see; messages show what is there --------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ("\u0301\u0301", "U+0301 COMBINING ACUTE ACCENT"),
    ("\u200b\u0301", "U+200B ZERO WIDTH SPACE, U+0301 COMBINING ACUTE ACCENT"),
    (" \u20dd", "U+20DD COMBINING ENCLOSING CIRCLE"),  # the outer space is trimmed
])
def test_a_name_of_only_combining_marks_is_an_error(tmp_path, value, shown):
    """Two accents with no letter were accepted and printed floating, as a signatory."""
    message = (f"the name has no letter, digit or sign, only marks that print on nothing ({shown}) — fill in "
               "the name or delete the row")
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, f"name,country\n{value},ES\nOrg,FR\n"))
    assert [p.split(": ", 1)[1] for p in problems_of(info)] == [message]
    assert info.value.where.endswith("signatories.csv:2")
    with pytest.raises(SignatoryError) as info:
        from_records([{"name": value}], where="x.yaml")
    assert problems_of(info) == [f"x.yaml, item 1: {message}"]


def test_a_role_of_only_marks_is_an_error_and_a_name_with_a_base_letter_is_kept(tmp_path):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, "name,kind,role\nA,individual,\u0301\n"))
    assert info.value.message == ("the role has no letter, digit or sign, only marks that print on nothing "
                                  "(U+0301 COMBINING ACUTE ACCENT)")
    sigs = load_signatories(write(tmp_path, "name\ne\u0301\u0301\n\u0915\u094d\u200d\n"))
    assert [s.name for s in sigs] == ["é\u0301", "\u0915\u094d\u200d"]


@pytest.mark.parametrize(("text", "message"), [
    ("name,country\nA,F\u200eR\n", "unknown country 'F<U+200E>R'"),
    ("name,kind\nA,ind\u2067ividual\n", "the kind 'ind<U+2067>ividual' contains an invisible control character, "
                                        "U+2067 RIGHT-TO-LEFT ISOLATE"),
    ("name,kind\nA,robot\u200b\n", "unknown kind 'robot<U+200B>'"),
    ("name,coun\u202etry\nA,FR\n", "unknown column 'coun<U+202E>try'"),
    ("name,role\nA,\"Director\nof X\u202e\"\n", "the role 'Director<U+000A>of X<U+202E>' contains a line break"),
])
def test_quoted_text_in_messages_shows_invisible_characters(tmp_path, text, message):
    """Raw bidi controls reordered the message itself on screen ('the group 'grp‮AB'...')."""
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, text))
    assert info.value.message == message


def test_unknown_yaml_field_shown_visibly():
    with pytest.raises(SignatoryError) as info:
        from_records([{"name": "A", "gr\u200boup": "x"}], where="x.yaml")
    assert info.value.message == "unknown field 'gr<U+200B>oup'"


MARKS_HINT = ("a letter carries at most 4 accents or vowel signs; more are drawn over the lines around it: retype "
              "the word without the extra marks")


def test_stacked_marks_refused_in_name_role_and_group_through_the_cli(tmp_path, capsys):
    """400 marks on one letter of a name drew a column over the signature block and off the page."""
    from conftest import run_main

    marks = "\u0301\u0300\u0302\u0303"
    path = write(tmp_path, unicodedata.normalize(
        "NFC", f"name,country,kind,role,group\nAmnesty{marks * 100} International,FR,,,\n"
               f"Anna,FR,individual,Dir{marks}\u0304,\nB,FR,,,G{marks}\u0304\u0305\nNguyễn Thị Ánh,VN,,,\n"))
    code, out, err = run_main(["signatories", "lint", str(path)], capsys)
    assert code == 1
    assert out.splitlines() == [
        "lists/signatories.csv:2: error: the name 'Amnesty" + marks + "<U+0301><U+0300><U+0302><U+0303>" * 9
        + "…' has 400 combining marks "
        "stacked on U+0079 LATIN SMALL LETTER Y (U+0301 U+0300 U+0302 U+0303 U+0301 and 395 more; at most 4) — "
        + MARKS_HINT,
        f"lists/signatories.csv:3: error: the role 'Dir{marks}<U+0304>' has 5 combining marks stacked on U+0072 LATIN "
        f"SMALL LETTER R (U+0301 U+0300 U+0302 U+0303 U+0304; at most 4) — {MARKS_HINT}",
        f"lists/signatories.csv:4: error: the group 'G{marks}<U+0304><U+0305>' has 6 combining marks stacked on "
        f"U+0047 LATIN CAPITAL LETTER G (U+0301 U+0300 U+0302 U+0303 U+0304 and 1 more; at most 4) — {MARKS_HINT}"]
    assert err == "lists/signatories.csv: 1 signatory, 3 errors, 0 warnings\n"


def test_duplicate_key_in_a_yaml_signatory_is_an_error_naming_both_lines(tmp_path, capsys):
    """YAML keeps the last of two equal keys: the name written first was lost without a word."""
    from conftest import run_main

    path = write(tmp_path, "- name: Amnesty International\n  country: FR\n  Name: Someone Else\n"
                           "- name: B\n  group: X\n  group: Y\n- name: C\n  sort_as: c\n  sort-as: d\n", "s.yaml")
    code, out, err = run_main(["signatories", "lint", str(path)], capsys)
    assert code == 1
    assert out.splitlines() == [
        "lists/s.yaml:3: error: 'name' is given twice (as 'name' and 'Name'), on lines 1 and 3 — keep one of them",
        "lists/s.yaml:6: error: 'group' is given twice, on lines 5 and 6 — keep one of them",
        "lists/s.yaml:9: error: 'sort-as' is given twice (as 'sort_as' and 'sort-as'), on lines 8 and 9 — keep one of them"]
    path = write(tmp_path, "signatories:\n  - name: A\nsignatories:\n  - name: B\n", "top.yaml")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert str(info.value) == ("lists/top.yaml:3: 'signatories' is given twice, on lines 1 and 3 — keep one of them")


LONG_HINT = ("a name, role or group has at most a few hundred; check that this is the right file (a double quote "
             "that is never closed runs on to the end of the file)")


def test_yaml_value_longer_than_a_csv_field_is_refused_before_parsing(tmp_path):
    # the list is not valid YAML after the long name: the length is found first, before the parse
    path = write(tmp_path, "- name: A\n- name: " + "A" * 131_073 + "\n- name: [unclosed\n", "long.yaml")
    with pytest.raises(SignatoryError) as info:
        load_signatories(path)
    assert str(info.value) == f"lists/long.yaml:2: a value has more than 131,072 characters — {LONG_HINT}"
    assert load_signatories(write(tmp_path, "- name: " + "A" * 131_072 + "\n", "limit.yaml"))[0].name == "A" * 131_072


@pytest.mark.parametrize(("text", "field"), [
    ('- name: "' + "A, " * 43_691 + '"\n', "name"),  # commas: not seen before the parse
    ("- name: A\n  role: |\n" + "    AAAA\n" * 30_000, "role"),  # over many lines
    ("- name: A\n  country: [" + "FR, " * 66_000 + "]\n", "country"),
])
def test_yaml_value_longer_than_a_csv_field_is_refused_after_parsing(tmp_path, text, field):
    with pytest.raises(SignatoryError) as info:
        load_signatories(write(tmp_path, text, "long.yaml"))
    assert str(info.value) == f"lists/long.yaml:1: the {field} has more than 131,072 characters — {LONG_HINT}"


def test_a_9_mb_one_name_yaml_list_is_refused_by_its_size(tmp_path, capsys):
    from conftest import run_main

    path = write(tmp_path, "- name: " + "A" * 9_000_000 + "\n", "big.yaml")
    code, out, err = run_main(["signatories", "lint", str(path)], capsys)
    assert (code, out) == (1, "")
    assert err == ("error: lists/big.yaml: the file is too large (9 MB) — a signatory list is at most 5 MB in YAML "
                   "(CSV: 50 MB)\n")
