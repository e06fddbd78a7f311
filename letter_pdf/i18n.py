"""The letter's language: from a BCP 47 tag (``de-AT``, ``pt_BR``, ``sr-Latn-RS``) to what letter-pdf has for it.

Labels, counted sentences and country names all ask the same two questions, answered here once:

- which of our own tables to use (``supported``, ``entry``): the tag, then its shorter prefixes
  (``de-at-x-foo``, ``de-at``, ``de``), lower case, ``_`` read as ``-``; English when none has a table;
- which CLDR locale Babel formats dates, plurals and country names with (``locale``): the tag, then its
  prefixes, as Babel parses them; English when Babel knows none of them.

A tag's CLDR parent comes before its prefixes (``es-MX`` -> ``es-mx``, ``es-419``, ``es``), so Latin American
Spanish finds the ``es-419`` words. ``de-AT`` prints the German tables with Austrian CLDR data; ``sw`` prints
English words (``labels.warn_fallback`` says so once per build) with Swahili dates and country names.

The words themselves are data: ``letter_pdf/locales/<tag>.json`` (``tables``), each checked against English
when loaded: the same keys, strings only, the same ``{placeholders}``, count forms for exactly the CLDR
plural categories a count can take in that language.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Collection, Mapping
from importlib import resources
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError
from babel.core import get_global

FALLBACK = "en"

T = TypeVar("T")


def _tag(name: str) -> str:
    return name.replace("_", "-").lower()


# CLDR's parents that are not a tag's prefix ("es_MX" -> "es_419", "pt_AO" -> "pt_PT"); "root" is no table.
PARENTS: dict[str, str] = {_tag(k): _tag(v) for k, v in get_global("parent_exceptions").items() if v != "root"}


def candidates(lang: str | None) -> list[str]:
    """``de-AT`` -> ``["de-at", "de"]``: the tag and its prefixes, most specific first (``en`` for none); a
    CLDR parent right after its child: ``es-MX`` -> ``["es-mx", "es-419", "es"]``."""
    parts = _tag(lang or FALLBACK).split("-")
    out: list[str] = []
    for i in range(len(parts), 0, -1):
        tag = "-".join(parts[:i])
        out += [c for c in (tag, PARENTS.get(tag)) if c and c not in out]
    return out


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


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError(f"duplicate key among {[k for k, _ in pairs]}")
    return out


def count_categories(lang: str) -> set[str]:
    """The CLDR plural categories a count from 0 to 999 takes in ``lang``, and ``other`` (the fallback)."""
    rule = locale(lang).plural_form
    return {rule(n) for n in range(1000)} | {"other"}


def problems(tag: str, data: object, english: Mapping[str, Any]) -> list[str]:
    """What is wrong with the words of ``tag`` measured against English's (empty when nothing is)."""
    out: list[str] = []

    def walk(value: object, model: object, where: str) -> None:
        if isinstance(model, str):
            if not isinstance(value, str) or not value.strip():
                out.append(f"{tag}: {where} must be a non-empty string")
            elif _fields(value) != _fields(model):
                out.append(f"{tag}: {where} has placeholders {sorted(_fields(value))}, English {sorted(_fields(model))}")
        elif isinstance(model, dict) and where.startswith("counts.") and "other" in model:  # count forms
            wanted = count_categories(tag)
            if not isinstance(value, dict) or set(value) != wanted:
                keys = sorted(value) if isinstance(value, dict) else value
                out.append(f"{tag}: {where} needs the forms {sorted(wanted)}, has {keys}")
            else:
                for key, text in value.items():
                    walk(text, model["other"], f"{where}.{key}")
        elif isinstance(model, dict):
            if not isinstance(value, dict) or set(value) != set(model):
                keys = sorted(value) if isinstance(value, dict) else value
                out.append(f"{tag}: {where or 'the file'} needs the keys {sorted(model)}, has {keys}")
                return
            for key in model:
                walk(value[key], model[key], f"{where}.{key}" if where else key)

    walk(data, english, "")
    return out


@functools.cache
def tables() -> dict[str, dict[str, Any]]:
    """Every language's words, by lower-case tag, from ``letter_pdf/locales/<tag>.json``; a file that is
    not complete, or not strings only, stops the import (a packaging bug, never the user's input)."""
    folder = resources.files("letter_pdf") / "locales"
    found = {}
    for item in folder.iterdir():
        if item.name.endswith(".json"):
            found[_tag(item.name[: -len(".json")])] = json.loads(item.read_text(encoding="utf-8"),
                                                                   object_pairs_hook=_unique)
    wrong = [p for tag, data in sorted(found.items()) for p in problems(tag, data, found[FALLBACK])]
    if wrong:
        raise ValueError("letter_pdf/locales: " + "; ".join(wrong))
    return found
