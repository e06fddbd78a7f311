"""``archive verify``: re-hash every stored file and the chain of records, compare the index with the records
field by field, and report damage (errors) apart from what an interrupted command leaves behind (notes)."""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field

from letter_pdf.archive.index import Row, label
from letter_pdf.archive.index import rows as index_rows
from letter_pdf.archive.records import (
    GENESIS,
    MAX_RECORD_BYTES,
    MAX_RECORD_DEPTH,
    MalformedRecord,
    Record,
    sha256_bytes,
)
from letter_pdf.archive.store import (
    EXPECTED_TOP,
    HASH,
    INDEX,
    MARKER,
    OBJECT_NAME,
    OBJECTS,
    RECORD_NAME,
    RECORDS,
    TMP_PREFIX,
    NotReadable,
    Store,
    marker_problem,
    object_path,
    read_bounded,
)
from letter_pdf.archive.text import detail, shown
from letter_pdf.manifest import NestedTooDeeply, canonical_json, load_json, sha256_file

RECORD_WHERE = re.compile(rf"^{RECORDS}/(\d{{8}})\.json$")
LINK = "a symbolic link, not a file of the archive (the archive must hold its files itself: copy the file in its place)"


@dataclass(frozen=True)
class ArchiveFinding:
    """One finding of ``verify``: ``error`` (damage) or ``note`` (harmless, e.g. left by an interrupted record)."""

    level: str
    where: str
    message: str
    records: tuple[int, ...] = field(default=(), compare=False)  # the records the finding is about, if any

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


