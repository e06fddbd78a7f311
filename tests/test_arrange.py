"""Ordering by the Unicode Collation Algorithm with CLDR tailorings, and grouping with counts."""

from __future__ import annotations

import random

import pytest

from letter_pdf.arrange import Section, arrange, sort_names
from letter_pdf.model import Signatory
from letter_pdf.signatories import load_signatories

# Expectations written from the CLDR collation rules (root + the language's tailoring), not from the code.
POLISH = ["Apfel", "Arka", "az", "Ąb", "b", "Cyfra", "Ćma", "Ewa", "Ęby", "Lublin", "Lwów", "Łódź", "Nowak",
          "Ńa", "Osa", "Óz", "Sopot", "Świt", "Zorza", "Źdźbło", "Żaba"]
RUSSIAN = ["«Мемориал»", "Абрам", "Борис", "Ёж", "Ежи", "елка", "ёлка", "Ольга", "Юрий", "Яков",
           "Amnesty", "Zorro"]  # Cyrillic before Latin in Russian ([reorder Cyrl]); ё = е at the first level
FINNISH = ["Aalto", "Vesi", "Über", "Yksi", "Zebra", "Åbo", "Äiti", "Öljy"]  # å ä ö after z; ü as y
GERMAN = ["Aalto", "Åbo", "Äiti", "Apfel", "Öljy", "Zebra"]  # root: Ä with A, Ö with O
ENGLISH_MIXED = ["Amnesty International", "émigré", "Emmaüs International", "Zorro", "Борис", "Ольга"]
UKRAINIAN = ["Гора", "Ґанок", "Дім", "Игорь", "Іван", "Їжак"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("pl", POLISH), ("ru", RUSSIAN), ("fi", FINNISH), ("sv", FINNISH), ("de", GERMAN), ("en", ENGLISH_MIXED),
     ("uk", UKRAINIAN), ("pl-PL", POLISH)],
)
def test_collation(lang, expected):
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sort_names(shuffled, lang) == expected


def test_not_code_point_order():
    # Code-point order would put "Ärger" after "Zebra" and "apple" after "Banana"; the UCA does not.
    assert sort_names(["Zebra", "Ärger", "apple", "Banana"], "de") == ["apple", "Ärger", "Banana", "Zebra"]
    # and the printed list, sorted by arrange(), follows the same order (accents and case second, not first)
    given = [Signatory(n) for n in ["Zebra", "Ärger", "apple", "Banana", "Abc", "abc", "Äbc"]]
    (section,) = arrange(given, order="alphabetical", group_by="none", lang="de")
    assert [s.name for s in section.entries] == ["abc", "Abc", "Äbc", "apple", "Ärger", "Banana", "Zebra"]
    (section,) = arrange(given, order="as-given", group_by="none", lang="de")
    assert [s.name for s in section.entries] == ["Zebra", "Ärger", "apple", "Banana", "Abc", "abc", "Äbc"]


def test_polish_l_stroke_with_nfd_input():
    import unicodedata

    names = [unicodedata.normalize("NFD", n) for n in ["Łódź", "Lwów", "Ćma", "Cyfra"]]
    assert [unicodedata.normalize("NFC", n) for n in sort_names(names, "pl")] == ["Cyfra", "Ćma", "Lwów", "Łódź"]


SIGS = (
    Signatory("Zeta Foundation", ("PL",)),
    Signatory("Alpha Committee", ("FR",)),
    Signatory("Danny Sriskandarajah", (), "individual", "Secretary General, CIVICUS"),
    Signatory("Łączy nas Fundacja", ("PL",), group="Partners"),
    Signatory("Both Lands", ("FR", "CH"), group="Partners"),
    Signatory("Amnesty International", ()),
)


def names(section: Section) -> list[str]:
    return [s.name for s in section.entries]


def test_none_as_given_individuals_apart():
    sections = arrange(SIGS, order="as-given", group_by="none", lang="en")
    assert [(s.heading, s.count) for s in sections] == [(None, 5), ("Individuals", 1)]
    assert names(sections[0]) == ["Zeta Foundation", "Alpha Committee", "Łączy nas Fundacja", "Both Lands",
                                  "Amnesty International"]
    assert sections[1].entries[0].role == "Secretary General, CIVICUS"


def test_alphabetical_polish():
    sections = arrange(SIGS, order="alphabetical", group_by="none", lang="pl")
    assert names(sections[0]) == ["Alpha Committee", "Amnesty International", "Both Lands", "Łączy nas Fundacja",
                                  "Zeta Foundation"]
    assert sections[1].heading == "Osoby prywatne"


def test_group_by_kind():
    sections = arrange(SIGS, order="as-given", group_by="kind", lang="fr")
    assert [(s.heading, s.count) for s in sections] == [("Organisations", 5), ("Personnes", 1)]


