"""Turn a signatory list as people paste it into rows of the CSV format (``letter-pdf signatories import``).

Two kinds of input:

- a list: one entry per line, bulleted or numbered, or several entries on one line separated by bullets
  (``•``) or by a comma or semicolon after a country in parentheses (``A (France), B (Irlande); C``,
  see ``split_entries``, which ``signatories lint`` and ``lint --fix`` use too); a trailing
  ``(country)`` in any CLDR language becomes ISO codes (``(Pologne)``, ``(Northern Ireland, UK)``,
  ``(France/Switzerland)``), other parentheses (acronyms) stay in the name; a stray comma before the
  parenthesis is dropped; ``Name, our Secretary General`` is an individual with a role;
- a table (CSV or TSV) with a header in one of many languages (``Organisation``, ``Nom``, ``Название``,
  ``Pays``, ``Land``, ``Страна``...), mapped to the CSV's columns.

Everything it is not sure about is reported as a ``Note`` with the line number, never silently guessed.

Headings are skipped and reported, never imported as signatories: a line that ends with a colon
(``Signatories:``, ``Подписавшие организации:``, ``Organisations signataires :``), or a line that is
only a heading word (``Signatories``, ``Organisations``, ``Individuals``...). A colon line with a
bullet or number in front of it, or longer than ``HEADING_WORDS`` words, is skipped too but reported
as one to check. A name never loses a character: a line is either imported whole (split only at
separators) or reported as skipped.

Bounded work: at most ``MAX_LINES`` non-empty lines, ``MAX_LINE_CHARS`` characters on a line and
``MAX_ENTRY_CHARS`` in one entry; beyond that a one-line ``SignatoryError``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf import countries, names
from letter_pdf.errors import LetterPdfError, Problems, SignatoryError
from letter_pdf.model import Signatory
from letter_pdf.signatories import bad_characters, clean_name, parse_csv, parse_kind, read_text, sniff_delimiter
from letter_pdf.text import MARKS_HINT, stacked_marks, visible


@dataclass(frozen=True)
class Note:
    line: int
    message: str
    check: bool = True  # False for information only (e.g. "split into 2 entries at the bullets")
    dropped: str = ""  # the input text this note accounts for that is in no row (a skipped heading...)


@dataclass(frozen=True)
class ImportResult:
    signatories: tuple[Signatory, ...]
    notes: tuple[Note, ...] = ()
    mode: str = "list"  # "list" or "table"
    columns: dict[str, str] = field(default_factory=dict)  # table mode: our column -> the source's heading
    country_texts: tuple[tuple[int, str], ...] = ()  # (line, text) of each country name taken as ISO codes

    @property
    def with_country(self) -> int:
        return sum(1 for s in self.signatories if s.countries)

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for s in self.signatories for c in s.countries))


# --- table headings --------------------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "names", "organisation", "organization", "organisations", "organizations", "org", "ngo",
             "organisation name", "organization name", "name of organisation", "name of organization",
             "signatory", "signatories", "signatory name", "full name", "nom", "nom de l'organisation",
             "organisme", "signataire", "signataires", "название", "наименование", "организация",
             "название организации", "имя", "фио", "подписант", "назва", "організація", "nazwa", "organizacja",
             "nazwa organizacji", "sygnatariusz", "nimi", "järjestö", "organisaatio", "name der organisation",
             "unterzeichner", "nombre", "organización", "organizacion", "firmante", "nome", "organizzazione"),
    "country": ("country", "countries", "pays", "land", "länder", "страна", "страны", "країна", "kraj",
                "państwo", "maa", "país", "pais", "paese", "nation", "country/countries", "country code",
                "country of registration", "based in"),
    "kind": ("kind", "type", "тип", "typ", "tyyppi", "tipo", "signatory type", "entity"),
    "role": ("role", "title", "position", "function", "fonction", "rôle", "titre", "должность", "роль",
             "посада", "stanowisko", "funkcja", "tehtävä", "asema", "funktion", "cargo", "ruolo", "job title"),
    "group": ("group", "groupe", "gruppe", "группа", "група", "grupa", "ryhmä", "grupo", "gruppo", "section",
              "category", "catégorie", "категория", "kategoria"),
}
HEADINGS: dict[str, str] = {
    unicodedata.normalize("NFC", s).casefold(): column for column, words in _SYNONYMS.items() for s in words
}


def _heading_key(cell: str) -> str:
    text = unicodedata.normalize("NFC", cell.replace("\ufeff", "")).strip().strip(":*").strip()
    text = text.replace("’", "'").casefold()
    return re.sub(r"\s+", " ", text)


def map_headings(cells: list[str]) -> dict[int, str]:
    """Column index -> our column, for the headings we recognise (the first of each wins)."""
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        column = HEADINGS.get(_heading_key(cell))
        if column and column not in mapping.values():
            mapping[i] = column
    return mapping


# --- list entries ------------------------------------------------------------------------------------------

BULLETS = "•‣◦▪●■►➢◆◇○□✓✔–—*-·"
_LEADING_MARKER = re.compile(
    r"^\s*(?:[•‣◦▪●■►➢◆◇○□✓✔*·]|[-–—](?=\s)|\d{1,5}[.)](?=\s)|\(\d{1,5}\)(?=\s)|[a-zA-Z][.)](?=\s))\s*"
)
_INLINE_BULLET = re.compile(r"\s*[•‣◦▪●■►➢◆◇]\s*|\s+·\s+")
_TRAILING_PARENS = re.compile(r"^(?P<name>.*?)[\s,;:]*\((?P<inner>[^()]*)\)[\s,;.]*$", re.S)
_TRAILING_SEPARATED = re.compile(r"^(?P<name>.+?)\s*(?:,|\s[–—-])\s*(?P<inner>[^,–—()]+?)[\s.]*$", re.S)

# A role word, then the end, a space or a comma ("director", "director general", "director, X").
_ROLE_START = re.compile("(?:" + "|".join(re.escape(w) for w in sorted(names.ROLE_WORDS, key=len, reverse=True))
                         + ")(?:$|[ ,])")


def _split_person(entry: str) -> tuple[str, str] | None:
    """``("Danny Sriskandarajah", "Secretary General")`` for ``"Danny Sriskandarajah, our Secretary
    General"``; ``None`` when the entry does not look like a person with a role."""
    if "," not in entry:
        return None
    name, role = (part.strip() for part in entry.split(",", 1))
    bare_role = names.POSSESSIVE.sub("", role, count=1)
    if not _ROLE_START.match(bare_role.casefold()):
        return None
    words = name.split()
    if not 2 <= len(words) <= 5 or names.ORG_WORDS.search(name) or not all(w[:1].isupper() for w in words if w[0].isalpha()):
        return None
    return name, bare_role


