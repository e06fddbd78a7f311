"""The letter file: YAML front matter and Markdown body -> a validated ``model.Letter``.

Every key is known: an unknown or mistyped key is an error naming it and the closest valid key. Every
problem found is reported (``Problems``), each with ``file:line`` and the field. Paths in the front matter
are relative to the letter's folder and must stay inside it. The front matter is read, within bounds, by
``frontmatter.py``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from letter_pdf.errors import InputError, LetterPdfError, Problems, ResourceError
from letter_pdf.files import refuse_special
from letter_pdf.frontmatter import ALIASES, canonical_key, parse_front_matter, read_text, split_front_matter
from letter_pdf.model import (
    ALIGNMENTS,
    COLUMN_COUNTS,
    GROUPINGS,
    ORDERS,
    PAPERS,
    SIGNATURE_LAYOUTS,
    Annex,
    Cover,
    Letter,
    Party,
    Signer,
)
from letter_pdf.text import char_name, no_base, refused_character, suspect_characters, visible

log = logging.getLogger("letter_pdf")

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
FONT_SUFFIXES = (".ttf", ".otf")
PDF_SUFFIXES = (".pdf",)
# A value of the front matter (a title, a subject, a name, an address or cc line, a note) is a line or a
# few: longer ones are refused before typesetting (a 200 KB subject in the running head takes minutes).
MAX_VALUE_CHARS = 1_000
MAX_LIST_LINES = 50  # lines of a cc list or an address

@dataclass
class _Source:
    """The letter file being read: its path, its YAML node tree (for line numbers) and the problems found."""

    path: Path  # absolute
    shown: Path  # as the user named it, for messages
    lines: dict[str, int]  # dotted key ('sender.name', 'signers.0.name') -> 1-based line in the file
    problems: list[LetterPdfError]

    def where(self, field: str) -> str:
        line = self.lines.get(field) or self.lines.get(field.split(".")[0])
        return LetterPdfError.location(self.shown, line, visible(field))

    def fail(self, field: str, message: str, hint: str | None = None, cls=InputError) -> None:
        self.problems.append(cls(message, where=self.where(field), hint=hint))


# ---------------------------------------------------------------------------------------------- values


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _text(src: _Source, field: str, value: Any, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            src.fail(field, f"'{field}' is empty", hint=f"give the letter a {field.split('.')[-1]}")
        return None
    if isinstance(value, bool):
        src.fail(field, f"'{field}' is yes/no, not text", hint="put the value in quotes, e.g. \"No\"")
        return None
    if not isinstance(value, str):
        src.fail(field, f"'{field}' must be text, not a {_kind(value)}")
        return None
    return _printed(src, field, _nfc(value.strip()))


def _printed(src: _Source, field: str, text: str) -> str | None:
    """The text, if it can be printed as the user wrote it: bidirectional controls (which reorder what the
    reader sees) and control characters are refused; marks of damaged text (U+FFFD, tags) are warned about."""
    if len(text) > MAX_VALUE_CHARS:
        src.fail(field, f"the value is {len(text):,} characters long; the limit is {MAX_VALUE_CHARS:,}",
                 hint="shorten it: a subject, title, name or address line is a line or two (longer text "
                      "belongs in the body)")
        return None
    if text and no_base(text):  # zero-width spaces, joiners, marks with nothing to sit on: nothing readable
        chars = list(dict.fromkeys(text))
        shown = ", ".join(char_name(ch) for ch in chars[:3]) + (" ..." if len(chars) > 3 else "")
        src.fail(field, f"'{field}' has no visible characters (only {shown})",
                 hint="type the text again: it holds only characters that print nothing")
        return None
    refused = refused_character(text)
    if refused is not None:
        what, hint = refused
        src.fail(field, f"the value contains {what}: '{visible(text)}'", hint=hint)
        return None
    if (suspect := suspect_characters(text)) is not None:
        log.warning("%s: the value contains %s: '%s'", src.where(field), suspect, visible(text))
    return text


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "mapping", list: "list"}
    return kinds.get(type(value), type(value).__name__)


def _text_list(src: _Source, field: str, value: Any) -> tuple[str, ...]:
    """A list of lines; a single string is one line (or several, split at line ends)."""
    if value is None:
        return ()
    if not isinstance(value, str | list):
        src.fail(field, f"'{field}' must be a list of lines", hint="write it as [line one, line two]")
        return ()
    if (count := len(value if isinstance(value, list) else value.splitlines())) > MAX_LIST_LINES:
        src.fail(field, f"'{field}' has {count:,} lines; the limit is {MAX_LIST_LINES}",
                 hint="shorten the list (a longer list belongs in the body or an enclosure)")
        return ()
    if isinstance(value, str):
        lines = (_printed(src, field, _nfc(line.strip())) for line in value.splitlines() if line.strip())
        return tuple(line for line in lines if line)
    out = []
    for index, item in enumerate(value):
        text = _text(src, f"{field}.{index}", item)
        if text:
            out.append(text)
    return tuple(out)


def _mapping(src: _Source, field: str, value: Any, allowed: tuple[str, ...]) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        src.fail(field, f"'{field}' must be a mapping of keys ({', '.join(allowed)})")
        return None
    out = {}
    for key, item in value.items():
        name = canonical_key(key)
        if name not in allowed:
            _unknown(src, f"{field}.{name}", name, allowed)
            continue
        out[name] = item
    return out


def _unknown(src: _Source, field: str, name: str, allowed: tuple[str, ...]) -> None:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"valid keys here: {', '.join(allowed)}"
    src.fail(field, f"unknown key '{visible(name)}'", hint=hint)


def _choice(src: _Source, field: str, value: Any, choices: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    text = canonical_key(value).replace("_", "-") if isinstance(value, str) else value
    if text not in choices:
        close = difflib.get_close_matches(str(text), choices, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(choices)}"
        src.fail(field, f"'{visible(str(value))}' is not a valid {field}", hint=hint)
        return default
    return text


def _columns(src: _Source, value: Any) -> int:
    """``columns: 1 | 2 | 3`` (the signatory list's columns); 2 when not given."""
    if value is None:
        return 2
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text not in {str(n) for n in COLUMN_COUNTS}:
        src.fail("columns", f"'{visible(str(value))}' is not a valid number of columns",
                 hint=f"use one of: {', '.join(str(n) for n in COLUMN_COUNTS)}")
        return 2
    return int(text)


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DATE_HINT = "write it as YYYY-MM-DD, e.g. 2026-11-29"


def _today() -> dt.date:
    """Today's date, the default of 'date' (one place, so that tests can pin the clock)."""
    return dt.date.today()


def _date(src: _Source, value: Any) -> dt.date:
    """The letter's date, from the text the user wrote (the loader does not type dates)."""
    if value is None:
        return _today()
    if isinstance(value, bool) or not isinstance(value, str):
        src.fail("date", f"'date' must be a date, not {'yes/no' if isinstance(value, bool) else 'a ' + _kind(value)}",
                 hint=_DATE_HINT)
        return _today()
    text = value.strip()
    if (match := _ISO_DATE.fullmatch(text)) is not None:
        year, month, day = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            why = f"there is no month {month}"
        elif year < 1:
            why = "there is no year 0"
        elif not 1 <= day <= (last := calendar.monthrange(year, month)[1]):
            why = f"{_MONTHS[month - 1]} {year} has {last} days"
        else:
            return dt.date(year, month, day)
        src.fail("date", f"'{visible(text)}' is not a date: {why}", hint=_DATE_HINT)
        return _today()
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.fromisoformat(t).date()):
        try:
            return parse(text)
        except ValueError:
            pass
    src.fail("date", f"'{visible(text)}' is not a date", hint=_DATE_HINT)
    return _today()


