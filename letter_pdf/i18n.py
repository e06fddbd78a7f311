"""The letter's language: from a BCP 47 tag (``de-AT``, ``pt_BR``, ``sr-Latn-RS``) to what letter-pdf has for it.

Labels, counted sentences and country names all ask the same two questions, answered here once:

- which of our own tables to use (``supported``, ``entry``): the tag, then its shorter prefixes
  (``de-at-x-foo``, ``de-at``, ``de``), lower case, ``_`` read as ``-``; English when none has a table;
- which CLDR locale Babel formats dates, plurals and country names with (``locale``): the tag, then its
  prefixes, as Babel parses them; English when Babel knows none of them.

So ``pt-BR`` prints English labels (there is no Portuguese table) with a Brazilian date and Brazilian
country names, and ``de-AT`` prints the German tables with Austrian CLDR data.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import TypeVar

from babel import Locale, UnknownLocaleError

FALLBACK = "en"

T = TypeVar("T")


def candidates(lang: str | None) -> list[str]:
    """``de-AT`` -> ``["de-at", "de"]``: the tag and its prefixes, most specific first (``en`` for none)."""
    parts = (lang or FALLBACK).replace("_", "-").lower().split("-")
    return ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]


def entry(table: Mapping[str, T], lang: str | None) -> T | None:
    """The entry of ``table`` (keyed by lower-case tags) for ``lang`` or its nearest prefix; ``None`` when
    the table has none (no English fallback: for tables of exceptions such as Polish "r." after a date)."""
    for candidate in candidates(lang):
        if candidate in table:
            return table[candidate]
    return None


def supported(lang: str | None, available: Collection[str]) -> str:
    """The key among ``available`` that serves ``lang`` (``pt-BR`` -> ``en`` when there is no ``pt``)."""
    return next((c for c in candidates(lang) if c in available), FALLBACK)


def primary(lang: str | None) -> str:
    """The primary language subtag, lower case: ``pt-BR`` -> ``pt``, ``sr_Latn_RS`` -> ``sr``."""
    return candidates(lang)[-1]


@functools.lru_cache(maxsize=64)
def locale(lang: str | None) -> Locale:
    """The Babel locale for ``lang``: the tag, else its longest prefix Babel knows, else English."""
    parts = (lang or FALLBACK).replace("_", "-").split("-")
    for end in range(len(parts), 0, -1):
        try:
            return Locale.parse("-".join(parts[:end]), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale.parse(FALLBACK)
