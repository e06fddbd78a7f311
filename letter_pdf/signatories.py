"""Signatory lists (CSV as spreadsheets write it, or YAML) -> validated ``tuple[Signatory, ...]``.

Reading is in two steps so that ``lint`` and ``import`` can see the raw cells: ``read_text`` decodes the
bytes (UTF-8 with or without BOM, UTF-16 with BOM, or a legacy encoding only when it is recognised with
confidence), ``read_table`` splits CSV into rows with their physical line numbers, and ``validate_rows``
turns rows into ``Signatory`` objects, collecting every problem into ``Problems``.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from letter_pdf import countries
from letter_pdf.decoding import decode
from letter_pdf.errors import LetterPdfError, Problems, SignatoryError
from letter_pdf.files import read_regular
from letter_pdf.frontmatter import BoundedLoader, YamlLimitError, keys_given_twice
from letter_pdf.model import Signatory, Written
from letter_pdf.text import (  # defined with the other printed-text checks; still importable here
    BIDI_CONTROLS,
    MARKS_HINT,
    invisible_only,
    no_base,
    stacked_marks,
    visible,
)

log = logging.getLogger("letter_pdf")

COLUMNS: tuple[str, ...] = ("name", "country", "kind", "role", "group", "distinct-from", "sort-as")
PRINTED: tuple[str, ...] = ("name", "role", "group")  # the fields printed as written
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
YAML_SUFFIXES = (".yaml", ".yml")
MAX_BYTES = 50 * 1024 * 1024
# YAML is parsed whole, about ten times slower than CSV: 15,000 signatories with every field take under 3 MB,
# and a file of 5 MB is parsed within seconds.
MAX_YAML_BYTES = 5 * 1024 * 1024
# A field (a CSV cell, a YAML value) has at most this many characters: the csv module's own limit.
MAX_FIELD = csv.field_size_limit()
_LONG_FIELD_HINT = ("a name, role or group has at most a few hundred; check that this is the right file (a double "
                    "quote that is never closed runs on to the end of the file)")
# At most this many signatories: a real letter has far fewer (10,000 typeset in about 40 s and 0.9 GiB),
# and every stage stays within about a minute and 2 GiB. Reading stops at the first row beyond it.
MAX_ROWS = 15_000
# At most this many columns in the header (seven are known; spreadsheets add a few empty ones): a wider
# header is not a signatory list, and is refused before any row is read.
MAX_COLUMNS = 50
_TOO_MANY_HINT = (f"a list has at most {MAX_ROWS:,} signatories; check that this is the right file, or send "
                  "the letter with the first signatories and publish the full list separately")

# Accepted spellings of ``kind`` (casefolded) in the languages of the letters we typeset.
KIND_WORDS: dict[str, str] = {
    **{w: "organisation" for w in (
        "organisation", "organization", "org", "organisations", "organizations", "ngo", "ong", "нко",
        "organisme", "organizacja", "organización", "organizacion", "organização", "organizzazione",
        "järjestö", "organisaatio", "организация", "організація", "o",
    )},
    **{w: "individual" for w in (
        "individual", "individuals", "person", "personne", "individu", "particulier", "persona", "pessoa",
        "osoba", "henkilö", "yksityishenkilö", "einzelperson", "privatperson", "частное лицо", "лицо",
        "физическое лицо", "персона", "особа", "фізична особа", "i", "p",
    )},
}


@dataclass(frozen=True)
class Row:
    """One raw CSV record: its cells by column and the physical line where it starts."""

    line: int
    cells: dict[str, str]
    extra: tuple[str, ...] = ()  # cells beyond the header's columns
    width: int = 0  # how many fields the row has


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    delimiter: str
    encoding: str
    header_line: int = 1
    width: int = 0  # fields of the header line, empty headings at the right included


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a signatory file: ``(text, encoding)``."""
    path = Path(path)
    where = str(path)
    try:
        size = path.stat().st_size
        limit = MAX_YAML_BYTES if path.suffix.lower() in YAML_SUFFIXES else MAX_BYTES
        if size > limit:
            raise SignatoryError(f"the file is too large ({size // 1_000_000} MB)", where=where,
                                 hint=f"a signatory list is at most {limit // 2**20} MB"
                                 + (" in YAML (CSV: 50 MB)" if limit == MAX_YAML_BYTES else ""))
        data = read_regular(path, limit=limit, what="the signatory file", error=SignatoryError, where=where,
                            hint=f"a signatory list is at most {limit // 2**20} MB")
    except FileNotFoundError as exc:
        raise SignatoryError("the signatory file does not exist", where=where,
                             hint="check the path (it is relative to the letter's folder)") from exc
    except IsADirectoryError as exc:
        raise SignatoryError("this is a folder, not a signatory file", where=where) from exc
    except OSError as exc:
        raise SignatoryError(f"cannot read the file ({exc.strerror})", where=where) from exc
    return decode(data, where=where)


