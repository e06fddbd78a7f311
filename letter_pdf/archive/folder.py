"""The archive of sent versions: append-only, hash-chained, and safe against crashes and concurrent writers.

Layout of an archive folder (self-contained, relative paths only; copy it anywhere)::

    letter-pdf-archive.json      format marker
    README.txt                   what this folder is and how to check it by hand
    records/00000001.json        one record per sent version: the truth
    objects/sha256/ab/abcd....pdf  the exact bytes of each PDF (and embedded sources), named by SHA-256
    index.sqlite                 a derived index (version numbers, look-ups), rebuilt from records/ when missing or
                                 behind; verify checks it field by field against the records
    .lock                        the lock file that serialises writers (fcntl.flock)

Each record file is the canonical JSON encoding of the record (UTF-8, keys sorted, indent 2, final newline):
its SHA-256 *is* the record's chain hash, and each record carries the hash of the previous one
(``previous``; the first one carries 64 zeros). ``sha256sum records/*.json`` reproduces the chain.

Writing a record, under an exclusive lock: (1) the objects, each to a temporary name, flushed, fsynced, renamed,
folder fsynced; (2) the record file the same way — its rename is the commit point; (3) the index, in one
SQLite transaction. A crash before (2) leaves at most objects no record refers to (``verify`` reports them as
leftovers of an interrupted record, not as damage) and temporary files (removed by the next writer, who holds
the lock so no live writer owns them); a crash after (2) leaves the index one record behind, which the next
command brings up to date from the record files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
try:
    import fcntl
except ImportError:  # Windows: msvcrt's byte-range lock instead (exclusive only); untested here
    fcntl = None
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from letter_pdf._version import __version__
from letter_pdf.errors import ArchiveError, LetterPdfError, Problems
from letter_pdf.model import CHANNELS
from letter_pdf.output import fsync_dir, write_temp
from letter_pdf.text import char_name, refused_character, suspect_characters, visible
from letter_pdf.manifest import canonical_json, read_attachments, parse_manifest, MANIFEST_NAME

log = logging.getLogger("letter_pdf")

ARCHIVE_FORMAT = "letter-pdf-archive/1"
RECORD_FORMAT = "letter-pdf-archive-record/1"
GENESIS = "0" * 64
ENV_VAR = "LETTER_PDF_ARCHIVE"
MARKER = "letter-pdf-archive.json"
README = "README.txt"
INDEX = "index.sqlite"
LOCK = ".lock"
RECORDS = "records"
OBJECTS = "objects"
TMP_PREFIX = ".tmp-"
_RECORD_NAME = re.compile(r"^(\d{8})\.json$")
_OBJECT_NAME = re.compile(r"^([0-9a-f]{64})\.([a-z0-9]{1,8})$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
BAGIT_DECLARATION = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"  # RFC 8493, section 2.1.1
_EXPECTED_TOP = {MARKER, README, INDEX, INDEX + "-journal", LOCK, RECORDS, OBJECTS}

_README_TEXT = """\
This folder is a letter-pdf archive: a tamper-evident record of the letters that were sent.

  records/NNNNNNNN.json   one record per sent version (when, to whom, how, which PDF, who signed)
  objects/sha256/..       the exact PDF files sent (and their embedded sources), named by their SHA-256
  index.sqlite            an index for fast listing; it can be rebuilt from records/ at any time

Check it:   letter-pdf archive verify --archive-dir THIS-FOLDER
By hand:    the SHA-256 of each record file (sha256sum records/00000002.json) is that record's chain hash and
            must equal the "previous" field of the next record; the first record's "previous" is 64 zeros.
            Each object's file name is the SHA-256 of its contents.
Never edit or delete anything here: letter-pdf only ever adds files.
"""


# ----------------------------------------------------------------------------------------------- helpers


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_path(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` atomically (temp name, fsync, link into place, fsync folder).

    Fails with ``FileExistsError`` rather than replacing an existing file: nothing is ever overwritten.
    """
    tmp = write_temp(path.parent, data, prefix=TMP_PREFIX, mode=0o444)
    try:
        os.link(tmp, path)  # unlike rename, refuses to replace an existing file
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(path.parent)


def _lock(fd: int, exclusive: bool) -> None:
    """Block until this process holds the archive's lock (released when ``fd`` is closed)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        return
    import msvcrt

    while True:
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            return
        except OSError:  # LK_LOCK gives up after 10 s; keep waiting
            continue


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


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
        moment = moment.astimezone()
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _refused_in_option(option: str, text: str) -> ArchiveError | None:
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


def _check_sending(recipient: str, channel: str, sent_at: str | None, ref: str | None = None,
                   note: str | None = None) -> tuple[str, str | None]:
    """The recipient (NFC, trimmed) and the time of sending, normalised; every problem of the options raised."""
    problems = [problem for option, text in (("--to", recipient), ("--via", channel), ("--ref", ref), ("--note", note))
                if isinstance(text, str) and (problem := _refused_in_option(option, text)) is not None]
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
    return recipient, parse_sent_at(sent_at)


LIBRARY_TEXT = 120  # at most this much of a library's own error text is quoted in a message


def _detail(exc: BaseException) -> str:
    """A library's error text as it may be quoted in a message: made visible and capped."""
    return visible(str(exc) or type(exc).__name__, LIBRARY_TEXT)


def plain(value: Any, limit: int | None = None) -> str:
    """A value from a record as it may be printed: control characters, bidirectional controls, line breaks,
    tabs and marks of damaged text shown as ``<U+XXXX>`` (a record written before they were refused, or
    edited, is shown as it is, never reordered or coloured); shortened to ``limit`` characters when given."""
    text = "" if value is None else str(value)
    shown = visible(text, sys.maxsize).replace("\n", "<U+000A>").replace("\t", "<U+0009>")
    return shown if limit is None or len(shown) <= limit else shown[: limit - 1] + "…"


def locate(archive_dir: str | Path | None = None, *, beside: str | Path | None = None) -> Path:
    """Where the archive is: ``archive_dir``, else ``$LETTER_PDF_ARCHIVE``, else ``archive/`` beside the file
    ``beside`` (the letter or the PDF), else ``archive/`` in the current folder."""
    if archive_dir:
        return Path(archive_dir)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    if beside is not None:
        return Path(beside).parent / "archive"  # as the user typed it: messages name it so
    return Path("archive")


# ---------------------------------------------------------------------------------------- the PDF's facts