def _countries_of(text: str, *, thorough: bool = True) -> tuple[str, ...] | None:
    """Codes when ``text`` is a country or a list of them (``France/Switzerland``), else ``None``."""
    text = text.strip()
    if not text or len(text) > 80:
        return None
    # an acronym like (ACAT) or (NJCM) is not a country; two-letter codes are only taken in upper case
    if len(text) == 2 and not text.isupper():
        return None
    return countries.try_resolve_many(text, thorough)


def parse_entry(entry: str, line: int, notes: list[Note], country_texts: list | None = None,
                hints: list[int] | None = None) -> Signatory | None:
    """One list entry -> a ``Signatory`` (or ``None`` for an empty one, or a country alone, which is
    reported). ``hints`` is the number of "did you mean" searches left (``[HINT_SEARCHES]``)."""
    text = clean_name(entry)
    text = text.strip(" ,;").strip()
    if not text:
        return None
    codes: tuple[str, ...] = ()
    match = _TRAILING_PARENS.match(text)
    if match:
        found = _countries_of(match["inner"])
        if found:
            text, codes = match["name"].strip().rstrip(",;:").strip(), found
            if country_texts is not None:
                country_texts.extend((line, part) for part in re.split(r"\s*[/;,]\s*", match["inner"]) if part)
        else:
            near = None
            if hints is None or hints[0] > 0:
                near = _near_country(match["inner"])
            elif hints[0] == 0:
                notes.append(Note(line, f"more than {HINT_SEARCHES} parentheses that are not countries I know: from "
                                        "here on they are not checked for a misspelt country", check=False))
            if hints is not None:
                hints[0] -= 1
            if near:
                notes.append(Note(line, f"kept '({match['inner'].strip()})' in the name of '{match['name'].strip()}': "
                                        f"not a country I know (did you mean {near}?)"))
    if not codes and not match:
        separated = _TRAILING_SEPARATED.match(text)
        if separated and len(separated["name"].split()) >= 1:
            found = _countries_of(separated["inner"])
            if found and not _split_person(text):
                text, codes = separated["name"].strip(), found
                notes.append(Note(line, f"took '{separated['inner'].strip()}' after the separator as the country "
                                        f"of '{text}': check it", dropped=separated["inner"]))
    if not text and codes:
        notes.append(Note(line, f"skipped '{entry.strip()}': a country alone, without a name (is it the country of "
                                "the entry before? then write it on that entry's line)", dropped=entry))
        return None
    person = _split_person(text)
    if person:
        name, role = person
        written = text.split(",", 1)[1].strip()
        notes.append(Note(line, f"'{name}' looks like an individual with the role '{role}'"
                                + (f" (written '{written}')" if written != role else "")
                                + ": check the role (say whose, e.g. 'Secretary General, CIVICUS')", dropped=written))
        return Signatory(name=name, countries=codes, kind="individual", role=role, line=line)
    if any(ch in text for ch in "()") and text.count("(") != text.count(")"):
        notes.append(Note(line, f"unbalanced parentheses in '{text}'"))
    return Signatory(name=text, countries=codes, line=line)


