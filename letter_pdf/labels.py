"""Localised fixed strings of the letter ("Page 1 of 3", "Signatories", "Enclosures", ...).

The words are in letter_pdf/locales/<tag>.json, every language with every key (i18n.tables checks it). A
language without a file prints English words, and ``warn_fallback`` says so once per build. ``lang`` is a
BCP 47 tag: ``de-AT`` finds ``de``, ``es-MX`` finds ``es-419``.
"""

from __future__ import annotations

import datetime as dt
import logging
import string

from babel.dates import format_date

from letter_pdf import counts, i18n

log = logging.getLogger("letter_pdf")

# The words are data, one file per language: letter_pdf/locales/<tag>.json ("labels", "place_date",
# "date_form"), checked against English when loaded (i18n.tables). Placeholders are str.format fields;
# ``page_of`` keeps both {page} and {pages} (the stylesheet turns them into page counters).
LABELS: dict[str, dict[str, str]] = {tag: data["labels"] for tag, data in i18n.tables().items()}

# Group headings of the signatory list come from counts.heading (the words arrange() prints), so that a
# heading and its label can never differ.
DELEGATED: tuple[str, ...] = ("organisations", "individuals")
KEYS: tuple[str, ...] = tuple(LABELS[i18n.FALLBACK]) + DELEGATED


def label(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang`` (English when that language lacks it), with ``values`` filled in."""
    text = template(key, lang)
    return text.format(**values) if values else text


def template(key: str, lang: str) -> str:
    """The raw label with its ``{placeholders}`` unfilled (for the stylesheet's page counters)."""
    if key in DELEGATED:
        return counts.heading(key, lang)
    if key not in LABELS[i18n.FALLBACK]:
        raise KeyError(f"no label '{key}' (known: {', '.join(KEYS)})")
    return LABELS[i18n.supported(lang, LABELS)].get(key) or LABELS[i18n.FALLBACK][key]


def has_words(lang: str | None) -> bool:
    """Whether ``lang`` (or its base or CLDR parent) has words of its own; English always has."""
    return i18n.supported(lang, LABELS) != i18n.FALLBACK or i18n.primary(lang) == i18n.FALLBACK


def warn_fallback(lang: str | None) -> bool:
    """Log one warning when ``lang`` has no words of its own and prints English ones (called once per
    build and check, by pipeline._load); True when it warned."""
    if has_words(lang):
        return False
    log.warning("no fixed words for lang '%s': 'Page', 'Signatories', 'Enclosures' and the like print in "
                "English (languages with words: %s); dates and country names follow '%s'",
                lang, ", ".join(sorted(LABELS)), lang)
    return True


def all_strings(lang: str) -> list[str]:
    """Every label in ``lang`` as it can be printed, placeholders left out (for the glyph preflight); the
    last entry is the fixed text of the place-and-date line (", le ")."""
    out = []
    for key in KEYS:
        text = template(key, lang)
        literal = "".join(part for part, _field, _spec, _conv in string.Formatter().parse(text))
        out.append(literal)
    pattern = i18n.entry(PLACE_DATE, lang) or PLACE_DATE[i18n.FALLBACK]
    out.append("".join(part for part, _field, _spec, _conv in string.Formatter().parse(pattern)))
    return out


# How a letter writes its date and the place-and-date line, per language (the date itself is CLDR's long
# format for the full locale: "November 29, 2026" for en, "29 November 2026" for en-GB). French: "Lieu,
# le date", the first of the month "1er" (OQLF, Banque de dépannage linguistique, "Lieu et date dans la
# lettre"). German: "Ort, 4. November 2005", without the dated ", den" (DIN 5008 as summarised by its
# commentators). Polish: the year followed by "r." ("1 września 2020 r."). Russian and Ukrainian: CLDR's long
# date already ends in "г." / "р.". Finnish: no comma after the place ("Helsingissä 14. maaliskuuta 1995").
# {date} is the date, {place} the letter's 'place' as written; only the forms other than "{date}" are kept.
DATE_FORMS: dict[str, str] = {tag: data["date_form"] for tag, data in i18n.tables().items()
                              if data["date_form"] != "{date}"}
PLACE_DATE: dict[str, str] = {tag: data["place_date"] for tag, data in i18n.tables().items()}


def date_text(date: dt.date, lang: str) -> str:
    """The letter's date as printed: CLDR long format of the full locale, in the language's letter form
    ("November 29, 2026" for en, "29 November 2026" for en-GB, "1er décembre 2026", "3 grudnia 2026 r.")."""
    where = i18n.locale(lang)
    if where.language == "fr" and date.day == 1:
        # French writes the first of the month as an ordinal: "le 1er décembre".
        pattern = str(where.date_formats["long"].pattern)
        if pattern.startswith("d "):
            pattern = "d'er'" + pattern[1:]
        text = format_date(date, format=pattern, locale=where)
    else:
        text = format_date(date, format="long", locale=where)
    form = i18n.entry(DATE_FORMS, lang)
    return form.format(date=text) if form else text


def place_date_parts(place: str | None, date: dt.date, lang: str) -> tuple[str, str, str]:
    """The place-and-date line as (text before the date, the date, text after it), so that a template can
    mark the date up: ("Paris, le ", "3 décembre 2026", ""). Without a place, only the date."""
    shown = date_text(date, lang)
    if not place:
        return "", shown, ""
    pattern = i18n.entry(PLACE_DATE, lang) or PLACE_DATE[i18n.FALLBACK]
    before, _, after = pattern.partition("{date}")
    return before.format(place=place), shown, after.format(place=place)


def place_date(place: str | None, date: dt.date, lang: str) -> str:
    """The place-and-date line as printed: "Paris, le 3 décembre 2026", "Berlin, 3. Dezember 2026"."""
    return "".join(place_date_parts(place, date, lang))


def table(lang: str) -> dict[str, str]:
    """Every label of ``lang`` (English where it lacks one), for templates: ``{{ t.enclosures }}``."""
    return {key: template(key, lang) for key in KEYS}


def enclosure_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the 0-based enclosure ``index`` (the letter, cover and page labels agree)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out