def test_group_by_country_in_letter_language():
    sections = arrange(SIGS, order="alphabetical", group_by="country", lang="fr")
    assert [(s.heading, s.count) for s in sections] == [
        ("France", 1), ("France / Suisse", 1), ("Pologne", 2), ("Autres", 1), ("Personnes", 1)]
    assert names(sections[2]) == ["Łączy nas Fundacja", "Zeta Foundation"]


def test_group_by_group_keeps_first_appearance_and_others_last():
    sections = arrange(SIGS, order="as-given", group_by="group", lang="en")
    # groups in order of first appearance; entries without a group under "Other", last
    assert [(s.heading, s.count) for s in sections] == [("Partners", 2), ("Other", 4)]
    assert "Danny Sriskandarajah" in names(sections[1])


def test_every_entry_exactly_once(resources):
    sigs = load_signatories(resources / "foreign-agents-signatories.csv")
    for group_by in ("none", "kind", "country", "group"):
        for order in ("as-given", "alphabetical"):
            sections = arrange(sigs, order=order, group_by=group_by, lang="ru")
            flat = [s for sec in sections for s in sec.entries]
            assert sorted(flat, key=id) == sorted(sigs, key=id) and len(flat) == 65
            assert all(sec.count == len(sec.entries) for sec in sections)


def test_sample_alphabetical_russian_puts_cyrillic_first(resources):
    sigs = load_signatories(resources / "foreign-agents-signatories.csv")
    first = arrange(sigs, order="alphabetical", group_by="none", lang="ru")[0]
    assert names(first)[0].startswith("Автономная некоммерческая организация")
    en = arrange(sigs, order="alphabetical", group_by="none", lang="en")[0]
    assert names(en)[0].startswith("Action des chrétiens") and names(en)[-1].startswith("Общественная")


def test_bad_values():
    with pytest.raises(ValueError):
        arrange(SIGS, order="random", group_by="none", lang="en")
    assert arrange((), order="as-given", group_by="none", lang="en") == ()


# --- through the build: the flags and the front matter reach the PDF --------------------------------------

POLISH_ROWS = [{"name": n, "country": c} for n, c in [
    ("Łódzka Fundacja Obywatelska", "PL"), ("Żółta Fundacja", "PL"), ("Lubelskie Stowarzyszenie", "PL"),
    ("Zielona Sieć", "PL"), ("Ćwierć Wieku", "PL"), ("Cyfrowa Polska", "PL"), ("Ąkowa Grupa", "PL"),
    ("Amnesty International Polska", "PL"), ("Kansalaisjärjestöjen ihmisoikeussäätiö", "FI"),
    ("Общественная организация «Мемориал»", "RU")]] + [
    {"name": "Jan Kowalski", "country": "", "kind": "individual", "role": "Dyrektor, Fundacja X"}]
POLISH_ORDER = ["Amnesty International Polska", "Ąkowa Grupa", "Cyfrowa Polska", "Ćwierć Wieku",
                "Lubelskie Stowarzyszenie", "Łódzka Fundacja Obywatelska", "Zielona Sieć", "Żółta Fundacja"]


@pytest.fixture(scope="module")
def built_polish(tmp_path_factory):
    from letter_pdf import pipeline

    from conftest import write_letter

    folder = tmp_path_factory.mktemp("polish")
    letter = write_letter(folder, front={"lang": "pl"}, rows=POLISH_ROWS)
    result = pipeline.build(letter, pipeline.BuildOptions(order="alphabetical", group_by="country"))
    import pypdf

    reader = pypdf.PdfReader(result.output)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.slow
def test_build_orders_and_groups_by_polish_rules(built_polish):
    text = built_polish
    positions = [text.index(name) for name in POLISH_ORDER]
    assert positions == sorted(positions), [n for _, n in sorted(zip(positions, POLISH_ORDER))]
    # headings in Polish, per-country counts, individuals apart with their role
    for heading in ("Finlandia", "Polska", "Rosja", "Osoby prywatne"):
        assert heading.casefold() in text.casefold()
    assert text.index("Kansalaisjärjestöjen") < text.index("Amnesty International Polska") < text.index("«Мемориал»")
    assert "Dyrektor, Fundacja X" in text
    assert "W imieniu 10 organizacji i 1 osoby prywatnej" in text


def test_build_rejects_unknown_order_option(tmp_path):
    from letter_pdf import pipeline
    from letter_pdf.errors import InputError

    from conftest import write_letter

    letter = write_letter(tmp_path / "l")
    with pytest.raises(InputError, match="unknown order 'random'"):
        pipeline.build(letter, pipeline.BuildOptions(order="random"))
    assert not (tmp_path / "l" / "letter.pdf").exists()


def test_mixed_scripts_follow_the_letter_language():
    names = ["Борис", "Żaba", "Ąb", "Łódź", "Ольга", "Apfel"]
    assert sort_names(names, "pl") == ["Apfel", "Ąb", "Łódź", "Żaba", "Борис", "Ольга"]
    assert sort_names(names, "ru") == ["Борис", "Ольга", "Ąb", "Apfel", "Łódź", "Żaba"]  # root: ą = a + accent
    assert sort_names(names, "uk")[:2] == ["Борис", "Ольга"]
    assert sort_names(["Борис", "Zoran"], "sr-Latn") == ["Zoran", "Борис"]
    assert sort_names(["Борис", "Zoran"], "sr") == ["Борис", "Zoran"]


