"""Signatory counts, computed once, and their sentences with CLDR plural rules in the letter's language.

``Counts.of(signatories)`` is what the signature block ("On behalf of the 64 undersigned organisations and
1 individual"), the cover page and ``letter-pdf signatories stats`` all print. Plural forms come from
Babel (``Locale.plural_form``: one/few/many/other); the words are in the tables below. A language without
a table falls back to English (``i18n.supported``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from letter_pdf import i18n


@dataclass(frozen=True)
class Counts:
    total: int
    organisations: int
    individuals: int
    countries: int
    # signatories per country code, in the order first seen, and those with no country (for ``stats``)
    by_country: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    without_country: int = field(default=0, compare=False)

    @classmethod
    def of(cls, signatories) -> Counts:
        signatories = tuple(signatories)
        individuals = sum(1 for s in signatories if s.kind == "individual")
        per_country = Counter(code for s in signatories for code in s.countries)
        return cls(total=len(signatories), organisations=len(signatories) - individuals,
                   individuals=individuals, countries=len(per_country), by_country=tuple(per_country.items()),
                   without_country=sum(1 for s in signatories if not s.countries))


# Word forms by CLDR plural category. ``{n}`` is the number. Each language has:
#   org, ind: counted nouns as they appear in the on-behalf line (after the language's preposition)
#   on_behalf: the line, with {items} = the joined counted nouns
#   sig, org_n, ind_n, from: the summary line's counted nouns (nominative) and "from N countries"
#   and: the conjunction; summary: the summary line.
MESSAGES: dict[str, dict[str, object]] = {
    "en": {
        "org": {"one": "{n} undersigned organisation", "other": "{n} undersigned organisations"},
        "ind": {"one": "{n} individual", "other": "{n} individuals"},
        "ind_only": {"one": "{n} undersigned individual", "other": "{n} undersigned individuals"},
        "on_behalf": "On behalf of the {items}",
        "sig": {"one": "{n} signatory", "other": "{n} signatories"},
        "org_n": {"one": "{n} organisation", "other": "{n} organisations"},
        "ind_n": {"one": "{n} individual", "other": "{n} individuals"},
        "from": {"one": "from {n} country", "other": "from {n} countries"},
        "and": "and",
        "summary": "{sig}: {parts}",
    },
    "fr": {
        "org": {"one": "{n} organisation", "other": "{n} organisations"},
        "ind": {"one": "{n} personne", "other": "{n} personnes"},
        "on_behalf": "Au nom des signataires\u00a0: {items}",
        "sig": {"one": "{n} signataire", "other": "{n} signataires"},
        "org_n": {"one": "{n} organisation", "other": "{n} organisations"},
        "ind_n": {"one": "{n} personne", "other": "{n} personnes"},
        "from": {"one": "de {n} pays", "other": "de {n} pays"},
        "and": "et",
        "summary": "{sig}\u00a0: {parts}",
    },
    "de": {
        "org": {"one": "{n} unterzeichnenden Organisation", "other": "{n} unterzeichnenden Organisationen"},
        "ind": {"one": "{n} Einzelperson", "other": "{n} Einzelpersonen"},
        "on_behalf": "Im Namen der {items}",
        "sig": {"one": "{n} Unterzeichnende", "other": "{n} Unterzeichnende"},
        "org_n": {"one": "{n} Organisation", "other": "{n} Organisationen"},
        "ind_n": {"one": "{n} Einzelperson", "other": "{n} Einzelpersonen"},
        "from": {"one": "aus {n} Land", "other": "aus {n} Ländern"},
        "and": "und",
        "summary": "{sig}: {parts}",
    },
    "es": {
        "org": {"one": "{n} organización", "other": "{n} organizaciones"},
        "ind": {"one": "{n} persona", "other": "{n} personas"},
        "on_behalf": "En nombre de los firmantes: {items}",
        "sig": {"one": "{n} firmante", "other": "{n} firmantes"},
        "org_n": {"one": "{n} organización", "other": "{n} organizaciones"},
        "ind_n": {"one": "{n} persona", "other": "{n} personas"},
        "from": {"one": "de {n} país", "other": "de {n} países"},
        "and": "y",
        "summary": "{sig}: {parts}",
    },
    "pl": {
        # "W imieniu" takes the genitive: 1 organizacji, 2 organizacji, 5 organizacji; 1 osoby, 2/5 osób.
        "org": {"one": "{n} organizacji", "few": "{n} organizacji", "many": "{n} organizacji",
                "other": "{n} organizacji"},
        "ind": {"one": "{n} osoby prywatnej", "few": "{n} osób prywatnych", "many": "{n} osób prywatnych",
                "other": "{n} osoby prywatnej"},
        "on_behalf": "W imieniu {items}",
        "sig": {"one": "{n} sygnatariusz", "few": "{n} sygnatariuszy", "many": "{n} sygnatariuszy",
                "other": "{n} sygnatariusza"},
        "org_n": {"one": "{n} organizacja", "few": "{n} organizacje", "many": "{n} organizacji",
                  "other": "{n} organizacji"},
        "ind_n": {"one": "{n} osoba prywatna", "few": "{n} osoby prywatne", "many": "{n} osób prywatnych",
                  "other": "{n} osoby prywatnej"},
        "from": {"one": "z {n} kraju", "few": "z {n} krajów", "many": "z {n} krajów", "other": "z {n} kraju"},
        "and": "i",
        "summary": "{sig}: {parts}",
    },
    "ru": {
        "org": {"one": "{n} организация", "few": "{n} организации", "many": "{n} организаций",
                "other": "{n} организации"},
        "ind": {"one": "{n} частное лицо", "few": "{n} частных лица", "many": "{n} частных лиц",
                "other": "{n} частного лица"},
        "on_behalf": "Подписали: {items}",
        "sig": {"one": "{n} подписант", "few": "{n} подписанта", "many": "{n} подписантов",
                "other": "{n} подписанта"},
        "org_n": {"one": "{n} организация", "few": "{n} организации", "many": "{n} организаций",
                  "other": "{n} организации"},
        "ind_n": {"one": "{n} частное лицо", "few": "{n} частных лица", "many": "{n} частных лиц",
                  "other": "{n} частного лица"},
        "from": {"one": "из {n} страны", "few": "из {n} стран", "many": "из {n} стран", "other": "из {n} страны"},
        "and": "и",
        "summary": "{sig}: {parts}",
    },
    "uk": {
        "org": {"one": "{n} організація", "few": "{n} організації", "many": "{n} організацій",
                "other": "{n} організації"},
        "ind": {"one": "{n} приватна особа", "few": "{n} приватні особи", "many": "{n} приватних осіб",
                "other": "{n} приватної особи"},
        "on_behalf": "Підписали: {items}",
        "sig": {"one": "{n} підписант", "few": "{n} підписанти", "many": "{n} підписантів",
                "other": "{n} підписанта"},
        "org_n": {"one": "{n} організація", "few": "{n} організації", "many": "{n} організацій",
                  "other": "{n} організації"},
        "ind_n": {"one": "{n} приватна особа", "few": "{n} приватні особи", "many": "{n} приватних осіб",
                  "other": "{n} приватної особи"},
        "from": {"one": "з {n} країни", "few": "з {n} країн", "many": "з {n} країн", "other": "з {n} країни"},
        "and": "та",
        "summary": "{sig}: {parts}",
    },
    "fi": {
        "org": {"one": "{n} järjestön", "other": "{n} järjestön"},
        "ind": {"one": "{n} yksityishenkilön", "other": "{n} yksityishenkilön"},
        "on_behalf": "Allekirjoittaneiden {items} puolesta",
        "sig": {"one": "{n} allekirjoittaja", "other": "{n} allekirjoittajaa"},
        "org_n": {"one": "{n} järjestö", "other": "{n} järjestöä"},
        "ind_n": {"one": "{n} yksityishenkilö", "other": "{n} yksityishenkilöä"},
        "from": {"one": "{n} maasta", "other": "{n} maasta"},
        "and": "ja",
        "summary": "{sig}: {parts}",
    },
}

HEADINGS: dict[str, dict[str, str]] = {
    "en": {"organisations": "Organisations", "individuals": "Individuals", "no_country": "Other"},
    "fr": {"organisations": "Organisations", "individuals": "Personnes", "no_country": "Autres"},
    "de": {"organisations": "Organisationen", "individuals": "Einzelpersonen", "no_country": "Weitere"},
    "es": {"organisations": "Organizaciones", "individuals": "Personas", "no_country": "Otros"},
    "pl": {"organisations": "Organizacje", "individuals": "Osoby prywatne", "no_country": "Inne"},
    "ru": {"organisations": "Организации", "individuals": "Частные лица", "no_country": "Другие"},
    "uk": {"organisations": "Організації", "individuals": "Приватні особи", "no_country": "Інші"},
    "fi": {"organisations": "Järjestöt", "individuals": "Yksityishenkilöt", "no_country": "Muut"},
}


def language(lang: str | None) -> str:
    """The table language for BCP 47 ``lang`` (``fr-CA`` -> ``fr``); English when there is no table
    (``pt-BR``)."""
    return i18n.supported(lang, MESSAGES)


def plural_category(n: int, lang: str) -> str:
    """CLDR plural category of ``n`` in ``lang`` (``one``, ``two``, ``few``, ``many`` or ``other``)."""
    return i18n.locale(lang).plural_form(n)


def counted(n: int, forms: dict[str, str], lang: str) -> str:
    category = plural_category(n, lang)
    return forms.get(category, forms["other"]).format(n=n)


def _join(parts: list[str], word: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def on_behalf(counts: Counts, lang: str) -> str:
    """"On behalf of the 64 undersigned organisations and 1 individual", in ``lang``."""
    key = language(lang)
    table = MESSAGES[key]
    parts = []
    if counts.organisations:
        parts.append(counted(counts.organisations, table["org"], key))  # type: ignore[arg-type]
    if counts.individuals:
        forms = table["ind_only"] if not counts.organisations and "ind_only" in table else table["ind"]
        parts.append(counted(counts.individuals, forms, key))  # type: ignore[arg-type]
    return str(table["on_behalf"]).format(items=_join(parts, str(table["and"])))


def summary(counts: Counts, lang: str) -> str:
    """"65 signatories: 64 organisations and 1 individual from 17 countries", in ``lang``."""
    key = language(lang)
    table = MESSAGES[key]
    parts = []
    if counts.organisations:
        parts.append(counted(counts.organisations, table["org_n"], key))  # type: ignore[arg-type]
    if counts.individuals:
        parts.append(counted(counts.individuals, table["ind_n"], key))  # type: ignore[arg-type]
    text = _join(parts, str(table["and"]))
    if counts.countries:
        text += " " + counted(counts.countries, table["from"], key)  # type: ignore[arg-type]
    return str(table["summary"]).format(sig=counted(counts.total, table["sig"], key), parts=text)  # type: ignore[arg-type]


def heading(name: str, lang: str) -> str:
    """A localised list heading: ``organisations``, ``individuals`` or ``no_country``."""
    return HEADINGS[language(lang)][name]