@dataclasses.dataclass(frozen=True)
class PdfFacts:
    """What is learnt from the PDF itself before anything is written."""

    path: Path
    data: bytes
    sha256: str
    pages: int | None
    title: str | None
    manifest: dict | None
    manifest_note: str | None
    attachments: dict[str, bytes]
    signed: bool


def inspect_pdf(path: str | Path) -> PdfFacts:
    """Read and check the PDF to record; raise ``ArchiveError`` when it is missing or not a PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ArchiveError("no such file", where=path, hint="give the path of the PDF that was sent") from exc
    except IsADirectoryError as exc:
        raise ArchiveError("is a folder, not a PDF file", where=path) from exc
    except OSError as exc:
        raise ArchiveError(f"cannot read the file ({exc.strerror})", where=path) from exc
    if b"%PDF-" not in data[:1024]:
        raise ArchiveError("not a PDF file", where=path, hint="record the PDF file that was sent")
    import io

    from letter_pdf.assemble import _pypdf_limits  # the same bounds as for any other untrusted PDF

    manifest = manifest_note = None
    attachments: dict[str, bytes] = {}
    try:
        with _pypdf_limits():
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                pages = None
            else:
                pages = len(reader.pages)
            title = None
            with contextlib.suppress(Exception):
                title = reader.metadata.title if reader.metadata else None
            if pages is not None:
                attachments = read_attachments(reader, [MANIFEST_NAME])
                if MANIFEST_NAME in attachments:
                    manifest = parse_manifest(attachments[MANIFEST_NAME])
                if manifest is not None:  # the sources embedded with --embed-sources
                    names = [n for n in manifest.get("embedded_sources") or [] if isinstance(n, str)]
                    attachments.update(read_attachments(reader, names))
            signed = _has_signature(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.debug("%s: %s: %s", path, type(exc).__name__, _detail(exc))
        raise ArchiveError("the PDF is damaged and cannot be read", where=path,
                           hint="record the PDF file exactly as it was sent") from exc
    if MANIFEST_NAME in attachments and manifest is None:
        manifest_note = f"the PDF's {MANIFEST_NAME} is unreadable; the letter details are unknown"
    elif manifest is None:
        manifest_note = "the PDF carries no letter-pdf manifest; the letter details are unknown"
    return PdfFacts(path, data, sha256_bytes(data), pages, str(title) if title else None, manifest,
                    manifest_note, attachments, signed)


def _has_signature(reader) -> bool:
    with contextlib.suppress(Exception):
        for field in (reader.get_fields() or {}).values():
            if field.get("/FT") == "/Sig" and field.get("/V") is not None:
                return True
    return False


def signature_facts(path: Path) -> list[dict]:
    """Signer and signing time of each signature, from the signing engineer's ``letter_pdf.verify``."""
    try:
        from letter_pdf import verify as verify_module
    except ImportError:
        return [{"note": "signed; the signature was not examined (letter_pdf.verify is not available)"}]
    try:
        report = verify_module.verify_pdf(path)
    except Exception as exc:  # a signature we cannot validate is still recorded as sent
        why = visible(exc.message, LIBRARY_TEXT) if isinstance(exc, LetterPdfError) else _detail(exc)
        log.warning("cannot examine the signature of %s: %s", path, why)
        return [{"note": f"signed; the signature could not be examined ({why})"}]
    items = report if isinstance(report, (list, tuple)) else [report]
    out = []
    for item in items:
        entry = {}
        for key in ("signer", "signing_time", "timestamped", "intact", "valid", "coverage", "modification_level",
                    "certified", "signatures", "ok", "reasons"):
            value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
            if isinstance(value, (dt.datetime, dt.date)):
                value = value.isoformat()
            elif isinstance(value, (list, tuple)):
                value = [str(v) for v in value]
            elif value is not None and not isinstance(value, (str, int, bool)):
                value = str(value)
            if value is not None:
                entry[key] = value
        out.append(entry)
    return out


# -------------------------------------------------------------------------------------------- the records


def letter_key(manifest: dict | None, pdf_title: str | None, file_name: str) -> tuple[str, str]:
    """Which letter a PDF is, for counting versions: (key, what it is based on).

    Same letter = the same ``reference`` in the front matter when the letter has one, else the same title
    (ignoring case and spacing). A PDF without a manifest: the same PDF title, else the same file name.
    """
    letter = (manifest or {}).get("letter") or {}
    if letter.get("reference"):
        basis = ["reference", _norm(letter["reference"])]
    elif letter.get("title"):
        basis = ["title", _norm(letter["title"])]
    elif pdf_title:
        basis = ["pdf-title", _norm(pdf_title)]
    else:
        basis = ["file-name", _norm(file_name)]
    return sha256_bytes(json.dumps(basis, ensure_ascii=False).encode("utf-8"))[:16], f"{basis[0]}: {basis[1]}"


def object_path(digest: str, suffix: str) -> str:
    """The relative path of a stored object."""
    return f"{OBJECTS}/sha256/{digest[:2]}/{digest}.{suffix}"


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix if re.fullmatch(r"[a-z0-9]{1,8}", suffix) else "bin"


def _compare_signatories(old: list[dict], new: list[dict]):
    """(added, removed, changed) between two recorded lists, matched by ``compare.compare``."""
    from letter_pdf.compare import compare
    from letter_pdf.model import Signatory

    def as_signatory(entry: dict) -> Signatory:
        return Signatory(name=entry.get("name", ""), countries=tuple(entry.get("countries") or ()),
                         kind=entry.get("kind") or "organisation", role=entry.get("role"), group=entry.get("group"))

    originals: dict[int, dict] = {}
    lists = []
    for entries in (old, new):
        signatories = []
        for entry in entries:
            signatory = as_signatory(entry)
            originals[id(signatory)] = entry
            signatories.append(signatory)
        lists.append(signatories)
    diff = compare(*lists)
    return ([originals[id(s)] for s in diff.added], [originals[id(s)] for s in diff.removed],
            [(originals[id(c.old)], originals[id(c.new)]) for c in diff.changed])


def record_signatories(record: dict) -> list[dict] | None:
    manifest = record.get("manifest")
    return None if manifest is None else manifest.get("signatories", [])


@dataclasses.dataclass
class Finding:
    """One finding of ``verify``: ``error`` (damage) or ``note`` (harmless, e.g. left by an interrupted record)."""

    level: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


@dataclasses.dataclass
class VerifyReport:
    records: int
    head: str | None
    findings: list[Finding]
    head_checked: str | None = None  # what --head found

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]


