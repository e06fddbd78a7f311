"""``Archive``: one archive folder, and every command on it (record, list, show, export, diff, verify, reindex).

Each command is written in the module of its topic (``store``, ``index``, ``check``, ``export``,
``history``); this class holds them together and keeps the order of a record's writes.
"""

from __future__ import annotations

import builtins
import logging
import os
import sqlite3
from pathlib import Path

from letter_pdf._version import __version__
from letter_pdf.archive import check, history
from letter_pdf.archive import export as exporting
from letter_pdf.archive.facts import PdfFacts, inspect_pdf, signature_facts
from letter_pdf.archive.index import Index, Row, insert_committed
from letter_pdf.archive.index import rows as index_rows
from letter_pdf.archive.records import (
    GENESIS,
    RECORD_FORMAT,
    Delivery,
    Record,
    RecordedLetter,
    RecordedPdf,
    Sending,
    SignatureFacts,
    StoredFile,
    letter_key,
    now_utc,
    sha256_bytes,
)
from letter_pdf.archive.store import ENV_VAR, INDEX, MARKER, OBJECTS, Store, suffix_of
from letter_pdf.archive.text import detail, records_are
from letter_pdf.errors import ArchiveError

log = logging.getLogger("letter_pdf")


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


EDITION_LOOKBACK = 1_000  # records of one letter read back to find the version of a copy's edition


def copy_of(manifest: dict | None) -> tuple[str | None, dict | None]:
    """(edition, the letter's title and reference) of a copy built for a recipients list, from its manifest's
    ``copy`` section; (None, None) for a letter built on its own. The copies of one edition (the same letter
    file, lists and options) are one version of the letter, whatever their recipients."""
    section = (manifest or {}).get("copy")
    if not isinstance(section, dict):
        return None, None
    edition, letter = section.get("edition"), section.get("letter")
    if not isinstance(edition, str) or not isinstance(letter, dict):
        return None, None
    return edition, letter


