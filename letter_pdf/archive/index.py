"""The archive's SQLite index: derived from the record files, brought up to date after a crash, rebuilt on
demand, and never trusted where it disagrees with them. A row is made from a record by ``Row.of`` and
inserted by ``insert``, nowhere else."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from letter_pdf.archive.records import GENESIS, Record
from letter_pdf.archive.store import INDEX, TMP_PREFIX, Store
from letter_pdf.archive.text import detail, records_are
from letter_pdf.errors import ArchiveError
from letter_pdf.output import fsync_dir

log = logging.getLogger("letter_pdf")

SCHEMA = """
CREATE TABLE IF NOT EXISTS records(
    number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, previous TEXT NOT NULL,
    recorded_at TEXT NOT NULL, sent_at TEXT, recipient TEXT NOT NULL, channel TEXT NOT NULL, ref TEXT,
    title TEXT, letter_key TEXT NOT NULL, version INTEGER NOT NULL, pages INTEGER, signatories INTEGER,
    pdf_sha256 TEXT NOT NULL, signed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Row:
    """One row of the index: what ``archive list`` shows of a record."""

    number: int
    hash: str
    previous: str
    recorded_at: str
    sent_at: str | None
    recipient: str
    channel: str
    ref: str | None
    title: str | None
    letter_key: str
    version: int
    pages: int | None
    signatories: int | None
    pdf_sha256: str
    signed: int

    @classmethod
    def of(cls, record: Record, digest: str) -> Row:
        signatories = record.signatories
        return cls(record.number, digest, record.previous, record.recorded_at, record.sending.sent_at,
                   record.sending.recipient, record.sending.channel, record.sending.ref, record.letter.title,
                   record.letter.key, record.letter.version, record.pdf.pages,
                   None if signatories is None else len(signatories), record.pdf.sha256, int(record.pdf.signed))

    def differences(self, other: Row) -> list[tuple[str, Any, Any]]:
        """(column, this row's value, the other's) for each column where they disagree."""
        return [(column, getattr(self, column), getattr(other, column)) for column in COLUMNS
                if getattr(self, column) != getattr(other, column)]


COLUMNS = tuple(f.name for f in dataclasses.fields(Row))
LABELS = {"hash": "chain hash", "previous": "previous hash", "recorded_at": "recorded at", "sent_at": "sent at",
          "letter_key": "letter key", "pages": "pages", "signatories": "number of signatories",
          "pdf_sha256": "PDF SHA-256", "signed": "signed"}
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM records"


def label(column: str) -> str:
    return LABELS.get(column, column)


def insert(db: sqlite3.Connection, rows: list[Row]) -> None:
    """Insert ``rows`` in one transaction (the caller's, when one is open)."""
    db.executemany(f"INSERT INTO records VALUES ({','.join('?' * len(COLUMNS))})",
                   [dataclasses.astuple(row) for row in rows])


def insert_committed(db: sqlite3.Connection, rows: list[Row]) -> None:
    """Insert ``rows`` in a transaction of their own, all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        insert(db, rows)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def rows(db: sqlite3.Connection, number: int | None = None) -> dict[int, Row]:
    """The index's rows by record number (only ``number``'s when given)."""
    if number is None:
        found = db.execute(f"{_SELECT} ORDER BY number").fetchall()
    else:
        found = db.execute(f"{_SELECT} WHERE number = ?", (number,)).fetchall()
    return {row[0]: Row(*row) for row in found}


def damaged(path: Path, exc: sqlite3.DatabaseError, hint: str = "run 'letter-pdf archive verify', then "
            "'letter-pdf archive reindex'") -> ArchiveError:
    return ArchiveError(f"the archive's index is damaged ({detail(exc)})", where=path, hint=hint)


class Index:
    """The index of the archive whose files are ``store``."""

    def __init__(self, store: Store):
        self.store = store
        self.path = store.root / INDEX
        self.made = False  # the last connect(write=True) found no index table and made one

    def connect(self, *, write: bool) -> sqlite3.Connection:
        if not write and not self.path.exists():
            raise ArchiveError("the archive has no index", where=self.path,
                               hint="run 'letter-pdf archive reindex' to rebuild it from the records")
        try:
            uri = f"file:{self.path}" + ("" if write else "?mode=ro")
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            db.execute("PRAGMA synchronous=FULL")
            if write:
                # no index, or one without its table: created here and filled by catch_up, which says so
                columns = tuple(row[1] for row in db.execute("PRAGMA table_info(records)"))
                if columns and columns != COLUMNS:  # a table of another shape: the index is rebuilt
                    db.execute("DROP TABLE records")
                self.made = columns != COLUMNS
                db.executescript(SCHEMA)
            else:
                db.execute("SELECT count(*) FROM records").fetchone()
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) from exc
        return db

    def catch_up(self, db: sqlite3.Connection) -> None:
        """Add to the index the records written after its last transaction (a crash between the two).

        A crash leaves the index one record behind, which is brought up to date quietly; anything more (an index
        made anew by ``connect``, or several records missing) is an index that was changed: a warning says so."""
        indexed = db.execute("SELECT max(number) FROM records").fetchone()[0] or 0
        missing = [n for n in self.store.record_numbers() if n > indexed]
        if not missing:
            return
        if self.made:
            log.warning("the index was missing or damaged; rebuilt from the records")
        elif len(missing) > 1:
            log.warning("%s missing from the index; added from the record files", records_are(missing))
        else:
            log.info("record %d was not yet in the index (an interrupted record); added from its record file",
                     missing[0])
        found = db.execute("SELECT hash FROM records WHERE number = ?", (indexed,)).fetchone()
        previous = found[0] if found else GENESIS
        new = []
        for number in missing:
            record, digest, _ = self.store.read_record(number)
            if record.previous != previous or record.number != number:
                raise ArchiveError(f"record {number} does not follow the one before it",
                                   where=self.store.record_file(number), hint="run 'letter-pdf archive verify'")
            new.append(Row.of(record, digest))
            previous = digest
        insert_committed(db, new)

    def check(self, db: sqlite3.Connection) -> None:
        """Refuse to go on when any index row disagrees with its record file (or has none, or is missing)."""
        index = rows(db)
        hint = ("run 'letter-pdf archive verify'; when only the index is wrong, "
                "'letter-pdf archive reindex' rebuilds it from the records")
        numbers = self.store.record_numbers()
        for number in numbers:
            record, digest, _ = self.store.read_record(number)
            if number not in index:
                raise ArchiveError(f"record {number} is missing from the index", where=self.path, hint=hint)
            differences = index[number].differences(Row.of(record, digest))
            if differences:
                raise ArchiveError(f"record {number}: the index disagrees with the record file "
                                   f"({', '.join(label(c) for c, _, _ in differences)})", where=self.path, hint=hint)
        for number in sorted(set(index) - set(numbers)):
            raise ArchiveError(f"record {number} is in the index but its file is missing",
                               where=self.store.record_file(number), hint="run 'letter-pdf archive verify'")

    def reading(self) -> sqlite3.Connection:
        """The index for reading, brought up to date with the record files first when the folder is writable."""
        if os.access(self.store.root, os.W_OK):
            with self.store.locked():
                db = self.connect(write=True)
                try:
                    self.catch_up(db)
                finally:
                    db.close()
        return self.connect(write=False)

    def rebuild(self) -> int:
        """Rebuild the index from the record files (the truth), under the caller's lock; the number of records."""
        root = self.store.root
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=root)
        os.close(fd)
        try:
            db = sqlite3.connect(tmp, isolation_level=None)
            db.executescript(SCHEMA)
            db.execute("BEGIN")
            numbers = self.store.record_numbers()
            new = []
            for number in numbers:
                record, digest, _ = self.store.read_record(number)
                new.append(Row.of(record, digest))
            insert(db, new)
            db.execute("COMMIT")
            db.close()
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(root / (INDEX + "-journal"))
            fsync_dir(root)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return len(numbers)

    def warn_if_disagreeing(self, row: Row, expected: Row) -> None:
        differences = [label(column) for column, _, _ in row.differences(expected)]
        if differences:
            log.warning("record %d: the index disagrees with the record file (%s); shown as the record file says "
                        "— run 'letter-pdf archive verify'", row.number, ", ".join(differences))
