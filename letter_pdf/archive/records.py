"""A record of one sending as typed values, and its canonical JSON: written by ``Record.encode`` and read by
``Record.decode``, nowhere else.

A record file is the canonical JSON of the record (UTF-8, keys sorted, indent 2, final newline); its SHA-256 is
the record's chain hash. Reading is strict about the fields letter-pdf wrote (a wrong type is a malformed
record) and ignores nothing silently that the index or the chain depends on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from letter_pdf.archive.text import plain
from letter_pdf.errors import ArchiveError, LetterPdfError, Problems
from letter_pdf.manifest import canonical_json, load_json
from letter_pdf.model import CHANNELS
from letter_pdf.text import char_name, refused_character, suspect_characters, visible

log = logging.getLogger("letter_pdf")

RECORD_FORMAT = "letter-pdf-archive-record/1"
GENESIS = "0" * 64  # the "previous" of the first record
MAX_RECORD_BYTES = 256 * 1024 * 1024  # a record holds the PDF's manifest (at most 64 MiB), indented deeper
MAX_RECORD_DEPTH = 64  # a record letter-pdf writes is nested 5 deep; the manifest it holds, at most 32 more


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def letter_key(content: dict, pdf_title: str | None, file_name: str) -> tuple[str, str]:
    """Which letter a PDF is, for counting versions: (key, what it is based on).

    Same letter = the same ``reference`` in the front matter when the letter has one, else the same title
    (ignoring case and spacing); ``content`` is the manifest's ``letter`` section. A PDF without a manifest:
    the same PDF title, else the same file name.
    """
    reference, title = content.get("reference"), content.get("title")
    if reference and isinstance(reference, str):
        basis = ["reference", _norm(reference)]
    elif title and isinstance(title, str):
        basis = ["title", _norm(title)]
    elif pdf_title:
        basis = ["pdf-title", _norm(pdf_title)]
    else:
        basis = ["file-name", _norm(file_name)]
    return sha256_bytes(json.dumps(basis, ensure_ascii=False).encode("utf-8"))[:16], f"{basis[0]}: {basis[1]}"


class MalformedRecord(ValueError):
    """A record file that is JSON but not a record as letter-pdf writes them (the message says what is wrong)."""


# ------------------------------------------------------------------------------------------- the sending


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_sent_at(value: str | None) -> str | None:
    """An ISO date or date-time, as given by the user, normalised; a time without offset is local time."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ArchiveError(
            f"--sent-at '{plain(text, 40)}' is not an ISO date or time",
            hint="write it like 2026-11-29 or 2026-11-29T14:30 or 2026-11-29T14:30+01:00",
        ) from exc
    if moment.tzinfo is None:
        try:  # near year 1 or 9999 the local time has no UTC offset a date-time can hold
            moment = moment.astimezone()
        except (ValueError, OverflowError, OSError) as exc:
            raise ArchiveError(
                f"--sent-at '{plain(text, 40)}' is out of range in this computer's time zone",
                hint="give a time between the years 1 and 9999 with its offset, e.g. 2026-11-29T14:30+01:00",
            ) from exc
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def refused_in_option(option: str, text: str) -> ArchiveError | None:
    """The problem with a one-line option's text, or ``None``: what is recorded is printed by ``list`` and
    ``show``, so what would make them show something other than what was typed is refused, as in the letter
    (bidirectional controls, control characters), and so are line breaks and tabs (one line each)."""
    refused = refused_character(text)
    if refused is None and (breaks := [ch for ch in "\n\t" if ch in text]):
        refused = f"a control character, {char_name(breaks[0])}", "write it on one line, with spaces only"
    if refused is not None:
        what, hint = refused
        return ArchiveError(f"the value contains {what}: '{plain(text, 80)}'", where=option, hint=hint)
    if (suspect := suspect_characters(text)) is not None:
        log.warning("%s: the value contains %s: '%s'", option, suspect, visible(text))
    return None


