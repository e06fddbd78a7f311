"""Recipients lists (CSV, TSV, .txt with a sniffed delimiter, or YAML) -> validated ``tuple[Recipient, ...]``.

One personalised copy is built (and e-mailed) per recipient, so the list is checked before anything is built:
every problem is collected with its ``file:line`` and raised at once (``Problems``), nothing is returned on an
error. The reading is the signatory list's (``signatories.parse_csv``, ``decoding.decode``, the strings-only
bounded YAML loader); the rules are the recipients': a header row, the columns ``name``, ``address`` (or
``address_1``..``address_N``), ``opening``, ``email``, ``lang``, ``reference``, ``cc``, and any other column
kept for ``{{ recipient.<column> }}``. An e-mail address on two rows is an error (one person would get two
copies); two rows with the same name are a warning (two deputies may share a name).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import yaml

from letter_pdf import i18n
from letter_pdf.decoding import decode
from letter_pdf.errors import InputError, LetterPdfError, Problems, SignatoryError
from letter_pdf.files import read_regular, size_text
from letter_pdf.frontmatter import YamlLimitError, keys_given_twice
from letter_pdf.model import Recipient
from letter_pdf.names import fold
from letter_pdf.signatories import CSV_SUFFIXES, YAML_SUFFIXES, TextLoader, header_key, parse_csv, quote
from letter_pdf.text import invisible_only, refused_character, suspect_characters

log = logging.getLogger("letter_pdf")

MAX_BYTES = 5 * 1024 * 1024  # the file; YAML of this size is parsed within seconds
MAX_CELL = 1_000  # characters in one cell (a YAML value)
MAX_ADDRESS_LINES = 12
MAX_COLUMNS = 50
MAX_RECIPIENTS = 10_000
MAX_LOCAL, MAX_ADDRESS = 64, 254  # RFC 5321: an address's local part and the whole path
SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")

KNOWN = ("name", "address", "opening", "email", "lang", "reference", "cc")
SINGLE_LINE = ("name", "opening", "email", "lang", "reference")  # a line break or a tab in these is refused
ALIASES = {"e_mail": "email"}  # an 'E-mail' heading is the email column, not an extra field
_NUMBERED = re.compile(r"address_([0-9]{1,4})")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_HEADER_EXAMPLE = "the first line must be a header such as 'name,address,opening,email'"
_TOO_MANY_HINT = (f"a recipients list has at most {MAX_RECIPIENTS:,} recipients; check that this is the right file, "
                  "or split the list")
_LONG_HINT = (f"a cell of a recipients list has at most {MAX_CELL:,} characters; check that this is the right file "
              "(a double quote that is never closed runs on to the end of the file)")


def column_key(heading: object) -> str:
    """A heading as the column it names: case set aside, edges trimmed, runs of spaces, '-' and '_' one '_'
    ('Address 1', 'address-1' and 'ADDRESS_1' are 'address_1'; 'E-mail' is 'email')."""
    key = re.sub(r"[\s_-]+", "_", header_key(str(heading)))
    return ALIASES.get(key, key)


# --- reading ------------------------------------------------------------------------------------------


def _input(exc: LetterPdfError) -> InputError:
    """A reading error of the shared signatory code, as an error of this list (same message and place)."""
    return InputError(exc.message, where=exc.where, hint=exc.hint)


def _read(path: Path, where: str) -> str:
    try:
        data = read_regular(path, limit=MAX_BYTES, what="the recipients file", where=where,
                            hint=f"a recipients list is at most {size_text(MAX_BYTES)}; check that this is the right file")
    except FileNotFoundError as exc:
        raise InputError("the recipients file does not exist", where=where,
                         hint="check the path (it is relative to the letter's folder)") from exc
    except IsADirectoryError as exc:
        raise InputError("this is a folder, not a recipients file", where=where) from exc
    except OSError as exc:
        raise InputError(f"cannot read the recipients file ({exc.strerror})", where=where) from exc
    if not data.strip():
        raise InputError("the recipients file is empty", where=where,
                         hint="add a header line 'name,address,opening,email' and one row per recipient")
    try:
        return decode(data, where=where)[0]
    except SignatoryError as exc:
        raise _input(exc) from None


def _csv_records(text: str, *, where: str, tab: bool) -> tuple[int, list[str], int, list[tuple[int, list[str]]]]:
    """``(header line, headings, the header's width, [(line, cells), ...])`` of CSV text."""
    try:
        _, records = parse_csv(text, where=where, delimiter="\t" if tab else None, max_rows=MAX_RECIPIENTS,
                               long_hint=_LONG_HINT, too_many_hint=_TOO_MANY_HINT)
    except SignatoryError as exc:
        raise _input(exc) from None
    if not records:
        raise InputError("the recipients file has no rows", where=where, hint=_HEADER_EXAMPLE)
    header_line, headings = records[0]
    width = len(headings)  # with the empty headings at the right: a row may be as wide, no wider
    end = width
    while end and not headings[end - 1].strip():  # spreadsheets' empty columns at the right
        end -= 1
    return header_line, headings[:end], width, records[1:]


def _columns(headings: list[str], *, here: str, problems: list[LetterPdfError], table: bool = True) -> list[str]:
    """The headings as columns; each heading that cannot be one is a problem (at ``here``)."""
    if len(headings) > MAX_COLUMNS:
        problems.append(InputError(f"the header has {len(headings):,} columns (at most {MAX_COLUMNS})", where=here,
                                   hint="check that this is the right file; " + _HEADER_EXAMPLE))
        return []
    columns = [column_key(h) for h in headings]
    seen: set[str] = set()
    for heading, column in zip(headings, columns):
        if not column:
            problems.append(InputError("a column has no heading", where=here,
                                       hint="give it a heading (letters, digits and '_') or delete the column"))
        elif not _IDENTIFIER.fullmatch(column):
            problems.append(InputError(
                f"the column '{quote(heading.strip())}' is not a usable name", where=here,
                hint="a heading is made of the letters a-z, digits and '_' (spaces and '-' are read as '_'), "
                     "and does not start with a digit, so that the letter can use it as {{ recipient.<column> }}"))
        elif column in seen and table:  # YAML: keys_given_twice names both lines
            problems.append(InputError(f"the column '{column}' is given twice", where=here, hint="keep one of them"))
        seen.add(column)
    numbered = [c for c in columns if _NUMBERED.fullmatch(c)]
    if table and "address" in seen and numbered:
        problems.append(InputError(
            f"both an 'address' column and numbered address columns ('{numbered[0]}') are given", where=here,
            hint="write the address either in one 'address' column (lines separated by line breaks in the cell) "
                 "or in 'address_1', 'address_2'..., not both"))
    if table and columns and "name" not in seen:
        found = ", ".join(f"'{quote(h.strip())}'" for h in headings[:10] if h.strip())
        problems.append(InputError(f"there is no 'name' column (the columns are: {found})", where=here,
                                   hint=_HEADER_EXAMPLE))
    return columns


# --- one recipient ------------------------------------------------------------------------------------

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_EMAIL_HINT = "write one address such as jane.doe@example.org, without a name or angle brackets"


def email_problem(address: str) -> str | None:
    """Why ``address`` is not exactly one plain e-mail address (an RFC 5321 addr-spec), or ``None``."""
    if "<" in address or ">" in address or '"' in address:
        return "write the address alone, without a name, quotes or angle brackets"
    if any(ch.isspace() for ch in address):
        return "an address has no spaces (several addresses go in the cc column)"
    if not address.isascii():
        return "an address with letters outside ASCII cannot be sent"
    if address.count("@") != 1:
        return "an address has exactly one '@'"
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL:
        return f"the part before '@' has 1 to {MAX_LOCAL} characters"
    if len(address) > MAX_ADDRESS:
        return f"an address has at most {MAX_ADDRESS} characters"
    if not _LOCAL.fullmatch(local):
        return "the part before '@' has a character or a dot that an address cannot have"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return "the part after '@' is a domain with a dot, such as example.org"
    return None


_LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def _lang(value: str) -> bool:
    """``value`` is a BCP 47 tag whose language Babel (and so ``i18n.locale``) knows."""
    from babel import Locale, UnknownLocaleError

    if not _LANG.fullmatch(value):
        return False
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip(" \t\r\n")


def _cell(column: str, raw: str, *, here: str, problems: list[LetterPdfError]) -> str | None:
    """A cell as its text (NFC, trimmed), or ``None`` with a problem when it cannot be used."""
    value = _clean(raw)
    if len(value) > MAX_CELL:
        problems.append(InputError(f"the {column} has {len(value):,} characters (at most {MAX_CELL:,})", where=here,
                                   hint=_LONG_HINT))
        return None
    if refused := refused_character(value):
        problems.append(InputError(f"the {column} '{quote(value)}' contains {refused[0]}", where=here, hint=refused[1]))
        return None
    if column in SINGLE_LINE and ("\n" in value or "\t" in value):
        what = "a line break" if "\n" in value else "a tab"
        problems.append(InputError(f"the {column} '{quote(value)}' contains {what}", where=here,
                                   hint=f"write the {column} on one line"))
        return None
    if suspect := suspect_characters(value):
        log.warning("%s: the %s '%s' contains %s", here, column, quote(value), suspect)
    return value


def _lines(values: list[str]) -> tuple[str, ...]:
    return tuple(line for value in values for line in (part.strip(" \t") for part in value.split("\n")) if line)


def make_recipient(cells: dict[str, str | list[str]], *, row: int, line: int, here: str,
                   letter_lang: str | None, problems: list[LetterPdfError]) -> tuple[Recipient, bool]:
    """One record (a CSV row's cells or a YAML item, by column) as a ``Recipient``, and whether it is valid
    (its problems appended when not; the e-mail address kept only when valid, for the list's checks)."""
    count = len(problems)
    text: dict[str, str] = {}
    parts: dict[str, list[str]] = {}
    refused: set[str] = set()
    for column, raw in cells.items():
        items = raw if isinstance(raw, list) else [raw]
        checked = [_cell(column, item, here=here, problems=problems) for item in items]
        parts[column] = [c for c in checked if c is not None]
        text[column] = "\n".join(parts[column])
        if len(parts[column]) < len(checked):
            refused.add(column)
    numbered = sorted((int(m[1]), c) for c in cells if (m := _NUMBERED.fullmatch(c)))
    address = _lines(parts.get("address", []) if not numbered else [text[c] for _, c in numbered])
    if len(address) > MAX_ADDRESS_LINES:
        problems.append(InputError(f"the address has {len(address)} lines (at most {MAX_ADDRESS_LINES})", where=here,
                                   hint="an envelope's window holds a few lines: shorten the address"))
    name = text.get("name", "")
    if not name and "name" not in refused:
        problems.append(InputError("the name is empty", where=here, hint="fill in the name or delete the row"))
    elif name and invisible_only(name):
        problems.append(InputError(f"the name '{quote(name)}' has no visible characters", where=here,
                                   hint="fill in the name or delete the row"))
    email = text.get("email") or None
    if email and (why := email_problem(email)):
        problems.append(InputError(f"the email '{quote(email)}' is not one e-mail address", where=here, hint=why))
        email = None
    cc = tuple(a for a in (a.strip() for a in re.split(r"[;,\n]", text.get("cc", ""))) if a)
    for address_ in cc:
        if why := email_problem(address_):
            problems.append(InputError(f"the cc address '{quote(address_)}' is not an e-mail address", where=here,
                                       hint=why))
    cc = tuple(a for a in cc if email_problem(a) is None)
    lang = text.get("lang") or None
    if lang and not _lang(lang):
        problems.append(InputError(f"the lang '{quote(lang)}' is not a language tag letter-pdf knows", where=here,
                                   hint="use a BCP 47 tag such as en, fr, pl, ru, pt-BR, or leave it empty"))
    elif lang and letter_lang and i18n.primary(lang) != i18n.primary(letter_lang):
        problems.append(InputError(
            f"the lang '{quote(lang)}' is not the letter's language ('{quote(letter_lang)}')", where=here,
            hint="a translated edition is a separate letter for now; leave lang empty or write the letter's lang"))
    fields = dict(text)
    if numbered or "address" in cells:
        fields["address"] = "\n".join(address)
    return Recipient(row=row, line=line, name=name, address=address, opening=text.get("opening") or None,
                     email=email, lang=lang, reference=text.get("reference") or None, cc=cc,
                     fields=tuple(fields.items())), len(problems) == count


# --- the list -----------------------------------------------------------------------------------------


def _empty(cells: dict[str, str | list[str]]) -> bool:
    return not any((v if isinstance(v, str) else "".join(v)).strip() for v in cells.values())


MAX_NAME_WARNINGS = 20  # same-name warnings printed one by one; the rest are counted in one line
FORMULA_START = ("=", "+", "@")  # a cell a spreadsheet would run as a formula (index.csv repeats the name)


def _check_list(recipients: list[Recipient], *, where: str, problems: list[LetterPdfError]) -> None:
    """The same ``email`` on two rows, a ``cc`` that is another row's ``email`` or its own, or a ``cc`` given
    twice in a row, is a problem (one person would get two messages); a ``cc`` address on several rows is not
    (the coalition's office copied on every message). The same name twice, and a name a spreadsheet would run
    as a formula, are warnings."""
    emails: dict[str, int] = {}
    for r in recipients:
        if r.email:
            emails.setdefault(r.email.casefold(), r.line)
    names: dict[str, int] = {}
    repeated = 0
    for r in recipients:
        here = f"{where}:{r.line}"
        if r.email and emails[r.email.casefold()] != r.line:
            problems.append(InputError(
                f"the e-mail address '{quote(r.email)}' is also the email of line {emails[r.email.casefold()]}",
                where=here, hint="one person would get two copies: remove one of them, or correct the address"))
        copied: set[str] = set()
        for address in r.cc:
            key = address.casefold()
            if key in copied:
                problems.append(InputError(f"the cc address '{quote(address)}' is given twice in this row", where=here,
                                           hint="they would get the message twice: write it once"))
            elif key in emails:
                own = emails[key] == r.line
                problems.append(InputError(
                    f"the cc address '{quote(address)}' is " + ("this row's email" if own else
                                                                f"the email of line {emails[key]}"),
                    where=here, hint="they would get two messages: remove it from the cc column"))
            copied.add(key)
        if r.name.startswith(FORMULA_START):
            log.warning("%s: the name '%s' starts with '%s', which a spreadsheet opening index.csv runs as a "
                        "formula; check where it came from (it is printed as written)", here, quote(r.name), r.name[0])
        folded = fold(r.name)
        if folded and folded in names:
            repeated += 1
            if repeated <= MAX_NAME_WARNINGS:
                log.warning("%s: the name '%s' is also on line %d (two copies to people of the same name)",
                            here, quote(r.name), names[folded])
        elif folded:
            names[folded] = r.line
    if repeated > MAX_NAME_WARNINGS:
        log.warning("%s: %d more names are also on an earlier line (two copies to people of the same name)",
                    where, repeated - MAX_NAME_WARNINGS)


def _finish(records: list[tuple[int, dict[str, str | list[str]]]], *, where: str, letter_lang: str | None,
            problems: list[LetterPdfError]) -> tuple[Recipient, ...]:
    result: list[Recipient] = []
    every: list[Recipient] = []  # the invalid ones too: an address given twice is reported with the rest
    row = 0
    for line, cells in records:
        if _empty(cells):
            continue
        row += 1
        recipient, valid = make_recipient(cells, row=row, line=line, here=f"{where}:{line}",
                                          letter_lang=letter_lang, problems=problems)
        every.append(recipient)
        if valid:
            result.append(recipient)
    if row == 0 and not problems:
        problems.append(InputError("the list has no recipients", where=where, hint="add one row per recipient"))
    elif row > MAX_RECIPIENTS:
        problems.append(InputError(f"the list has more than {MAX_RECIPIENTS:,} recipients", where=where,
                                   hint=_TOO_MANY_HINT))
    _check_list(every, where=where, problems=problems)
    if problems:
        raise Problems(problems)
    return tuple(result)


def _from_csv(text: str, *, where: str, tab: bool, letter_lang: str | None) -> tuple[Recipient, ...]:
    header_line, headings, width, rows = _csv_records(text, where=where, tab=tab)
    problems: list[LetterPdfError] = []
    columns = _columns(headings, here=f"{where}:{header_line}", problems=problems)
    if problems:
        raise Problems(problems)
    records: list[tuple[int, dict[str, str | list[str]]]] = []
    for line, cells in rows:
        if len(cells) > width or any(c.strip() for c in cells[len(columns):]):
            problems.append(InputError(
                f"the row has {len(cells)} fields but the header has {width}", where=f"{where}:{line}",
                hint='a value that contains the delimiter must be in double quotes, e.g. "Committee, Ltd"'))
            continue
        records.append((line, {c: cells[i] if i < len(cells) else "" for i, c in enumerate(columns)}))
    return _finish(records, where=where, letter_lang=letter_lang, problems=problems)


class _Loader(TextLoader):
    """The signatory list's strings-only loader, stopping at the item one too many and at the value one too
    many (20 a recipient on average), while it reads: a flow list of 5 MB, '[{name: a}, ...]', took 45 s and
    1 GiB to parse whole, 600 items of 1,000 keys 61 s."""

    document = "the recipients list"
    a_list, each = "a recipients list", "each recipient"
    max_values = 20 * MAX_RECIPIENTS

    def compose_node(self, parent, index):
        self.composed = getattr(self, "composed", 0) + 1  # the bounded loader sums its values only at the end
        if self.composed > self.max_values:
            raise YamlLimitError(f"the recipients list holds more than {self.max_values:,} values",
                                 self.peek_event().start_mark, "a recipient has a few keys (name, address, email...); "
                                 "check that this is the right file, and write a long list as CSV")
        if self._depth == 1 and isinstance(parent, yaml.SequenceNode) and len(parent.value) >= MAX_RECIPIENTS:
            raise YamlLimitError(f"the list has more than {MAX_RECIPIENTS:,} recipients", self.peek_event().start_mark,
                                 _TOO_MANY_HINT)
        return super().compose_node(parent, index)


def _from_yaml(text: str, *, where: str, letter_lang: str | None) -> tuple[Recipient, ...]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlLimitError as exc:
        raise InputError(exc.message, where=f"{where}:{exc.mark.line + 1}", hint=exc.hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
                         where=f"{where}:{mark.line + 1}" if mark else where,
                         hint="each recipient is an item '- name: ...' with its keys indented under it") from None
    finally:
        loader.dispose()
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise InputError("the recipients must be a list", where=where,
                         hint="write one item '- name: ...' per recipient, with address, opening, email...")
    problems: list[LetterPdfError] = [
        InputError(f"'{quote(key)}' is given twice, on lines {line} and {line2}", where=f"{where}:{line2}",
                   hint="keep one of them")
        for key, (line, _), (line2, _) in keys_given_twice(node, column_key)]
    items: list[tuple[int, dict[str, str | list[str]]]] = []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        here = f"{where}:{line}"
        if not isinstance(item, dict):
            problems.append(InputError("an item is not a mapping", where=here,
                                       hint="write '- name: ...' with address, opening, email... under it"))
            continue
        headings = [str(k) for k in item]
        columns = _columns(headings, here=here, problems=problems, table=False)
        cells: dict[str, str | list[str]] = {}
        for column, value in zip(columns, item.values()):
            if value is None:
                cells[column] = ""
            elif isinstance(value, str) or (column in ("address", "cc") and isinstance(value, list)
                                            and all(isinstance(v, str) for v in value)):
                cells[column] = value
            else:
                problems.append(InputError(f"the {column} must be text" + (
                    " or a list of lines" if column in ("address", "cc") else ""), where=here,
                    hint="write the value after the key, on the same line"))
        items.append((line, cells))
    known = list(dict.fromkeys(c for _, cells in items for c in cells))  # a key one item lacks is empty there
    if len(known) > MAX_COLUMNS:
        problems.append(InputError(f"the items have {len(known):,} different keys (at most {MAX_COLUMNS})",
                                   where=where, hint="check that this is the right file"))
        raise Problems(problems)
    records = [(line, {c: cells.get(c, "") for c in known}) for line, cells in items]
    if any(_NUMBERED.fullmatch(c) for c in known) and "address" in known and not problems:
        problems.append(InputError("both 'address' and numbered address keys are used in the list", where=where,
                                   hint="write every address the same way: 'address' or 'address_1', 'address_2'..."))
    return _finish(records, where=where, letter_lang=letter_lang, problems=problems)


# --- entry point ----------------------------------------------------------------------------------------


def load_recipients(path: Path, *, letter_lang: str | None = None) -> tuple[Recipient, ...]:
    """Load and validate a recipients list: ``.csv``/``.tsv``/``.txt`` or ``.yaml``/``.yml`` (a list of
    mappings). Every problem is raised at once (``Problems``); with ``letter_lang``, a recipient whose
    ``lang`` is another language is one of them."""
    path = Path(path)
    where = str(path)
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        raise InputError(f"spreadsheet files ('{quote(path.suffix)}') are not read yet", where=where,
                         hint="save the sheet as CSV (in Excel 'File > Save As > CSV UTF-8') and give that file")
    if suffix not in CSV_SUFFIXES + YAML_SUFFIXES:
        raise InputError(f"unknown recipients file type '{quote(path.suffix) or '(none)'}'", where=where,
                         hint="use a .csv (or .tsv, .txt) or .yaml file")
    text = _read(path, where)
    if suffix in YAML_SUFFIXES:
        return _from_yaml(text, where=where, letter_lang=letter_lang)
    return _from_csv(text, where=where, tab=suffix == ".tsv", letter_lang=letter_lang)
