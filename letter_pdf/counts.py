"""Signatory counts, computed once, and their sentences with CLDR plural rules in the letter's language.

``Counts.of(signatories)`` is what the signature block ("On behalf of the 64 undersigned organisations and
1 individual"), the cover page and ``letter-pdf signatories stats`` all print. Plural forms come from
Babel (``Locale.plural_form``: one/few/many/other); the words are in letter_pdf/locales/<tag>.json. A language without
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


# Word forms by CLDR plural category, from letter_pdf/locales/<tag>.json ("counts", "headings"). ``{n}`` is
# the number. Each language has:
#   org, ind: counted nouns as they appear in the on-behalf line (after the language's preposition);
#   ind_only: the individuals when there is no organisation ("5 undersigned individuals")
#   on_behalf: the line, with {items} = the joined counted nouns
#   sig, org_n, ind_n, from: the summary line's counted nouns (nominative) and "from N countries"
#   and: the conjunction; summary: the summary line.
# A counted entry has exactly the categories a count takes in that language (i18n.count_categories).
MESSAGES: dict[str, dict[str, object]] = {tag: data["counts"] for tag, data in i18n.tables().items()}

HEADINGS: dict[str, dict[str, str]] = {tag: data["headings"] for tag, data in i18n.tables().items()}


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
        forms = table["ind"] if counts.organisations else table["ind_only"]
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
