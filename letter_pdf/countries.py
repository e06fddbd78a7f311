"""Country names in any CLDR language, or ISO 3166-1 alpha-2 codes, to codes; and codes to display names.

``resolve("Pologne") == resolve("Polska") == resolve("pl") == "PL"``; ``display_name("PL", "fr") == "Pologne"``.
The index is built lazily from Babel's CLDR data: first the languages people most often paste lists in,
then, only when a name is not found there, every language CLDR knows (about a second, once per process).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

from babel import Locale, UnknownLocaleError, localedata

from letter_pdf import i18n
from letter_pdf.errors import SignatoryError
from letter_pdf.text import visible

# Languages searched first (fast path); the rest of CLDR is loaded only when a name is not found here.
COMMON_LANGUAGES: tuple[str, ...] = (
    "en", "fr", "de", "es", "pt", "it", "nl", "pl", "ru", "uk", "be", "fi", "sv", "nb", "nn", "da", "is",
    "et", "lv", "lt", "cs", "sk", "sl", "hr", "sr", "bs", "mk", "bg", "ro", "hu", "el", "tr", "ka", "hy",
    "az", "kk", "ky", "uz", "tg", "tk", "mn", "ca", "eu", "gl", "ga", "cy", "mt", "sq", "ar", "he", "fa",
    "sw", "id", "ms", "vi", "zh", "ja", "ko", "hi",
)

# Region codes that CLDR lists but that are not countries a signatory can be from.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}

# Everyday names CLDR does not list as the main name (matched after normalisation, see ``_key``).
ALIASES: dict[str, str] = {
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom of great britain and northern ireland": "GB",
    "royaume-uni": "GB", "grande-bretagne": "GB", "angleterre": "GB", "ecosse": "GB", "irlande du nord": "GB",
    "pays de galles": "GB", "grossbritannien": "GB", "england und wales": "GB", "velikobritaniia": "GB",
    "великобритания": "GB", "англия": "GB", "шотландия": "GB", "северная ирландия": "GB",
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US", "america": "US",
    "etats-unis d'amerique": "US", "сша": "US",
    "holland": "NL", "the netherlands": "NL", "russian federation": "RU", "federation de russie": "RU",
    "российская федерация": "RU", "рф": "RU", "republic of korea": "KR", "south korea": "KR",
    "north korea": "KP", "czech republic": "CZ", "republique tcheque": "CZ", "ivory coast": "CI",
    "cote d'ivoire": "CI", "burma": "MM", "swaziland": "SZ", "macedonia": "MK", "kosovo": "XK",
    "vatican": "VA", "holy see": "VA", "moldova": "MD", "the gambia": "GM", "uae": "AE", "drc": "CD",
    "dr congo": "CD", "democratic republic of the congo": "CD", "republic of the congo": "CG",
    "palestine": "PS", "taiwan": "TW", "turkey": "TR", "turkiye": "TR", "belarus": "BY", "byelorussia": "BY",
    "kyrgyzstan": "KG", "kirghizia": "KG", "tajikistan": "TJ", "bosnia": "BA", "bosnia-herzegovina": "BA",
}


def _key(text: str) -> str:
    """Compare country names loosely: case, accents, punctuation spacing and a leading "the" do not matter."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("’", "'").replace("‘", "'").replace("ʼ", "'")
    text = re.sub(r"[\s\u00a0]+", " ", text).strip(" .,;")
    text = re.sub(r"\s*-\s*", "-", text)
    if text.startswith("the "):
        text = text[4:]
    return text