@dataclass(frozen=True)
class Sending:
    """To whom, how and when a letter was sent, as recorded."""

    recipient: str
    channel: str
    sent_at: str | None = None
    ref: str | None = None
    note: str | None = None

    @classmethod
    def checked(cls, recipient: str, channel: str, sent_at: str | None = None, ref: str | None = None,
                note: str | None = None) -> Sending:
        """The sending as the options give it: the recipient NFC and trimmed, the time normalised; every problem
        of the options raised together."""
        problems: list[LetterPdfError] = [problem for option, text in (("--to", recipient), ("--via", channel), ("--ref", ref),
                                                 ("--note", note))
                    if isinstance(text, str) and (problem := refused_in_option(option, text)) is not None]
        recipient = unicodedata.normalize("NFC", (recipient or "").strip())
        if not recipient:
            problems.append(ArchiveError("the recipient is missing", hint='say to whom it was sent: --to "Name"'))
        if channel not in CHANNELS and not any(p.where == "--via" for p in problems):
            problems.append(ArchiveError(f"unknown channel '{plain(channel, 40)}'",
                                         hint=f"use one of: {', '.join(CHANNELS)}"))
        if len(problems) > 1:
            raise Problems(problems)
        if problems:
            raise problems[0]
        return cls(recipient, channel, parse_sent_at(sent_at), ref or None, note or None)


# ------------------------------------------------------------------------------------------ the values


DELIVERY_STATUSES = ("accepted", "failed")


@dataclass(frozen=True)
class Delivery:
    """What the mail server was given and what it answered (``letter-pdf send``): a record of channel
    ``email`` has one; other records none (and records written before it existed have none)."""

    address: str  # the recipient's address (the message's To)
    status: str  # accepted (the server took the message) | failed (it refused it for good: a 5xx reply)
    time: str  # when the server answered, ISO 8601 UTC
    message_sha256: str  # the exact bytes of the message (the .eml)
    message_id: str
    reply: str  # the server's reply, e.g. "250 2.0.0 Ok: queued as 4F1"
    cc: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {name: list(self.cc) if name == "cc" else getattr(self, name) for name in _DELIVERY_TYPES}


@dataclass(frozen=True)
class RecordedLetter:
    """Which letter was sent and which version of it (versions are counted per letter key)."""

    known: bool  # the PDF carried a letter-pdf manifest
    key: str
    same_letter_by: str  # what the key is based on, e.g. "reference: ec/2026/117"
    version: int
    title: str | None = None
    date: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class RecordedPdf:
    """The PDF sent, as stored."""

    file_name: str
    sha256: str
    size: int
    pages: int | None
    title: str | None
    object: str  # its path in the archive
    signed: bool


@dataclass(frozen=True)
class StoredFile:
    """A source file that rode in the PDF (``--embed-sources``), stored beside it."""

    name: str
    sha256: str
    size: int
    object: str


@dataclass(frozen=True)
class SignatureFacts:
    """What is known of one signature of the PDF; a field that is not known is left out of the record."""

    signer: str | None = None
    signing_time: str | None = None  # ISO 8601
    timestamped: bool | None = None
    intact: bool | None = None
    valid: bool | None = None
    coverage: str | None = None
    modification_level: str | None = None
    certified: bool | None = None
    signatures: int | None = None
    ok: bool | None = None
    reasons: tuple[str, ...] | None = None
    note: str | None = None  # why it was not examined

    def to_json(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in _SIGNATURE_TYPES}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items() if v is not None}


_SIGNATURE_TYPES: dict[str, type] = {
    "signer": str, "signing_time": str, "timestamped": bool, "intact": bool, "valid": bool, "coverage": str,
    "modification_level": str, "certified": bool, "signatures": int, "ok": bool, "reasons": list, "note": str,
}