def _near_country(text: str) -> str | None:
    text = text.strip()
    if not text or text.isupper() or len(text.split()) > 3 or not text[:1].isupper():
        return None
    return countries.closest(text)


# --- splitting a line into entries ----------------------------------------------------------------------

# A country in parentheses followed by a comma or a semicolon (or only by a space and a capital letter):
# where a new entry starts.
_AFTER_PARENS = re.compile(r"\(([^()]{1,80})\)(\s*[,;]|\s+(?=\S))")


@dataclass(frozen=True)
class Split:
    """The entries of one line (or one name cell) and why it was cut there.

    ``entries`` are the pieces of the text as written (stripped), in order; only separators are left
    out (bullets, the ``,``/``;`` after a country in parentheses, spaces around them). ``cuts`` says
    where it was cut (``"at the bullets"``, ``"at the ',' or ';' after a country in parentheses"``);
    ``unsure`` lists the places that may separate two entries but were not cut (messages for a check)."""

    entries: tuple[str, ...]
    cuts: tuple[str, ...] = ()
    unsure: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return " and ".join(self.cuts)


CUT_AT_BULLETS = "at the bullets"
CUT_AFTER_COUNTRY = "at the ',' or ';' after a country in parentheses"
CUT_AFTER_COUNTRY_SPACE = "after a country in parentheses followed by a capital letter"  # less sure: checked


