"""labels: every fixed string in every supported language, English fallback, dates per language."""

from __future__ import annotations

import datetime as dt
import logging
import re
import string
import unicodedata

import pytest

from letter_pdf import counts as counts_module
from letter_pdf import i18n, labels

from conftest import write_letter

LANGUAGES = ("en", "fr", "de", "es", "pl", "ru", "uk", "fi")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_label(lang):
    assert set(labels.LABELS[lang]) | set(labels.DELEGATED) == set(labels.KEYS)
    assert all(text.strip() for text in labels.LABELS[lang].values())
    page = labels.label("page_of", lang, page=2, pages=7)
    assert "2" in page and "7" in page and "{" not in page


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_are_not_english(lang):
    assert labels.label("signatories", lang) != "Signatories"
    assert labels.label("page_of", lang, page=1, pages=2) != "Page 1 of 2"


def test_known_translations():
    assert labels.label("page_of", "de", page=1, pages=3) == "Seite 1 von 3"
    assert labels.label("page_of", "ru", page=1, pages=3) == "Страница 1 из 3"
    assert labels.label("page_of", "fi", page=1, pages=3) == "Sivu 1/3"
    assert labels.label("signatories", "uk") == "Підписанти"
    assert labels.label("enclosures", "pl") == "Załączniki"
    assert labels.label("signature_of", "fr", name="Jeanne <Dupont>") == "Signature de Jeanne <Dupont>"


def test_regional_tags_and_fallback():
    assert labels.label("signatories", "de-AT") == "Unterzeichnende"
    assert labels.label("signatories", "pt_BR") == "Signatários"  # Brazilian Portuguese has its own words now
    assert labels.label("cc", "pt-BR") == "c/c" and labels.label("our_ref", "pt-BR") == "Nossa ref."
    assert labels.label("our_ref", "pt-PT") == "N/ref.ª"  # European Portuguese: the base language
    assert labels.label("our_ref", "pt-AO") == "N/ref.ª"  # CLDR parent pt-PT, then pt
    assert labels.label("signatories", "sw") == "Signatories"  # no Swahili words: English (and a warning)
    for tag in ("es-MX", "es_AR", "es-419"):  # CLDR parent es-419: Latin American Spanish
        assert labels.label("our_ref", tag) == "Ref. nuestra", tag
    assert labels.label("our_ref", "es-ES") == "N/ref."
    assert labels.label("cc", "xx") == "cc"


def test_group_headings_are_the_ones_arrange_prints():
    from letter_pdf import counts

    for lang in LANGUAGES:
        assert labels.label("individuals", lang) == counts.heading("individuals", lang)
        assert labels.label("organisations", lang) == counts.heading("organisations", lang)
    assert labels.label("individuals", "de") == "Einzelpersonen"


def test_unknown_key_is_an_error():
    with pytest.raises(KeyError, match="no label 'signatorie'"):
        labels.label("signatorie", "en")


@pytest.mark.parametrize("lang", LANGUAGES + ("xx",))
def test_all_strings_has_every_label_without_placeholders(lang):
    strings = labels.all_strings(lang)
    assert len(strings) == len(labels.KEYS) + 1  # and the fixed text of the place-and-date line
    assert not any("{" in s or "}" in s for s in strings)
    assert labels.label("signatories", lang) in strings


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "November 29, 2026"),
        ("en-GB", "29 November 2026"),
        ("de", "29. November 2026"),
        ("fr", "29 novembre 2026"),
        ("pl", "29 listopada 2026\u00a0r."),  # "roku", on the line of the year
        ("ru", "29 ноября 2026\u202fг."),  # CLDR: narrow no-break space
        ("uk", "29 листопада 2026\u202fр."),
        ("xx", "November 29, 2026"),
    ],
)
def test_date_text(lang, expected):
    assert labels.date_text(dt.date(2026, 11, 29), lang) == expected