@dataclass(frozen=True)
class Record:
    """One sending of one PDF: the truth the archive keeps (the index is derived from it)."""

    number: int
    previous: str  # the chain hash of the record before (GENESIS for the first)
    recorded_at: str
    sending: Sending
    letter: RecordedLetter
    pdf: RecordedPdf
    signatures: tuple[SignatureFacts, ...] = ()
    stored_sources: tuple[StoredFile, ...] = ()
    manifest: dict | None = None  # the letter-pdf manifest the PDF carried, as it was
    notes: tuple[str, ...] = ()
    recorded_by: dict[str, str] = field(default_factory=dict)  # {"name": "letter-pdf", "version": ...}
    format: str = RECORD_FORMAT
    delivery: Delivery | None = None  # sent by ``letter-pdf send``: the server's answer

    @property
    def signatories(self) -> list[dict] | None:
        """The signatories as printed (from the manifest); ``None`` when the letter details are unknown."""
        if self.manifest is None:
            return None
        entries = self.manifest.get("signatories", [])
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    @property
    def letter_content(self) -> dict:
        """The manifest's ``letter`` section (title, subject, body, ...); empty when unknown."""
        content = (self.manifest or {}).get("letter")
        return content if isinstance(content, dict) else {}

    @property
    def stored(self) -> tuple[tuple[str, str], ...]:
        """(object path, SHA-256) of every file stored for this record: the PDF first."""
        return ((self.pdf.object, self.pdf.sha256), *((s.object, s.sha256) for s in self.stored_sources))

    def to_json(self) -> dict[str, Any]:
        # "delivery" only when there is one: a record without it is the same JSON as before it existed
        return {**({"delivery": self.delivery.to_json()} if self.delivery is not None else {}),
            "format": self.format,
            "number": self.number,
            "previous": self.previous,
            "recorded_at": self.recorded_at,
            "sent_at": self.sending.sent_at,
            "recipient": self.sending.recipient,
            "channel": self.sending.channel,
            "ref": self.sending.ref,
            "note": self.sending.note,
            "letter": {name: getattr(self.letter, name) for name in _LETTER_TYPES},
            "pdf": {name: getattr(self.pdf, name) for name in _PDF_TYPES},
            "signatures": [s.to_json() for s in self.signatures],
            "stored_sources": [{name: getattr(s, name) for name in _STORED_TYPES} for s in self.stored_sources],
            "manifest": self.manifest,
            "notes": list(self.notes),
            "recorded_by": dict(self.recorded_by),
        }

    def encode(self) -> bytes:
        """The record file's bytes (canonical JSON): the only way a record is written."""
        return canonical_json(self.to_json())

    @classmethod
    def decode(cls, data: bytes) -> Record:
        """The record in a record file's bytes: ``ValueError`` when they are not JSON (``UnicodeDecodeError``,
        ``json.JSONDecodeError``) or nested too deeply (``NestedTooDeeply``), ``MalformedRecord`` when the JSON
        is not a record."""
        return cls.from_json(load_json(data, max_depth=MAX_RECORD_DEPTH))

    @classmethod
    def from_json(cls, value: Any) -> Record:
        if not isinstance(value, dict):
            raise MalformedRecord("it is not a record")
        number = _typed(value, "number", int)
        for section in ("letter", "pdf"):
            if not isinstance(value.get(section), dict):
                raise MalformedRecord(f"its '{section}' is not a section")
        letter, pdf = value["letter"], value["pdf"]
        sources = value.get("stored_sources") or []
        signatures = value.get("signatures") or []
        manifest = value.get("manifest")
        if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
            raise MalformedRecord("its stored files are not a list of files")
        if not isinstance(signatures, list) or not all(isinstance(s, dict) for s in signatures):
            raise MalformedRecord("its signatures are not a list")
        if manifest is not None and not isinstance(manifest, dict):
            raise MalformedRecord("its manifest is not a section")
        notes = value.get("notes") or []
        recorded_by = value.get("recorded_by") or {}
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            raise MalformedRecord("its notes are not a list of texts")
        if not isinstance(recorded_by, dict):
            raise MalformedRecord("its 'recorded_by' is not a section")
        return cls(
            number=number,
            previous=_typed(value, "previous", str),
            recorded_at=_typed(value, "recorded_at", str),
            sending=Sending(recipient=_typed(value, "recipient", str), channel=_typed(value, "channel", str),
                            sent_at=_typed(value, "sent_at", str, None), ref=_typed(value, "ref", str, None),
                            note=_typed(value, "note", str, None)),
            letter=RecordedLetter(**_section(letter, _LETTER_TYPES, "letter")),
            pdf=RecordedPdf(**_section(pdf, _PDF_TYPES, "pdf")),
            signatures=tuple(_signature(s) for s in signatures),
            stored_sources=tuple(StoredFile(**_section(s, _STORED_TYPES, "stored file")) for s in sources),
            manifest=manifest,
            notes=tuple(notes),
            recorded_by=recorded_by,
            format=_typed(value, "format", str, RECORD_FORMAT),
            delivery=_delivery(value.get("delivery")),
        )