def _country_codes() -> frozenset[str]:
    return frozenset(
        code for code in Locale.parse("en").territories
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


CODES: frozenset[str] = _country_codes()


class _Index:
    """Normalised name -> (code, language it was found in). Built on first use."""

    def __init__(self) -> None:
        self.names: dict[str, tuple[str, str]] = {}
        self.languages: dict[str, set[str]] = {}  # normalised name -> every language it is the name in
        self.loaded: set[str] = set()
        self.complete = False
        for alias, code in ALIASES.items():
            self.names.setdefault(_key(alias), (code, "alias"))

    def add_language(self, lang: str) -> None:
        if lang in self.loaded:
            return
        self.loaded.add(lang)
        try:
            territories = Locale.parse(lang).territories
        except (UnknownLocaleError, ValueError):
            return
        for code, name in territories.items():
            if code in CODES:
                key = _key(name)
                self.names.setdefault(key, (code, lang))
                if self.names[key][0] == code:
                    self.languages.setdefault(key, set()).add(lang)

    def load_common(self) -> None:
        for lang in COMMON_LANGUAGES:
            self.add_language(lang)

    def load_all(self) -> None:
        if self.complete:
            return
        for ident in localedata.locale_identifiers():
            if "_" not in ident:
                self.add_language(ident)
        self.complete = True


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    index = _Index()
    index.load_common()
    return index


def lookup(text: str, *, thorough: bool = True) -> tuple[str, str] | None:
    """``(code, language)`` for a country name or code, or ``None``. The language is ``"code"``,
    ``"alias"`` or the CLDR language the name was found in (used to spot lists that mix languages).
    ``thorough=False`` searches only the common languages (fast)."""
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
        if code == "UK":
            return "GB", "code"
        if code in CODES:
            return code, "code"
    index = _index()
    key = _key(text)
    found = index.names.get(key)
    if found is None and thorough and not index.complete:
        index.load_all()
        found = index.names.get(key)
    if found is not None and not thorough and found[1] not in ("code", "alias") \
            and index.languages.get(key, frozenset()).isdisjoint(_COMMON):
        # the quick search answers the same whatever an earlier thorough search loaded: the same letter
        # gives the same page in any process
        return None
    return found


# A few languages for quick checks (lint runs inside every build: loading 60 languages takes 0.6 s).
QUICK_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "ru", "pl", "uk", "it", "nl", "pt", "fi", "sv")