@pytest.mark.parametrize(
    "lang, place, expected",
    [
        ("en", "New York", "New York, December 3, 2026"),
        ("en-GB", "London", "London, 3 December 2026"),
        ("fr", "Paris", "Paris, le 3 décembre 2026"),
        ("fr-CA", "Montréal", "Montréal, le 3 décembre 2026"),
        ("de", "Berlin", "Berlin, 3. Dezember 2026"),
        ("de-AT", "Wien", "Wien, 3. Dezember 2026"),
        ("es", "Madrid", "Madrid, 3 de diciembre de 2026"),
        ("pl", "Warszawa", "Warszawa, 3 grudnia 2026\u00a0r."),
        ("ru", "Москва", "Москва, 3 декабря 2026\u202fг."),
        ("uk", "Київ", "Київ, 3 грудня 2026\u202fр."),
        ("fi", "Helsingissä", "Helsingissä 3. joulukuuta 2026"),  # no comma after the place
        ("pt-BR", "Recife", "Recife, 3 de dezembro de 2026"),  # no pattern of its own: "{place}, {date}"
    ],
)
def test_place_and_date_line(lang, place, expected):
    assert labels.place_date(place, dt.date(2026, 12, 3), lang) == expected


def test_place_and_date_parts_and_no_place():
    assert labels.place_date_parts("Paris", dt.date(2026, 12, 3), "fr") == ("Paris, le ", "3 décembre 2026", "")
    assert labels.place_date(None, dt.date(2026, 12, 3), "fr") == "3 décembre 2026"
    assert labels.place_date("", dt.date(2026, 12, 3), "pl") == "3 grudnia 2026\u00a0r."


def test_french_first_of_the_month_is_an_ordinal():
    assert labels.date_text(dt.date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert labels.date_text(dt.date(2026, 12, 2), "fr") == "2 décembre 2026"
    assert labels.date_text(dt.date(2026, 12, 1), "en-GB") == "1 December 2026"


def test_every_language_with_labels_has_a_place_and_date_pattern():
    assert set(labels.PLACE_DATE) == set(labels.LABELS)
    assert all("{place}" in p and "{date}" in p for p in labels.PLACE_DATE.values())
    assert labels.all_strings("fr")[-1] == ", le "


def test_readme_shows_the_place_and_date_lines_the_tool_prints():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    date = dt.date(2026, 11, 29)

    def printed(place, lang):  # as the PDF's text reads (its no-break spaces come out as spaces)
        return labels.place_date(place, date, lang).replace("\u202f", " ").replace("\u00a0", " ")

    places = {"fr": "Paris", "de": "Berlin", "es": "Madrid", "pl": "Warszawa", "ru": "Москва", "uk": "Київ",
              "fi": "Helsingissä"}
    for lang, place in places.items():
        assert f"| `{lang}` | {printed(place, lang)}" in readme, lang
    assert f"| `en` / `en-GB` | {printed('London', 'en')} / {printed('London', 'en-GB')} |" in readme
    assert f'`lang: en` prints "{printed("London", "en")}"' in readme


# --- the words as data (letter_pdf/locales/<tag>.json): 29 languages, every key, English's placeholders ---

EU = ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl",
      "pt", "ro", "sk", "sl", "sv")
REQUIRED = EU + ("ru", "uk", "tr", "es-419", "pt-br")


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _leaves(data, where=""):
    """(path, text) of every string in a language's data, count forms under their category."""
    if isinstance(data, str):
        yield where, data
    else:
        for key, value in data.items():
            yield from _leaves(value, f"{where}.{key}" if where else key)


def test_the_required_languages_have_files_and_no_other_script():
    assert set(REQUIRED) <= set(i18n.tables())
    assert not {"ar", "he", "fa", "ka", "hy"} & set(i18n.tables())  # no bundled font for their scripts yet