class Archive:
    """One archive folder. ``Archive(path)`` touches nothing; ``record`` creates the folder when needed."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.store = Store(self.root)
        self.index = Index(self.store)

    @property
    def records_dir(self) -> Path:
        return self.store.records_dir

    def record_file(self, number: int) -> Path:
        return self.store.record_file(number)

    def exists(self) -> bool:
        return self.store.exists()

    def record_numbers(self) -> list[int]:
        """Numbers of the record files present, sorted."""
        return self.store.record_numbers()

    def _require(self, *, marker: bool = True) -> None:
        """Refuse a folder that is not an archive, and (unless ``marker`` is false: ``verify`` reports it) an
        archive whose marker file says another format or is damaged."""
        if not self.root.is_dir():
            raise ArchiveError("no archive here", where=self.root,
                               hint=f"give --archive-dir, set {ENV_VAR}, or record a letter first")
        if not self.exists():
            raise ArchiveError(f"not a letter-pdf archive (no {MARKER})", where=self.root,
                               hint="give the folder that 'archive record' created")
        if marker:
            self.store.check_marker()

    def _refuse_a_stranger(self) -> None:
        if self.root.is_dir() and not self.exists() and (strangers := self.store.strangers()):
            raise ArchiveError(f"the folder is not a letter-pdf archive (it holds {strangers[0]!r})",
                               where=self.root, hint="give a new or empty folder, or an existing archive")

    def _create(self) -> None:
        self._refuse_a_stranger()
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
        facts: PdfFacts | None = None,
        signatures: list[SignatureFacts] | None = None,
        delivery: Delivery | None = None,
    ) -> tuple[Record, str]:
        """Store the PDF and a record of its sending; return (record, chain hash). Nothing is changed on error.

        Given only ``pdf``, the file is read and inspected as an untrusted file and its signatures examined.
        The build that has just written ``pdf`` passes what it knows instead: ``facts`` (its bytes, pages,
        manifest, ...) and, when it signed it, ``signatures``; then nothing is read or validated again.
        ``letter-pdf send`` passes the ``delivery`` (the address and the mail server's answer).
        """
        sending = Sending.checked(recipient, channel, sent_at, ref, note)
        if facts is None:
            facts = inspect_pdf(pdf)
        if signatures is None:
            signatures = signature_facts(Path(pdf)) if facts.signed else []
        file_name = file_name or Path(pdf).name
        self._create()
        try:
            with self.store.locked():
                self.store.ensure_marker()
                self.store.check_marker()
                db = self.index.connect(write=True)
                try:
                    self.index.catch_up(db)
                    self.index.check(db)  # version numbers come from it: an edited index must not decide them
                    self.store.cleanup_temporary()
                    record = self._new_record(db, sending, facts, signatures, file_name, delivery)
                    digest = self.store.write_record(record)  # the commit point
                    insert_committed(db, [Row.of(record, digest)])
                finally:
                    db.close()
        except OSError as exc:
            raise ArchiveError(f"cannot write to the archive ({exc.strerror or detail(exc)})", where=self.root,
                               hint="check the folder's permissions and free space") from exc
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"the archive's index is damaged ({detail(exc)})", where=self.root / INDEX,
                               hint="run 'letter-pdf archive verify', then 'letter-pdf archive reindex'") from exc
        return record, digest

    def _new_record(self, db: sqlite3.Connection, sending: Sending, facts: PdfFacts,
                    signatures: list[SignatureFacts], file_name: str, delivery: Delivery | None = None) -> Record:
        """The next record (its number, its version, the chain), its files stored; under the lock."""
        last = db.execute("SELECT number, hash FROM records ORDER BY number DESC LIMIT 1").fetchone()
        number, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        if last:
            _, tail_hash, _ = self.store.read_record(last[0])
            if tail_hash != last[1]:
                raise ArchiveError(f"record {last[0]} has changed since it was recorded",
                                   where=self.record_file(last[0]), hint="run 'letter-pdf archive verify'")
        if self.record_file(number).exists():
            raise ArchiveError(f"record {number} exists but is not in the index",
                               where=self.record_file(number), hint="run 'letter-pdf archive verify'")
        manifest = facts.manifest
        content = (manifest or {}).get("letter")
        content = content if isinstance(content, dict) else {}
        edition, base = copy_of(manifest)
        key, basis = letter_key(base or content, facts.title, file_name)
        same = self._same_edition(db, key, edition) if edition else db.execute(
            "SELECT min(version) FROM records WHERE letter_key = ? AND pdf_sha256 = ?", (key, facts.sha256)).fetchone()[0]
        version = same or (db.execute("SELECT coalesce(max(version), 0) FROM records WHERE letter_key = ?",
                                      (key,)).fetchone()[0] + 1)
        stored_pdf = self.store.store_object(facts.data, facts.sha256, "pdf")
        stored_sources = []
        for name in sorted(facts.embedded_sources):
            data = facts.attachments[name]
            digest = sha256_bytes(data)
            stored_sources.append(StoredFile(name, digest, len(data),
                                             self.store.store_object(data, digest, suffix_of(name))))

        def text(name: str) -> str | None:
            value = content.get(name)
            return value if isinstance(value, str) else None

        return Record(
            number=number, previous=previous, recorded_at=now_utc(), sending=sending,
            letter=RecordedLetter(known=manifest is not None, key=key, same_letter_by=basis, version=version,
                                  title=text("title") or facts.title, date=text("date"), reference=text("reference")),
            pdf=RecordedPdf(file_name=file_name, sha256=facts.sha256, size=len(facts.data), pages=facts.pages,
                            title=facts.title, object=stored_pdf, signed=facts.signed),
            signatures=tuple(signatures), stored_sources=tuple(stored_sources), manifest=manifest,
            notes=(facts.manifest_note,) if facts.manifest_note else (),
            recorded_by={"name": "letter-pdf", "version": __version__}, format=RECORD_FORMAT, delivery=delivery,
        )

    def _same_edition(self, db: sqlite3.Connection, key: str, edition: str) -> int | None:
        """The version of the letter ``key`` whose copies (one letter, many recipients) are of ``edition``: the
        latest records of the letter are read back (the copies of a set are recorded one after another)."""
        rows = db.execute("SELECT number, version FROM records WHERE letter_key = ? ORDER BY number DESC LIMIT ?",
                          (key, EDITION_LOOKBACK)).fetchall()
        for number, version in rows:
            record, _digest, _data = self.store.read_record(number)
            if copy_of(record.manifest)[0] == edition:
                return version
        return None

    def preflight(self, *, recipient: str, channel: str, sent_at: str | None = None, ref: str | None = None,
                  note: str | None = None) -> None:
        """Check, without writing anything, that a record could be made (``build --archive`` asks first)."""
        Sending.checked(recipient, channel, sent_at, ref, note)
        if self.root.exists() and not self.root.is_dir():
            raise ArchiveError("exists and is not a folder", where=self.root)
        if self.root.is_dir():
            self._refuse_a_stranger()
            if self.exists():
                self.store.check_marker()
            if not os.access(self.root, os.W_OK):
                raise ArchiveError("the archive folder is not writable", where=self.root,
                                   hint="choose a writable folder with --archive-dir, or fix its permissions")
            if (self.root / INDEX).exists():
                self.index.connect(write=False).close()
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
        with self.store.locked():
            return self.index.rebuild()

    # ------------------------------------------------------------------------------------------ reading

    def list(self) -> list[Row]:
        """A summary of every record, oldest first (see ``listing``)."""
        return [row for row, _ in self.listing()]

    def listing(self) -> builtins.list[tuple[Row, Record]]:
        """A summary of every record, oldest first, read from the record files (the truth).

        The index is brought up to date first (a damaged one is refused, as by every command that uses it);
        where it disagrees with a record, a warning names the record and the fields, and the list shows what
        the record file says."""
        self._require()
        index: dict[int, Row] | None = None
        if (self.root / INDEX).exists() or os.access(self.root, os.W_OK):
            db = self.index.reading()
            try:
                index = index_rows(db)
            except sqlite3.DatabaseError as exc:
                raise ArchiveError(f"the archive's index is damaged ({detail(exc)})", where=self.root / INDEX,
                                   hint="run 'letter-pdf archive reindex'") from exc
            finally:
                db.close()
        rows = []
        numbers = self.store.record_numbers()
        for number in numbers:
            record, digest, _ = self.store.read_record(number)
            row = Row.of(record, digest)
            if index is not None and number in index:
                self.index.warn_if_disagreeing(index[number], row)
            rows.append((row, record))
        if index is None and numbers:  # a read-only copy without its index
            log.warning("the archive has no index; listed from the record files")
        elif unindexed := [n for n in numbers if n not in (index or {})]:
            log.warning("%s missing from the index; listed from the record files — run 'letter-pdf archive "
                        "verify'", records_are(unindexed))
        for number in sorted(set(index or ()) - set(numbers)):
            log.warning("record %d is in the index but its file is missing; run 'letter-pdf archive verify'", number)
        return rows

    def _read(self, number: int) -> tuple[Record, str, bytes]:
        """Record ``number`` as stored, its chain hash and bytes; a warning when the index disagrees."""
        self._require()
        record, digest, data = self.store.read_record(number)
        path = self.root / INDEX
        if path.exists():
            try:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
                try:
                    row = index_rows(db, number).get(number)
                finally:
                    db.close()
            except sqlite3.DatabaseError:
                row = None  # a damaged index: 'verify' says so; the record is what counts
            if row is not None:
                self.index.warn_if_disagreeing(row, Row.of(record, digest))
        return record, digest, data

    def get(self, number: int) -> tuple[Record, str]:
        """Record ``number`` as stored (the record file) and its chain hash; a warning when the index disagrees."""
        record, digest, _ = self._read(number)
        return record, digest

    def head(self) -> tuple[int, str] | None:
        """(number, chain hash) of the latest record, from the record files; ``None`` for an empty archive."""
        self._require()
        numbers = self.store.record_numbers()
        if not numbers:
            return None
        _, digest, _ = self.store.read_record(numbers[-1])
        return numbers[-1], digest

    def deliveries(self, after: int = 0) -> tuple[int, builtins.list[tuple[int, Delivery, str]]]:
        """(the last record number, (number, delivery, the PDF's SHA-256) of each record after ``after`` that has
        a delivery section), read from the record files (the truth), each once: ``letter-pdf send`` reads them
        all when it starts and then only the records added since. (0, []) when there is no archive yet."""
        if not self.exists():
            return after, []
        numbers = [number for number in self.store.record_numbers() if number > after]
        found = []
        for number in numbers:
            record, _, _ = self.store.read_record(number)
            if record.delivery is not None:
                found.append((number, record.delivery, record.pdf.sha256))
        return (numbers[-1] if numbers else after), found

    def read_object(self, relative: str) -> bytes:
        return self.store.read_object(relative)

    def export(self, number: int, dest: str | Path, *, bag: bool = False) -> builtins.list[Path]:
        """Write record ``number``'s PDF, its record (exact bytes) and stored sources into the new folder
        ``dest``; with ``bag``, as a BagIt bag (RFC 8493). Return the files written (payload)."""
        record, digest, data = self._read(number)
        return exporting.export(self.store, record, digest, data, dest, bag=bag)

    def diff(self, old: int, new: int) -> history.RecordDiff:
        a, _ = self.get(old)
        b, _ = self.get(new)
        return history.diff(a, b, self.store.read_object)

    def verify(self, head: str | None = None) -> check.ArchiveReport:
        """Re-hash every stored file and the chain; report damage (errors) and leftovers (notes)."""
        self._require(marker=False)
        return check.verify(self.store, head)
