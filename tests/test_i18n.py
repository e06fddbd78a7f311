"""i18n: one fallback from a BCP 47 tag to a table language and a CLDR locale, and its three users agree."""

from __future__ import annotations

import datetime as dt

import pytest

from letter_pdf import countries, counts, i18n, labels

JANUARY = dt.date(2027, 1, 15)  # Austrian German writes "Jänner": the date shows which CLDR locale was used

# tag -> (table language, CLDR locale, "Signatories" label, Germany's name, the date as printed)
TAGS = {
    "pt-BR": ("pt-br", "pt_BR", "Signatários", "Alemanha", "15 de janeiro de 2027"),
    "es-MX": ("es-419", "es_MX", "Firmantes", "Alemania", "15 de enero de 2027"),
    "sr-Latn-RS": ("en", "sr_Latn_RS", "Signatories", "Nemačka", "15. januar 2027."),
    "zh-Hant-TW": ("en", "zh_Hant_TW", "Signatories", "德國", "2027年1月15日"),
    "en-GB": ("en", "en_GB", "Signatories", "Germany", "15 January 2027"),
    "fr-CA": ("fr", "fr_CA", "Signataires", "Allemagne", "15 janvier 2027"),
    "xx": ("en", "en", "Signatories", "Germany", "January 15, 2027"),
    "de_AT": ("de", "de_AT", "Unterzeichnende", "Deutschland", "15. Jänner 2027"),
    "DE-at": ("de", "de_AT", "Unterzeichnende", "Deutschland", "15. Jänner 2027"),
    # Babel cannot parse the whole tag: its longest known prefix serves (country names were English here)
    "de-AT-x-private": ("de", "de_AT", "Unterzeichnende", "Deutschland", "15. Jänner 2027"),
    "ru-RU": ("ru", "ru_RU", "Подписавшие", "Германия", "15 января 2027\u202fг."),
    "pl": ("pl", "pl", "Sygnatariusze", "Niemcy", "15 stycznia 2027\u00a0r."),
}

ON_BEHALF = {
    "en": "On behalf of the 2 undersigned organisations and 5 individuals",
    "fr": "Au nom des signataires\u00a0: 2 organisations et 5 personnes",
    "de": "Im Namen der 2 unterzeichnenden Organisationen und 5 Einzelpersonen",
    "ru": "Подписали: 2 организации и 5 частных лиц",
    "pl": "W imieniu 2 organizacji i 5 osób prywatnych",
    "pt-br": "Em nome dos signatários: 2 organizações e 5 pessoas físicas",
    "es-419": "En nombre de los firmantes: 2 organizaciones y 5 personas",
}


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_the_fallback_of_a_tag_through_labels_counts_and_countries(tag):
    table, cldr, signatories, germany, date = TAGS[tag]
    assert i18n.supported(tag, labels.LABELS) == table
    assert str(i18n.locale(tag)) == cldr
    # labels: the table language's words, the locale's date
    assert labels.label("signatories", tag) == signatories == labels.LABELS[table]["signatories"]
    assert labels.date_text(JANUARY, tag) == date
    # counts: the same table language, the same locale's plural rules
    assert counts.language(tag) == table
    seven = counts.Counts(total=7, organisations=2, individuals=5, countries=1)
    assert counts.on_behalf(seven, tag) == ON_BEHALF[table]
    assert counts.heading("individuals", tag) == labels.label("individuals", tag)
    assert counts.heading("individuals", tag) == counts.HEADINGS[table]["individuals"]
    assert [counts.plural_category(n, tag) for n in (1, 2, 5, 21)] == [
        i18n.locale(tag).plural_form(n) for n in (1, 2, 5, 21)]
    # countries: the same locale's names
    assert countries.display_name("DE", tag) == germany


def test_plural_rules_follow_the_locale():
    assert [counts.plural_category(n, "ru-RU") for n in (1, 2, 5, 21)] == ["one", "few", "many", "one"]
    assert [counts.plural_category(n, "de-AT-x-private") for n in (1, 2)] == ["one", "other"]
    assert [counts.plural_category(n, "xx") for n in (1, 2)] == ["one", "other"]


def test_candidates_entry_and_primary():
    assert i18n.candidates("sr_Latn_RS") == ["sr-latn-rs", "sr-latn", "sr"]
    assert i18n.candidates(None) == ["en"]
    assert i18n.entry({"pl": "r."}, "pl-PL") == "r."
    assert i18n.entry({"pl": "r."}, "pt-PL") is None  # an exception table: no English fallback
    assert i18n.entry({"sr-latn": "latin", "sr": "cyrillic"}, "sr-Latn-RS") == "latin"  # most specific first
    assert i18n.supported("fr-CA", {"en", "fr"}) == "fr"
    assert i18n.supported(None, {"en", "fr"}) == "en"
    assert i18n.primary("pt-BR") == "pt" and i18n.primary("DE_at") == "de"
    assert countries._quick_languages("pt-BR")[0] == "pt"


def test_locale_of_nothing_or_nonsense_is_english():
    for tag in (None, "", "xx", "-", "x-private", "123"):
        assert str(i18n.locale(tag)) == "en", tag