# --- CSV ----------------------------------------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: whichever occurs most in the first line outside quotes (``,`` when none)."""
    first = text.split("\n", 1)[0]
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


_LONE_CR = re.compile("\r(?!\n)")


def parse_csv(text: str, *, where: str, delimiter: str | None = None, max_rows: int | None = MAX_ROWS,
              max_columns: int | None = None, long_hint: str = _LONG_FIELD_HINT,
              too_many_hint: str = _TOO_MANY_HINT) -> tuple[str, list[tuple[int, list[str]]]]:
    """Split CSV text into ``(delimiter, [(start line, cells), ...])``, skipping blank lines.

    Line numbers are physical lines of the file, so a quoted field that spans lines is counted right.
    More than ``max_rows`` rows after the header is refused as soon as the first row too many is read,
    and a first row (the header) of more than ``max_columns`` fields as soon as it is read.
    """
    if "\n" in text and (stray := _LONE_CR.search(text)):
        # The csv module ends a row at a lone CR too: 'A\rB' would become two signatories without a word.
        # A file whose every line ends in a lone CR (old Mac) has no LF and is read as it is.
        line = text.count("\n", 0, stray.start()) + 1
        raise SignatoryError("a carriage return inside a row", where=f"{where}:{line}",
                             hint="the lines of this file end in line feeds, but this row holds a lone carriage "
                                  "return (U+000D), which some programs show as a line break; delete it or put "
                                  "the row back on one line")
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise SignatoryError(
                    f"a field has more than {csv.field_size_limit():,} characters", where=f"{where}:{previous_end + 1}",
                    hint=long_hint) from exc
            raise SignatoryError(
                f"malformed CSV ({exc})", where=f"{where}:{previous_end + 1}",
                hint='put a name that contains quotes or the delimiter in double quotes, and double inner quotes ("")',
            ) from exc
        start = previous_end + 1
        previous_end = reader.line_num
        # blank lines and spreadsheets' empty rows (",,,") are skipped; an explicit "" name is kept
        if cells and (any(c.strip() for c in cells) or cells == [""]):
            if not records and max_columns is not None and len(cells) > max_columns:
                raise SignatoryError(
                    f"the header has {len(cells):,} columns (at most {max_columns})", where=f"{where}:{start}",
                    hint=f"a signatory list has the columns {', '.join(COLUMNS)}; check that this is the right "
                         "file ('letter-pdf signatories import' maps a spreadsheet's headings)")
            records.append((start, cells))
            if max_rows is not None and len(records) > max_rows + 1:
                raise SignatoryError(f"the list has more than {max_rows:,} rows", where=f"{where}:{start}",
                                     hint=too_many_hint)
    return delimiter, records


