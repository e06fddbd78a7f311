"""Order and group the signatory list for printing: ``as-given`` or ``alphabetical`` (Unicode Collation
Algorithm with the letter's locale), grouped by ``none``, ``kind``, ``country`` or ``group``.

Collation is the UCA (DUCET, via pyuca) with the CLDR tailorings of the languages below written here,
because the one ICU binding with wheels (icu4py) has no collator and PyICU needs compiling:

- ``pl``: ą ć ę ł ń ó ś ź ż are letters of their own after a c e l n o s z (CLDR ``&A<ą &C<ć ... &Z<ź<ż``);
- ``fi``, ``sv``: å ä ö after z (``&[before 1]ǀ<å<ä<<æ<ö<<ø``), ü sorted as y;
- ``da``, ``nb``, ``nn``, ``no``: æ ø å after z;
- ``es``: ñ after n; ``uk``: ґ after г, ї after і;
- languages written in Cyrillic (``ru``, ``uk``, ``be``, ``bg``, ``mk``, ``sr``, ``kk``, ``ky``, ``tg``, ``mn``):
  Cyrillic before Latin (CLDR ``[reorder Cyrl]``); elsewhere Latin first.

Other languages (``de``, ``en``, ``fr``, ``nl``...) use the root order, where ``Ä`` sorts with ``A``.

Alphabetically, organisations sort by their name and individuals by their family name: the ``sort_as``
column when given (for names written family name first, or with particles), else the name's last word.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from dataclasses import dataclass

from letter_pdf import countries
from letter_pdf import counts as counts_module
from letter_pdf.errors import InputError
from letter_pdf.model import GROUPINGS, ORDERS, Signatory

# Group headings a list may print: each is a heading, a bookmark and a list of its own, and typesetting
# 15,000 of them takes minutes; a real letter has a few dozen groups (or some 200 countries).
MAX_GROUPS = 1_000


@dataclass(frozen=True)
class Section:
    """A printed part of the list: an optional heading, how many entries it has, and the entries."""

    heading: str | None
    count: int
    entries: tuple[Signatory, ...]


# Tailorings: (anchor, [(letters that are equal at the first level), ...]) -> each run becomes a new
# primary weight right after the anchor ("after:x") or just before the first non-Latin letter ("end").
_TAILORINGS: dict[str, list[tuple[str, list[str]]]] = {
    "pl": [("a", ["ąĄ"]), ("c", ["ćĆ"]), ("e", ["ęĘ"]), ("l", ["łŁ"]), ("n", ["ńŃ"]), ("o", ["óÓ"]),
           ("s", ["śŚ"]), ("z", ["źŹ", "żŻ"])],
    "fi": [("end", ["åÅ", "äÄæÆ", "öÖøØ"])],
    "sv": [("end", ["åÅ", "äÄæÆ", "öÖøØ"])],
    "da": [("end", ["æÆäÄ", "øØöÖ", "åÅ"])],
    "nb": [("end", ["æÆäÄ", "øØöÖ", "åÅ"])],
    "nn": [("end", ["æÆäÄ", "øØöÖ", "åÅ"])],
    "no": [("end", ["æÆäÄ", "øØöÖ", "åÅ"])],
    "es": [("n", ["ñÑ"])],
    "uk": [("г", ["ґҐ"]), ("і", ["їЇ"])],
}
_SAME_AS: dict[str, dict[str, str]] = {"fi": {"ü": "y", "Ü": "Y"}, "sv": {"ü": "y", "Ü": "Y"}}
_CYRILLIC_FIRST = {"ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "tg", "mn", "ba", "tt", "cv", "sah", "ce"}


_PRIVATE = itertools.count(0xF0000)


@functools.lru_cache(maxsize=1)
def _collator():
    import pyuca

    return pyuca.Collator()


def _primary(ch: str) -> int:
    return _collator().collation_elements(unicodedata.normalize("NFD", ch))[0][0]


class _Tailored:
    """A UCA collator with one language's tailoring applied (built once per language)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.collator = _collator()
        self.substitute: dict[str, str] = {}
        for anchor, runs in _TAILORINGS.get(lang, []):
            if anchor == "end":
                base = _primary("ǀ") - 1  # the last Latin primary; ours go between it and the next script
            else:
                base = _primary(anchor)
            for i, run in enumerate(runs, 1):
                weight = base + i / (len(runs) + 1)
                for ch in run:
                    self._tailor(ch, weight)
        for ch, like in _SAME_AS.get(lang, {}).items():
            self._tailor(ch, _primary(like))
        self.cyrillic_first = lang in _CYRILLIC_FIRST
        if self.cyrillic_first:
            cyr = [_primary(chr(cp)) for cp in range(0x0400, 0x0530) if unicodedata.category(chr(cp)).startswith("L")]
            self.cyr_lo, self.cyr_hi = min(p for p in cyr if p), max(cyr)
            self.latin_lo = _primary("a")

    def _tailor(self, ch: str, weight: float) -> None:
        elements = self.collator.collation_elements(unicodedata.normalize("NFD", ch))
        new = [[weight, *elements[0][1:]]] + [list(e) for e in elements[1:]]
        code = next(_PRIVATE)  # a private-use code point standing for the tailored letter
        self.collator.table.add([code], new)
        self.substitute[ch] = chr(code)

    def key(self, text: str) -> tuple:
        text = unicodedata.normalize("NFC", text)
        if self.substitute:
            text = "".join(self.substitute.get(ch, ch) for ch in text)
        key = self.collator.sort_key(text)
        if not self.cyrillic_first:
            return key
        try:
            end = key.index(0)
        except ValueError:
            end = len(key)
        span = self.cyr_hi - self.cyr_lo + 2
        primaries = tuple(
            self.latin_lo - 1 + (p - self.cyr_lo + 1) / span if self.cyr_lo <= p <= self.cyr_hi else p
            for p in key[:end]
        )
        return primaries + key[end:]


