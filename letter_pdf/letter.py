"""The letter file: YAML front matter and Markdown body -> a validated ``model.Letter``.

Every key is known: an unknown or mistyped key is an error naming it and the closest valid key. Every
problem found is reported (``Problems``), each with ``file:line`` and the field. Paths in the front matter
are relative to the letter's folder and must stay inside it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from letter_pdf.errors import InputError, LetterPdfError, Problems, ResourceError
from letter_pdf.model import GROUPINGS, ORDERS, PAPERS, SIGNATURE_LAYOUTS, Annex, Cover, Letter, Party, Signer

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
FONT_SUFFIXES = (".ttf", ".otf")
PDF_SUFFIXES = (".pdf",)

EXAMPLE = "start the file with a line '---', then 'title: ...' and the other keys, then a line '---', then the text"


def canonical_key(key: Any) -> str:
    """Front-matter keys may be written with '-' or '_' and in any case: 'group-by' is 'group_by'."""
    return str(key).strip().lower().replace("-", "_")


@dataclass
class _Source:
    """The letter file being read: its path, its YAML node tree (for line numbers) and the problems found."""

    path: Path  # absolute
    shown: Path  # as the user named it, for messages
    lines: dict[str, int]  # dotted key ('sender.name', 'signers.0.name') -> 1-based line in the file
    problems: list[LetterPdfError]

    def where(self, field: str) -> str:
        line = self.lines.get(field) or self.lines.get(field.split(".")[0])
        return LetterPdfError.location(self.shown, line, field)

    def fail(self, field: str, message: str, hint: str | None = None, cls=InputError) -> None:
        self.problems.append(cls(message, where=self.where(field), hint=hint))


# ---------------------------------------------------------------------------------------------- reading


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (front matter YAML, body, line where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InputError("the letter has no front matter", where=LetterPdfError.location(path, 1), hint=EXAMPLE)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise InputError(
        "the front matter is not closed",
        where=LetterPdfError.location(path, 1),
        hint="end it with a line '---' before the letter's text",
    )


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the letter ({exc.strerror})", where=path) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            "the letter is not UTF-8 text",
            where=LetterPdfError.location(path, line),
            hint="save it as UTF-8 (in most editors: Save as… > Encoding: UTF-8)",
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _key_lines(node: yaml.Node, prefix: str, offset: int, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}{canonical_key(key_node.value)}"
            out.setdefault(key, key_node.start_mark.line + offset)
            _key_lines(value_node, key + ".", offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"{prefix}{index}"
            out.setdefault(key, item.start_mark.line + offset)
            _key_lines(item, key + ".", offset, out)


def parse_front_matter(front: str, path: Path) -> tuple[dict, dict[str, int]]:
    offset = 2  # YAML line 0 is line 2 of the file (line 1 is '---')
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + offset if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"the front matter is not valid YAML ({problem})",
            where=LetterPdfError.location(path, line),
            hint="check indentation and quote values that contain ':' or '#'",
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            "the front matter must be a list of 'key: value' lines",
            where=LetterPdfError.location(path, 2),
            hint=EXAMPLE,
        )
    lines: dict[str, int] = {}
    if node is not None:
        _key_lines(node, "", offset, lines)
    return data, lines


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
    if isinstance(value, (int, float, dt.date)):
        return str(value)
    if not isinstance(value, str):
        src.fail(field, f"'{field}' must be text, not a {_kind(value)}")
        return None
    return _nfc(value.strip())


def _kind(value: Any) -> str:
    return {dict: "mapping", list: "list"}.get(type(value), type(value).__name__)


def _text_list(src: _Source, field: str, value: Any) -> tuple[str, ...]:
    """A list of lines; a single string is one line (or several, split at line ends)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(_nfc(line.strip()) for line in value.splitlines() if line.strip())
    if not isinstance(value, list):
        src.fail(field, f"'{field}' must be a list of lines", hint="write it as [line one, line two]")
        return ()
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
    src.fail(field, f"unknown key '{name}'", hint=hint)