def header_key(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().casefold().replace("_", "-")


def read_table(text: str, *, where: str, encoding: str = "utf-8") -> Table:
    """Parse CSV text with a header row. Unknown columns and a missing ``name`` column are errors."""
    delimiter, records = parse_csv(text, where=where, max_columns=MAX_COLUMNS)
    if not records:
        raise SignatoryError("the file has no rows", where=where, hint="add a header line 'name,country' and one row per signatory")
    header_line, header_cells = records[0]
    header = tuple(header_key(c) for c in header_cells)
    width = len(header)  # with the empty columns at the right: a row may be as wide, no wider
    # Spreadsheets add empty columns at the right; ignore them when they stay empty.
    while header and header[-1] == "":
        header = header[:-1]
    if "name" not in header:
        # A table of something else (e-mails, phones): say what it has, not which columns are unknown.
        found = [visible(c.replace("\ufeff", "").strip(), 40) for c in header_cells if c.strip()]
        raise SignatoryError(
            f"there is no 'name' column (the columns are: {', '.join(found)})", where=f"{where}:{header_line}",
            hint="the first line must be a header such as 'name,country,kind,role,group'; "
                 "'letter-pdf signatories import' maps other headings (Organisation, Nom...)")
    problems: list[LetterPdfError] = []
    if "" in header:
        problems.append(SignatoryError("a column has no heading", where=f"{where}:{header_line}",
                                       hint=f"the columns are: {', '.join(COLUMNS)}"))
    unknown = list(dict.fromkeys(c for c in header if c and c not in COLUMNS))
    if unknown:
        problems.append(SignatoryError(
            _unknown("column", unknown), where=f"{where}:{header_line}",
            hint=_did_you_mean(unknown) + f"the columns are: {', '.join(COLUMNS)} ('letter-pdf signatories "
                 "import' maps other headings)"))
    duplicates = {c for c, n in Counter(header).items() if c and n > 1}
    for column in sorted(duplicates):
        problems.append(SignatoryError(f"column '{visible(column)}' appears twice", where=f"{where}:{header_line}"))
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)
    rows = []
    for line, cells in records[1:]:
        values = dict(zip(header, cells))
        extra = tuple(cells[len(header):])
        rows.append(Row(line=line, cells=values, extra=extra, width=len(cells)))
    return Table(header=header, rows=tuple(rows), delimiter=delimiter, encoding=encoding, header_line=header_line,
                 width=width)


_SHOWN = 5  # unknown columns or fields named in the message; the rest are counted


def _unknown(what: str, names: list[str]) -> str:
    """``unknown column 'x'``, or ``unknown columns 'x', 'y' and 3 more``: one line however many."""
    shown = ", ".join(f"'{visible(n, 40)}'" for n in names[:_SHOWN])
    more = f" and {len(names) - _SHOWN:,} more" if len(names) > _SHOWN else ""
    return f"unknown {what}{'s' if len(names) > 1 else ''} {shown}{more}"


def _did_you_mean(names: list[str]) -> str:
    near = [(n, m[0]) for n in names[:_SHOWN] if (m := difflib.get_close_matches(n, COLUMNS, n=1, cutoff=0.5))]
    if len(near) == 1 and len(names) == 1:
        return f"did you mean '{near[0][1]}'? "
    return "".join(f"did you mean '{m}' for '{visible(n, 40)}'? " for n, m in near)


# --- validation -----------------------------------------------------------------------------------------

_EDGE_SPACE = " \t\r\n"


def clean_name(raw: str) -> str:
    """NFC, outer ASCII spaces removed; otherwise exactly as given (other oddities are lint's business)."""
    return unicodedata.normalize("NFC", raw).strip(_EDGE_SPACE)


def parse_kind(raw: str) -> str | None:
    value = unicodedata.normalize("NFC", raw).strip().casefold()
    if not value:
        return "organisation"
    return KIND_WORDS.get(value)


_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def bad_characters(name: str) -> str | None:
    """What makes ``name`` unprintable as written (a line break, a tab, a control or bidi character)."""
    if not _BAD.search(name):
        return None
    for ch in name:
        if ch in "\r\n\u2028\u2029":
            return "a line break"
        if ch == "\t":
            return "a tab"
        cat = unicodedata.category(ch)
        if cat == "Cc" or ch in BIDI_CONTROLS:
            return f"an invisible control character, U+{ord(ch):04X} {unicodedata.name(ch, 'CONTROL')}"
    return None


# Quoted user text in a message: invisible and reordering characters shown as <U+XXXX>, long enough for a
# whole name.
QUOTE_LIMIT = 300


def quote(text: str) -> str:
    return visible(text, QUOTE_LIMIT)


def _describe(text: str) -> str:
    chars = list(dict.fromkeys(text))
    return ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'CHARACTER')}" for ch in chars[:3]) + (
        "..." if len(chars) > 3 else "")