# --- individuals by family name -----------------------------------------------------------------


def person(name: str, sort_as: str | None = None) -> Signatory:
    return Signatory(name, (), "individual", sort_as=sort_as)


def test_individuals_sort_by_family_name_organisations_by_name():
    people = [person("Иван Петров"), person("Людмила Алексеева"), person("Анна Петрова"), person("Борис Петров"),
              person("Zoe Abbott")]
    organisations = [Signatory("Фонд Свобода", ("RU",)), Signatory("Белорусский центр", ("BY",))]
    sections = arrange(organisations + people, order="alphabetical", lang="ru")
    assert names(sections[0]) == ["Белорусский центр", "Фонд Свобода"]  # organisations: unchanged
    # Алексеева < Петров (Борис, then Иван: ties by the whole name) < Петрова; Latin after Cyrillic in Russian
    assert names(sections[1]) == ["Людмила Алексеева", "Борис Петров", "Иван Петров", "Анна Петрова", "Zoe Abbott"]


def test_sort_as_overrides_the_last_word():
    people = [person("Мао Цзэдун", sort_as="Мао"), person("Ли Бо", sort_as="Ли"), person("Анна Лебедева"),
              person("Ludwig van Beethoven"), person("Charles de Gaulle", sort_as="Gaulle")]
    sections = arrange(people, order="alphabetical", lang="en")
    # Beethoven, Gaulle (sort_as), then Cyrillic: Лебедева, Ли (sort_as), Мао (sort_as; last word Цзэдун would be last)
    assert names(sections[0]) == ["Ludwig van Beethoven", "Charles de Gaulle", "Анна Лебедева", "Ли Бо", "Мао Цзэдун"]
    # as given: sort_as changes nothing
    assert names(arrange(people, lang="en")[0]) == [p.name for p in people]


def test_sort_as_column_is_read_from_csv_and_kept_by_to_csv(tmp_path):  # sort_as or sort-as: one column
    from letter_pdf.signatories import to_csv

    path = tmp_path / "s.csv"
    path.write_text("name,kind,sort_as\nМао Цзэдун,individual,Мао\nАнна Лебедева,individual,\n", encoding="utf-8")
    sigs = load_signatories(path)
    assert [(s.name, s.sort_as) for s in sigs] == [("Мао Цзэдун", "Мао"), ("Анна Лебедева", None)]
    assert to_csv(sigs) == "name,country,kind,sort-as\nМао Цзэдун,,individual,Мао\nАнна Лебедева,,individual,\n"


def test_printed_list_holds_the_sections_and_the_counts_of_what_they_print():
    from types import SimpleNamespace

    from letter_pdf.arrange import printed_list
    from letter_pdf.counts import Counts

    given = (Signatory("Zeta", countries=("FR",)), Signatory("Ann Person", kind="individual", countries=("DE",)),
             Signatory("Alpha", countries=("GB", "FR")), Signatory("Nowhere"))
    letter = SimpleNamespace(signatories=given, order="alphabetical", group_by="country", lang="en")
    printed = printed_list(letter)
    assert printed.sections == arrange(given, order="alphabetical", group_by="country", lang="en")
    assert [s.name for s in printed.signatories] == ["Zeta", "Alpha", "Nowhere", "Ann Person"]
    assert printed.counts == Counts(total=4, organisations=3, individuals=1, countries=3)
    assert printed_list(letter) is not printed  # a value per call: no cache shared between builds


def test_at_most_max_groups(make_letter, capsys, monkeypatch):
    """Each group is a heading, a bookmark and a list of its own: 15,000 of them took minutes to typeset, so
    a list with more than MAX_GROUPS groups is refused at once with one line; MAX_GROUPS are printed."""
    from types import SimpleNamespace

    from letter_pdf.arrange import MAX_GROUPS, printed_list
    from tests.conftest import run_main

    rows = [{"name": f"Organisation {i}", "group": f"Group {i}"} for i in range(MAX_GROUPS + 1)]
    letter = make_letter(front={"group_by": "group"}, rows=rows)
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, [line for line in err.splitlines() if line.startswith("error")]) == (1, [
        f"error: signatories.csv: grouped by group, the list has {MAX_GROUPS + 1:,} groups; the limit is "
        f"{MAX_GROUPS:,} — group it by fewer values (group_by: kind, or none), or merge groups in the list"])
    at_limit = SimpleNamespace(signatories=[Signatory(name=f"O{i}", group=f"G{i}") for i in range(MAX_GROUPS)],
                               order="as-given", group_by="group", lang="en", signatories_path=None)
    assert len(printed_list(at_limit).sections) == MAX_GROUPS