@functools.lru_cache(maxsize=64)
def _names_in(lang: str) -> dict[str, str]:
    try:
        territories = Locale.parse(lang.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        return {}
    return {_key(name): code for code, name in territories.items() if code in CODES}


def _quick_languages(lang: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys((i18n.primary(lang), *QUICK_LANGUAGES)))


def quick_lookup(text: str, lang: str | None = None) -> str | None:
    """The code of a country name in ``lang`` or one of ``QUICK_LANGUAGES`` (or an alias); ``None``
    otherwise. Two-letter codes are not taken here: in a name they are usually acronyms."""
    key = _key(unicodedata.normalize("NFC", text))
    if key in ALIASES and len(key) > 2:
        return ALIASES[key]
    for language in _quick_languages(lang):
        code = _names_in(language).get(key)
        if code:
            return code
    return None


def languages_of(text: str, lang: str | None = None) -> frozenset[str]:
    """The languages (among ``lang`` and ``QUICK_LANGUAGES``) in which ``text`` is a country's name;
    empty for codes, aliases such as ``UK`` and unknown names."""
    key = _key(unicodedata.normalize("NFC", text))
    if len(key) <= 2:
        return frozenset()
    return frozenset(language for language in _quick_languages(lang) if key in _names_in(language))


_COMMON = frozenset(COMMON_LANGUAGES)
CLOSEST_MAX_CHARS = 60  # longer text is not a misspelt country name: no hint is searched


@functools.lru_cache(maxsize=1)
def _hint_buckets() -> dict[tuple[int, str], tuple[str, ...]]:
    """The names of the common languages (and aliases) by (length, first character) and by (length,
    last character, marked with a leading space): the candidates for a hint."""
    buckets: dict[tuple[int, str], list[str]] = {}
    for key, (_code, lang) in _index().names.items():
        if lang not in _COMMON and lang != "alias":
            continue  # loaded later from the rest of CLDR
        buckets.setdefault((len(key), key[0]), []).append(key)
        buckets.setdefault((len(key), " " + key[-1]), []).append(key)
    return {bucket: tuple(keys) for bucket, keys in buckets.items()}


@functools.lru_cache(maxsize=2048)
def closest(text: str) -> str | None:
    """The known country name closest to ``text`` (for hints), or ``None`` when nothing is close.

    Searched among the common languages' names that could reach a similarity ratio of 0.8 (length
    between 2/3 and 3/2 of the text's) and that share its first or its last character: about a
    millisecond, so that a list with thousands of unknown countries still gets its hints in seconds."""
    key = _key(text)
    if not key or len(key) > CLOSEST_MAX_CHARS:
        return None
    buckets = _hint_buckets()
    candidates: set[str] = set()
    for length in range(-(-2 * len(key) // 3), 3 * len(key) // 2 + 1):
        candidates.update(buckets.get((length, key[0]), ()))
        candidates.update(buckets.get((length, " " + key[-1]), ()))
    matches = difflib.get_close_matches(key, sorted(candidates), n=1, cutoff=0.8)
    if not matches:
        return None
    code, _lang = _index().names[matches[0]]
    return f"{display_name(code, 'en')} ({code})"


def resolve(text: str) -> str:
    """The ISO 3166-1 alpha-2 code of a country name (any CLDR language) or code; else ``SignatoryError``."""
    found = lookup(text)
    if found is not None:
        return found[0]
    near = closest(text)
    raise SignatoryError(
        f"unknown country '{visible(text.strip())}'",
        hint=(f"did you mean {near}? " if near else "")
        + "write a country name (in any language) or its two-letter ISO code, e.g. PL",
    )


_SEPARATORS = re.compile(r"\s*[/;]\s*")


def resolve_many(text: str) -> tuple[str, ...]:
    """Codes of ``"France/Switzerland"``, ``"FR; CH"``, ``"Belgium, Netherlands"`` or ``"Northern Ireland,
    UK"`` (a region, then its country: the last part that is a country wins). Duplicates are dropped,
    order kept."""
    codes: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        found = _codes_of_part(part, thorough=False) or _codes_of_part(part, thorough=True)
        for code in found or (resolve(part),):  # resolve raises with a hint
            if code not in codes:
                codes.append(code)
    return tuple(codes)


@functools.lru_cache(maxsize=4096)
def try_resolve_many(text: str, thorough: bool = True) -> tuple[str, ...] | None:
    """Like ``resolve_many`` but ``None`` instead of an error (no hint is computed: fast).
    ``thorough=False`` searches only the common languages (no second of loading all of CLDR)."""
    codes: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        found = _codes_of_part(part, thorough=False) or (_codes_of_part(part, thorough=True) if thorough else None)
        if not found:
            return None
        codes.extend(code for code in found if code not in codes)
    return tuple(codes) or None


def _codes_of_part(part: str, *, thorough: bool) -> tuple[str, ...] | None:
    """One part between ``/`` or ``;``: a country; or, with commas, several countries (all of them must
    be countries) or "region, country" (the last piece that is a country)."""
    found = lookup(part, thorough=thorough)
    if found is not None:
        return (found[0],)
    if "," not in part:
        return None
    pieces = [p for p in part.split(",") if p.strip()]
    each = [lookup(p, thorough=thorough) for p in pieces]
    if all(each):
        return tuple(dict.fromkeys(f[0] for f in each if f))
    for found in reversed(each):
        if found is not None:
            return (found[0],)
    return None


def display_name(code: str, lang: str) -> str:
    """The CLDR name of country ``code`` in language ``lang`` (BCP 47, e.g. ``en``, ``fr``, ``pt-BR``)."""
    code = code.upper()
    name = i18n.locale(lang).territories.get(code)
    if name is None:
        name = i18n.locale(i18n.FALLBACK).territories.get(code, code)
    return name
