"""Importing signatory lists as people paste them: the real sample, other list shapes, tables, bad input."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from letter_pdf import importer, lint
from letter_pdf.errors import LetterPdfError, SignatoryError
from letter_pdf.importer import import_file, import_text
from letter_pdf.model import Signatory
from letter_pdf.signatories import load_signatories, no_base, to_csv

from conftest import run_main

# Checked by hand against signatories-pasted.txt: (name, countries, kind)
BY_HAND = [
    ("Action des chrétiens pour l’abolition de la torture (ACAT)", ("FR",), "organisation"),
    ("Amnesty International", (), "organisation"),
    ("Centre de recherche et d’information pour le développement (CRID)", ("FR",), "organisation"),
    ("Centrum Kształcenia Liderów i Wychowawców im. Pedro Arrupe", ("PL",), "organisation"),
    ("Committee on the Administration of Justice Ltd (CAJ)", ("GB",), "organisation"),
    ("Cordaid", ("NL",), "organisation"),
    ("Danny Sriskandarajah", (), "individual"),
    ("Front Line Defenders", ("IE",), "organisation"),
    ("Helsińska Fundacja Praw Człowieka (Helsinki Foundation for Human Rights)", ("PL",), "organisation"),
    ("Human Rights Commission", ("KE",), "organisation"),
    ("Human Rights House Foundation HRHF", ("CH",), "organisation"),
    ("Nederlands Juristen Comité voor de Mensenrechten (NJCM)", (), "organisation"),
    ("Observatoire pour la protection des défenseurs des droits de l’Homme (joint program FIDH and OMCT)",
     ("FR", "CH"), "organisation"),
    ("Pat Finucane Centre", ("IE",), "organisation"),
    ("The Bellona Foundation", ("NO",), "organisation"),
    ("XENION Psychsoziale Hilfen für politisch Verfolgte e.V.", ("DE",), "organisation"),
    ("Общественная правозащитная организация «Солдатские матери Санкт-Петербурга»", ("RU",), "organisation"),
]

# The shape of the sample, on made-up names, so that a clone without ../shared tests the same cases.
PASTED = """\
• Alpha Action (ACAT) (France)
• Beta International
• Gamma Centre (CRID) (France) • Delta Fundacja im. Pedro (Pologne)
• Epsilon Justice Ltd (CAJ) (Northern Ireland, UK)
• Jane Doe, our Secretary General
• Zeta Observatory (joint program FIDH and OMCT) (France/Switzerland)
• Eta Centre, (Irlande)
• Theta Comité (NJCM)
• Iota Helsinki (Helsinki Foundation) (Pologne) • Kappa (Pays-Bas) • Общество «Лямбда» (Russie)
"""


def test_pasted_shapes():
    result = import_text(PASTED)
    got = [(s.name, s.countries, s.kind, s.line) for s in result.signatories]
    assert got == [
        ("Alpha Action (ACAT)", ("FR",), "organisation", 1),
        ("Beta International", (), "organisation", 2),
        ("Gamma Centre (CRID)", ("FR",), "organisation", 3),
        ("Delta Fundacja im. Pedro", ("PL",), "organisation", 3),
        ("Epsilon Justice Ltd (CAJ)", ("GB",), "organisation", 4),
        ("Jane Doe", (), "individual", 5),
        ("Zeta Observatory (joint program FIDH and OMCT)", ("FR", "CH"), "organisation", 6),
        ("Eta Centre", ("IE",), "organisation", 7),
        ("Theta Comité (NJCM)", (), "organisation", 8),
        ("Iota Helsinki (Helsinki Foundation)", ("PL",), "organisation", 9),
        ("Kappa", ("NL",), "organisation", 9),
        ("Общество «Лямбда»", ("RU",), "organisation", 9),
    ]
    assert result.signatories[5].role == "Secretary General"
    unsure = [n for n in result.notes if n.check]
    assert [n.line for n in unsure] == [5]


def test_shared_sample_gives_its_65(shared_sample, resources, sample_rows):
    result = import_file(shared_sample / "signatories-pasted.txt")
    sigs = result.signatories
    assert len(sigs) == 65
    got = {s.name: (s.countries, s.kind) for s in sigs}
    for name, codes, kind in BY_HAND:
        assert got[name] == (codes, kind), name
    # and the whole list agrees with the resource made for clones without ../shared
    expected = load_signatories(resources / "foreign-agents-signatories.csv")
    assert [(s.name, s.countries, s.kind) for s in sigs] == [(s.name, s.countries, s.kind) for s in expected]
    assert len(result.country_codes) == 13 and result.with_country == 60
    assert [n.line for n in result.notes if n.check] == [10]  # the individual: say whose Secretary General


@pytest.mark.parametrize(
    "text",
    ["Koalicja Karat (Pologne)\nCordaid (Pays-Bas)\n\nAmnesty International\n",
     "1. Koalicja Karat (Pologne)\n2. Cordaid (Pays-Bas)\n3) Amnesty International\n",
     "- Koalicja Karat (Pologne)\n* Cordaid (Pays-Bas)\n– Amnesty International\n",
     "(1) Koalicja Karat (Polska)\n(2) Cordaid (Niederlande)\n(3) Amnesty International\n"],
)
def test_one_per_line_and_numbered(text):
    sigs = import_text(text).signatories
    assert [(s.name, s.countries) for s in sigs] == [
        ("Koalicja Karat", ("PL",)), ("Cordaid", ("NL",)), ("Amnesty International", ())]


def test_names_beginning_with_numbers_and_hyphens_kept():
    sigs = import_text("350.org\nMONIKA - Naiset liitto ry (Finlande)\nINPRIS – Instytut (Pologne)\n").signatories
    assert [s.name for s in sigs] == ["350.org", "MONIKA - Naiset liitto ry", "INPRIS – Instytut"]


def test_unknown_parenthesis_reported_not_guessed():
    result = import_text("Foo Foundation (Polnad)\n")
    assert result.signatories[0].name == "Foo Foundation (Polnad)" and result.signatories[0].countries == ()
    assert "Poland" in result.notes[0].message and result.notes[0].line == 1


@pytest.mark.parametrize(
    ("text", "columns", "first"),
    [("Organisation;Pays;Type\nKoalicja Karat;Pologne;\nJane Doe;;Personne\n",
      {"name": "Organisation", "country": "Pays", "kind": "Type"}, ("Koalicja Karat", ("PL",))),
     ("Название\tСтрана\nКоалиция;1\tРоссия\nJane Doe\t\n",
      {"name": "Название", "country": "Страна"}, ("Коалиция;1", ("RU",))),
     ("Nom,Land,Fonction\nKoalicja Karat,Polen,\nJane Doe,,Directrice\n",
      {"name": "Nom", "country": "Land", "role": "Fonction"}, ("Koalicja Karat", ("PL",)))],
)
def test_tables_with_other_headings(text, columns, first):
    result = import_text(text)
    assert result.mode == "table" and result.columns == columns
    assert (result.signatories[0].name, result.signatories[0].countries) == first
    assert [s.name for s in result.signatories] == [first[0], "Jane Doe"]


def test_table_kind_and_role_mapped():
    result = import_text("Organisation;Pays;Type;Rôle\nKoalicja Karat;Pologne;;\nJane Doe;;Personne;Directrice, X\n")
    jane = result.signatories[1]
    assert jane.kind == "individual" and jane.role == "Directrice, X"


def test_table_without_name_column_says_which():
    with pytest.raises(SignatoryError) as info:
        import_text("Pays,Type\nFrance,\n")
    assert "no column with the names" in str(info.value) and "Pays, Type" in str(info.value)


@pytest.mark.parametrize("text", ["", "  \n\n \t\n"])
def test_empty_input(text):
    with pytest.raises(SignatoryError, match="empty"):
        import_text(text)


# --- the command ---------------------------------------------------------------------------------------


def test_cli_import_writes_csv_and_summary(tmp_path, capsys):
    source = tmp_path / "pasted.txt"
    source.write_text(PASTED, encoding="utf-8")
    code, out, err = run_main(["signatories", "import", str(source), "-o", str(tmp_path / "list.csv")], capsys)
    assert code == 0, err
    assert "12 rows" in err and "entry to check" in err and "pasted.txt:5:" in err
    sigs = load_signatories(tmp_path / "list.csv")
    assert len(sigs) == 12 and sigs[4].countries == ("GB",)
    assert (tmp_path / "list.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    code, out, err = run_main(["signatories", "import", str(source)], capsys)  # default: signatories.csv beside
    assert code == 0 and (tmp_path / "signatories.csv").is_file()


def test_cli_import_to_stdout(tmp_path, capsys):
    source = tmp_path / "pasted.txt"
    source.write_text("Cordaid (Pays-Bas)\n", encoding="utf-8")
    code, out, err = run_main(["signatories", "import", str(source), "-o", "-"], capsys)
    assert code == 0 and "Cordaid,NL,organisation" in out


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"\x00\x01\x02\x03binary\x00", "not a text file"),
     ("Małopolskie Towarzystwo Oświatowe (Pologne)\n".encode("cp1250"), "not UTF-8"),
     (b"Pays;Type\nFrance;\n", "no column with the names")],
)
def test_cli_import_bad_input_leaves_nothing(tmp_path, capsys, data, message):
    source = tmp_path / "input.txt"
    source.write_bytes(data)
    target = tmp_path / "out.csv"
    code, out, err = run_main(["signatories", "import", str(source), "-o", str(target)], capsys)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["input.txt"]


def test_cli_import_never_overwrites_input(tmp_path, capsys):
    source = tmp_path / "signatories.csv"
    source.write_text("Organisation,Country\nCordaid,NL\n", encoding="utf-8")
    before = source.read_bytes()
    code, out, err = run_main(["signatories", "import", str(source)], capsys)
    assert code == 1 and "overwrite the input" in err
    assert source.read_bytes() == before


# --- import -> export -> import is stable ----------------------------------------------------------------

name_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Co", "Cn"),
                           blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\x85"),
    min_size=1, max_size=40,
).map(lambda s: unicodedata.normalize("NFC", s).strip(" \t\r\n")).filter(lambda s: s and not no_base(s))
# (a name of only invisible characters and combining marks prints nothing a reader could check: refused)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(name_text, st.sampled_from([(), ("PL",), ("FR", "CH")]),
                          st.sampled_from(["organisation", "individual"])), min_size=1, max_size=8))
def test_export_import_roundtrip(tmp_path, entries):
    sigs = tuple(Signatory(name=n, countries=c, kind=k) for n, c, k in entries)
    path = tmp_path / "roundtrip.csv"
    path.write_text(to_csv(sigs), encoding="utf-8")
    again = load_signatories(path)
    assert [(s.name, s.countries, s.kind) for s in again] == [(s.name, s.countries, s.kind) for s in sigs]
    # and a second export is byte-identical
    assert to_csv(again) == to_csv(sigs)
    # the importer reads our own CSV as a table, unchanged
    imported = import_text(to_csv(sigs))
    assert [(s.name, s.countries, s.kind) for s in imported.signatories] == [
        (s.name, s.countries, s.kind) for s in sigs]


def test_csv_module_agrees_on_quoting():
    text = to_csv((Signatory('A "quoted", name'),))
    assert list(csv.reader(io.StringIO(text)))[1][0] == 'A "quoted", name'


def test_mixed_language_country_names_noted():
    result = import_text("A Org (Pologne)\nB Org (Spain)\nC Org (Pays-Bas)\n")
    note = next(n for n in result.notes if "several languages" in n.message)
    assert not note.check and "mostly French" in note.message and "Spain" in note.message
    assert not [n for n in import_text("A Org (Pologne)\nB Org (Pays-Bas)\n").notes if "languages" in n.message]


def test_yaml_input_read_as_yaml(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- name: Koalicja Karat\n  country: Pologne\n- Amnesty International\n", encoding="utf-8")
    result = import_file(path)
    assert [(s.name, s.countries) for s in result.signatories] == [("Koalicja Karat", ("PL",)),
                                                                    ("Amnesty International", ())]


def test_headings_in_a_pasted_list():
    text = ("Signatories:\n• Koalicja Karat (Pologne)\nPartners in Finland:\n• Sadankomitea (Finlande)\n"
            "Individuals:\n• Jane Doe, Director, Example Foundation\n• John Roe\n")
    result = import_text(text)
    got = [(s.name, s.kind, s.role, s.group) for s in result.signatories]
    assert got == [("Koalicja Karat", "organisation", None, None),
                   ("Sadankomitea", "organisation", None, "Partners in Finland"),
                   ("Jane Doe", "individual", "Director, Example Foundation", None),
                   ("John Roe", "individual", None, None)]
    assert sum("as a heading" in n.message for n in result.notes) == 3


def test_table_role_without_kind_column_means_individual():
    result = import_text("Название;Страна;Должность\nМемориал;Россия;\nИванов Иван;;Директор\n")
    assert [(s.name, s.kind, s.role) for s in result.signatories] == [
        ("Мемориал", "organisation", None), ("Иванов Иван", "individual", "Директор")]
    assert [n.line for n in result.notes if n.check] == [3]


# --- several entries on one line: a comma or semicolon after a country in parentheses -----------------------

ISSUE_LINE = "A (France/Switzerland), Front Line Defenders (Irlande), Greenpeace Spain (Espagne)"


@pytest.mark.parametrize("joiner", [", ", "; ", ",", " ; "])
def test_comma_or_semicolon_after_a_country_starts_an_entry(joiner):
    line = joiner.join(["A (France/Switzerland)", "Front Line Defenders (Irlande)", "Greenpeace Spain (Espagne)"])
    result = import_text("Cordaid (Pays-Bas)\n" + line + "\n")
    assert [(s.name, s.countries, s.line) for s in result.signatories] == [
        ("Cordaid", ("NL",), 1), ("A", ("FR", "CH"), 2), ("Front Line Defenders", ("IE",), 2),
        ("Greenpeace Spain", ("ES",), 2)]
    assert [(n.line, n.message, n.check) for n in result.notes if "split" in n.message] == [
        (2, "split into 3 entries at the ',' or ';' after a country in parentheses", False)]
    assert not [n for n in result.notes if n.check]


def test_uncertain_places_are_listed_not_cut():
    text = ("Foo Centre (France), and partners\n"            # lower case after the comma: kept, listed
            "Bar Trust (Northern Ireland), UK\n"              # a region then its country: one entry
            "Baz Committee (ACAT), Qux Foundation (Pologne)\n"  # an acronym, not a country: not cut
            "Front Line Defenders (Irlande) Fundacja Edukacja (Pologne)\n")  # bullets lost: cut, checked
    result = import_text(text)
    assert [(s.name, s.countries, s.line) for s in result.signatories] == [
        ("Foo Centre (France), and partners", (), 1),
        ("Bar Trust (Northern Ireland)", ("GB",), 2),
        ("Baz Committee (ACAT), Qux Foundation", ("PL",), 3),
        ("Front Line Defenders", ("IE",), 4), ("Fundacja Edukacja", ("PL",), 4)]
    checks = [(n.line, n.message) for n in result.notes if n.check]
    assert checks == [
        (1, "'Foo Centre (France), and partners' may be two entries (after '(France),' comes 'and partners'): "
            "kept as one; put each entry on its own line if they are two"),
        (2, "took 'UK' after the separator as the country of 'Bar Trust (Northern Ireland)': check it"),
        (4, "split into 2 entries after a country in parentheses followed by a capital letter: check it")]


def test_split_entries_keeps_every_character_of_the_entries():
    split = importer.split_entries("Alpha (ACAT) (France) • Beta (Irlande); Gamma, Ltd (UK), Delta")
    assert split.entries == ("Alpha (ACAT) (France)", "Beta (Irlande)", "Gamma, Ltd (UK)", "Delta")
    assert split.cuts == (importer.CUT_AT_BULLETS, importer.CUT_AFTER_COUNTRY) and split.unsure == ()
    assert importer.split_entries("Gamma, Ltd (UK)").entries == ("Gamma, Ltd (UK)",)
    assert importer.split_entries("Gamma, Ltd (UK)").cuts == ()


# --- lint and lint --fix ask the same function --------------------------------------------------------------

MERGED = [
    ISSUE_LINE,
    "A (France); B (Spain); C",
    "Front Line Defenders (Irlande) Fundacja Edukacja dla Demokracji (Pologne)",
    "Index on Censorship • Instytut Spraw Publicznych",
]
NOT_MERGED = ["Foo Centre (France), and partners", "Bar Trust (Northern Ireland), UK", "Baz (ACAT), Qux Foundation",
              "Committee, Ltd (CAJ)", "• Lone Bullet Org", "Plain Org"]


@pytest.mark.parametrize("name", MERGED + NOT_MERGED)
def test_lint_says_it_splits_exactly_what_fix_splits(tmp_path, name):
    path = tmp_path / "list.csv"
    path.write_text(to_csv((Signatory(name),)), encoding="utf-8")
    claims = [f for f in lint.lint_file(path).findings if "'lint --fix' splits them" in (f.hint or "")]
    _, changes = lint.fix_file(path)
    splits = [c for c in changes if ": split '" in c]
    merged = importer.merged_entries(name)
    assert (len(claims), len(splits)) == ((1, 1) if name in MERGED else (0, 0))
    if merged:
        assert claims[0].message == f"'{name}' looks like {merged.reason}"
        assert f"into {len(merged.entries)} rows" in splits[0]


def test_lint_fix_writes_the_issue_line_as_three_rows(tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(f'name,country\n"{ISSUE_LINE}",\n"Other (France); Org",FR\n', encoding="utf-8")
    code, out, err = run_main(["signatories", "lint", str(path), "--fix", "-o", str(tmp_path / "fixed.csv")], capsys)
    assert code == 0, err
    assert out.splitlines() == [  # the list is named as given: here its full path
        f"{path}:2: warning: '{ISSUE_LINE}' looks like 3 entries run together, split at the ',' or ';' after a "
        "country in parentheses — 'lint --fix' splits them",
        f"{path}:3: warning: 'Other (France); Org' looks like 2 entries run together, split at the ',' or ';' "
        "after a country in parentheses — split them by hand: the row's country would apply to which?"]
    rows = [(s.name, s.countries) for s in load_signatories(tmp_path / "fixed.csv")]
    assert rows == [("A", ("FR", "CH")), ("Front Line Defenders", ("IE",)), ("Greenpeace Spain", ("ES",)),
                    ("Other (France); Org", ("FR",))]


# --- headings -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("heading", ["Подписавшие организации:", "Signatories:", "Organisations signataires :",
                                     "Lista sygnatariuszy:", "Signatories (65):", "Signatories", "Подписанты",
                                     "Liste des signataires", "SIGNATORIES:"])
def test_list_titles_are_skipped_and_listed(heading):
    result = import_text(f"{heading}\nCordaid (Pays-Bas)\nMemorial (Russie)\n")
    assert [(s.name, s.countries, s.group, s.line) for s in result.signatories] == [
        ("Cordaid", ("NL",), None, 2), ("Memorial", ("RU",), None, 3)]
    assert [(n.line, n.message, n.check) for n in result.notes] == [
        (1, f"skipped '{heading}' as a heading (not a signatory)", False)]


def test_a_heading_with_a_bullet_or_long_is_skipped_and_checked():
    text = ("• Подписавшие организации:\n• Мемориал (Россия)\n"
            "The following organisations from many countries have signed this letter:\n• Cordaid (Pays-Bas)\n")
    result = import_text(text)
    assert [(s.name, s.group) for s in result.signatories] == [("Мемориал", None), ("Cordaid", None)]
    assert [n.line for n in result.notes if n.check] == [1, 3]
    assert result.notes[0].message == ("skipped '• Подписавшие организации:' as a heading (not a signatory): it ends "
                                       "with a colon; if it is a signatory, delete the colon")


@pytest.mark.parametrize("name", ["Amnesty International: Polish Section", "Re:Act", "Designing Justice",
                                  "Signatories Fund", "Signed Arts Collective", "Organisations Unies Club",
                                  "Lista Obywatelska", "People in Need", "Individual Rights Centre (UK)"])
def test_names_that_are_not_headings_are_kept(name):
    result = import_text(f"Signatories:\n{name}\n")
    assert [s.name for s in result.signatories] == [name.removesuffix(" (UK)")]
    assert [n.line for n in result.notes] == [1]


# --- bounds and what comes out --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "message"),
    [("A" * (importer.MAX_LINE_CHARS + 1), "input:1: line 1 has 20,001 characters (at most 20,000)"),
     ("Org\n" * (importer.MAX_LINES + 1), "input: the input has 10,001 non-empty lines (at most 10,000)"),
     ("Org\n" + "Foo" + ", x" * 400, "input:2: an entry of 1,203 characters (at most 1,000): "),
     ("," * 5000, "input: no signatories found in the input"),
     ("Foo\x00Bar\n", "input:1: the name 'Foo<U+0000>Bar' contains an invisible control character, U+0000 CONTROL"),
     ("Cordaid\tPays-Bas\n", "input:1: the name 'Cordaid<U+0009>Pays-Bas' contains a tab"),
     ("Caf\ufffd Org\n", "input:1: the name 'Caf<U+FFFD> Org' contains U+FFFD REPLACEMENT CHARACTER"),
     ("A\ud800b\n", "input:1: the name 'A<U+D800>b' contains a character that is not valid Unicode")],
)
def test_bad_input_ends_in_one_error(text, message):
    with pytest.raises(SignatoryError) as info:
        import_text(text)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_cli_long_line_is_one_line_exit_1(tmp_path, capsys):
    source = tmp_path / "pasted.txt"
    source.write_text("Org, " * 10_000, encoding="utf-8")
    code, out, err = run_main(["signatories", "import", str(source), "-o", str(tmp_path / "out.csv")], capsys)
    assert code == 1 and err.strip().splitlines() == [
        f"error: {source}:1: line 1 has 50,000 characters (at most 20,000) — put one signatory per line; "
        "is this really a list of names?"]
    assert not (tmp_path / "out.csv").exists()


# --- any input: rows or a LetterPdfError, and no character of a name lost ----------------------------------

# Separators the importer may drop: spaces, bullets, punctuation between entries, invisible characters.
_SEPARATORS = set(",;:()[].•‣◦▪●■►➢◆◇·-–—*/\"'")
# Numbering in front of a line, as the README describes it ("1.", "2)", "(3)", "a)").
_NUMBERING = re.compile(r"^\s*(?:\d{1,5}[.)]|\(\d{1,5}\)|[a-zA-Z][.)])(?=\s)")


def _significant(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS
                   and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp"))


_piece_names = st.one_of(
    st.sampled_from(["", "Amnesty International", "Koalicja Karat", "Jane Doe, our Secretary General", "Мемориал",
                     "Comité (NJCM)", "350.org", "Re:Act", "Foo, Ltd", "MONIKA - Naiset ry", "Signatories",
                     "Individuals:", "Partners in Finland:", "Signatories (65):", "ACAT (France)x"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=25),
)
_piece_countries = st.sampled_from(["", " (France)", " (Pologne)", " (Northern Ireland, UK)", " (France/Switzerland)",
                                    " (Polnad)", " (ACAT)", ", France", " - UK", " (Irlande) ", "(Espagne);"])
_joiners = st.sampled_from([" • ", ", ", "; ", " ", " · ", "\n", "\n• ", "\n1. ", "\n(2) ", "\n- ", ":\n", "\t"])
_pasted = st.one_of(
    st.text(max_size=400),
    st.lists(st.tuples(_joiners, _piece_names, _piece_countries), min_size=1, max_size=10).map(
        lambda parts: "".join(j + n + c for j, n, c in parts)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pasted)
def test_any_pasted_text_gives_rows_or_an_error_and_loses_no_character(text):
    try:
        result = import_text(text)
    except LetterPdfError as error:
        assert str(error) and "\n" not in error.message
        return
    assert result.signatories and all(isinstance(s, Signatory) and s.name for s in result.signatories)
    if result.mode != "list":
        return  # a table maps its columns (kind words, ignored columns): tested above
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    for number, line in enumerate(text.splitlines(), 1):
        need = _significant(_NUMBERING.sub("", line, count=1))
        have = _significant(" ".join(
            [f for s in result.signatories if s.line == number for f in (s.name, s.role or "", s.group or "")]
            + [n.dropped for n in result.notes if n.line == number]
            + [t for line_number, t in result.country_texts if line_number == number]))
        assert not need - have, (number, line, need - have)


def test_misspelt_country_hints_are_searched_a_bounded_number_of_times():
    text = "".join(f"Org {i} (Polnad{i})\n" for i in range(importer.HINT_SEARCHES + 2))
    result = import_text(text)
    assert [(n.line, n.message) for n in result.notes if "misspelt" in n.message] == [
        (importer.HINT_SEARCHES + 1, f"more than {importer.HINT_SEARCHES} parentheses that are not countries I know: "
                                     "from here on they are not checked for a misspelt country")]
    assert result.signatories[-1].name == f"Org {importer.HINT_SEARCHES + 1} (Polnad{importer.HINT_SEARCHES + 1})"


def test_a_country_alone_on_a_line_is_reported_not_a_nameless_row():
    result = import_text("Cordaid\n(Pays-Bas)\n")
    assert [(s.name, s.countries) for s in result.signatories] == [("Cordaid", ())]
    assert [(n.line, n.check) for n in result.notes] == [(2, True)]
    assert result.notes[0].message.startswith("skipped '(Pays-Bas)': a country alone, without a name")


def test_cli_lists_splits_and_uncertain_places_with_line_numbers(tmp_path, capsys, monkeypatch):
    source = tmp_path / "pasted.txt"
    source.write_text(f"Signatories:\n{ISSUE_LINE}\nFoo Centre (France), and partners\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # messages name the file as it was typed
    code, out, err = run_main(["signatories", "import", "pasted.txt", "-o", "list.csv"], capsys)
    assert code == 0, err
    lines = err.splitlines()
    assert "  pasted.txt:1: skipped 'Signatories:' as a heading (not a signatory)" in lines
    assert "  pasted.txt:2: split into 3 entries at the ',' or ';' after a country in parentheses" in lines
    assert lines[lines.index("1 entry to check:") + 1] == (
        "  pasted.txt:3: 'Foo Centre (France), and partners' may be two entries (after '(France),' comes "
        "'and partners'): kept as one; put each entry on its own line if they are two")
    assert [s.name for s in load_signatories(tmp_path / "list.csv")] == [
        "A", "Front Line Defenders", "Greenpeace Spain", "Foo Centre (France), and partners"]


@pytest.mark.parametrize(("text", "line"), [(",,\nA,B,C\n", 1), ("\n;;\nAmnesty;FR;x\n", 2), (" , , \nA,B,C\n", 1)])
def test_import_refuses_a_table_whose_header_row_is_empty(tmp_path, capsys, monkeypatch, text, line):
    """Read as a pasted list, 'A,B,C' became one signatory named 'A,B,C', exit 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.csv").write_text(text, encoding="utf-8")
    code, out, err = run_main(["signatories", "import", "p.csv", "-o", "-"], capsys)
    assert (code, out) == (1, "")
    assert err == (f"error: p.csv:{line}: no column with the names: the header row has no headings — "
                   "write the headings in the header row, e.g. 'name,country' (or 'Organisation', 'Nom', 'Название'...)\n")


def test_import_reads_a_header_after_an_empty_first_row(tmp_path):
    """A spreadsheet's empty first row before the header is skipped, as before."""
    result = importer.import_text(",,\nname,country,\nAmnesty,FR,\n", where="p.csv")
    assert [(s.name, s.countries) for s in result.signatories] == [("Amnesty", ("FR",))]


def test_import_refuses_stacked_marks_that_the_list_would_refuse(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.txt").write_text("Amnesty\u0301\u0300\u0302\u0303\u0304 International (France)\nB (France)\n",
                                    encoding="utf-8")
    code, out, err = run_main(["signatories", "import", "p.txt", "-o", "-"], capsys)
    assert (code, out) == (1, "")
    assert err == ("error: p.txt:1: the name 'Amnesty\u0301\u0300\u0302\u0303<U+0304> International' contains 5 "
                   "combining marks stacked on U+0079 LATIN SMALL LETTER Y (U+0301 U+0300 U+0302 U+0303 U+0304; at "
                   "most 4) — a letter carries at most 4 accents or vowel signs; more are drawn over the lines around "
                   "it: retype the word without the extra marks\n")