@functools.lru_cache(maxsize=32)
def _tailored(lang: str) -> _Tailored:
    return _Tailored(lang)


def collation_language(lang: str | None) -> str:
    """``pl-PL`` -> ``pl``; a Latin-script variant keeps its script (``sr-Latn`` -> ``sr-latn``, root
    order: not Cyrillic first)."""
    parts = (lang or "en").replace("_", "-").lower().split("-")
    return f"{parts[0]}-latn" if "latn" in parts[1:] else parts[0]


def sort_key(text: str, lang: str):
    """A sort key for ``text`` by the Unicode Collation Algorithm tailored for ``lang`` (BCP 47)."""
    return (_tailored(collation_language(lang)).key(text), text)


def sort_names(names, lang: str) -> list[str]:
    return sorted(names, key=lambda n: sort_key(n, lang))


def sorted_by(signatory: Signatory) -> str:
    """What a signatory is sorted by: an organisation by its name; an individual by ``sort_as`` when given,
    else by the last word of the name (the family name in "Given Family" order)."""
    if signatory.kind != "individual":
        return signatory.name
    if signatory.sort_as:
        return signatory.sort_as
    words = signatory.name.split()
    return words[-1] if words else signatory.name


def _entry_key(signatory: Signatory, lang: str):
    # ties (two Petrovs) are broken by the whole name, so the order never depends on the input's order
    return (sort_key(sorted_by(signatory), lang), sort_key(signatory.name, lang))


def _ordered(entries, order: str, lang: str) -> tuple[Signatory, ...]:
    if order == "alphabetical":
        return tuple(sorted(entries, key=lambda s: _entry_key(s, lang)))
    return tuple(entries)


def _section(heading: str | None, entries) -> Section:
    entries = tuple(entries)
    return Section(heading=heading, count=len(entries), entries=entries)


def arrange(signatories, *, order: str = "as-given", group_by: str = "none", lang: str = "en") -> tuple[Section, ...]:
    """Sections to print, in order. Individuals go to their own section ("Individuals") unless the list is
    grouped by the user's own ``group`` column. Headings and country names are in ``lang``."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}, not {group_by!r}")
    signatories = tuple(signatories)
    if not signatories:
        return ()
    organisations = [s for s in signatories if s.kind != "individual"]
    individuals = [s for s in signatories if s.kind == "individual"]
    people = (
        [_section(counts_module.heading("individuals", lang), _ordered(individuals, order, lang))]
        if individuals else []
    )
    if group_by == "group":
        groups: dict[str | None, list[Signatory]] = {}
        for s in signatories:
            groups.setdefault(s.group, []).append(s)
        named = [g for g in groups if g is not None]
        if order == "alphabetical":
            named.sort(key=lambda g: sort_key(g, lang))
        sections = [_section(g, _ordered(groups[g], order, lang)) for g in named]
        if None in groups:
            heading = counts_module.heading("no_country", lang) if named else None
            sections.append(_section(heading, _ordered(groups[None], order, lang)))
        return tuple(sections)
    if group_by == "country":
        by_country: dict[tuple[str, ...], list[Signatory]] = {}
        for s in organisations:
            by_country.setdefault(s.countries, []).append(s)
        titles = {codes: " / ".join(countries.display_name(c, lang) for c in codes) for codes in by_country if codes}
        keys = sorted(titles, key=lambda codes: sort_key(titles[codes], lang))
        sections = [_section(titles[k], _ordered(by_country[k], order, lang)) for k in keys]
        if () in by_country:
            sections.append(_section(counts_module.heading("no_country", lang), _ordered(by_country[()], order, lang)))
        return tuple(sections + people)
    if group_by == "kind":
        sections = []
        if organisations:
            sections.append(_section(counts_module.heading("organisations", lang), _ordered(organisations, order, lang)))
        return tuple(sections + people)
    # none: one list; individuals apart (with their role) when there are any
    if not organisations:
        return (_section(None, _ordered(individuals, order, lang)),)
    return tuple([_section(None, _ordered(organisations, order, lang))] + people)


@dataclass(frozen=True)
class Printed:
    """The signatory list as a letter prints it: its sections in order and the counts of what they hold.

    Built once per build (``printed_list``) and handed to the letter, its cover and its manifest, so the
    three print the same list and the same numbers (sorting 10,000 names alphabetically takes a second).
    """

    sections: tuple[Section, ...]
    counts: counts_module.Counts

    @property
    def signatories(self) -> tuple[Signatory, ...]:
        """The signatories in the order the letter prints them."""
        return tuple(entry for section in self.sections for entry in section.entries)


def printed_list(letter) -> Printed:
    """A letter's signatory list as it prints it (its ``order``, ``group_by`` and ``lang``) with its counts."""
    sections = arrange(letter.signatories, order=letter.order, group_by=letter.group_by, lang=letter.lang)
    if len(sections) > MAX_GROUPS:
        raise InputError(f"grouped by {letter.group_by}, the list has {len(sections):,} groups; the limit is "
                         f"{MAX_GROUPS:,}", where=letter.signatories_path.name if letter.signatories_path else None,
                         hint="group it by fewer values (group_by: kind, or none), or merge groups in the list")
    return Printed(sections=sections,
                   counts=counts_module.Counts.of(entry for section in sections for entry in section.entries))
