"""The archive folder's files: the lock, the stored objects (named by their SHA-256), and the record files
that form the hash chain. Every file is written once, atomically, and never replaced."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: msvcrt's byte-range lock instead (exclusive only); untested here
    fcntl = None  # type: ignore[assignment]

from letter_pdf.archive.records import MAX_RECORD_BYTES, MalformedRecord, Record, sha256_bytes
from letter_pdf.archive.text import detail, plain, shown
from letter_pdf.errors import ArchiveError
from letter_pdf.files import MAX_PDF_BYTES, NotRegular, TooLarge, read_capped
from letter_pdf.manifest import NestedTooDeeply, canonical_json, load_json, sha256_file
from letter_pdf.output import fsync_dir, write_temp

ARCHIVE_FORMAT = "letter-pdf-archive/1"
ENV_VAR = "LETTER_PDF_ARCHIVE"
MARKER = "letter-pdf-archive.json"
README = "README.txt"
INDEX = "index.sqlite"
LOCK = ".lock"
RECORDS = "records"
OBJECTS = "objects"
TMP_PREFIX = ".tmp-"
RECORD_NAME = re.compile(r"^(\d{8})\.json$")
OBJECT_NAME = re.compile(r"^([0-9a-f]{64})\.([a-z0-9]{1,8})$")
HASH = re.compile(r"^[0-9a-f]{64}$")
EXPECTED_TOP = {MARKER, README, INDEX, INDEX + "-journal", LOCK, RECORDS, OBJECTS}
MAX_MARKER_BYTES = 64 * 1024  # the marker letter-pdf writes is 41 bytes


class NotReadable(ValueError):
    """An archive file that is not read: not a regular file, or larger than its limit (the message says which)."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them: a FIFO, a device or a folder, or a file
    over the limit, raises ``NotReadable`` before anything waits or is read without bound (``OSError`` when the
    file cannot be opened)."""
    try:
        return read_capped(path, limit)
    except (NotRegular, IsADirectoryError):
        raise NotReadable("it is not a regular file") from None
    except TooLarge:
        raise NotReadable(f"it is larger than {limit:,} bytes") from None


def marker_problem(path: Path) -> str | None:
    """What is wrong with the archive's marker file ``path`` (read within bounds), or ``None``."""
    try:
        marker = load_json(read_bounded(path, MAX_MARKER_BYTES), max_depth=8)
    except OSError as exc:
        return f"the archive's marker file is unreadable ({exc.strerror or type(exc).__name__})"
    except NestedTooDeeply as exc:
        return f"the archive's marker file is unreadable (nested too deeply: {exc})"
    except ValueError as exc:  # NotReadable, not UTF-8, not JSON
        return f"the archive's marker file is unreadable ({detail(exc)})"
    if not isinstance(marker, dict):
        return f"the archive's marker file is unreadable (it holds {type(marker).__name__}, not an object)"
    if "format" not in marker:
        return "the archive's marker file names no format"
    if marker.get("format") != ARCHIVE_FORMAT:
        return f"unknown archive format {plain(shown(marker.get('format')), 80)}"
    return None