@dataclass
class ArchiveReport:
    """What ``verify`` found in an archive."""

    records: int
    head: str | None  # the latest record's chain hash
    findings: list[ArchiveFinding] = field(default_factory=list)
    head_checked: str | None = None  # what --head found

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def errors(self) -> list[ArchiveFinding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def damaged_records(self) -> list[int]:
        """The numbers of the records that errors are about (a record or a file it stores)."""
        return sorted({n for f in self.errors for n in f.records})


class _Check:
    """One run of ``verify`` over ``store``: the findings so far and what was read of the records."""

    def __init__(self, store: Store):
        self.store = store
        self.root = store.root
        self.findings: list[ArchiveFinding] = []
        self.numbers: list[int] = []
        self.hashes: dict[int, str] = {}  # chain hash of each record file read
        self.parsed: dict[int, Record] = {}  # the records that could be read, by number
        self.referenced: dict[str, str] = {}  # object path -> expected digest
        self.referrers: dict[str, list[int]] = {}  # object path -> the records that store it
        self.previous: dict[int, object] = {}  # what each record that is JSON says is the hash before it

    def err(self, where, message: str, records: tuple[int, ...] = ()) -> None:
        if not records and (m := RECORD_WHERE.match(str(where))):
            records = (int(m.group(1)),)
        self.findings.append(ArchiveFinding("error", str(where), message, records))

    def note(self, where, message: str) -> None:
        self.findings.append(ArchiveFinding("note", str(where), message))

    def top(self) -> None:
        if (problem := marker_problem(self.root / MARKER)) is not None:
            self.err(MARKER, problem)
        for entry in sorted(self.root.iterdir()):
            if entry.is_symlink():
                self.err(entry.relative_to(self.root), LINK)
            elif entry.name.startswith(TMP_PREFIX):
                self.note(entry.relative_to(self.root), "temporary file left by an interrupted command")
            elif entry.name not in EXPECTED_TOP:
                self.err(entry.relative_to(self.root), "unexpected file (not written by letter-pdf)")

    def chain(self) -> None:
        records_dir = self.store.records_dir
        if records_dir.is_dir():
            for entry in sorted(records_dir.iterdir()):
                if entry.is_symlink():
                    self.err(f"{RECORDS}/{entry.name}", LINK)  # a record's is read as a record all the same
                    if not RECORD_NAME.match(entry.name):
                        continue
                if entry.name.startswith(TMP_PREFIX):
                    self.note(f"{RECORDS}/{entry.name}", "temporary file left by an interrupted record")
                elif m := RECORD_NAME.match(entry.name):
                    self.numbers.append(int(m.group(1)))
                else:
                    self.err(f"{RECORDS}/{entry.name}", "unexpected file (not written by letter-pdf)")
        else:
            self.err(RECORDS, "the records folder is missing")
        numbers = self.numbers
        numbers.sort()
        for missing in sorted(set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers)):
            self.err(f"{RECORDS}/{missing:08d}.json", f"record {missing} is missing")
        previous_hash: str | None = None
        previous_number = 0
        for number in numbers:
            where = f"{RECORDS}/{number:08d}.json"
            try:
                data = read_bounded(self.store.record_file(number), MAX_RECORD_BYTES)
            except OSError as exc:
                self.err(where, f"record {number} cannot be read ({exc.strerror or detail(exc)})")
                previous_hash, previous_number = None, number
                continue
            except NotReadable as exc:
                self.err(where, f"record {number} is damaged ({exc})")
                previous_hash, previous_number = None, number
                continue
            digest = sha256_bytes(data)
            self.hashes[number] = digest
            try:
                value = load_json(data, max_depth=MAX_RECORD_DEPTH)
            except NestedTooDeeply as exc:
                self.err(where, f"record {number} is damaged (nested too deeply: {exc})")
                previous_hash, previous_number = digest, number
                continue
            except ValueError:  # not UTF-8, not JSON
                self.err(where, f"record {number} is damaged (not JSON)")
                previous_hash, previous_number = digest, number
                continue
            if canonical_json(value) != data:
                self.err(where, f"record {number} has been edited (it is not in the form letter-pdf wrote)")
            said = value.get("number") if isinstance(value, dict) else None
            if not isinstance(value, dict) or said != number:
                self.err(where, f"record {number} says it is number {said!r}"
                         if isinstance(value, dict) else f"record {number} is not a record")
                previous_hash, previous_number = digest, number
                continue
            self.previous[number] = value.get("previous")
            want = GENESIS if number == 1 else (previous_hash if previous_number == number - 1 else None)
            if want is not None and value.get("previous") != want:
                self.err(where, "broken chain: record 1 does not start the chain (its 'previous' is not 64 zeros)"
                         if number == 1 else
                         f"broken chain: record {number} does not carry the hash of record {number - 1} "
                         f"(record {number - 1} has been changed or replaced)")
            previous_hash, previous_number = digest, number
            reported = len(self.errors())
            self.stored_files(number, value)
            try:
                self.parsed[number] = Record.from_json(value)
            except MalformedRecord as exc:
                if len(self.errors()) == reported:  # not already said of its stored files
                    self.err(where, f"record {number} is malformed ({exc})")

    def errors(self) -> list[ArchiveFinding]:
        return [f for f in self.findings if f.level == "error"]

    def stored_files(self, number: int, value: dict) -> None:
        """Note the files record ``number`` (its JSON, which may be damaged) says are stored."""
        where = f"{RECORDS}/{number:08d}.json"
        try:
            stored = [(value["pdf"]["object"], value["pdf"]["sha256"])]
            stored += [(s["object"], s["sha256"]) for s in value.get("stored_sources") or []]
        except (KeyError, TypeError):
            self.err(where, f"record {number} is malformed (it names no stored file)")
            stored = []
        for obj, expected in stored:
            if not isinstance(obj, str) or not isinstance(expected, str) or not HASH.match(expected):
                self.err(where, f"record {number} is malformed (a stored file without its hash)")
                continue
            self.referenced[obj] = expected
            self.referrers.setdefault(obj, []).append(number)
            if object_path(expected, obj.rsplit(".", 1)[-1]) != obj:
                self.err(where, f"record {number} names a stored file that does not match its hash: {obj}")

    def _files(self, base) -> list:
        """Every file under ``base``, symbolic links (to files or folders) included but not followed."""
        found = []
        for folder, dirs, files in os.walk(base):  # does not descend into linked folders: they are listed
            found += [os.path.join(folder, name) for name in files]
            found += [os.path.join(folder, name) for name in dirs if os.path.islink(os.path.join(folder, name))]
        return sorted(found)

    def objects(self) -> None:
        base = self.root / OBJECTS
        seen = set()
        if base.is_symlink():
            pass  # reported with the archive's top-level files; nothing under it is the archive's own
        elif base.is_dir():
            for name in self._files(base):
                path = base / os.path.relpath(name, base)
                rel = path.relative_to(self.root).as_posix()
                seen.add(rel)
                if path.is_symlink():
                    self.err(rel, LINK, tuple(self.referrers.get(rel, ())))
                    continue
                if not path.is_file():
                    self.err(rel, "unexpected file (not a regular file)", tuple(self.referrers.get(rel, ())))
                    continue
                if path.name.startswith(TMP_PREFIX):
                    self.note(rel, "temporary file left by an interrupted record")
                    continue
                m = OBJECT_NAME.match(path.name)
                if not m or rel != object_path(m.group(1), m.group(2)):
                    self.err(rel, "unexpected file (not written by letter-pdf)")
                    continue
                if sha256_file(path)[0] != m.group(1):
                    self.err(rel, "stored file has changed (its SHA-256 no longer matches its name)",
                             tuple(self.referrers.get(rel, ())))
                elif rel not in self.referenced:
                    self.note(rel, "stored file that no record refers to (left by an interrupted record; harmless)")
        elif self.numbers:
            self.err(OBJECTS, "the stored files' folder is missing")
        for rel in sorted(set(self.referenced) - seen):
            self.err(rel, "stored file is missing", tuple(self.referrers[rel]))

    def index(self) -> None:
        """The index (derived) may lag behind the records after a crash, never disagree with them."""
        index_path = self.root / INDEX
        if not index_path.exists():
            if self.numbers:
                self.note(INDEX, "the index is missing; 'letter-pdf archive reindex' rebuilds it")
            return
        rows: dict[int, Row] | None
        try:
            # read-write when possible: SQLite then rolls back a transaction a killed writer left open
            mode = "rw" if os.access(self.root, os.W_OK) and os.access(index_path, os.W_OK) else "ro"
            db = sqlite3.connect(f"file:{index_path}?mode={mode}", uri=True, timeout=30)
            try:
                check = db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    # SQLite's report runs over several lines: one line here, capped like any library text
                    said = detail(RuntimeError(" ".join(str(check).split())))
                    self.err(INDEX, f"the index is damaged ({said}); run 'letter-pdf archive reindex'")
                rows = index_rows(db)
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            self.err(INDEX, f"the index is damaged ({detail(exc)}); run 'letter-pdf archive reindex'")
            rows = None  # unread: nothing to compare, and not "behind"
        # every field of every row must say what its record says: 'list' reads the records, but
        # nobody may be told by the index what the records do not say
        hashes = self.hashes
        for number, row in sorted((rows or {}).items()):
            where = f"{RECORDS}/{number:08d}.json"
            if number not in hashes:
                if number not in self.numbers:  # else its file is there but unreadable: reported above
                    self.err(where, f"record {number} is in the index but its file is missing")
                continue
            if row.hash != hashes[number]:
                # the next record (itself as indexed) carries the file's hash: the chain vouches for it
                next_row = (rows or {}).get(number + 1)
                if self.previous.get(number + 1) == hashes[number] \
                        and next_row is not None and next_row.hash == hashes.get(number + 1):
                    self.err(INDEX, f"record {number}, chain hash: the index says {shown(row.hash)} but the "
                             f"record file's is {shown(hashes[number])}, as record {number + 1} confirms")
                else:
                    self.err(where, f"record {number} has changed since it was recorded")
            if number not in self.parsed:
                continue  # unreadable or malformed: reported above
            for column, got, want in row.differences(Row.of(self.parsed[number], hashes[number])):
                if column != "hash":  # reported above
                    self.err(INDEX, f"record {number}, {label(column)}: the index says "
                             f"{shown(got)} but the record file says {shown(want)}")
        behind = [n for n in self.numbers if n not in rows] if rows is not None else []
        if behind and rows and min(behind) < max(rows):
            self.err(INDEX, f"records {behind} are missing from the index; run 'letter-pdf archive reindex'")
        elif behind:
            self.note(INDEX, f"the index is {len(behind)} record(s) behind (an interrupted record); "
                      "the next command brings it up to date")

    def head(self, wanted: str) -> str | None:
        """What the chain hash ``wanted`` (kept outside the archive) is in it, or ``None`` (an error found)."""
        wanted = wanted.strip().lower()
        found = [n for n, h in self.hashes.items() if h == wanted]
        if not HASH.match(wanted):
            self.err("--head", "not a SHA-256 hash (64 hexadecimal digits)")
        elif not found:
            self.err("--head", f"the archive does not lead to {wanted}: no record has that hash "
                     "(records were changed, removed or replaced, or it is another archive)")
        else:
            later = self.numbers[-1] - found[0]
            return f"{wanted} is record {found[0]}" + (f"; {later} record(s) added since" if later else " (the latest)")
        return None


def verify(store: Store, head: str | None = None) -> ArchiveReport:
    """Re-hash every stored file and the chain; report damage (errors) and leftovers (notes)."""
    check = _Check(store)
    with store.locked(exclusive=False):
        check.top()
        check.chain()
        check.objects()
        check.index()
    numbers = check.numbers
    head_checked = check.head(head) if head is not None else None
    return ArchiveReport(records=len(numbers), head=check.hashes.get(numbers[-1]) if numbers else None,
                         findings=check.findings, head_checked=head_checked)
