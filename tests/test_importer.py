"""Importing signatory lists as people paste them: the real sample, other list shapes, tables, bad input."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_main
from letter_pdf.errors import SignatoryError
from letter_pdf.importer import import_file, import_text
from letter_pdf.model import Signatory
from letter_pdf.signatories import load_signatories, to_csv

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
    ("text", "columns"),
    [("Organisation;Pays;Type\nKoalicja Karat;Pologne;\nJane Doe;;Personne\n", {"name": "Organisation"}),
     ("Название\tСтрана\nКоалиция;1\tРоссия\nJane Doe\t\n", {"name": "Название"}),
     ("Nom,Land,Fonction\nKoalicja Karat,Polen,\nJane Doe,,Directrice\n", {"name": "Nom"})],
)
def test_tables_with_other_headings(text, columns):
    result = import_text(text)
    assert result.mode == "table" and result.columns["name"] == columns["name"]
    assert result.signatories[0].countries in (("PL",), ("RU",))
    assert result.signatories[1].name == "Jane Doe"


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
).map(lambda s: unicodedata.normalize("NFC", s).strip(" \t\r\n")).filter(bool)


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