def _text_problems(field: str, value: str, where: str, problems: list[LetterPdfError]) -> None:
    """A printed field that prints nothing, or holds a character that cannot be printed as written."""
    if value and invisible_only(value):
        problems.append(SignatoryError(
            f"the {field} has no visible characters (only {_describe(value)})", where=where,
            hint=f"fill in the {field} or delete the row" if field == "name" else f"write the {field} or leave it empty"))
        return
    if value and no_base(value):
        problems.append(SignatoryError(
            f"the {field} has no letter, digit or sign, only marks that print on nothing ({_describe(value)})",
            where=where, hint=f"fill in the {field} or delete the row" if field == "name"
            else f"write the {field} or leave it empty"))
        return
    bad = bad_characters(value)
    if bad:
        problems.append(SignatoryError(
            f"the {field} '{quote(value)}' contains {bad}", where=where,
            hint="run 'letter-pdf signatories lint --fix' to remove it" if field == "name"
            else f"retype the {field} without it"))
    elif (stacked := stacked_marks(value)) is not None:
        problems.append(SignatoryError(f"the {field} '{quote(value)}' has {stacked}", where=where, hint=MARKS_HINT))


def _names(value) -> tuple[str, ...]:
    """The ``distinct-from`` field: names separated by ``;`` (CSV) or a YAML list."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(";")
    return tuple(dict.fromkeys(n for n in (clean_name(str(i)) for i in items) if n))


def make_signatory(values: dict, *, where: str, line: int | None, problems: list[LetterPdfError]) -> Signatory | None:
    """Validate one record (CSV row or YAML item); append problems and return ``None`` when invalid."""
    count = len(problems)
    name_raw = values.get("name")
    name = clean_name(str(name_raw)) if name_raw is not None else ""
    if not name:
        problems.append(SignatoryError("the name is empty", where=where,
                                       hint="fill in the name or delete the row"))
    else:
        _text_problems("name", name, where, problems)
    unreadable = set()
    for field in ("role", "group", "country", "kind"):
        raw = values.get(field)
        raw = "/".join(str(c) for c in raw) if isinstance(raw, (list, tuple)) else raw
        if raw is None:
            continue
        before = len(problems)
        if field in PRINTED:
            _text_problems(field, unicodedata.normalize("NFC", str(raw)).strip(_EDGE_SPACE), where, problems)
        elif bad := bad_characters(str(raw).strip(_EDGE_SPACE)):
            problems.append(SignatoryError(f"the {field} '{quote(str(raw))}' contains {bad}",
                                           where=where, hint=f"retype the {field} without it"))
        if len(problems) > before:
            unreadable.add(field)
    codes: tuple[str, ...] = ()
    raw_country = values.get("country")
    if isinstance(raw_country, (list, tuple)):
        raw_country = "/".join(str(c) for c in raw_country)
    if raw_country is not None and str(raw_country).strip() and "country" not in unreadable:
        try:
            codes = countries.resolve_many(str(raw_country))
        except SignatoryError as exc:
            problems.append(SignatoryError(exc.message, where=where, hint=exc.hint))
    kind = parse_kind(str(values.get("kind") or ""))
    if kind is None and "kind" not in unreadable:
        problems.append(SignatoryError(
            f"unknown kind '{quote(str(values.get('kind')))}'", where=where,
            hint="write 'organisation' (the default) or 'individual'"))
    role = values.get("role")
    role = unicodedata.normalize("NFC", str(role)).strip(_EDGE_SPACE) or None if role is not None else None
    group = values.get("group")
    group = unicodedata.normalize("NFC", str(group)).strip(_EDGE_SPACE) or None if group is not None else None
    sort_as = values.get("sort-as")
    sort_as = unicodedata.normalize("NFC", str(sort_as)).strip(_EDGE_SPACE) or None if sort_as is not None else None
    if len(problems) > count:
        return None
    return Signatory(name=name, countries=codes, kind=kind, role=role, group=group, line=line,  # type: ignore[arg-type]
                     distinct_from=_names(values.get("distinct-from")), sort_as=sort_as)


def row_signatory(row, *, table: Table, where: str, problems: list[LetterPdfError]) -> Signatory | None:
    """One CSV row as a ``Signatory``; ``None`` (and its problems appended) when the row is not valid."""
    width = max(table.width, len(table.header))
    here = f"{where}:{row.line}"
    # More fields than the header (even if the extra one is empty: "Committee, Ltd,FR," shifts every
    # column) is a quoting problem; spreadsheets' empty columns at the right are in the header too.
    if row.width > width or any(cell.strip() for cell in row.extra):
        problems.append(SignatoryError(
            f"the row has {row.width} fields but the header has {width}", where=here,
            hint='a name that contains the delimiter must be in double quotes, e.g. "Committee, Ltd"'))
        return None
    signatory = make_signatory(row.cells, where=here, line=row.line, problems=problems)
    if signatory is None:
        return None
    return replace(signatory, written=Written(row.cells.get("name", ""), row.cells.get("country", "")))


def validate_rows(table: Table, *, where: str) -> tuple[Signatory, ...]:
    problems: list[LetterPdfError] = []
    result: list[Signatory] = []
    for row in table.rows:
        signatory = row_signatory(row, table=table, where=where, problems=problems)
        if signatory is not None:
            result.append(signatory)
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)
    if not result:
        raise SignatoryError("the list has a header but no signatories", where=where,
                             hint="add one row per signatory under the header")
    return tuple(result)


# --- YAML ---------------------------------------------------------------------------------------------


def from_records(records: object, *, where: str, lines: list[int | None] | None = None) -> tuple[Signatory, ...]:
    """Validate a YAML list of signatories (mappings with the CSV's fields, or plain name strings)."""
    if not isinstance(records, list):
        raise SignatoryError("the signatories must be a list", where=where,
                             hint="write one '- name: ...' item per signatory, or the path of a CSV file")
    if len(records) > MAX_ROWS:
        line = lines[MAX_ROWS] if lines and len(lines) > MAX_ROWS else None
        raise SignatoryError(f"the list has more than {MAX_ROWS:,} signatories",
                             where=f"{where}:{line}" if line else where, hint=_TOO_MANY_HINT)
    problems: list[LetterPdfError] = []
    result: list[Signatory] = []
    for i, item in enumerate(records, 1):
        line = lines[i - 1] if lines and i - 1 < len(lines) else None
        here = f"{where}:{line}" if line else f"{where}, item {i}"
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            problems.append(SignatoryError("an item is neither a name nor a mapping", where=here,
                                           hint="write '- name: ...' with optional country, kind, role, group"))
            continue
        keys = {_field_key(k): v for k, v in item.items()}
        unknown = [k for k in keys if k not in COLUMNS]
        if unknown:
            problems.append(SignatoryError(_unknown("field", unknown), where=here,
                                           hint=_did_you_mean(unknown) + f"the fields are: {', '.join(COLUMNS)}"))
            continue
        for key, value in keys.items():
            if value is not None and not isinstance(value, (str, int, float)) and not (
                key in ("country", "distinct-from") and isinstance(value, list)
            ):
                problems.append(SignatoryError(f"field '{quote(key)}' must be text", where=here))
                break
            if sum(len(str(v)) for v in (value if isinstance(value, list) else [value])) > MAX_FIELD:
                problems.append(SignatoryError(f"the {quote(key)} has more than {MAX_FIELD:,} characters", where=here,
                                               hint=_LONG_FIELD_HINT))
                break
        else:
            signatory = make_signatory(keys, where=here, line=line or i, problems=problems)
            if signatory is not None:
                result.append(signatory)
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)
    if not result:
        raise SignatoryError("the list of signatories is empty", where=where, hint="add at least one signatory")
    return tuple(result)