def _lang(src: _Source, value: Any) -> str:
    from babel import Locale, UnknownLocaleError

    if value is None:
        return "en"
    text = _text(src, "lang", value)
    if text is None:
        return "en"
    try:
        Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        src.fail("lang", f"'{visible(text)}' is not a language Babel knows",
                 hint="use a BCP 47 tag such as en, fr, pl, ru, pt-BR")
        return "en"
    return text


def _special_overrides(src: _Source) -> None:
    """A template or stylesheet beside the letter (they override the bundled ones) that is a named pipe,
    a device or a socket: the renderer would pass over it for the bundled one, the build wait on it."""
    for path in sorted([*src.path.parent.glob("*.j2"), *src.path.parent.glob("*.css")]):
        what = "the stylesheet" if path.suffix.lower() == ".css" else "the template"
        try:
            refuse_special(path, what=what, error=ResourceError, where=src.shown.parent / path.name,
                           hint="replace it with a regular file, or remove it (the bundled one of that name is used then)")
        except ResourceError as exc:
            src.problems.append(exc)


def _path(src: _Source, field: str, value: Any, suffixes: tuple[str, ...]) -> Path | None:
    """A file named in the front matter: relative to the letter, inside its folder, existing, right type."""
    text = _text(src, field, value)
    if text is None:
        return None
    folder = src.path.parent.resolve()
    shown = visible(text)
    if "://" in text or text.startswith(("file:", "data:")):
        src.fail(field, f"'{shown}' is a URL; only files in the letter's folder can be used", cls=ResourceError,
                 hint="download it into the letter's folder and give its file name")
        return None
    try:
        candidate = (folder / text).resolve()
        inside = candidate.is_relative_to(folder)
        exists = inside and candidate.is_file()
    except (OSError, RuntimeError) as exc:  # a name too long for the system, a loop of symbolic links
        reason = getattr(exc, "strerror", None) or str(exc)
        src.fail(field, f"'{shown}' cannot be used as a file name ({reason})", cls=ResourceError,
                 hint="give the name of a file in the letter's folder")
        return None
    if not inside:
        src.fail(field, f"'{shown}' is outside the letter's folder", cls=ResourceError,
                 hint="copy the file into the letter's folder (or a subfolder) and name it relative to the letter")
        return None
    if not exists:
        here = "the letter's folder" if src.shown.parent == Path(".") else str(src.shown.parent)
        src.fail(field, f"file '{shown}' not found", cls=ResourceError, hint=f"put it in {here} or correct the name")
        return None
    if candidate.suffix.lower() not in suffixes:
        src.fail(field, f"'{shown}' is not a {'/'.join(s.lstrip('.') for s in suffixes)} file", cls=ResourceError)
        return None
    return candidate


