"""labels: every fixed string in every supported language, English fallback, dates per language."""

from __future__ import annotations

import datetime as dt

import pytest

from letter_pdf import labels

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