_MISSING = object()
_REQUIRED = object()
# each section's fields: (type, default); a default of _REQUIRED makes the field required
_LETTER_TYPES: dict[str, tuple[type, Any]] = {
    "known": (bool, False), "key": (str, _REQUIRED), "same_letter_by": (str, ""), "version": (int, _REQUIRED),
    "title": (str, None), "date": (str, None), "reference": (str, None),
}
_PDF_TYPES: dict[str, tuple[type, Any]] = {
    "file_name": (str, ""), "sha256": (str, _REQUIRED), "size": (int, None), "pages": (int, None),
    "title": (str, None), "object": (str, _REQUIRED), "signed": (bool, False),
}
_DELIVERY_TYPES: dict[str, tuple[type, Any]] = {
    "address": (str, _REQUIRED), "status": (str, _REQUIRED), "time": (str, _REQUIRED),
    "message_sha256": (str, _REQUIRED), "message_id": (str, _REQUIRED), "reply": (str, _REQUIRED),
    "cc": (list, []),
}
_STORED_TYPES: dict[str, tuple[type, Any]] = {
    "name": (str, _REQUIRED), "sha256": (str, _REQUIRED), "size": (int, None), "object": (str, _REQUIRED),
}


def _typed(values: dict, key: str, kind: type, default: Any = _REQUIRED, where: str = "") -> Any:
    value = values.get(key, _MISSING)
    if value is _MISSING or (value is None and default is not _REQUIRED):
        if default is _REQUIRED:
            raise MalformedRecord(f"{where}'{key}' is missing")
        return default
    # bool is an int in Python: a number that says true is not a number, nor 1 a yes
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedRecord(f"{where}'{key}' is not a {kind.__name__}")
    return value


def _section(values: dict, types: dict[str, tuple[type, Any]], what: str) -> dict[str, Any]:
    return {key: _typed(values, key, kind, default, f"{what} ") for key, (kind, default) in types.items()}


def _signature(values: dict) -> SignatureFacts:
    facts = {key: _typed(values, key, kind, None, "signature ") for key, kind in _SIGNATURE_TYPES.items()}
    if facts["reasons"] is not None:
        facts["reasons"] = tuple(str(r) for r in facts["reasons"])
    return SignatureFacts(**facts)


def _delivery(values: Any) -> Delivery | None:
    if values is None:
        return None
    if not isinstance(values, dict):
        raise MalformedRecord("its 'delivery' is not a section")
    facts = _section(values, _DELIVERY_TYPES, "delivery")
    if facts["status"] not in DELIVERY_STATUSES:
        raise MalformedRecord(f"delivery 'status' is not one of {', '.join(DELIVERY_STATUSES)}")
    if not all(isinstance(a, str) for a in facts["cc"]):
        raise MalformedRecord("delivery 'cc' is not a list of addresses")
    if len(facts["message_sha256"]) != 64 or any(c not in "0123456789abcdef" for c in facts["message_sha256"]):
        raise MalformedRecord("delivery 'message_sha256' is not a SHA-256")
    facts["cc"] = tuple(facts["cc"])
    return Delivery(**facts)