def _path_list(src: _Source, field: str, value: Any, suffixes: tuple[str, ...]) -> tuple[Path, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(p for i, item in enumerate(items) if (p := _path(src, f"{field}.{i}", item, suffixes)))


# ---------------------------------------------------------------------------------------------- keys

PARTY_KEYS = ("name", "address", "contact", "email", "phone", "website")
SIGNER_KEYS = ("name", "role", "organisation", "organization", "signature")
ENCLOSURE_KEYS = ("title", "file")
COVER_KEYS = ("enabled", "channel", "note")


def _party(src: _Source, field: str, value: Any) -> Party | None:
    data = _mapping(src, field, value, PARTY_KEYS)
    if data is None:
        return None
    name = _text(src, f"{field}.name", data.get("name"), required=True)
    contact = list(_text_list(src, f"{field}.contact", data.get("contact")))
    given = {}
    for key in ("email", "phone", "website"):
        if text := _text(src, f"{field}.{key}", data.get(key)):
            contact.append(text)
            given[key] = text
    return Party(name=name or "", address=_text_list(src, f"{field}.address", data.get("address")),
                 contact=tuple(contact), email=given.get("email"))


def _signer(src: _Source, field: str, value: Any) -> Signer | None:
    data = _mapping(src, field, value, SIGNER_KEYS)
    if data is None:
        return None
    organisation = data.get("organisation", data.get("organization"))
    return Signer(
        name=_text(src, f"{field}.name", data.get("name"), required=True) or "",
        role=_text(src, f"{field}.role", data.get("role")),
        organisation=_text(src, f"{field}.organisation", organisation),
        signature=_path(src, f"{field}.signature", data.get("signature"), IMAGE_SUFFIXES),
    )


def _signers(src: _Source, signer: Any, signers: Any) -> tuple[Signer, ...]:
    out = []
    if signer is not None:
        if (s := _signer(src, "signer", signer)) is not None:
            out.append(s)
    if signers is not None:
        if not isinstance(signers, list):
            src.fail("signers", "'signers' must be a list of people (name, role, organisation, signature)")
        else:
            out.extend(s for i, item in enumerate(signers) if (s := _signer(src, f"signers.{i}", item)))
    return tuple(out)


def _enclosures(src: _Source, field: str, value: Any) -> tuple[Annex, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        value = [value]
    out = []
    for index, item in enumerate(value):
        where = f"{field}.{index}"
        if isinstance(item, dict):
            data = _mapping(src, where, item, ENCLOSURE_KEYS) or {}
            path = _path(src, f"{where}.file", data.get("file"), PDF_SUFFIXES) if data.get("file") else None
            title = _text(src, f"{where}.title", data.get("title")) or (path.stem if path else None)
            if title is None:
                if data.get("title") is None and data.get("file") is None:  # else already reported
                    src.fail(where, "an enclosure needs a title or a file")
                continue
            out.append(Annex(title=title, path=path))
        elif (title := _text(src, where, item)) is not None:
            out.append(Annex(title=title))
    return tuple(out)


def _cover(src: _Source, value: Any) -> Cover:
    if value is None:
        return Cover()
    if isinstance(value, bool):
        return Cover(enabled=value)
    data = _mapping(src, "cover", value, COVER_KEYS)
    if data is None:
        return Cover()
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        src.fail("cover.enabled", "'cover.enabled' must be true or false")
        enabled = True
    return Cover(enabled=enabled, channel=_text(src, "cover.channel", data.get("channel")),
                 note=_text(src, "cover.note", data.get("note")))


def _keywords(src: _Source, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        words = (_printed(src, "keywords", _nfc(k.strip())) for k in value.split(",") if k.strip())
        return tuple(word for word in words if word)
    return _text_list(src, "keywords", value)


def _signatories(src: _Source, value: Any):
    """Return (path or None, tuple of Signatory)."""
    if value is None:
        return None, ()
    from letter_pdf import signatories as signatory_list

    if isinstance(value, list):
        try:
            return None, signatory_list.from_records(value, where=src.where("signatories"))
        except LetterPdfError as exc:
            src.problems.extend(exc.problems if isinstance(exc, Problems) else [exc])
            return None, ()
    path = _path(src, "signatories", value, (".csv", ".tsv", ".txt", ".yaml", ".yml"))
    if path is None:
        return None, ()
    try:
        return path, signatory_list.load_signatories(path)
    except LetterPdfError as exc:
        src.problems.extend(exc.problems if isinstance(exc, Problems) else [exc])
        return path, ()


# key -> (Letter field, parser(src, value))
_FIELDS: dict[str, Callable[[_Source, Any], Any]] = {
    "title": lambda s, v: _text(s, "title", v, required=True),
    "subject": lambda s, v: _text(s, "subject", v),
    "date": _date,
    "place": lambda s, v: _text(s, "place", v),
    "lang": _lang,
    "sender": lambda s, v: _party(s, "sender", v),
    "recipient": lambda s, v: _party(s, "recipient", v),
    "opening": lambda s, v: _text(s, "opening", v),
    "closing": lambda s, v: _text(s, "closing", v),
    "reference": lambda s, v: _text(s, "reference", v),
    "their_reference": lambda s, v: _text(s, "their_reference", v),
    "logo": lambda s, v: _path(s, "logo", v, IMAGE_SUFFIXES),
    "signature_layout": lambda s, v: _choice(s, "signature_layout", v, SIGNATURE_LAYOUTS, "side-by-side"),
    "cc": lambda s, v: _text_list(s, "cc", v),
    "cover": _cover,
    "cover_pdfs": lambda s, v: _path_list(s, "cover_pdfs", v, PDF_SUFFIXES),
    "fonts": lambda s, v: _path_list(s, "fonts", v, FONT_SUFFIXES),
    "keywords": _keywords,
    "author": lambda s, v: _text(s, "author", v),
    "paper": lambda s, v: _choice(s, "paper", v, PAPERS, "a4"),
    "order": lambda s, v: _choice(s, "order", v, ORDERS, "as-given"),
    "group_by": lambda s, v: _choice(s, "group_by", v, GROUPINGS, "none"),
    "columns": lambda s, v: _columns(s, v),
    "align": lambda s, v: _choice(s, "align", v, ALIGNMENTS, "left"),
    "message": lambda s, v: _text(s, "message", v),
}
# keys handled together below
_OTHER_KEYS = ("signer", "signers", "enclosures", "annexes", "signatories", "recipients")
RECIPIENT_SUFFIXES = (".csv", ".tsv", ".txt", ".yaml", ".yml")
KEYS: tuple[str, ...] = tuple(_FIELDS) + _OTHER_KEYS


# A character reference as the Markdown parser decodes it (``&#x202E;``, ``&#8238;``, ``&amp;``): one that
# names no valid character (``&#0;``, ``&#x1;``) prints U+FFFD.
_REFERENCE = re.compile(r"&(?:#(x[0-9a-f]{1,6}|[0-9]{1,7})|([a-z][a-z0-9]{1,31}));", re.IGNORECASE)


def _as_printed(line: str) -> str:
    """``line`` with its character references decoded, as markdown-it prints them."""
    from markdown_it.common.entities import entities
    from markdown_it.common.utils import isValidEntityCode

    def decode(match: re.Match) -> str:
        if match[2] is not None:
            return entities.get(match[2], match[0])
        code = int(match[1][1:], 16) if match[1][0] in "xX" else int(match[1])
        return chr(code) if isValidEntityCode(code) else "\ufffd"

    return _REFERENCE.sub(decode, line) if "&" in line else line


def _check_body(src: _Source, body: str, body_line: int) -> None:
    """The body is printed as written: refuse bidirectional controls and control characters, warn about
    marks of damaged text; each named by its line. A line is checked as it prints, with its character
    references decoded, so ``&#x202E;`` is refused as the character it names."""
    for number, line in enumerate(body.split("\n"), body_line):
        printed = _as_printed(line)
        refused = refused_character(printed)
        suspect = suspect_characters(printed)
        if refused is None and suspect is None:
            continue
        where = LetterPdfError.location(src.shown, number)
        if refused is not None:
            what, hint = refused
            src.problems.append(InputError(f"the text contains {what}: '{visible(line)}'", where=where, hint=hint))
        if suspect is not None:
            log.warning("%s: the text contains %s: '%s'", where, suspect, visible(line))


def load_letter(path: Path) -> Letter:
    """Read and validate a letter file and its signatory list; raise ``Problems`` listing every problem."""
    shown = Path(path)
    path = shown.absolute()
    text = read_text(shown)
    front, body, body_line = split_front_matter(text, shown)
    data, lines, twice = parse_front_matter(front, shown)
    src = _Source(path=path, shown=shown, lines=lines, problems=twice)
    _special_overrides(src)

    values: dict[str, Any] = {}
    for raw_key in data:
        key = ALIASES.get(canonical_key(raw_key), canonical_key(raw_key))
        if key not in KEYS:
            _unknown(src, canonical_key(raw_key), canonical_key(raw_key), KEYS + tuple(ALIASES))
            continue
        values.setdefault(key, data[raw_key])  # a key given twice is reported by parse_front_matter

    fields = {name: parser(src, values.get(name)) for name, parser in _FIELDS.items()}
    if "title" not in values:
        src.fail("title", "the letter has no 'title'", hint="add a line 'title: ...' to the front matter")
    signatories_path, signatories = _signatories(src, values.get("signatories"))
    enclosures = _enclosures(src, "enclosures", values.get("enclosures")) + _enclosures(
        src, "annexes", values.get("annexes")
    )
    signers = _signers(src, values.get("signer"), values.get("signers"))
    recipients_path = _path(src, "recipients", values.get("recipients"), RECIPIENT_SUFFIXES)
    _check_body(src, body, body_line)
    if not body.strip():
        src.problems.append(InputError("the letter has no text after the front matter",
                                       where=LetterPdfError.location(shown, body_line),
                                       hint="write the letter's text below the closing '---'"))

    if src.problems:
        raise src.problems[0] if len(src.problems) == 1 else Problems(src.problems)
    return Letter(
        source=path,
        body=_nfc(body),
        body_line=body_line,
        signatories_path=signatories_path,
        signatories=signatories,
        signers=signers,
        enclosures=enclosures,
        recipients_path=recipients_path,
        **{k: v for k, v in fields.items() if v is not None},
    )