def _choice(src: _Source, field: str, value: Any, choices: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    text = canonical_key(value).replace("_", "-") if isinstance(value, str) else value
    if text not in choices:
        close = difflib.get_close_matches(str(text), choices, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(choices)}"
        src.fail(field, f"'{value}' is not a valid {field}", hint=hint)
        return default
    return text


def _date(src: _Source, value: Any) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        src.fail("date", f"'{value}' is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-11-29")
        return dt.date.today()


def _lang(src: _Source, value: Any) -> str:
    from babel import Locale, UnknownLocaleError

    if value is None:
        return "en"
    text = str(value).strip()
    try:
        Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        src.fail("lang", f"'{text}' is not a language Babel knows", hint="use a BCP 47 tag such as en, fr, pl, ru, pt-BR")
        return "en"
    return text


def _path(src: _Source, field: str, value: Any, suffixes: tuple[str, ...]) -> Path | None:
    """A file named in the front matter: relative to the letter, inside its folder, existing, right type."""
    text = _text(src, field, value)
    if text is None:
        return None
    folder = src.path.parent.resolve()
    if "://" in text or text.startswith(("file:", "data:")):
        src.fail(field, f"'{text}' is a URL; only files in the letter's folder can be used", cls=ResourceError,
                 hint="download it into the letter's folder and give its file name")
        return None
    candidate = (folder / text).resolve()
    if not candidate.is_relative_to(folder):
        src.fail(field, f"'{text}' is outside the letter's folder", cls=ResourceError,
                 hint="copy the file into the letter's folder (or a subfolder) and name it relative to the letter")
        return None
    if not candidate.is_file():
        src.fail(field, f"file '{text}' not found", cls=ResourceError,
                 hint=f"put it in {folder} or correct the name")
        return None
    if candidate.suffix.lower() not in suffixes:
        src.fail(field, f"'{text}' is not a {'/'.join(s.lstrip('.') for s in suffixes)} file", cls=ResourceError)
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
    for key in ("email", "phone", "website"):
        if text := _text(src, f"{field}.{key}", data.get(key)):
            contact.append(text)
    return Party(name=name or "", address=_text_list(src, f"{field}.address", data.get("address")),
                 contact=tuple(contact))


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
        return tuple(_nfc(k.strip()) for k in value.split(",") if k.strip())
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
}
# keys handled together below
_OTHER_KEYS = ("signer", "signers", "enclosures", "annexes", "signatories")
ALIASES = {"your_reference": "their_reference", "our_reference": "reference", "ref": "reference"}
KEYS: tuple[str, ...] = tuple(_FIELDS) + _OTHER_KEYS


def load_letter(path: Path) -> Letter:
    """Read and validate a letter file and its signatory list; raise ``Problems`` listing every problem."""
    shown = Path(path)
    path = shown.absolute()
    text = read_text(shown)
    front, body, body_line = split_front_matter(text, shown)
    data, lines = parse_front_matter(front, shown)
    src = _Source(path=path, shown=shown, lines=lines, problems=[])

    values: dict[str, Any] = {}
    for raw_key in data:
        key = ALIASES.get(canonical_key(raw_key), canonical_key(raw_key))
        if key not in KEYS:
            _unknown(src, canonical_key(raw_key), canonical_key(raw_key), KEYS + tuple(ALIASES))
            continue
        if key in values:
            src.fail(key, f"'{key}' is given twice", hint="keep one of them")
        values[key] = data[raw_key]

    fields = {name: parser(src, values.get(name)) for name, parser in _FIELDS.items()}
    if "title" not in values:
        src.fail("title", "the letter has no 'title'", hint="add a line 'title: ...' to the front matter")
    signatories_path, signatories = _signatories(src, values.get("signatories"))
    enclosures = _enclosures(src, "enclosures", values.get("enclosures")) + _enclosures(
        src, "annexes", values.get("annexes")
    )
    signers = _signers(src, values.get("signer"), values.get("signers"))
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
        **{k: v for k, v in fields.items() if v is not None},
    )