@pytest.mark.parametrize("lang", REQUIRED)
def test_every_language_has_every_key_with_english_placeholders(lang):
    english, data = i18n.tables()["en"], i18n.tables()[lang]
    assert set(data) == set(english) == {"labels", "counts", "headings", "place_date", "date_form"}
    assert set(data["labels"]) == set(english["labels"]) and set(data["headings"]) == set(english["headings"])
    assert set(data["counts"]) == set(english["counts"])
    for key, text in english["labels"].items():
        assert _fields(data["labels"][key]) == _fields(text), key
    for key, model in english["counts"].items():
        value = data["counts"][key]
        if isinstance(model, str):
            assert isinstance(value, str) and _fields(value) == _fields(model), key
        else:  # the CLDR categories a count takes in this language, each with {n}
            categories = {i18n.locale(lang).plural_form(n) for n in range(1000)} | {"other"}
            assert set(value) == categories, key
            assert all(_fields(form) == {"n"} for form in value.values()), key
    assert _fields(data["place_date"]) == {"place", "date"} and _fields(data["date_form"]) == {"date"}
    leaves = list(_leaves(data))
    assert all(isinstance(text, str) and text.strip() == text and text for _where, text in leaves), lang


def test_translations_differ_from_english_where_a_word_must():
    for lang in set(REQUIRED) - {"en"}:
        for key in ("page_of", "signatories", "enclosures", "continued", "our_ref", "find_attached"):
            assert labels.template(key, lang) != labels.template(key, "en"), (lang, key)
        assert counts_module.MESSAGES[lang]["on_behalf"] != counts_module.MESSAGES["en"]["on_behalf"], lang


def test_every_language_prints_with_the_bundled_fonts():
    from letter_pdf import fonts

    bundled = fonts.FontSet.bundled()
    for lang in i18n.tables():
        seven = counts_module.Counts(total=7, organisations=2, individuals=5, countries=3)
        texts = [*labels.all_strings(lang), counts_module.on_behalf(seven, lang), counts_module.summary(seven, lang),
                 counts_module.heading("no_country", lang)]
        assert not [t for t in texts if fonts.uncovered(t, bundled)], lang


@pytest.mark.parametrize(
    ("lang", "counts", "expected"),
    [
        ("cs", counts_module.Counts(7, 2, 5, 3), "Jménem signatářů: 2 organizace a 5 jednotlivců"),
        ("sl", counts_module.Counts(5, 2, 3, 3), "V imenu podpisnikov: 2 organizaciji in 3 posamezniki"),
        ("ro", counts_module.Counts(21, 20, 1, 3), "În numele semnatarilor: 20 de organizații și 1 persoană fizică"),
        ("lt", counts_module.Counts(12, 11, 1, 3), "Pasirašiusiųjų vardu: 11 organizacijų ir 1 fizinis asmuo"),
        ("hu", counts_module.Counts(65, 64, 1, 17), "Az aláíró 64 szervezet és 1 magánszemély nevében"),
        ("el", counts_module.Counts(3, 0, 3, 1), "Εκ μέρους των υπογραφόντων: 3 φυσικά πρόσωπα"),
    ],
)
def test_on_behalf_in_added_languages(lang, counts, expected):
    assert counts_module.on_behalf(counts, lang) == expected


def test_the_loader_reports_what_a_language_file_lacks():
    english = i18n.tables()["en"]
    good = i18n.tables()["de"]
    assert i18n.problems("de", good, english) == []
    broken = {**good, "labels": {k: v for k, v in good["labels"].items() if k != "cc"}}
    assert i18n.problems("de", broken, english) == [
        f"de: labels needs the keys {sorted(english['labels'])}, has {sorted(broken['labels'])}"]
    wrong = {**good, "labels": {**good["labels"], "page_of": "Seite {page}"}}
    assert i18n.problems("de", wrong, english) == [
        "de: labels.page_of has placeholders ['page'], English ['page', 'pages']"]
    empty = {**good, "headings": {**good["headings"], "individuals": " "}}
    assert i18n.problems("de", empty, english) == ["de: headings.individuals must be a non-empty string"]
    number = {**good, "place_date": 3}
    assert i18n.problems("de", number, english) == ["de: place_date must be a non-empty string"]
    few = {**good, "counts": {**good["counts"], "sig": {"one": "{n} Unterzeichnende"}}}
    assert i18n.problems("de", few, english) == ["de: counts.sig needs the forms ['one', 'other'], has ['one']"]
    polish = i18n.tables()["pl"]
    as_english = {**polish, "counts": {**polish["counts"], "org": english["counts"]["org"]}}
    assert i18n.problems("pl", as_english, english) == [
        "pl: counts.org needs the forms ['few', 'many', 'one', 'other'], has ['one', 'other']"]