@dataclasses.dataclass
class Diff:
    old: int
    new: int
    fields: list[tuple[str, Any, Any]]
    added: list[dict]
    removed: list[dict]
    changed: list[tuple[dict, dict]]
    text: list[str]  # unified diff lines of the letter's text
    notes: list[str]
    sending: list[tuple[str, Any, Any]] = dataclasses.field(default_factory=list)  # to whom, how, when

    @property
    def same(self) -> bool:
        return not (self.fields or self.added or self.removed or self.changed or self.text)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS records(
    number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, previous TEXT NOT NULL,
    recorded_at TEXT NOT NULL, sent_at TEXT, recipient TEXT NOT NULL, channel TEXT NOT NULL, ref TEXT,
    title TEXT, letter_key TEXT NOT NULL, version INTEGER NOT NULL, pages INTEGER, signatories INTEGER,
    pdf_sha256 TEXT NOT NULL, signed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = ("number", "hash", "previous", "recorded_at", "sent_at", "recipient", "channel", "ref", "title",
            "letter_key", "version", "pages", "signatories", "pdf_sha256", "signed")


def _index_row(record: dict, digest: str) -> tuple:
    signatories = record_signatories(record)
    return (
        record["number"], digest, record["previous"], record["recorded_at"], record.get("sent_at"),
        record["recipient"], record["channel"], record.get("ref"), record["letter"].get("title"),
        record["letter"]["key"], record["letter"]["version"], record["pdf"].get("pages"),
        None if signatories is None else len(signatories), record["pdf"]["sha256"],
        int(bool(record["pdf"].get("signed"))),
    )


_LABELS = {"hash": "chain hash", "previous": "previous hash", "recorded_at": "recorded at", "sent_at": "sent at",
           "letter_key": "letter key", "pages": "pages", "signatories": "number of signatories",
           "pdf_sha256": "PDF SHA-256", "signed": "signed"}


def _records_are(numbers: list[int]) -> str:
    """``record 3 is``, ``records 3–5, 9 are`` (runs of numbers as ranges)."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)
    return f"record {text} is" if len(numbers) == 1 else f"records {text} are"


def _shown(value: Any) -> str:
    return "nothing" if value is None else repr(value)


def _index_differences(row: tuple, expected: tuple) -> list[tuple[str, Any, Any]]:
    """(column, index value, record value) for each column where an index row disagrees with its record."""
    return [(column, got, want) for column, got, want in zip(_COLUMNS, row, expected) if got != want]


def _checked_row(record: Any, digest: str, path: Path) -> tuple:
    try:
        return _index_row(record, digest)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ArchiveError("the record is malformed", where=path,
                           hint="run 'letter-pdf archive verify'") from exc


class Archive:
    """One archive folder. ``Archive(path)`` touches nothing; ``record`` creates the folder when needed."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._index_made = False  # the last _connect(write=True) found no index table and made one

    # -------------------------------------------------------------------------------------- plumbing

    @property
    def records_dir(self) -> Path:
        return self.root / RECORDS

    def record_file(self, number: int) -> Path:
        return self.records_dir / f"{number:08d}.json"

    def exists(self) -> bool:
        return (self.root / MARKER).is_file()

    def _require(self) -> None:
        if not self.root.is_dir():
            raise ArchiveError("no archive here", where=self.root,
                               hint=f"give --archive-dir, set {ENV_VAR}, or record a letter first")
        if not self.exists():
            raise ArchiveError(f"not a letter-pdf archive (no {MARKER})", where=self.root,
                               hint="give the folder that 'archive record' created")

    def _create(self) -> None:
        if self.root.is_dir() and not self.exists():
            strangers = sorted(p.name for p in self.root.iterdir()
                               if p.name not in _EXPECTED_TOP and not p.name.startswith(TMP_PREFIX))
            if strangers:
                raise ArchiveError(f"the folder is not a letter-pdf archive (it holds {strangers[0]!r})",
                                   where=self.root, hint="give a new or empty folder, or an existing archive")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for sub in (self.records_dir, self.root / OBJECTS / "sha256"):
                sub.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise ArchiveError("exists and is not a folder", where=exc.filename or self.root) from exc
        except OSError as exc:
            raise ArchiveError(f"cannot create the archive here ({exc.strerror})", where=self.root,
                               hint="choose a writable folder with --archive-dir") from exc
        if not os.access(self.root, os.W_OK) or not os.access(self.records_dir, os.W_OK):
            raise ArchiveError("the archive folder is not writable", where=self.root,
                               hint="choose a writable folder with --archive-dir, or fix its permissions")

    @contextlib.contextmanager
    def _locked(self, exclusive: bool = True) -> Iterator[None]:
        lock = self.root / LOCK
        try:
            fd = os.open(lock, (os.O_RDWR | os.O_CREAT) if exclusive else os.O_RDONLY, 0o644)
        except FileNotFoundError:
            if exclusive:
                raise
            yield  # a read-only copy without a lock file: nobody writes to it
            return
        except OSError as exc:
            if exclusive:
                raise ArchiveError(f"cannot lock the archive ({exc.strerror})", where=lock,
                                   hint="choose a writable folder with --archive-dir") from exc
            yield
            return
        try:
            _lock(fd, exclusive)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _ensure_marker(self) -> None:
        for name, data in ((MARKER, canonical_json({"format": ARCHIVE_FORMAT})), (README, _README_TEXT.encode())):
            if not (self.root / name).exists():
                _write_new(self.root / name, data)

    def _connect(self, *, write: bool) -> sqlite3.Connection:
        path = self.root / INDEX
        if not write and not path.exists():
            raise ArchiveError("the archive has no index", where=path,
                               hint="run 'letter-pdf archive reindex' to rebuild it from the records")
        try:
            uri = f"file:{path}" + ("" if write else "?mode=ro")
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            db.execute("PRAGMA synchronous=FULL")
            if write:
                # no index, or one without its table: created here and filled by _catch_up, which says so
                columns = tuple(row[1] for row in db.execute("PRAGMA table_info(records)"))
                if columns and columns != _COLUMNS:  # a table of another shape: the index is rebuilt
                    db.execute("DROP TABLE records")
                self._index_made = columns != _COLUMNS
                db.executescript(_SCHEMA)
            else:
                db.execute("SELECT count(*) FROM records").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"the archive's index is damaged ({_detail(exc)})", where=path,
                               hint="run 'letter-pdf archive verify', then 'letter-pdf archive reindex'") from exc
        return db

    def record_numbers(self) -> list[int]:
        """Numbers of the record files present, sorted."""
        if not self.records_dir.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.records_dir.iterdir() if (m := _RECORD_NAME.match(p.name)))

    def _read_record_file(self, number: int) -> tuple[dict, str]:
        path = self.record_file(number)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveError(f"there is no record {number}", where=self.root,
                               hint="'letter-pdf archive list' shows the records") from exc
        try:
            record = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArchiveError(f"record {number} is damaged (not JSON)", where=path,
                               hint="run 'letter-pdf archive verify'") from exc
        if not isinstance(record, dict) or not isinstance(record.get("pdf"), dict) \
                or not isinstance(record.get("letter"), dict):
            raise ArchiveError(f"record {number} is malformed", where=path, hint="run 'letter-pdf archive verify'")
        return record, sha256_bytes(data)

    def _catch_up(self, db: sqlite3.Connection) -> None:
        """Add to the index the records written after its last transaction (a crash between the two).

        A crash leaves the index one record behind, which is brought up to date quietly; anything more (an index
        made anew by ``_connect``, or several records missing) is an index that was changed: a warning says so."""
        indexed = db.execute("SELECT max(number) FROM records").fetchone()[0] or 0
        missing = [n for n in self.record_numbers() if n > indexed]
        if not missing:
            return
        if self._index_made:
            log.warning("the index was missing or damaged; rebuilt from the records")
        elif len(missing) > 1:
            log.warning("%s missing from the index; added from the record files", _records_are(missing))
        else:
            log.info("record %d was not yet in the index (an interrupted record); added from its record file",
                     missing[0])
        previous = db.execute("SELECT hash FROM records WHERE number = ?", (indexed,)).fetchone()
        previous = previous[0] if previous else GENESIS
        rows = []
        for number in missing:
            record, digest = self._read_record_file(number)
            if record.get("previous") != previous or record.get("number") != number:
                raise ArchiveError(f"record {number} does not follow the one before it", where=self.record_file(number),
                                   hint="run 'letter-pdf archive verify'")
            rows.append(_checked_row(record, digest, self.record_file(number)))
            previous = digest
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(f"INSERT INTO records VALUES ({','.join('?' * len(_COLUMNS))})", rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _check_index(self, db: sqlite3.Connection) -> None:
        """Refuse to go on when any index row disagrees with its record file (or has none, or is missing)."""
        index = {row[0]: row for row in db.execute(f"SELECT {', '.join(_COLUMNS)} FROM records").fetchall()}
        hint = ("run 'letter-pdf archive verify'; when only the index is wrong, "
                "'letter-pdf archive reindex' rebuilds it from the records")
        numbers = self.record_numbers()
        for number in numbers:
            record, digest = self._read_record_file(number)
            if number not in index:
                raise ArchiveError(f"record {number} is missing from the index", where=self.root / INDEX, hint=hint)
            differences = _index_differences(index[number], _checked_row(record, digest, self.record_file(number)))
            if differences:
                raise ArchiveError(f"record {number}: the index disagrees with the record file "
                                   f"({', '.join(_LABELS.get(c, c) for c, _, _ in differences)})",
                                   where=self.root / INDEX, hint=hint)
        for number in sorted(set(index) - set(numbers)):
            raise ArchiveError(f"record {number} is in the index but its file is missing",
                               where=self.record_file(number), hint="run 'letter-pdf archive verify'")

    def _cleanup_temporary(self) -> None:
        """Remove temporary files of writers that died (we hold the lock, so no live writer owns them)."""
        for folder in [self.root, self.records_dir, *self._object_dirs()]:
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    if entry.name.startswith(TMP_PREFIX) and entry.is_file():
                        entry.unlink()

    def _object_dirs(self) -> list[Path]:
        base = self.root / OBJECTS / "sha256"
        return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    def _store_object(self, data: bytes, digest: str, suffix: str) -> str:
        relative = object_path(digest, suffix)
        path = self.root / relative
        if path.is_file() and _sha256_path(path) == digest:
            return relative  # the same bytes are already stored (or left by an interrupted record)
        path.parent.mkdir(parents=True, exist_ok=True)
        fsync_dir(path.parent.parent)
        if path.exists():  # damaged: never overwrite; verify reports it
            raise ArchiveError("a stored file is damaged", where=path, hint="run 'letter-pdf archive verify'")
        _write_new(path, data)
        return relative

    # ------------------------------------------------------------------------------------------ writing

    def record(
        self,
        pdf: str | Path,
        *,
        recipient: str,
        channel: str,
        ref: str | None = None,
        note: str | None = None,
        sent_at: str | None = None,
        file_name: str | None = None,
    ) -> tuple[dict, str]:
        """Store the PDF and a record of its sending; return (record, chain hash). Nothing is changed on error."""
        recipient, sent = _check_sending(recipient, channel, sent_at, ref, note)
        facts = inspect_pdf(pdf)
        signatures = signature_facts(Path(pdf)) if facts.signed else []
        manifest = facts.manifest
        file_name = file_name or Path(pdf).name
        key, basis = letter_key(manifest, facts.title, file_name)
        letter = (manifest or {}).get("letter") or {}
        embedded = [n for n in (manifest or {}).get("embedded_sources", []) if n in facts.attachments]

        self._create()
        try:
            with self._locked():
                self._ensure_marker()
                db = self._connect(write=True)
                try:
                    self._catch_up(db)
                    self._check_index(db)  # version numbers come from it: an edited index must not decide them
                    self._cleanup_temporary()
                    last = db.execute("SELECT number, hash FROM records ORDER BY number DESC LIMIT 1").fetchone()
                    number, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
                    if last:
                        _, tail_hash = self._read_record_file(last[0])
                        if tail_hash != last[1]:
                            raise ArchiveError(f"record {last[0]} has changed since it was recorded",
                                               where=self.record_file(last[0]), hint="run 'letter-pdf archive verify'")
                    if self.record_file(number).exists():
                        raise ArchiveError(f"record {number} exists but is not in the index",
                                           where=self.record_file(number), hint="run 'letter-pdf archive verify'")
                    same = db.execute(
                        "SELECT min(version) FROM records WHERE letter_key = ? AND pdf_sha256 = ?",
                        (key, facts.sha256)).fetchone()[0]
                    version = same or (db.execute("SELECT coalesce(max(version), 0) FROM records WHERE letter_key = ?",
                                                  (key,)).fetchone()[0] + 1)
                    stored_pdf = self._store_object(facts.data, facts.sha256, "pdf")
                    stored_sources = []
                    for name in sorted(embedded):
                        data = facts.attachments[name]
                        digest = sha256_bytes(data)
                        stored_sources.append({"name": name, "sha256": digest, "size": len(data),
                                               "object": self._store_object(data, digest, _suffix(name))})
                    record = {
                        "format": RECORD_FORMAT,
                        "number": number,
                        "previous": previous,
                        "recorded_at": now_utc(),
                        "sent_at": sent,
                        "recipient": recipient,
                        "channel": channel,
                        "ref": ref or None,
                        "note": note or None,
                        "letter": {
                            "known": manifest is not None,
                            "key": key,
                            "same_letter_by": basis,
                            "version": version,
                            "title": letter.get("title") or facts.title,
                            "date": letter.get("date"),
                            "reference": letter.get("reference"),
                        },
                        "pdf": {
                            "file_name": file_name,
                            "sha256": facts.sha256,
                            "size": len(facts.data),
                            "pages": facts.pages,
                            "title": facts.title,
                            "object": stored_pdf,
                            "signed": facts.signed,
                        },
                        "signatures": signatures,
                        "stored_sources": stored_sources,
                        "manifest": manifest,
                        "notes": [facts.manifest_note] if facts.manifest_note else [],
                        "recorded_by": {"name": "letter-pdf", "version": __version__},
                    }
                    data = canonical_json(record)
                    digest = sha256_bytes(data)
                    _write_new(self.record_file(number), data)  # the commit point
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        db.execute(f"INSERT INTO records VALUES ({','.join('?' * len(_COLUMNS))})",
                                   _index_row(record, digest))
                        db.execute("COMMIT")
                    except BaseException:
                        db.execute("ROLLBACK")
                        raise
                finally:
                    db.close()
        except OSError as exc:
            raise ArchiveError(f"cannot write to the archive ({exc.strerror or _detail(exc)})", where=self.root,
                               hint="check the folder's permissions and free space") from exc
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"the archive's index is damaged ({_detail(exc)})", where=self.root / INDEX,
                               hint="run 'letter-pdf archive verify', then 'letter-pdf archive reindex'") from exc
        return record, digest

    def preflight(self, *, recipient: str, channel: str, sent_at: str | None = None, ref: str | None = None,
                  note: str | None = None) -> None:
        """Check, without writing anything, that a record could be made (``build --archive`` asks first)."""
        _check_sending(recipient, channel, sent_at, ref, note)
        if self.root.exists() and not self.root.is_dir():
            raise ArchiveError("exists and is not a folder", where=self.root)
        if self.root.is_dir():
            if not self.exists():
                strangers = sorted(p.name for p in self.root.iterdir()
                                   if p.name not in _EXPECTED_TOP and not p.name.startswith(TMP_PREFIX))
                if strangers:
                    raise ArchiveError(f"the folder is not a letter-pdf archive (it holds {strangers[0]!r})",
                                       where=self.root, hint="give a new or empty folder, or an existing archive")
            if not os.access(self.root, os.W_OK):
                raise ArchiveError("the archive folder is not writable", where=self.root,
                                   hint="choose a writable folder with --archive-dir, or fix its permissions")
            if (self.root / INDEX).exists():
                self._connect(write=False).close()
        else:
            parent = self.root.parent
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
            if not parent.is_dir() or not os.access(parent, os.W_OK):
                raise ArchiveError("cannot create the archive here", where=self.root,
                                   hint="choose a writable folder with --archive-dir")

    def reindex(self) -> int:
        """Rebuild the index from the record files (the truth); return the number of records indexed."""
        self._require()
        with self._locked():
            fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=self.root)
            os.close(fd)
            try:
                db = sqlite3.connect(tmp, isolation_level=None)
                db.executescript(_SCHEMA)
                db.execute("BEGIN")
                numbers = self.record_numbers()
                for number in numbers:
                    record, digest = self._read_record_file(number)
                    db.execute(f"INSERT INTO records VALUES ({','.join('?' * len(_COLUMNS))})",
                               _checked_row(record, digest, self.record_file(number)))
                db.execute("COMMIT")
                db.close()
                with open(tmp, "rb") as f:
                    os.fsync(f.fileno())
                os.replace(tmp, self.root / INDEX)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.root / (INDEX + "-journal"))
                fsync_dir(self.root)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        return len(numbers)

    # ------------------------------------------------------------------------------------------ reading

    def _reading_db(self) -> sqlite3.Connection:
        """The index, brought up to date with the record files first when the folder is writable."""
        self._require()
        if os.access(self.root, os.W_OK):
            with self._locked():
                db = self._connect(write=True)
                try:
                    self._catch_up(db)
                finally:
                    db.close()
        return self._connect(write=False)

    def list(self) -> list[dict]:
        """A summary of every record, oldest first, read from the record files (the truth).

        The index is brought up to date first (a damaged one is refused, as by every command that uses it);
        where it disagrees with a record, a warning names the record and the fields, and the list shows what
        the record file says."""
        self._require()
        index: dict[int, tuple] | None = None
        if (self.root / INDEX).exists() or os.access(self.root, os.W_OK):
            db = self._reading_db()
            try:
                index = {row[0]: row for row in
                         db.execute(f"SELECT {', '.join(_COLUMNS)} FROM records ORDER BY number").fetchall()}
            except sqlite3.DatabaseError as exc:
                raise ArchiveError(f"the archive's index is damaged ({_detail(exc)})", where=self.root / INDEX,
                                   hint="run 'letter-pdf archive reindex'") from exc
            finally:
                db.close()
        rows = []
        numbers = self.record_numbers()
        for number in numbers:
            record, digest = self._read_record_file(number)
            row = _checked_row(record, digest, self.record_file(number))
            if index is not None and number in index:
                self._warn_if_disagreeing(number, index[number], row)
            rows.append(dict(zip(_COLUMNS, row)))
        if index is None and numbers:  # a read-only copy without its index
            log.warning("the archive has no index; listed from the record files")
        elif unindexed := [n for n in numbers if n not in index]:
            log.warning("%s missing from the index; listed from the record files — run 'letter-pdf archive "
                        "verify'", _records_are(unindexed))
        for number in sorted(set(index or ()) - set(numbers)):
            log.warning("record %d is in the index but its file is missing; run 'letter-pdf archive verify'", number)
        return rows

    def _warn_if_disagreeing(self, number: int, row: tuple, expected: tuple) -> None:
        differences = [_LABELS.get(column, column) for column, _, _ in _index_differences(row, expected)]
        if differences:
            log.warning("record %d: the index disagrees with the record file (%s); shown as the record file says "
                        "— run 'letter-pdf archive verify'", number, ", ".join(differences))

    def get(self, number: int) -> tuple[dict, str]:
        """Record ``number`` as stored (the record file) and its chain hash; a warning when the index disagrees."""
        self._require()
        record, digest = self._read_record_file(number)
        path = self.root / INDEX
        if path.exists():
            try:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
                try:
                    row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM records WHERE number = ?",
                                     (number,)).fetchone()
                finally:
                    db.close()
                expected = _index_row(record, digest)
            except (sqlite3.DatabaseError, KeyError, TypeError, AttributeError):
                row = None  # a damaged index or a malformed record: 'verify' says so; the record is what counts
            if row is not None:
                self._warn_if_disagreeing(number, row, expected)
        return record, digest

    def head(self) -> tuple[int, str] | None:
        """(number, chain hash) of the latest record, from the record files; ``None`` for an empty archive."""
        self._require()
        numbers = self.record_numbers()
        if not numbers:
            return None
        _, digest = self._read_record_file(numbers[-1])
        return numbers[-1], digest

    def read_object(self, relative: str) -> bytes:
        path = self.root / relative
        if not _OBJECT_NAME.match(path.name) or Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ArchiveError("a record names a file outside the archive's objects", where=relative)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveError("a stored file is missing", where=path, hint="run 'letter-pdf archive verify'") from exc
        if sha256_bytes(data) != path.name.split(".")[0]:
            raise ArchiveError("a stored file has changed", where=path, hint="run 'letter-pdf archive verify'")
        return data

    # ----------------------------------------------------------------------------------------- exporting

    def export(self, number: int, dest: str | Path, *, bag: bool = False) -> list[Path]:
        """Write record ``number``'s PDF, its record (exact bytes) and stored sources into the new folder
        ``dest``; with ``bag``, as a BagIt bag (RFC 8493). Return the files written (payload)."""
        record, digest = self.get(number)
        pdf = self.read_object(record["pdf"]["object"])
        sources = [(s["name"], self.read_object(s["object"])) for s in record.get("stored_sources", [])]
        dest = Path(dest)
        if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            raise ArchiveError("the export folder exists and is not empty", where=dest,
                               hint="give a new folder name")
        parent = dest.resolve().parent
        if not parent.is_dir():
            raise ArchiveError("the folder to export into does not exist", where=parent)
        try:
            work = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=parent))
        except OSError as exc:
            raise ArchiveError(f"cannot write here ({exc.strerror})", where=parent) from exc
        try:
            stem = f"record-{number}"
            files = {f"{stem}.pdf": pdf, f"{stem}.json": canonical_json(record),
                     "README.txt": _export_readme(record, digest, stem).encode("utf-8")}
            for name, data in sources:
                files[f"{stem}-sources/{Path(name).name}"] = data
            for name, data in files.items():
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                (work / name).write_bytes(data)
            if bag:
                import bagit

                letter = record.get("letter") or {}
                info = {
                    "Source-Organization": (((record.get("manifest") or {}).get("letter") or {}).get("sender")
                                            or {}).get("name") or "unknown",
                    "External-Identifier": f"letter-pdf archive record {number}, chain hash {digest}",
                    "External-Description": f"{letter.get('title') or record['pdf']['file_name']}, version "
                                            f"{letter.get('version')}, sent to {record['recipient']} by "
                                            f"{record['channel']} at {record.get('sent_at') or 'unknown time'}",
                    "Bag-Group-Identifier": f"letter {letter.get('key')}",
                }
                try:
                    bagit.make_bag(str(work), bag_info=info, checksums=["sha256", "sha512"])
                    # bagit-python (1.9) still declares the 0.97 draft; the bag meets RFC 8493 (every payload
                    # file in every manifest, UTF-8 tag files), so declare 1.0 and re-hash the tag files
                    (work / "bagit.txt").write_bytes(BAGIT_DECLARATION)
                    bagit.Bag(str(work)).save()
                    made = bagit.Bag(str(work))
                    made.validate()
                    if made.version_info != (1, 0):
                        raise bagit.BagError(f"it declares BagIt {made.tags.get('BagIt-Version')}, not 1.0")
                except (bagit.BagError, OSError) as exc:
                    raise ArchiveError(f"cannot make the BagIt bag ({_detail(exc)})", where=dest) from exc
            os.chmod(work, 0o755)
            if dest.is_dir():
                dest.rmdir()
            os.rename(work, dest)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        base = dest / "data" if bag else dest
        return [base / name for name in files]

    # --------------------------------------------------------------------------------------------- diff

    def _text_of(self, record: dict) -> tuple[str | None, str | None]:
        """(letter text, note): the Markdown body from the manifest, else the text extracted from the PDF."""
        body = ((record.get("manifest") or {}).get("letter") or {}).get("body")
        if body is not None:
            return body, None
        import io

        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(self.read_object(record["pdf"]["object"])))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:  # noqa: BLE001 - a PDF we cannot read gives no text, not a crash
            return None, f"record {record['number']}: the PDF's text cannot be read ({_detail(exc)})"
        return text, f"record {record['number']} has no manifest: its text is the text extracted from the PDF"

    def diff(self, old: int, new: int) -> Diff:
        a, _ = self.get(old)
        b, _ = self.get(new)
        notes = []
        fields = []
        la, lb = (a.get("manifest") or {}).get("letter") or {}, (b.get("manifest") or {}).get("letter") or {}
        for key in ("title", "subject", "date", "place", "reference", "opening", "closing", "recipient", "sender",
                    "signers", "cc", "enclosures"):
            if la.get(key) != lb.get(key) and (la or lb):
                fields.append((key, la.get(key), lb.get(key)))
        sending = [(key.replace("_", " "), a.get(key), b.get(key)) for key in ("recipient", "channel", "sent_at", "ref")
                   if a.get(key) != b.get(key)]
        sa, sb = record_signatories(a), record_signatories(b)
        added, removed, changed = [], [], []
        if sa is None or sb is None:
            for r, s in ((a, sa), (b, sb)):
                if s is None:
                    notes.append(f"record {r['number']} has no manifest: its signatories are unknown")
        else:  # the same matching as 'signatories diff': a rename of a probable duplicate is a change
            added, removed, changed = _compare_signatories(sa, sb)
        ta, na = self._text_of(a)
        tb, nb = self._text_of(b)
        notes += [n for n in (na, nb) if n]
        text = []
        if ta is not None and tb is not None and ta != tb:
            text = list(difflib.unified_diff(ta.splitlines(), tb.splitlines(), f"record {old}", f"record {new}",
                                             lineterm="", n=1))
        return Diff(old, new, fields, added, removed, changed, text, notes, sending)

    # ------------------------------------------------------------------------------------------- verify

    def verify(self, head: str | None = None) -> VerifyReport:
        """Re-hash every stored file and the chain; report damage (errors) and leftovers (notes)."""
        self._require()
        findings: list[Finding] = []
        err = lambda where, msg: findings.append(Finding("error", str(where), msg))  # noqa: E731
        note = lambda where, msg: findings.append(Finding("note", str(where), msg))  # noqa: E731
        with self._locked(exclusive=False):
            try:
                marker = json.loads((self.root / MARKER).read_text("utf-8"))
                if marker.get("format") != ARCHIVE_FORMAT:
                    err(MARKER, f"unknown archive format {marker.get('format')!r}")
            except (OSError, ValueError, AttributeError) as exc:
                err(MARKER, f"the archive's marker file is unreadable ({_detail(exc)})")
            for entry in sorted(self.root.iterdir()):
                if entry.name.startswith(TMP_PREFIX):
                    note(entry.relative_to(self.root), "temporary file left by an interrupted command")
                elif entry.name not in _EXPECTED_TOP:
                    err(entry.relative_to(self.root), "unexpected file (not written by letter-pdf)")
            # the records and the chain
            hashes: dict[int, str] = {}
            parsed: dict[int, dict] = {}  # the records that could be read, by number
            referenced: dict[str, str] = {}  # object path -> expected digest
            numbers = []
            if self.records_dir.is_dir():
                for entry in sorted(self.records_dir.iterdir()):
                    if entry.name.startswith(TMP_PREFIX):
                        note(f"{RECORDS}/{entry.name}", "temporary file left by an interrupted record")
                    elif m := _RECORD_NAME.match(entry.name):
                        numbers.append(int(m.group(1)))
                    else:
                        err(f"{RECORDS}/{entry.name}", "unexpected file (not written by letter-pdf)")
            else:
                err(RECORDS, "the records folder is missing")
            numbers.sort()
            expected_numbers = set(range(1, (numbers[-1] if numbers else 0) + 1))
            for missing in sorted(expected_numbers - set(numbers)):
                err(f"{RECORDS}/{missing:08d}.json", f"record {missing} is missing")
            previous_hash: str | None = None
            previous_number = 0
            for number in numbers:
                where = f"{RECORDS}/{number:08d}.json"
                try:
                    data = self.record_file(number).read_bytes()
                except OSError as exc:
                    err(where, f"record {number} cannot be read ({exc.strerror})")
                    previous_hash, previous_number = None, number
                    continue
                digest = sha256_bytes(data)
                hashes[number] = digest
                try:
                    record = json.loads(data.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    err(where, f"record {number} is damaged (not JSON)")
                    previous_hash, previous_number = digest, number
                    continue
                if canonical_json(record) != data:
                    err(where, f"record {number} has been edited (it is not in the form letter-pdf wrote)")
                if not isinstance(record, dict) or record.get("number") != number:
                    err(where, f"record {number} says it is number {record.get('number')!r}"
                        if isinstance(record, dict) else f"record {number} is not a record")
                    previous_hash, previous_number = digest, number
                    continue
                parsed[number] = record
                want = GENESIS if number == 1 else (previous_hash if previous_number == number - 1 else None)
                if want is not None and record.get("previous") != want:
                    err(where, "broken chain: record 1 does not start the chain (its 'previous' is not 64 zeros)"
                        if number == 1 else
                        f"broken chain: record {number} does not carry the hash of record {number - 1} "
                        f"(record {number - 1} has been changed or replaced)")
                try:
                    stored = [(record["pdf"]["object"], record["pdf"]["sha256"])]
                    stored += [(s["object"], s["sha256"]) for s in record.get("stored_sources") or []]
                except (KeyError, TypeError):
                    err(where, f"record {number} is malformed (it names no stored file)")
                    stored = []
                for obj, expected in stored:
                    if not isinstance(obj, str) or not isinstance(expected, str) or not _HASH.match(expected):
                        err(where, f"record {number} is malformed (a stored file without its hash)")
                        continue
                    referenced[obj] = expected
                    if object_path(expected, obj.rsplit(".", 1)[-1]) != obj:
                        err(where, f"record {number} names a stored file that does not match its hash: {obj}")
                previous_hash, previous_number = digest, number
            # the stored files
            base = self.root / OBJECTS
            seen = set()
            if base.is_dir():
                for path in sorted(p for p in base.rglob("*") if p.is_file()):
                    rel = path.relative_to(self.root).as_posix()
                    seen.add(rel)
                    if path.name.startswith(TMP_PREFIX):
                        note(rel, "temporary file left by an interrupted record")
                        continue
                    m = _OBJECT_NAME.match(path.name)
                    if not m or rel != object_path(m.group(1), m.group(2)):
                        err(rel, "unexpected file (not written by letter-pdf)")
                        continue
                    actual = _sha256_path(path)
                    if actual != m.group(1):
                        err(rel, "stored file has changed (its SHA-256 no longer matches its name)")
                    elif rel not in referenced:
                        note(rel, "stored file that no record refers to (left by an interrupted record; harmless)")
            elif numbers:
                err(OBJECTS, "the stored files' folder is missing")
            for rel in sorted(set(referenced) - seen):
                err(rel, "stored file is missing")
            # the index (derived): it may lag behind the records after a crash, never disagree with them
            index_path = self.root / INDEX
            if index_path.exists():
                try:
                    # read-write when possible: SQLite then rolls back a transaction a killed writer left open
                    mode = "rw" if os.access(self.root, os.W_OK) and os.access(index_path, os.W_OK) else "ro"
                    db = sqlite3.connect(f"file:{index_path}?mode={mode}", uri=True, timeout=30)
                    try:
                        check = db.execute("PRAGMA quick_check").fetchone()[0]
                        if check != "ok":
                            err(INDEX, f"the index is damaged ({check}); run 'letter-pdf archive reindex'")
                        rows = {row[0]: row for row in
                                db.execute(f"SELECT {', '.join(_COLUMNS)} FROM records").fetchall()}
                    finally:
                        db.close()
                except sqlite3.DatabaseError as exc:
                    err(INDEX, f"the index is damaged ({_detail(exc)}); run 'letter-pdf archive reindex'")
                    rows = None  # unread: nothing to compare, and not "behind"
                # every field of every row must say what its record says: 'list' reads the records, but
                # nobody may be told by the index what the records do not say
                for number, row in sorted((rows or {}).items()):
                    where = f"{RECORDS}/{number:08d}.json"
                    if number not in hashes:
                        err(where, f"record {number} is in the index but its file is missing")
                        continue
                    if row[1] != hashes[number]:
                        # the next record (itself as indexed) carries the file's hash: the chain vouches for it
                        following = parsed.get(number + 1) or {}
                        if following.get("previous") == hashes[number] \
                                and (rows.get(number + 1) or (None, None))[1] == hashes.get(number + 1):
                            err(INDEX, f"record {number}, chain hash: the index says {_shown(row[1])} but the "
                                f"record file's is {_shown(hashes[number])}, as record {number + 1} confirms")
                        else:
                            err(where, f"record {number} has changed since it was recorded")
                    if number not in parsed:
                        continue  # unreadable or malformed: reported above
                    try:
                        expected = _index_row(parsed[number], hashes[number])
                    except (KeyError, TypeError, AttributeError):
                        continue  # malformed: reported above
                    for column, got, want in _index_differences(row, expected):
                        if column != "hash":  # reported above
                            err(INDEX, f"record {number}, {_LABELS.get(column, column)}: the index says "
                                f"{_shown(got)} but the record file says {_shown(want)}")
                behind = [n for n in numbers if n not in rows] if rows is not None else []
                if behind and rows and min(behind) < max(rows):
                    err(INDEX, f"records {behind} are missing from the index; run 'letter-pdf archive reindex'")
                elif behind:
                    note(INDEX, f"the index is {len(behind)} record(s) behind (an interrupted record); "
                         "the next command brings it up to date")
            elif numbers:
                note(INDEX, "the index is missing; 'letter-pdf archive reindex' rebuilds it")
        head_hash = hashes[numbers[-1]] if numbers else None
        head_checked = None
        if head is not None:
            wanted = head.strip().lower()
            found = [n for n, h in hashes.items() if h == wanted]
            if not _HASH.match(wanted):
                err("--head", "not a SHA-256 hash (64 hexadecimal digits)")
            elif not found:
                err("--head", f"the archive does not lead to {wanted}: no record has that hash "
                    "(records were changed, removed or replaced, or it is another archive)")
            else:
                later = numbers[-1] - found[0]
                head_checked = f"{wanted} is record {found[0]}" + (f"; {later} record(s) added since" if later else
                                                                    " (the latest)")
        return VerifyReport(records=len(numbers), head=head_hash, findings=findings, head_checked=head_checked)


def _export_readme(record: dict, digest: str, stem: str) -> str:
    letter = record.get("letter") or {}
    pdf = record.get("pdf") or {}
    return f"""\
Record {record.get('number')} of a letter-pdf archive of sent letters.

  {stem + '.pdf':<20} the PDF exactly as sent: {letter.get('title') or pdf.get('file_name')}, version {letter.get('version')},
  {'':<20} sent to {record.get('recipient')} by {record.get('channel')}, at {record.get('sent_at') or 'a time not given'}
  {'':<20} (recorded {record.get('recorded_at')})
  {stem + '.json':<20} the record, byte for byte as stored in the archive

Check them:
  sha256sum {stem}.pdf    must print {pdf.get('sha256')}
  sha256sum {stem}.json   must print {digest}
The second is the record's chain hash: the archive's next record carries it as "previous", and
'letter-pdf archive verify --head {digest}' run on the archive checks that the archive still leads to it.
"""


def describe(record: dict, digest: str) -> list[str]:
    """Everything in a record, as lines of text for ``archive show`` (made ``plain``)."""
    letter = record.get("letter") or {}
    pdf = record.get("pdf") or {}
    lines = [
        f"Record:        {record.get('number')}",
        f"Chain hash:    {digest}",
        f"Previous:      {record.get('previous')}",
        f"Recorded at:   {record.get('recorded_at')}",
        f"Sent at:       {record.get('sent_at') or 'not given'}",
        f"Recipient:     {record.get('recipient')}",
        f"Channel:       {record.get('channel')}",
        f"Sending ref:   {record.get('ref') or '-'}",
        f"Note:          {record.get('note') or '-'}",
        f"Letter:        {letter.get('title') or 'unknown'}" + ("" if letter.get("known") else " (letter details unknown)"),
        f"Letter date:   {letter.get('date') or 'unknown'}",
        f"Letter ref:    {letter.get('reference') or '-'}",
        f"Version:       {letter.get('version')} (same letter by {letter.get('same_letter_by')})",
        f"PDF:           {pdf.get('file_name')}, {pdf.get('pages')} page(s), {pdf.get('size')} bytes",
        f"PDF SHA-256:   {pdf.get('sha256')}",
        f"Stored as:     {pdf.get('object')}",
    ]
    if pdf.get("signed"):
        for number, sig in enumerate(record.get("signatures") or [{}], start=1):
            parts = [f"{k}: {v}" for k, v in sig.items()]
            lines.append(f"Signature {number}:   " + ("; ".join(parts) or "present"))
    else:
        lines.append("Signature:     none (not digitally signed)")
    manifest = record.get("manifest") or {}
    content = manifest.get("letter") or {}
    if content:
        lines.append(f"Subject:       {content.get('subject') or '-'}")
        sender = (content.get("sender") or {}).get("name")
        addressee = content.get("recipient") or {}
        lines.append(f"Sender:        {sender or '-'}")
        lines.append("Addressed to:  " + (", ".join([addressee.get("name") or "-", *(addressee.get("address") or [])])))
        for signer in content.get("signers") or []:
            lines.append("Signed by:     " + ", ".join(x for x in (signer.get("name"), signer.get("role"),
                                                                    signer.get("organisation")) if x))
        body = content.get("body") or ""
        lines.append(f"Letter text:   {len(body.splitlines())} line(s) of Markdown, kept in the record "
                     "('archive diff' compares them)")
        tool = (manifest.get("generator") or {}).get("version")
        lines.append(f"Built with:    letter-pdf {tool}")
    for role, info in sorted((manifest.get("sources") or {}).items()):
        lines.append(f"Source {role}: {info.get('path')}  sha256 {info.get('sha256')}")
    for stored in record.get("stored_sources") or []:
        lines.append(f"Embedded source: {stored['name']}  sha256 {stored['sha256']}")
    for text in record.get("notes") or []:
        lines.append(f"Note:          {text}")
    signatories = record_signatories(record)
    if signatories is None:
        lines.append("Signatories:   unknown (the PDF carries no manifest)")
    else:
        lines.append(f"Signatories:   {len(signatories)}")
        for number, s in enumerate(signatories, start=1):
            extra = [", ".join(s.get("countries") or []), s.get("kind"), s.get("role"), s.get("group")]
            lines.append(f"  {number:>4}. {s['name']}  ({'; '.join(x for x in extra if x)})")
    return [plain(line) for line in lines]  # a record's text, shown never reordered or coloured