def split_entries(text: str) -> Split:
    """Split one line of a pasted list (or one name that holds several entries) into entries.

    A new entry starts at an inline bullet (``•``, ``◦``, `` · ``...) and at a comma or semicolon that
    follows a country in parentheses (``A (France/Switzerland), Front Line Defenders (Irlande);
    Greenpeace Spain (Espagne)`` is three entries). It is not cut there, but listed in ``unsure``, when
    what follows starts with a lower-case letter (``A (France), and partners``); it is not cut either
    when what follows is itself a country (``A (Northern Ireland), UK``). A country in parentheses
    followed only by a space and a capital letter (``Front Line Defenders (Irlande) Fundacja Edukacja
    (Pologne)``, a list whose bullets were lost) is cut too, with its own reason
    (``CUT_AFTER_COUNTRY_SPACE``: the importer asks to check it). Country names are looked up in
    the common CLDR languages only (fast and the same everywhere: ``signatories import``, ``lint`` and
    ``lint --fix`` all call this function, so lint claims exactly the splits that ``--fix`` makes)."""
    cuts: list[str] = []
    unsure: list[str] = []
    pieces = [p.strip() for p in _INLINE_BULLET.split(text) if p.strip()]
    if len(pieces) > 1:
        cuts.append(CUT_AT_BULLETS)
    entries: list[str] = []
    for piece in pieces:
        start = 0
        for match in _AFTER_PARENS.finditer(piece):
            rest = piece[match.end():].strip()
            if not rest.strip(" ,;.") or _countries_of(match[1], thorough=False) is None:
                continue
            if _countries_of(rest.strip(" ,;."), thorough=False):
                continue  # "(Northern Ireland), UK": a region, then its country
            if rest[:1].islower() and match[2].strip():
                unsure.append(f"'{_short(piece[start:].strip(), 80)}' may be two entries (after '({match[1]}){match[2].strip()}' comes "
                              f"'{_short(rest)}'): kept as one; put each entry on its own line if they are two")
                continue
            spaced = not match[2].strip()
            if spaced and not rest[:1].isupper():
                continue
            entries.append(piece[start:match.start(2)].strip())
            start = match.end()
            reason = CUT_AFTER_COUNTRY_SPACE if spaced else CUT_AFTER_COUNTRY
            if reason not in cuts:
                cuts.append(reason)
        entries.append(piece[start:].strip())
    entries = [e for e in entries if e.strip(" ,;")]
    return Split(entries=tuple(entries), cuts=tuple(cuts) if len(entries) > 1 else (), unsure=tuple(unsure))


@dataclass(frozen=True)
class Merged:
    """A name (one cell of a signatory file) that holds several entries: each entry's name and country
    codes (a trailing country in parentheses taken as codes), and the reason."""

    entries: tuple[tuple[str, tuple[str, ...]], ...]
    reason: str


def merged_entries(name: str) -> Merged | None:
    """The entries that ``name`` holds when it is several run together (``split_entries``), else ``None``.

    ``signatories lint`` reports a name as merged exactly when this is not ``None``, and ``lint --fix``
    writes exactly these entries; nothing else of a name is changed (no role or individual is guessed
    here: a piece without a country in parentheses is written as it is)."""
    split = split_entries(name)
    if len(split.entries) < 2:
        return None
    entries = []
    codes: tuple[str, ...]
    for entry in split.entries:
        text, codes = entry.strip(" ,;"), ()
        match = _TRAILING_PARENS.match(text)
        if match and (found := _countries_of(match["inner"], thorough=False)):
            text, codes = match["name"].strip().rstrip(",;:").strip(), found
        entries.append((text or entry, codes))
    return Merged(entries=tuple(entries), reason=f"{len(entries)} entries run together, split {split.reason}")


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[:size].rstrip() + "…"


# --- headings ---------------------------------------------------------------------------------------------

_INDIVIDUAL_HEADINGS = re.compile(
    r"^(?:individuals?|individual signatories|signatories in a personal capacity|persons|people|personnes|"
    r"particuliers|personnes physiques|частные лица|физические лица|приватні особи|osoby prywatne|osoby|"
    r"osoby indywidualne|yksityishenkilöt|einzelpersonen|personas|personas individuales|pessoas)$", re.I)
_ORGANISATION_HEADINGS = re.compile(
    r"^(?:organisations?|organizations?|ngos|ong|ongs|организации|організації|organizacje|järjestöt|"
    r"organisationen|organizaciones|organizações|organizzazioni)$", re.I)
# A heading that names the list itself ("Signatories", "Organisations signataires", "Подписавшие
# организации", "Lista sygnatariuszy"): skipped, not a group. Matched anywhere in the heading.
_LIST_TITLE_WORDS = re.compile(
    r"signator|signataire|signed|undersigned|signing|подпис|підпис|sygnatar|podpis|unterzeich|firmant|"
    r"assinant|firmatar|allekirjoit|undertecknar|ondertekenaar|underskriv", re.I)