def test_a_language_without_words_warns_once_naming_it(caplog):
    with caplog.at_level(logging.WARNING, logger="letter_pdf"):
        assert labels.warn_fallback("sw") is True
        assert labels.warn_fallback("ka-GE") is True
        for tag in ("en", "en-GB", "de-AT", "pt-PT", "es-MX", "pt-BR", "ga"):
            assert labels.warn_fallback(tag) is False, tag
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("no fixed words for lang 'sw': 'Page', 'Signatories'")
    assert "lang 'ka-GE'" in messages[1]


# --- letters built in languages the bundled fonts print: no English fixed word is left -------------------

ENGLISH_WORDS = ("Page", "Signatories", "Enclosures", "On behalf", "Our ref", "Your ref", "continued", "Individuals",
                 "Organisations", "undersigned", "cc")
BUILT = {  # lang -> words of its own the PDF must show
    "pt-BR": ("Página 1 de", "Signatários", "Anexos", "c/c", "Nossa ref.", "Sua ref.", "Em nome dos signatários",
              "Pessoas físicas"),
    "el": ("Σελίδα 1 από", "Υπογράφοντες", "Συνημμένα", "Κοιν.", "Αρ. πρωτ.", "Εκ μέρους των υπογραφόντων",
           "Φυσικά πρόσωπα"),
    "bg": ("Страница 1 от", "Подписали", "Приложения", "Копие до", "Наш изх. №", "От името на подписалите",
           "Физически лица"),
    "ga": ("Leathanach 1 de", "Sínitheoirí", "Iatáin", "Cóip chuig", "Ár dTag.", "Thar ceann na sínitheoirí",
           "Daoine aonair"),
}


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def built_texts(tmp_path_factory):
    """lang -> (the PDF's text, the warnings logged while it was built); 'sw' has no words of its own."""
    from pypdf import PdfReader

    import letter_pdf

    rows = [{"name": "Organisation One", "country": "GB"}, {"name": "Organisation Two", "country": "FR"},
            {"name": "Ana Pereira", "kind": "individual", "role": "Lawyer"}]
    out = {}
    logger = logging.getLogger("letter_pdf")
    for lang in (*BUILT, "sw"):
        folder = tmp_path_factory.mktemp(lang.lower())
        letter = write_letter(folder / "letter", rows=rows, body="Texto.\n", front={
            "lang": lang, "reference": "CS-41", "their_reference": "AB-7", "cc": ["Ombudsman"],
            "enclosures": ["Report"], "group_by": "kind", "title": "Carta", "subject": "Carta aberta",
            "opening": "Exmo. Senhor,", "closing": "Atenciosamente,", "place": "Lisboa"})
        pdf = folder / "out.pdf"
        records = _Records()
        logger.addHandler(records)
        try:
            letter_pdf.build(letter, output=pdf)
        finally:
            logger.removeHandler(records)
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)
        out[lang] = (text, records.messages)
    return out


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


@pytest.mark.parametrize("lang", sorted(BUILT))
def test_a_built_letter_has_no_english_fixed_word(built_texts, lang):
    text, warnings = built_texts[lang]
    assert not [w for w in warnings if "no fixed words" in w]
    for word in BUILT[lang]:  # references and group headings print in capitals (CSS; Greek ones without accents)
        assert word in text or _folded(word) in _folded(text), (lang, word)
    for word in ENGLISH_WORDS:
        assert not re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE), (lang, word)


def test_a_letter_in_a_language_without_words_warns_once_and_prints_english(built_texts):
    text, warnings = built_texts["sw"]
    assert [w for w in warnings if "no fixed words" in w] == [w for w in warnings if "'sw'" in w]
    assert len([w for w in warnings if "no fixed words for lang 'sw'" in w]) == 1
    assert "Page 1 of" in text and "Signatories" in text and "On behalf of the" in text