def _field_key(key) -> str:
    """A YAML field's key as the column it stands for: 'Name', 'sort_as' and 'sort-as' are one key."""
    return str(key).strip().casefold().replace("_", "-")


# A run of more than MAX_FIELD characters with no line end, space, colon or anything that ends a value in a
# flow list ('- [A, B]'): a value longer than the limit, found before the slow parse (a value with spaces
# or commas in it is found after it).
_LONG_RUN = re.compile(rf"[^\n ,:\[\]{{}}]{{{MAX_FIELD + 1}}}")
_YAML_ITEM = re.compile(r"^( *)- ", re.M)


def _count_yaml_items(text: str, *, where: str) -> None:
    """Refuse, before parsing, a YAML list with more than ``MAX_ROWS`` items: block items are the lines
    that start with ``- `` at the indentation of the first one (nested lists are indented deeper)."""
    first = _YAML_ITEM.search(text)
    if first is None:
        return
    indent = first[1]
    count = 0
    for match in re.finditer(rf"^{indent}- ", text, re.M):
        count += 1
        if count > MAX_ROWS:
            raise SignatoryError(f"the list has more than {MAX_ROWS:,} signatories",
                                 where=f"{where}:{text.count(chr(10), 0, match.start()) + 1}", hint=_TOO_MANY_HINT)