# Without a colon, only these whole lines are headings (a real name may contain "sign...").
_LIST_TITLES = re.compile(
    r"^(?:signatories|signatory organi[sz]ations|signed|signed by|list of signatories|the undersigned|"
    r"signataires|organisations signataires|liste des signataires|подписанты|подписавшие организации|"
    r"список подписантов|список подписавших|підписанти|sygnatariusze|lista sygnatariuszy|allekirjoittajat|"
    r"unterzeichner|unterzeichnende organisationen|firmantes|organizaciones firmantes|signatários)$", re.I)
HEADING_WORDS = 8  # a colon line longer than this (or with a bullet in front) is skipped but reported
_HEADING_COLON = re.compile(r"\s*[:：]$")
_HEADING_COUNT = re.compile(r"\s*\(\d{1,6}\)$")  # "Signatories (65):"


def _is_heading_word(text: str) -> bool:
    """``text`` (without its colon) is a heading on its own: ``Signatories``, ``Organisations``..."""
    bare = _HEADING_COUNT.sub("", text).strip()
    if not bare or len(bare.split()) > HEADING_WORDS:
        return False
    return bool(_INDIVIDUAL_HEADINGS.match(bare) or _ORGANISATION_HEADINGS.match(bare) or _LIST_TITLES.match(bare))


def _heading(line: str) -> tuple[str, bool] | None:
    """``(heading, sure)`` when the stripped ``line`` is a heading, else ``None``.

    A heading is a line that ends with a colon (``Individuals:``, ``Organisations from Poland:``,
    ``Organisations signataires :``), or a line that is only a heading word (``Signatories``,
    ``Organisations``, ``Individual signatories``). Sure when it has no bullet or number in front and
    at most ``HEADING_WORDS`` words; otherwise it is still skipped (a name never ends with a colon) but
    reported as one to check."""
    marker = _LEADING_MARKER.match(line)
    body = line[marker.end():] if marker else line
    colon = _HEADING_COLON.search(body)
    if colon:
        text = body[:colon.start()].strip()
        sure = not marker and len(text.split()) <= HEADING_WORDS and bool(text)
        return text, sure
    if _is_heading_word(body.rstrip(".")):
        return body.rstrip(".").strip(), True
    return None


def _heading_note(number: int, line: str, text: str, sure: bool, people: bool, group: str | None) -> Note:
    if people:
        what = ": the entries after it are individuals"
    elif group:
        what = f": the entries after it are in the group '{group}'"
    else:
        what = " (not a signatory)"
    if sure:
        return Note(number, f"skipped '{line}' as a heading{what}", check=False, dropped=line)
    return Note(number, f"skipped '{line}' as a heading{what}: it ends with a colon; if it is a signatory, "
                        "delete the colon", check=True, dropped=line)


# --- bounds -------------------------------------------------------------------------------------------------

MAX_LINES = 10_000  # non-empty lines of a pasted list or rows of a table
HINT_SEARCHES = 500  # "did you mean" searches for unknown parentheses in one import (about 1 ms each)
MAX_LINE_CHARS = 20_000  # characters on one line (a long line of bullet-separated entries is fine)
MAX_ENTRY_CHARS = 1_000  # characters in one entry: longer is not a name


def _check_bounds(text: str, where: str) -> None:
    lines = 0
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            raise SignatoryError(f"line {number} has {len(line):,} characters (at most {MAX_LINE_CHARS:,})",
                                 where=f"{where}:{number}",
                                 hint="put one signatory per line; is this really a list of names?")
        if line.strip():
            lines += 1
    if lines > MAX_LINES:
        raise SignatoryError(f"the input has {lines:,} non-empty lines (at most {MAX_LINES:,})", where=where,
                             hint="split the list into several files")