README_TEXT = """\
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


def write_new(path: Path, data: bytes) -> None:
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


def object_path(digest: str, suffix: str) -> str:
    """The relative path of a stored object."""
    return f"{OBJECTS}/sha256/{digest[:2]}/{digest}.{suffix}"


def suffix_of(name: str) -> str:
    """The suffix a stored copy of the file ``name`` gets (``bin`` when it has no plain one)."""
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix if re.fullmatch(r"[a-z0-9]{1,8}", suffix) else "bin"


class Store:
    """The files of one archive folder (``root``); callers hold the lock (``locked``) while writing."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def records_dir(self) -> Path:
        return self.root / RECORDS

    def record_file(self, number: int) -> Path:
        return self.records_dir / f"{number:08d}.json"

    def exists(self) -> bool:
        return (self.root / MARKER).is_file()

    def strangers(self) -> list[str]:
        """Names in the folder that an archive does not hold (a folder with them is not made an archive)."""
        return sorted(p.name for p in self.root.iterdir()
                      if p.name not in EXPECTED_TOP and not p.name.startswith(TMP_PREFIX))

    @contextlib.contextmanager
    def locked(self, exclusive: bool = True) -> Iterator[None]:
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

    def check_marker(self) -> None:
        """Refuse an archive whose marker file is not the one this version writes (another format, or damaged)."""
        problem = marker_problem(self.root / MARKER)
        if problem is not None:
            raise ArchiveError(problem, where=self.root / MARKER,
                               hint="give the folder of an archive this version of letter-pdf wrote, or run "
                                    "'letter-pdf archive verify' on it")

    def ensure_marker(self) -> None:
        for name, data in ((MARKER, canonical_json({"format": ARCHIVE_FORMAT})), (README, README_TEXT.encode())):
            if not (self.root / name).exists():
                write_new(self.root / name, data)

    # ------------------------------------------------------------------------------------- the chain

    def record_numbers(self) -> list[int]:
        """Numbers of the record files present, sorted."""
        if not self.records_dir.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.records_dir.iterdir() if (m := RECORD_NAME.match(p.name)))

    def read_record(self, number: int) -> tuple[Record, str, bytes]:
        """Record ``number``, its chain hash (the SHA-256 of its file) and its file's bytes."""
        path = self.record_file(number)
        hint = "run 'letter-pdf archive verify'"
        try:
            data = read_bounded(path, MAX_RECORD_BYTES)
        except FileNotFoundError as exc:
            raise ArchiveError(f"there is no record {number}", where=self.root,
                               hint="'letter-pdf archive list' shows the records") from exc
        except OSError as exc:
            raise ArchiveError(f"record {number} cannot be read ({exc.strerror or detail(exc)})", where=path,
                               hint=hint) from exc
        except NotReadable as exc:
            raise ArchiveError(f"record {number} is damaged ({exc})", where=path, hint=hint) from exc
        try:
            record = Record.decode(data)
        except NestedTooDeeply as exc:
            raise ArchiveError(f"record {number} is damaged (nested too deeply: {exc})", where=path,
                               hint=hint) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArchiveError(f"record {number} is damaged (not JSON)", where=path,
                               hint=hint) from exc
        except MalformedRecord as exc:
            raise ArchiveError(f"record {number} is malformed ({exc})", where=path,
                               hint="run 'letter-pdf archive verify'") from exc
        return record, sha256_bytes(data), data

    def write_record(self, record: Record) -> str:
        """Write ``record`` as its new record file (the commit point of a record); return its chain hash."""
        data = record.encode()
        if len(data) > MAX_RECORD_BYTES:  # every record written can be read back
            raise ArchiveError(f"the record would be larger than {MAX_RECORD_BYTES:,} bytes (its manifest is too "
                               "large)", hint="record the PDF exactly as letter-pdf wrote it")
        write_new(self.record_file(record.number), data)
        return sha256_bytes(data)

    # ----------------------------------------------------------------------------------- the objects

    def object_dirs(self) -> list[Path]:
        base = self.root / OBJECTS / "sha256"
        return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    def store_object(self, data: bytes, digest: str, suffix: str) -> str:
        """Store ``data`` (whose SHA-256 is ``digest``) unless the same bytes are stored; its relative path."""
        relative = object_path(digest, suffix)
        path = self.root / relative
        if path.is_file() and sha256_file(path)[0] == digest:
            return relative  # the same bytes are already stored (or left by an interrupted record)
        path.parent.mkdir(parents=True, exist_ok=True)
        fsync_dir(path.parent.parent)
        if path.exists():  # damaged: never overwrite; verify reports it
            raise ArchiveError("a stored file is damaged", where=path, hint="run 'letter-pdf archive verify'")
        write_new(path, data)
        return relative

    def read_object(self, relative: str) -> bytes:
        path = self.root / relative
        if not OBJECT_NAME.match(path.name) or Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ArchiveError("a record names a file outside the archive's objects", where=relative)
        try:  # bounded, and never waiting on a FIFO put in its place
            data = read_capped(path, MAX_PDF_BYTES)
        except FileNotFoundError as exc:
            raise ArchiveError("a stored file is missing", where=path, hint="run 'letter-pdf archive verify'") from exc
        except (NotRegular, IsADirectoryError, TooLarge, OSError):
            raise ArchiveError("a stored file is damaged", where=path, hint="run 'letter-pdf archive verify'") from None
        if sha256_bytes(data) != path.name.split(".")[0]:
            raise ArchiveError("a stored file has changed", where=path, hint="run 'letter-pdf archive verify'")
        return data

    def cleanup_temporary(self) -> None:
        """Remove temporary files of writers that died (we hold the lock, so no live writer owns them)."""
        for folder in [self.root, self.records_dir, *self.object_dirs()]:
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    if entry.name.startswith(TMP_PREFIX) and entry.is_file():
                        entry.unlink()
