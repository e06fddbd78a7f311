"""``letter-pdf send DIR``: each .eml of a batch folder sent once over SMTP, journalled, and recorded in the archive.

Before anything is sent, the folder is checked as a whole (``plan``): ``index.csv`` read within limits, every
.eml it implies byte-identical to the index's ``eml_sha256`` (a message edited by hand is never sent) and parsed
(``mail.read_message``), its To the index's e-mail, its PDF byte-identical to the
index's SHA-256 and to the PDF file beside it; any problem refuses the run.

The journal ``DIR/send-log.jsonl`` (one JSON event a line, appended and fsynced each) says what happened to
each message: ``start`` -> ``data`` (the server said 354; the content goes out next) -> ``accepted`` |
``deferred`` | ``failed`` (with the server's reply) -> ``recorded`` (its archive record written). A run
reads it first: accepted and recorded messages are not sent again (an accepted one not yet recorded is
recorded now), deferred ones are sent again, failed ones are reported again, and a ``data`` without an
outcome is *uncertain* (the content may have arrived): it is not sent again unless ``retry_uncertain``.
MAIL, RCPT and DATA are sent one by one (``smtp.Session``) so that ``data`` marks the only window where the
outcome is unknown.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf import mail
from letter_pdf.archive import Archive, Delivery, inspect_data
from letter_pdf.archive.records import now_utc, refused_in_option, sha256_bytes
from letter_pdf.copyset import INDEX as INDEX_NAME
from letter_pdf.copyset import INDEX_HEADER, MAX_INDEX_BYTES
from letter_pdf.copyset import SEND_LOG as JOURNAL_NAME
from letter_pdf.errors import ArchiveError, InputError, LetterPdfError, Problems
from letter_pdf.files import read_regular
from letter_pdf.output import fsync_dir
from letter_pdf.smtp import Server, Session
from letter_pdf.text import visible

log = logging.getLogger("letter_pdf")

MAX_INDEX_ROWS = 100_000
MAX_JOURNAL_BYTES = 256 * 1024 * 1024
MAX_JOURNAL_LINE = 64 * 1024
MAX_FILES = 4 * MAX_INDEX_ROWS  # entries of DIR looked at
EVENTS = ("start", "data", "accepted", "deferred", "failed", "recorded")
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Copy:
    """One row of the index that has an e-mail: its PDF, its message and what the message says."""

    line: int  # of index.csv
    pdf: Path
    eml: Path
    recipient: str
    address: str
    sha256: str  # the PDF's
    message_sha256: str
    message_id: str
    sender: str
    cc: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.eml.name


@dataclass
class Past:
    """What the journal says of one message."""

    state: str  # start | data | accepted | deferred | failed
    message_sha256: str
    reply: str = ""
    time: str = ""
    recorded: bool = False


@dataclass
class Summary:
    """What a run did, for the summary line; lists of (copy, reply or how to check)."""

    accepted: list[Copy] = field(default_factory=list)
    already: list[Copy] = field(default_factory=list)
    recorded_now: list[Copy] = field(default_factory=list)
    failed: list[tuple[Copy, str]] = field(default_factory=list)
    left: list[Copy] = field(default_factory=list)
    uncertain: list[tuple[Copy, str]] = field(default_factory=list)
    without_email: int = 0
    cc_refused: list[tuple[Copy, str]] = field(default_factory=list)  # the message went to the others
    in_archive: list[Copy] = field(default_factory=list)  # already sent, found in the archive (not the journal)
    same_pdf: list[tuple[Copy, int]] = field(default_factory=list)  # its PDF accepted at its address: the record
    stopped: str | None = None  # why the run stopped early
    interrupted: bool = False  # by Ctrl-C

    @property
    def ok(self) -> bool:
        return not (self.failed or self.left or self.uncertain)


# ---------------------------------------------------------------------------------------------- the plan


def _index_rows(folder: Path) -> list[tuple[int, list[str]]]:
    path = folder / INDEX_NAME
    try:
        data = read_regular(path, limit=MAX_INDEX_BYTES, what="the index")
        text = data.decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"no {INDEX_NAME} here", where=folder,
                         hint="give the folder that 'letter-pdf build --recipients ... --eml' wrote") from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", where=path, hint="build the copies again") from exc
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", where=path) from exc
    if "\x00" in text:
        raise InputError("holds a NUL character: not the index letter-pdf wrote", where=path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if len(rows) > MAX_INDEX_ROWS:
                raise InputError(f"more than {MAX_INDEX_ROWS} rows", where=path)
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise InputError(f"not a CSV file ({exc})", where=f"{path}:{reader.line_num}") from exc
    if not rows or tuple(rows[0][1]) != INDEX_HEADER:
        raise InputError(f"the first line is not {','.join(INDEX_HEADER)}", where=f"{path}:1",
                         hint="give the folder that 'letter-pdf build --recipients ... --eml' wrote")
    return rows[1:]


def plan(folder: Path) -> tuple[list[Copy], int]:
    """The copies of ``folder`` that have a message, checked against each other (see the module's text), and
    the number of rows without an e-mail; ``Problems`` (or one ``InputError``) when anything disagrees."""
    if not folder.is_dir():
        raise InputError("not a folder", where=folder, hint="give the folder the batch build wrote")
    problems: list[LetterPdfError] = []
    copies: list[Copy] = []
    names: set[str] = set()
    expected_eml: set[str] = set()
    without = 0
    index = folder / INDEX_NAME
    rows = _index_rows(folder)
    if any(len(row) == len(INDEX_HEADER) and row[2] for _, row in rows) and all(
            len(row) == len(INDEX_HEADER) and not row[5] for _, row in rows):  # said once, not once a row
        raise InputError("this folder has no e-mails (no row has an eml_sha256): it was built without --eml",
                         where=index,
                         hint="build it again with 'letter-pdf build LETTER.md --recipients LIST -o DIR --eml'")
    for line, row in rows:
        where = f"{index}:{line}"
        if len(row) != len(INDEX_HEADER):
            problems.append(InputError(f"{len(row)} fields instead of {len(INDEX_HEADER)}", where=where))
            continue
        file, recipient, email, pages, sha256, eml_sha256 = row
        if (not file.endswith(".pdf") or file.startswith(".") or "/" in file or "\\" in file or file in names
                or mail._HEADER_REFUSED.search(file)):
            problems.append(InputError(f"not a file of this folder, or listed twice: '{visible(file)}'", where=where))
            continue
        names.add(file)
        if (refused := _refused_recipient(recipient)) is not None:  # what the archive would refuse to record
            problems.append(InputError(f"the recipient: {refused.message}", where=where, hint=refused.hint))
        if not _HASH.fullmatch(sha256) or not pages.isdigit() or not (
                _HASH.fullmatch(eml_sha256) if email else eml_sha256 == ""):
            problems.append(InputError("its sha256, eml_sha256 or pages is not what letter-pdf writes", where=where))
            continue
        eml = (folder / file).with_suffix(".eml")
        if not email:
            without += 1
            if eml.exists():
                problems.append(InputError(f"{eml.name} exists but the index gives no e-mail for it", where=where))
            continue
        expected_eml.add(eml.name)
        try:
            copies.append(_check_copy(folder / file, eml, recipient, email, (sha256, eml_sha256), line, where))
        except LetterPdfError as exc:
            problems.append(exc)
    strays = []
    with os.scandir(folder) as entries:
        for count, entry in enumerate(entries):
            if count > MAX_FILES:
                problems.append(InputError(f"more than {MAX_FILES} files", where=folder))
                break
            if entry.name.endswith(".eml") and entry.name not in expected_eml:
                strays.append(entry.name)
    problems += [InputError(f"{name} is not in {INDEX_NAME}", where=folder / name,
                            hint="remove it, or build the copies again") for name in sorted(strays)]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(problems)
    if not copies:
        raise InputError(f"nothing to send: no row of {INDEX_NAME} has an e-mail", where=index)
    return copies, without


def _refused_recipient(recipient: str) -> ArchiveError | None:
    """Why the archive would not record ``recipient`` (the record's printed text: ``Sending.checked``), or None."""
    if not recipient.strip():
        return ArchiveError("it is empty", hint="build the copies again from a list where every row has a name")
    return refused_in_option("recipient", recipient)


def _check_copy(pdf: Path, eml: Path, recipient: str, email: str, hashes: tuple[str, str], line: int,
                where: str) -> Copy:
    sha256, eml_sha256 = hashes
    if not eml.is_file():
        raise InputError(f"{eml.name} is missing", where=where,
                         hint="build the copies with --eml (the index gives an e-mail for this row)")
    data = _read(eml, "the message")
    if sha256_bytes(data) != eml_sha256:  # a header added (Cc, Bcc, Reply-To) or the note rewritten by hand
        raise InputError("the message has changed since the build (its SHA-256 is not the index's eml_sha256)",
                         where=eml, hint="build the copies again; never edit a message by hand")
    message = mail.read_message(data, where=str(eml))
    if tuple(a.lower() for a in message.to_addrs) != (email.strip().lower(),):
        raise InputError(f"its To ({', '.join(message.to_addrs)}) is not the index's e-mail ({visible(email)})",
                         where=eml, hint="build the copies again")
    if sha256_bytes(message.attachment) != sha256:
        raise InputError(f"its PDF is not {pdf.name} as the index lists it (SHA-256 differs)", where=eml,
                         hint="build the copies again")
    if not pdf.is_file() or sha256_bytes(_read(pdf, "the PDF")) != sha256:
        raise InputError("the PDF is missing or has changed since the build (its SHA-256 is not the index's)",
                         where=pdf, hint="build the copies again; send only what was built")
    return Copy(line, pdf, eml, recipient, message.to_addrs[0], sha256, sha256_bytes(data), message.message_id,
                message.from_addr, message.cc_addrs)


def _read(path: Path, what: str) -> bytes:
    try:
        return read_regular(path, limit=mail.MAX_MESSAGE_BYTES, what=what,
                            hint="mail servers accept at most 25 MB: make the PDF smaller")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", where=path) from exc


# ------------------------------------------------------------------------------------------- the journal


class Journal:
    """``DIR/send-log.jsonl``: read once, then appended to (fsynced) by one run at a time (a lock)."""

    def __init__(self, folder: Path):
        self.path = folder / JOURNAL_NAME
        self.fd: int | None = None
        self.last: dict[str, str] = {}  # the last event this run wrote, by .eml name

    def read(self) -> dict[str, Past]:
        """What the journal says of each message, by .eml name. A last line cut short (a crash while writing
        it: that event did not happen) is ignored; anything else that is not an event refuses the run."""
        if not self.path.exists() and not self.path.is_symlink():
            return {}
        try:
            data = read_regular(self.path, limit=MAX_JOURNAL_BYTES, what="the journal",
                                hint="start a new folder for the next batch")
        except OSError as exc:  # a folder or a dangling link in its place
            raise InputError(f"cannot read the journal ({exc.strerror or type(exc).__name__})", where=self.path,
                             hint=f"{JOURNAL_NAME} is the file 'letter-pdf send' writes: move what is there away "
                                  "only if no message of this folder was ever sent") from exc
        past: dict[str, Past] = {}
        lines = data.split(b"\n")
        for number, raw in enumerate(lines[:-1], start=1):  # the last piece has no line end: cut short, or empty
            try:
                event = json.loads(raw) if len(raw) <= MAX_JOURNAL_LINE else None
            except ValueError:
                event = None
            if (not isinstance(event, dict) or event.get("event") not in EVENTS
                    or not isinstance(event.get("file"), str) or not isinstance(event.get("message_sha256"), str)):
                raise InputError("not an event letter-pdf wrote", where=f"{self.path}:{number}",
                                 hint="the journal says what was sent: restore it, never edit it")
            self._apply(past, event)
        return past

    @staticmethod
    def _apply(past: dict[str, Past], event: dict) -> None:
        name, kind = event["file"], event["event"]
        reply, moment = str(event.get("reply") or ""), str(event.get("time") or "")
        if kind == "recorded":  # after accepted or failed; alone, it still means "never again"
            past.setdefault(name, Past("accepted", event["message_sha256"])).recorded = True
        elif kind in ("start", "data"):
            past[name] = Past(kind, event["message_sha256"])
        else:  # an outcome: what it says counts even without its start (never sent twice)
            past[name] = Past(kind, event["message_sha256"], reply, moment)

    def busy(self) -> bool:
        """Whether another run holds the journal (its lock), without creating or changing it."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return False  # none yet (or not a file: read says so)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False

    def open(self) -> None:
        """Open for appending and lock; a last line cut short by a crash is cut off first."""
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise InputError(f"cannot write the journal ({exc.strerror})", where=self.path) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
        except OSError as exc:
            os.close(fd)
            raise InputError("another 'letter-pdf send' is sending this folder", where=self.path,
                             hint="wait for it to finish, then run again") from exc
        if not same:  # an empty journal removed by the run that held it (close): not the journal any more
            os.close(fd)
            raise InputError("another 'letter-pdf send' was sending this folder", where=self.path,
                             hint="run the same command again")
        self.fd = fd
        size = os.fstat(fd).st_size
        if size:
            tail = os.pread(fd, min(size, MAX_JOURNAL_LINE + 1), max(0, size - MAX_JOURNAL_LINE - 1))
            if not tail.endswith(b"\n"):
                os.ftruncate(fd, size - len(tail) + tail.rfind(b"\n") + 1)
                os.fsync(fd)
        fsync_dir(self.path.parent)

    def write(self, kind: str, copy: Copy, **extra: object) -> None:
        assert self.fd is not None
        event = {"event": kind, "file": copy.name, "address": copy.address, "message_id": copy.message_id,
                 "message_sha256": copy.message_sha256, "time": now_utc(), **extra}
        line = json.dumps(event, ensure_ascii=True, sort_keys=True).encode("ascii") + b"\n"
        try:
            if os.write(self.fd, line) != len(line):
                raise OSError(28, "No space left on device")
            os.fsync(self.fd)
        except OSError as exc:  # before "data": the content is not sent; after the answer: the message is uncertain
            raise InputError(f"cannot write the journal ({exc.strerror or exc})", where=self.path,
                             hint="free some space, then run the same command again") from exc
        self.last[copy.name] = kind

    def close(self) -> None:
        """Unlock; a journal this run left empty (it could not connect: nothing happened) is removed first."""
        if self.fd is not None:
            try:
                if os.fstat(self.fd).st_size == 0:
                    os.unlink(self.path)  # under the lock; a run waiting on this file sees it is gone (open)
                    fsync_dir(self.path.parent)
            except OSError:
                log.debug("could not remove the empty journal %s", self.path)
            finally:
                os.close(self.fd)  # the lock goes with it
                self.fd = None


# ----------------------------------------------------------------------------------------------- the run


class Recorded:
    """The archive's delivery records by message SHA-256, by Message-ID and by (PDF SHA-256, To address in lower
    case): all read once, then only the records added since (another run sending a copy of the folder); a
    message found here was sent, whatever the journal of this folder says (lost, the folder copied, or the same
    copies built again into a new folder: new Message-IDs, the same PDF to the same address)."""

    def __init__(self, archive: Archive):
        self.archive, self.last = archive, 0
        self.found: dict[str | tuple[str, str], list[tuple[int, Delivery]]] = {}

    def find(self, copy: Copy, statuses: tuple[str, ...] = ("accepted",),
             same_pdf: bool = False) -> tuple[int, Delivery] | None:
        self.last, new = self.archive.deliveries(after=self.last)
        for number, delivery, pdf in new:
            for key in (delivery.message_sha256, delivery.message_id, (pdf, delivery.address.lower())):
                self.found.setdefault(key, []).append((number, delivery))
        keys: list[str | tuple[str, str]] = [copy.message_sha256, copy.message_id]
        keys += [(copy.sha256, copy.address.lower())] if same_pdf else []
        return next((hit for key in keys for hit in self.found.get(key, ()) if hit[1].status in statuses), None)

    @staticmethod
    def count(copy: Copy, hit: tuple[int, Delivery], summary: Summary) -> None:
        """``copy`` found in the archive as sent: this message, or its PDF to its address (the record named)."""
        summary.already.append(copy)
        if copy.message_sha256 == hit[1].message_sha256 or copy.message_id == hit[1].message_id:
            summary.in_archive.append(copy)
        else:
            summary.same_pdf.append((copy, hit[0]))


def uncertain_hint(copy: Copy, why: str) -> str:
    """Why the outcome of ``copy`` is unknown (said once), and how to find it out."""
    return (f"{why}: it may have arrived. Ask the server's administrator (or look in its log) for Message-ID "
            f"{copy.message_id}; if it did not arrive, run again with --retry-uncertain")


@dataclass
class Run:
    """One ``letter-pdf send`` run over ``folder``."""

    folder: Path
    archive: Archive
    server: Server | None = None  # None: a dry run
    per_minute: float | None = None
    retry_uncertain: bool = False
    progress: Callable[[str], None] | None = None
    sleep: Callable[[float], None] = time.sleep

    def sort(self, copies: list[Copy], past: dict[str, Past], summary: Summary) -> tuple[list[Copy], list[Copy]]:
        """(to send, to record now without sending); the rest counted in ``summary``."""
        send, record = [], []
        for copy in copies:
            known = past.get(copy.name)
            if known is not None and known.state in ("accepted", "failed", "data") \
                    and known.message_sha256 != copy.message_sha256:
                raise InputError(f"{copy.name} has changed since it was sent (the journal has another SHA-256)",
                                 where=copy.eml, hint="never rebuild a folder that was sent: build into a new one")
            if known is None or known.state in ("start", "deferred") or (known.state == "data" and self.retry_uncertain):
                send.append(copy)
            elif known.state == "data":
                summary.uncertain.append((copy, uncertain_hint(copy, "an earlier run sent the message and never "
                                                                      "heard the server's answer")))
            elif not known.recorded:
                record.append(copy)
            elif known.state == "accepted":
                summary.already.append(copy)
            else:
                summary.failed.append((copy, known.reply))
        return send, record

    def execute(self) -> Summary:
        if self.per_minute is not None and not (math.isfinite(self.per_minute) and self.per_minute > 0):
            raise InputError(f"not a positive number of messages a minute: {self.per_minute}", where="--per-minute")
        copies, without = plan(self.folder)
        journal = Journal(self.folder)
        if self.server is None and journal.busy():  # its message in flight would look uncertain
            raise InputError("another 'letter-pdf send' is sending this folder", where=journal.path,
                             hint="wait for it to finish, then run the dry run again")
        past = journal.read()
        summary = Summary(without_email=without)
        send, record = self.sort(copies, past, summary)
        recorded = Recorded(self.archive)
        if self.server is None:
            for copy in send:
                if (hit := recorded.find(copy, same_pdf=True)) is None:
                    summary.left.append(copy)
                else:
                    recorded.count(copy, hit, summary)
            for copy in record:
                if past[copy.name].state == "accepted":
                    summary.already.append(copy)
                else:
                    summary.failed.append((copy, past[copy.name].reply))
            return summary
        self.archive.preflight(recipient=copies[0].recipient, channel="email")
        journal.open()
        try:
            past = journal.read()  # again, under the lock: another run may have finished in between
            summary = Summary(without_email=without)
            send, record = self.sort(copies, past, summary)
            for copy in record:
                known = past[copy.name]
                if (hit := recorded.find(copy, (known.state,))) is not None:  # recorded, the journal not told
                    journal.write("recorded", copy, record=hit[0])
                else:
                    self._record(journal, copy, known.state, known.reply, known.time)
                    summary.recorded_now.append(copy)
                if known.state == "accepted":
                    summary.already.append(copy)
                else:
                    summary.failed.append((copy, known.reply))
            if send:
                self._send(journal, send, summary, recorded)
        finally:
            journal.close()
        return summary

    def _send(self, journal: Journal, send: list[Copy], summary: Summary, recorded: Recorded) -> None:
        assert self.server is not None
        session = Session(self.server)
        session.open()
        try:
            last = None
            for number, copy in enumerate(send):
                if summary.stopped:
                    summary.left.append(copy)
                    continue
                if (hit := recorded.find(copy, same_pdf=True)) is not None:  # sent before: the journal catches up
                    journal.write("accepted", copy, reply=hit[1].reply, time=hit[1].time, from_archive=True)
                    journal.write("recorded", copy, record=hit[0])
                    recorded.count(copy, hit, summary)
                    continue
                try:
                    if self.per_minute and last is not None:
                        self.sleep(max(0.0, last + 60.0 / self.per_minute - time.monotonic()))
                    last = time.monotonic()
                    if self.progress:
                        self.progress(f"[{number + 1}/{len(send)}] {copy.name} to {copy.address}")
                    self._one(journal, session, copy, summary)
                except KeyboardInterrupt:
                    session.abort()  # no QUIT: a server busy answering would keep us up to its timeout
                    summary.stopped, summary.interrupted = "interrupted (Ctrl-C)", True
                    self._interrupted(journal.last.get(copy.name), copy, summary)
        finally:
            session.close()

    @staticmethod
    def _interrupted(last: str | None, copy: Copy, summary: Summary) -> None:
        """Count the message Ctrl-C interrupted by the journal's last word on it."""
        if last == "data":
            summary.uncertain.append((copy, uncertain_hint(copy, "interrupted after the message was sent")))
        elif last == "accepted":  # answered; recorded by the next run
            summary.accepted.append(copy)
        elif last == "failed":
            summary.failed.append((copy, "refused (the next run records it)"))
        elif copy not in summary.left:
            summary.left.append(copy)

    def _one(self, journal: Journal, session: Session, copy: Copy, summary: Summary) -> None:
        data = _read(copy.eml, "the message")
        if sha256_bytes(data) != copy.message_sha256:
            summary.stopped = f"{copy.name} changed during the run"
            summary.left.append(copy)
            return
        journal.write("start", copy)
        outcome = session.deliver(data, copy.sender, (copy.address, *copy.cc), lambda: journal.write("data", copy))
        if outcome.kind == "uncertain":
            summary.uncertain.append((copy, uncertain_hint(copy, outcome.reply)))
            summary.stopped = f"the outcome of {copy.name} is unknown"
            return
        moment = now_utc()
        if outcome.kind in ("deferred", "refused", "held"):  # nothing delivered: sent again by the next run
            journal.write("deferred", copy, reply=outcome.reply)
            summary.left.append(copy)
            summary.stopped = {"deferred": "the server said", "refused": "the server refuses every message", "held":
                               f"the server refused {copy.name} (not its address)"}[outcome.kind] + f": {outcome.reply}"
            return
        reply = outcome.reply
        if outcome.refused_cc:
            reply += "; Cc refused: " + "; ".join(outcome.refused_cc)
            summary.cc_refused += [(copy, refused) for refused in outcome.refused_cc]
        journal.write(outcome.kind, copy, reply=reply)
        self._record(journal, copy, outcome.kind, reply, moment)
        if outcome.kind == "accepted":
            summary.accepted.append(copy)
        else:
            summary.failed.append((copy, reply))

    def _record(self, journal: Journal, copy: Copy, status: str, reply: str, moment: str) -> None:
        """The archive record of a message the server accepted or refused for good."""
        try:
            data = _read(copy.pdf, "the PDF")
            if sha256_bytes(data) != copy.sha256:
                raise ArchiveError("the PDF changed after it was sent", where=copy.pdf)
            delivery = Delivery(address=copy.address, status=status, time=moment or now_utc(),
                                message_sha256=copy.message_sha256, message_id=copy.message_id, reply=reply,
                                cc=copy.cc)
            record, _ = self.archive.record(copy.pdf, recipient=copy.recipient, channel="email",
                                            sent_at=moment or None, file_name=copy.pdf.name,
                                            facts=inspect_data(data, copy.pdf), delivery=delivery)
        except LetterPdfError as exc:
            where = exc.where if exc.where and not exc.where.startswith("--") else self.archive.root  # not --to
            raise ArchiveError(f"{copy.name} was {status} by the server but cannot be recorded: {exc.message}",
                               where=where,
                               hint="fix this, then run the same 'letter-pdf send' again: it records it without "
                                    "sending it again") from exc
        journal.write("recorded", copy, record=record.number)


def summary_lines(summary: Summary, *, dry_run: bool = False) -> list[str]:
    """The end of a run as lines of text: the counts, then each failed, uncertain and left message."""
    if dry_run:
        lines = [f"would send {c.name} to {c.address}" for c in summary.left]
        lines.append(f"dry run: {len(summary.left)} to send, {len(summary.already)} already sent, "
                     f"{len(summary.failed)} failed before, {len(summary.uncertain)} uncertain")
    else:
        lines = [f"accepted {len(summary.accepted)}, already sent {len(summary.already)}, failed "
                 f"{len(summary.failed)}, left {len(summary.left)}, uncertain {len(summary.uncertain)}"]
    if summary.in_archive:
        lines.append(f"already in the archive as sent (not in this folder's journal), not sent again: "
                     f"{', '.join(c.name for c in summary.in_archive)}")
    lines += [f"already sent: {c.name} to {c.address}: the same PDF was accepted at this address (archive record "
              f"{number}), not sent again" for c, number in summary.same_pdf]
    if summary.recorded_now:
        lines.append(f"recorded now (answered in an earlier run): {', '.join(c.name for c in summary.recorded_now)}")
    lines += [f"failed: {c.name} to {c.address}: {reply}" for c, reply in summary.failed]
    lines += [f"uncertain: {c.name} to {c.address}: {how}" for c, how in summary.uncertain]
    lines += [f"Cc refused: {c.name} to {c.address} (sent without this Cc): {refused}"
              for c, refused in summary.cc_refused]
    if summary.stopped and summary.left:
        lines.append(f"stopped: {summary.stopped}; {len(summary.left)} left for the next run "
                     "(run the same command again)")
    if summary.without_email:
        lines.append(f"{summary.without_email} row(s) of {INDEX_NAME} without an e-mail: not sent")
    return [visible(line, 1000) for line in lines]