def parse_list(text: str, *, where: str = "input") -> ImportResult:
    notes: list[Note] = []
    country_texts: list[tuple[int, str]] = []
    result: list[Signatory] = []
    group: str | None = None
    people = False
    hints = [HINT_SEARCHES]
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line:
            continue
        found = _heading(line)
        if found is not None:
            heading, sure = found
            people = _INDIVIDUAL_HEADINGS.match(heading) is not None
            group = (None if people or not heading or _ORGANISATION_HEADINGS.match(heading)
                     or _LIST_TITLE_WORDS.search(heading) or not sure else heading)
            notes.append(_heading_note(number, line, heading, sure, people, group))
            continue
        line = _LEADING_MARKER.sub("", line, count=1)
        split = split_entries(line)
        if split.cuts:
            notes.append(Note(number, f"split into {len(split.entries)} entries {split.reason}"
                                      + (": check it" if CUT_AFTER_COUNTRY_SPACE in split.cuts else ""),
                              check=CUT_AFTER_COUNTRY_SPACE in split.cuts))
        notes.extend(Note(number, message) for message in split.unsure)
        for part in split.entries:
            if len(part) > MAX_ENTRY_CHARS:
                raise SignatoryError(f"an entry of {len(part):,} characters (at most {MAX_ENTRY_CHARS:,}): "
                                     f"'{_short(part)}'", where=f"{where}:{number}",
                                     hint="put one signatory per line; is this really a list of names?")
            signatory = parse_entry(part, number, notes, country_texts, hints)
            if signatory is not None:
                if people and signatory.kind != "individual":
                    name, _, role = signatory.name.partition(",")
                    signatory = Signatory(name=name.strip(), countries=signatory.countries, kind="individual",
                                          role=role.strip() or None, line=number)
                if group:
                    signatory = Signatory(name=signatory.name, countries=signatory.countries, kind=signatory.kind,
                                          role=signatory.role, group=group, line=number)
                result.append(signatory)
    note = _language_note(country_texts)
    if note:
        notes.append(note)
    return ImportResult(signatories=tuple(result), notes=tuple(notes), mode="list", country_texts=tuple(country_texts))