class TextLoader(BoundedLoader):
    """The front matter's bounded loader with every plain value read as the text written (YAML 1.1 would
    print '- name: yes' as True, 'Off' as False, '012' as 10 and 'country: NO' as False); only an empty
    value, '~' and 'null' are no value. Aliases are refused: each item is written out, at its own line."""

    yaml_implicit_resolvers: dict = {}
    document = "the signatory list"
    max_values = 20 * MAX_ROWS  # no aliases, so this bounds the work on a flow list the item count misses
    a_list, each = "a signatory list", "each signatory"  # as the message on an alias names them

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlLimitError(f"aliases such as '*{visible(event.anchor)}' are not used in {self.a_list}",
                                 event.start_mark, f"write {self.each} out in full")
        return super().compose_node(parent, index)


TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|)$"), ["~", "n", ""])


def _load_yaml(text: str, *, where: str) -> tuple[Signatory, ...]:
    _count_yaml_items(text, where=where)
    if long := _LONG_RUN.search(text):
        raise SignatoryError(f"a value has more than {MAX_FIELD:,} characters",
                             where=f"{where}:{text.count(chr(10), 0, long.start()) + 1}", hint=_LONG_FIELD_HINT)
    loader = TextLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlLimitError as exc:
        raise SignatoryError(exc.message, where=f"{where}:{exc.mark.line + 1}", hint=exc.hint) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        here = f"{where}:{mark.line + 1}" if mark else where
        raise SignatoryError(f"not valid YAML ({getattr(exc, 'problem', None) or exc})", where=here,
                             hint="each item is '- name: ...' on its own line, indented consistently") from exc
    finally:
        loader.dispose()
    # YAML keeps the last of two equal keys without a word: a signatory would lose the name written first
    twice: list[LetterPdfError] = [
        SignatoryError(f"'{quote(key)}' is given twice" + ("" if raw == raw2 else f" (as '{quote(raw)}' and "
                       f"'{quote(raw2)}')") + f", on lines {line} and {line2}", where=f"{where}:{line2}",
                       hint="keep one of them")
        for key, (line, raw), (line2, raw2) in keys_given_twice(node, _field_key)]
    if twice:
        raise twice[0] if len(twice) == 1 else Problems(twice)
    if isinstance(data, dict) and "signatories" in data:
        data = data["signatories"]
        node = next((v for k, v in node.value if k.value == "signatories"), None) if node else None
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else None
    return from_records(data, where=where, lines=lines)


# --- entry points -------------------------------------------------------------------------------------


def load_signatories(path: Path) -> tuple[Signatory, ...]:
    """Load and validate a signatory list: ``.csv``/``.tsv``/``.txt`` (CSV) or ``.yaml``/``.yml``."""
    path = Path(path)
    where = str(path)  # as the user gave it: messages name files as typed
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + YAML_SUFFIXES:
        raise SignatoryError(
            f"unknown signatory file type '{quote(path.suffix) or '(none)'}'", where=where,
            hint="use a .csv (or .tsv, .txt) or .yaml file; 'letter-pdf signatories import' converts pasted lists")
    text, encoding = read_text(path)
    if suffix in YAML_SUFFIXES:
        return _load_yaml(text, where=where)
    table = read_table(text, where=where, encoding=encoding)
    return validate_rows(table, where=where)


def to_csv(signatories: tuple[Signatory, ...] | list[Signatory]) -> str:
    """The signatories as CSV text (UTF-8 when encoded; ``\\n`` line ends; only the columns in use)."""
    columns = ["name", "country", "kind"]
    if any(s.role for s in signatories):
        columns.append("role")
    if any(s.group for s in signatories):
        columns.append("group")
    if any(s.distinct_from for s in signatories):
        columns.append("distinct-from")
    if any(s.sort_as for s in signatories):
        columns.append("sort-as")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for s in signatories:
        values = {"name": s.name, "country": "/".join(s.countries), "kind": s.kind,
                  "role": s.role or "", "group": s.group or "", "distinct-from": "; ".join(s.distinct_from),
                  "sort-as": s.sort_as or ""}
        writer.writerow([values[c] for c in columns])
    return out.getvalue()