def parse_table(text: str, *, where: str) -> ImportResult | None:
    """Table mode when the first line has a delimiter and headings we recognise; else ``None``."""
    first_line, first = next(((n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()), (1, ""))
    delimiter = sniff_delimiter(first)
    if delimiter not in first:
        return None
    _, records = parse_csv(text, where=where, delimiter=delimiter)
    if not records:
        return None
    header_line, header = records[0]
    mapping = map_headings(header)
    if not mapping and not first.replace(delimiter, "").strip():
        # A spreadsheet's table whose header row is empty (',,'): read as a list, each row would be one
        # signatory named 'A,B,C'.
        raise SignatoryError(
            "no column with the names: the header row has no headings",
            where=f"{where}:{first_line}",
            hint="write the headings in the header row, e.g. 'name,country' (or 'Organisation', 'Nom', 'Название'...)")
    if not mapping:
        return None
    if "name" not in mapping.values():
        raise SignatoryError(
            f"no column with the names (the headings are: {', '.join(h.strip() for h in header if h.strip())})",
            where=f"{where}:{header_line}",
            hint="rename the column with the names to 'name' (or 'Organisation', 'Nom', 'Название'...)")
    notes: list[Note] = []
    country_texts: list[tuple[int, str]] = []
    ignored = [h.strip() for i, h in enumerate(header) if i not in mapping and h.strip()]
    if ignored:
        notes.append(Note(header_line, f"ignored the column(s) {', '.join(ignored)}", check=False))
    result: list[Signatory] = []
    index = {column: i for i, column in mapping.items()}
    for line, cells in records[1:]:
        def cell(column: str, cells: list[str] = cells) -> str:
            i = index.get(column)
            return cells[i] if i is not None and i < len(cells) else ""

        name = clean_name(cell("name"))
        if not name:
            notes.append(Note(line, "skipped a row without a name"))
            continue
        codes: tuple[str, ...] = ()
        if cell("country").strip():
            found = _countries_of(cell("country"))
            if found is None:
                near = countries.closest(cell("country"))
                notes.append(Note(line, f"unknown country '{cell('country').strip()}' for '{name}' (left empty"
                                        + (f"; did you mean {near}?)" if near else ")")))
            else:
                codes = found
                country_texts.append((line, cell("country").strip()))
        kind = parse_kind(cell("kind"))
        if kind is None:
            notes.append(Note(line, f"unknown kind '{cell('kind').strip()}' for '{name}' (taken as organisation)"))
            kind = "organisation"
        role = clean_name(cell("role")) or None
        if role and "kind" not in index:
            kind = "individual"
            notes.append(Note(line, f"'{name}' has a role ('{role}'): taken as an individual"))
        group = clean_name(cell("group")) or None
        result.append(Signatory(name=name, countries=codes, kind=kind, role=role, group=group, line=line))  # type: ignore[arg-type]
    columns = {column: header[i].strip() for i, column in mapping.items()}
    return ImportResult(signatories=tuple(result), notes=tuple(notes), mode="table", columns=columns,
                        country_texts=tuple(country_texts))


def import_text(text: str, *, where: str = "input") -> ImportResult:
    """Import pasted text (a list or a table)."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    if not text.strip():
        raise SignatoryError("the input is empty", where=where, hint="paste the list of signatories into the file")
    _check_bounds(text, where)
    result = parse_table(text, where=where) or parse_list(text, where=where)
    if not result.signatories:
        raise SignatoryError("no signatories found in the input", where=where,
                             hint="put one signatory per line (bullets and numbers are fine)")
    _check_output(result, where)
    return result


def _check_output(result: ImportResult, where: str) -> None:
    """Fail closed: every row must be one that ``load_signatories`` accepts back and that can be written
    as UTF-8 (no control characters, tabs, bidi overrides, lone surrogates, replacement characters)."""
    problems: list[LetterPdfError] = []
    for s in result.signatories:
        for field_name, value in (("name", s.name), ("role", s.role), ("group", s.group)):
            if not value:
                continue
            bad = bad_characters(value)
            if bad is None and any(unicodedata.category(ch) == "Cs" for ch in value):
                bad = "a character that is not valid Unicode (a lone surrogate)"
            if bad is None and "\ufffd" in value:
                bad = "U+FFFD REPLACEMENT CHARACTER (the text was decoded with the wrong encoding)"
            stacked = stacked_marks(value) if bad is None else None
            if bad or stacked:
                shown = "".join(ch if ch.isprintable() and unicodedata.category(ch) != "Cs" else f"<U+{ord(ch):04X}>"
                                for ch in visible(value, sys.maxsize))
                hint = ("add a header line (name<TAB>country) to read it as a table, or replace the tabs with spaces"
                        if bad == "a tab" else MARKS_HINT if stacked
                        else "delete it from the input (or copy the list again from its source)")
                bad = bad or stacked
                problems.append(SignatoryError(f"the {field_name} '{_short(shown)}' contains {bad}",
                                               where=f"{where}:{s.line}", hint=hint))
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)


def import_file(path: Path) -> ImportResult:
    """Import a pasted list or a table from ``path`` (decoded like a signatory file); a YAML signatory
    list is read as such."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        from letter_pdf.signatories import load_signatories

        return ImportResult(signatories=load_signatories(path), mode="YAML list")
    text, _encoding = read_text(path)
    return import_text(text, where=str(path))  # as the user gave it: messages name files as typed


def _language_note(found: list[tuple[int, str]]) -> Note | None:
    """An information note when the source's country names are written in several languages."""
    named = [(line, text, countries.languages_of(text)) for line, text in found]
    named = [(line, text, langs) for line, text, langs in named if langs]
    if not named or frozenset.intersection(*(langs for _, _, langs in named)):
        return None
    tally: dict[str, int] = {}
    for _, _, langs in named:
        for lang in langs:
            tally[lang] = tally.get(lang, 0) + 1
    from babel import Locale

    main = max(tally, key=lambda k: (tally[k], k == "en"))
    others = sorted({text for _, text, langs in named if main not in langs})
    return Note(named[0][0], f"the country names are in several languages (mostly {Locale.parse(main).english_name}; "
                             f"also {', '.join(others[:6])}{' ...' if len(others) > 6 else ''}): all stored as ISO codes",
                check=False)
