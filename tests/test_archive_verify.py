"""``Archive.verify`` finding by finding, on a small archive of plain PDFs (no letter is built here, so
these run in a second; test_archive.py checks the same guard end to end on built letters and the CLI).

Each test damages a copy of one pristine archive of three records and compares the whole list of
findings (level, where, message): what is reported, where, and nothing else.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from letter_pdf import archive as A
from letter_pdf.archive import Archive
from letter_pdf.archive.index import COLUMNS
from letter_pdf.errors import ArchiveError

from conftest import writable_copy

RECIPIENTS = [("a.pdf", "The Minister"), ("a.pdf", "The President"), ("b.pdf", "The Minister")]
SENT_AT = "2026-11-29T10:00:00+00:00"


def _pdf(title: str) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = title
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("verify")
    (base / "a.pdf").write_bytes(_pdf("Letter A"))
    (base / "b.pdf").write_bytes(_pdf("Letter B"))
    archive = A.Archive(base / "archive")
    for name, recipient in RECIPIENTS:
        archive.record(base / name, recipient=recipient, channel="email", sent_at=SENT_AT)
    return base / "archive"


@pytest.fixture
def copy(pristine, tmp_path) -> Path:
    return writable_copy(pristine, tmp_path / "archive")


def findings(archive: Path, head: str | None = None) -> list[tuple[str, str, str]]:
    return [(f.level, f.where, f.message) for f in A.Archive(archive).verify(head).findings]


def record(archive: Path, number: int) -> Path:
    return archive / "records" / f"{number:08d}.json"


def chain_hash(archive: Path, number: int) -> str:
    return hashlib.sha256(record(archive, number).read_bytes()).hexdigest()


def rewrite(archive: Path, number: int, change) -> None:
    data = json.loads(record(archive, number).read_text("utf-8"))
    data = change(data) or data
    record(archive, number).write_bytes(A.canonical_json(data))


def stored(archive: Path, name: str) -> str:
    """The stored object of the test PDF ``name`` (a.pdf: records 1 and 2; b.pdf: record 3)."""
    digest = hashlib.sha256(_pdf({"a.pdf": "Letter A", "b.pdf": "Letter B"}[name])).hexdigest()
    return A.object_path(digest, "pdf")


def sql(archive: Path, statement: str, *args) -> None:
    db = sqlite3.connect(archive / A.INDEX)
    db.execute(statement, args)
    db.commit()
    db.close()


CHANGED = "record {n} has changed since it was recorded"
UNREFERENCED = "stored file that no record refers to (left by an interrupted record; harmless)"
NOT_OURS = "unexpected file (not written by letter-pdf)"


def test_a_pristine_archive_has_no_finding_and_its_head_is_the_last_records_hash(copy):
    report = A.Archive(copy).verify()
    assert (report.findings, report.records, report.head, report.ok) == ([], 3, chain_hash(copy, 3), True)
    assert report.head_checked is None


# --- the archive's own files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("marker", "message"), [
    ('{"format": "letter-pdf-archive/9"}', "unknown archive format 'letter-pdf-archive/9'"),
    ("{}", "the archive's marker file names no format"),
    ("not JSON", "the archive's marker file is unreadable (Expecting value: line 1 column 1 (char 0))"),
    ("[1]", "the archive's marker file is unreadable (it holds list, not an object)"),
])
def test_a_wrong_or_unreadable_marker_is_an_error(copy, marker, message):
    (copy / A.MARKER).write_text(marker, encoding="utf-8")
    assert findings(copy) == [("error", A.MARKER, message)]


def test_a_folder_without_the_marker_is_not_verified_as_an_archive(copy):
    (copy / A.MARKER).unlink()
    with pytest.raises(ArchiveError) as caught:
        A.Archive(copy).verify()
    assert str(caught.value) == (f"{copy}: not a letter-pdf archive (no {A.MARKER}) — give the folder that "
                                 "'archive record' created")


def test_leftovers_are_notes_and_foreign_files_errors_at_each_level(copy):
    (copy / ".tmp-command").write_text("x")
    (copy / "notes.txt").write_text("x")
    (copy / "records" / ".tmp-record").write_text("x")
    (copy / "records" / "00000004.json.bak").write_text("{}")
    folder = copy / stored(copy, "a.pdf")
    (folder.parent / ".tmp-object").write_text("x")
    (copy / "objects" / "sha256" / "notes.txt").write_text("x")
    assert findings(copy) == [
        ("note", ".tmp-command", "temporary file left by an interrupted command"),
        ("error", "notes.txt", NOT_OURS),
        ("note", "records/.tmp-record", "temporary file left by an interrupted record"),
        ("error", "records/00000004.json.bak", NOT_OURS),
        ("note", f"{Path(stored(copy, 'a.pdf')).parent.as_posix()}/.tmp-object",
         "temporary file left by an interrupted record"),
        ("error", "objects/sha256/notes.txt", NOT_OURS),
    ]


def test_an_expected_file_is_not_reported(copy):
    (copy / (A.INDEX + "-journal")).write_bytes(b"")
    assert findings(copy) == []


# --- the records and the chain -------------------------------------------------------------------------


def test_a_missing_records_folder(copy):
    shutil.rmtree(copy / "records")
    assert findings(copy) == [
        ("error", "records", "the records folder is missing"),
        *[("note", path, UNREFERENCED) for path in sorted([stored(copy, "a.pdf"), stored(copy, "b.pdf")])],
    ] + [("error", f"records/{n:08d}.json", f"record {n} is in the index but its file is missing") for n in (1, 2, 3)]


def test_a_missing_record_in_the_middle(copy):
    record(copy, 2).unlink()
    assert findings(copy) == [
        ("error", "records/00000002.json", "record 2 is missing"),
        ("error", "records/00000002.json", "record 2 is in the index but its file is missing"),
    ]
    assert A.Archive(copy).verify().records == 2


def test_a_missing_record_is_found_up_to_the_last_number(copy, pristine):
    A.Archive(copy).record(pristine.parent / "a.pdf", recipient="The King", channel="post", sent_at=SENT_AT)
    record(copy, 3).unlink()  # records 1, 2 and 4 left
    assert findings(copy)[:2] == [
        ("error", "records/00000003.json", "record 3 is missing"),
        ("note", stored(copy, "b.pdf"), UNREFERENCED),
    ]


def test_the_first_record_missing(copy):
    record(copy, 1).unlink()
    assert findings(copy) == [
        ("error", "records/00000001.json", "record 1 is missing"),
        ("error", "records/00000001.json", "record 1 is in the index but its file is missing"),
    ]


def test_the_last_record_missing_leaves_its_stored_file_unreferenced(copy):
    record(copy, 3).unlink()
    assert findings(copy) == [
        ("note", stored(copy, "b.pdf"), UNREFERENCED),
        ("error", "records/00000003.json", "record 3 is in the index but its file is missing"),
    ]


def test_an_unreadable_record(copy):
    record(copy, 2).unlink()
    record(copy, 2).mkdir()
    assert findings(copy) == [
        ("error", "records/00000002.json", "record 2 is damaged (it is not a regular file)"),
    ]  # its file is there: not also "in the index but its file is missing"


@pytest.mark.parametrize("data", [b"not JSON", b"\xff\xfe{}"])
def test_a_record_that_is_not_json_breaks_the_chain_after_it(copy, data):
    record(copy, 2).write_bytes(data)
    assert findings(copy) == [
        ("error", "records/00000002.json", "record 2 is damaged (not JSON)"),
        ("error", "records/00000003.json",
         "broken chain: record 3 does not carry the hash of record 2 (record 2 has been changed or replaced)"),
        ("error", "records/00000002.json", CHANGED.format(n=2)),
    ]


def test_a_hand_formatted_record(copy):
    record(copy, 1).write_text(json.dumps(json.loads(record(copy, 1).read_text()), indent=2))
    assert findings(copy) == [
        ("error", "records/00000001.json", "record 1 has been edited (it is not in the form letter-pdf wrote)"),
        ("error", "records/00000002.json",
         "broken chain: record 2 does not carry the hash of record 1 (record 1 has been changed or replaced)"),
        ("error", "records/00000001.json", CHANGED.format(n=1)),
    ]


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(number=5), "record 3 says it is number 5"),
    (lambda r: r.pop("number") and None, "record 3 says it is number None"),
    (lambda r: [1, 2], "record 3 is not a record"),
])
def test_a_record_that_is_not_the_record_of_its_number(copy, change, message):
    rewrite(copy, 3, change)
    assert findings(copy) == [
        ("error", "records/00000003.json", message),
        ("note", stored(copy, "b.pdf"), UNREFERENCED),
        ("error", "records/00000003.json", CHANGED.format(n=3)),
    ]


def test_a_renumbered_record_in_the_middle_does_not_stop_the_check_of_the_next(copy):
    rewrite(copy, 2, lambda r: r.update(number=5))
    assert findings(copy) == [
        ("error", "records/00000002.json", "record 2 says it is number 5"),
        ("error", "records/00000003.json",
         "broken chain: record 3 does not carry the hash of record 2 (record 2 has been changed or replaced)"),
        ("error", "records/00000002.json", CHANGED.format(n=2)),
    ]


def test_a_malformed_pdf_entry_does_not_stop_the_check_of_the_stored_sources(copy):
    digest = "d" * 64
    rewrite(copy, 3, lambda r: (r["pdf"].update(sha256="XY"),
                                r.update(stored_sources=[{"object": A.object_path(digest, "md"), "sha256": digest}]))
                         and None)
    assert [f for f in findings(copy) if f[0] == "error"][:2] == [
        ("error", "records/00000003.json", "record 3 is malformed (a stored file without its hash)"),
        ("error", A.object_path(digest, "md"), "stored file is missing"),
    ]


@pytest.mark.parametrize("name", ["{h}.tar.gz", "{h}"])
def test_a_stored_file_name_is_its_hash_and_one_suffix(copy, name):
    digest = "e" * 64
    obj = f"objects/sha256/ee/{name.format(h=digest)}"
    rewrite(copy, 3, lambda r: r.update(stored_sources=[{"object": obj, "sha256": digest}]))
    assert findings(copy) == [
        ("error", "records/00000003.json", f"record 3 names a stored file that does not match its hash: {obj}"),
        ("error", obj, "stored file is missing"),
        ("error", "records/00000003.json", CHANGED.format(n=3)),
    ]


def test_verify_reads_while_another_command_reads(copy):
    """verify takes the archive's lock shared: it runs while another reader holds it (a writer would wait)."""
    import threading

    done = []
    with A.Archive(copy).store.locked(exclusive=False):
        reader = threading.Thread(target=lambda: done.append(findings(copy)), daemon=True)
        reader.start()
        reader.join(timeout=60)  # a deadlock detector, not a speed limit: verify itself takes milliseconds
    assert done == [[]]


def test_the_first_record_must_start_the_chain(copy):
    rewrite(copy, 1, lambda r: r.update(previous="1" * 64))
    assert findings(copy) == [
        ("error", "records/00000001.json",
         "broken chain: record 1 does not start the chain (its 'previous' is not 64 zeros)"),
        ("error", "records/00000002.json",
         "broken chain: record 2 does not carry the hash of record 1 (record 1 has been changed or replaced)"),
        ("error", "records/00000001.json", CHANGED.format(n=1)),
        ("error", A.INDEX, f"record 1, previous hash: the index says '{'0' * 64}' but the record file says '{'1' * 64}'"),
    ]


def test_a_record_whose_previous_is_another_records_hash(copy):
    """Record 3 carrying record 1's hash (a record 2 taken out and the chain patched) is caught."""
    first = chain_hash(copy, 1)
    rewrite(copy, 3, lambda r: r.update(previous=first))
    assert findings(copy)[0] == (
        "error", "records/00000003.json",
        "broken chain: record 3 does not carry the hash of record 2 (record 2 has been changed or replaced)")


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("pdf") and None, "record 3 is malformed (it names no stored file)"),
    (lambda r: r.update(pdf="b.pdf"), "record 3 is malformed (it names no stored file)"),
    (lambda r: r.update(stored_sources=[{"object": "objects/x"}]), "record 3 is malformed (it names no stored file)"),
])
def test_a_record_naming_no_stored_file(copy, change, message):
    rewrite(copy, 3, change)
    assert findings(copy)[:2] == [("error", "records/00000003.json", message), ("note", stored(copy, "b.pdf"), UNREFERENCED)]


@pytest.mark.parametrize("change", [
    lambda r: r["pdf"].update(sha256="XY"),
    lambda r: r["pdf"].update(sha256=r["pdf"]["sha256"].upper()),
    lambda r: r["pdf"].update(sha256=r["pdf"]["sha256"] + "0"),
    lambda r: r["pdf"].update(sha256=None),
    lambda r: r["pdf"].update(object=None),
])
def test_a_stored_file_without_its_hash(copy, change):
    rewrite(copy, 3, change)
    assert findings(copy)[:2] == [
        ("error", "records/00000003.json", "record 3 is malformed (a stored file without its hash)"),
        ("note", stored(copy, "b.pdf"), UNREFERENCED),
    ]


def test_a_record_naming_a_file_that_does_not_match_its_hash(copy):
    other = stored(copy, "a.pdf")
    rewrite(copy, 3, lambda r: r["pdf"].update(object=other))
    assert findings(copy) == [
        ("error", "records/00000003.json", f"record 3 names a stored file that does not match its hash: {other}"),
        ("note", stored(copy, "b.pdf"), UNREFERENCED),
        ("error", "records/00000003.json", CHANGED.format(n=3)),
    ]


def test_a_stored_source_is_checked_like_the_pdf(copy):
    pdf = stored(copy, "a.pdf")
    rewrite(copy, 3, lambda r: r.update(stored_sources=[{"name": "letter.md", "object": pdf.replace(".pdf", ".md"),
                                                         "sha256": pdf[-68:-4], "size": 1}]))
    assert findings(copy) == [
        ("error", pdf.replace(".pdf", ".md"), "stored file is missing"),
        ("error", "records/00000003.json", CHANGED.format(n=3)),
    ]


def test_a_record_that_does_not_read_as_a_record_is_reported(copy):
    """Its stored files are in order, but a field letter-pdf always writes is missing or of another type."""
    pdf = stored(copy, "a.pdf")
    rewrite(copy, 3, lambda r: r.update(stored_sources=[{"object": pdf, "sha256": pdf[-68:-4]}]))
    assert findings(copy) == [
        ("error", "records/00000003.json", "record 3 is malformed (stored file 'name' is missing)"),
        ("error", "records/00000003.json", CHANGED.format(n=3)),
    ]
    rewrite(copy, 2, lambda r: r.update(signatures="none"))
    assert ("error", "records/00000002.json", "record 2 is malformed (its signatures are not a list)") \
        in findings(copy)


# --- the stored files ----------------------------------------------------------------------------------


def test_a_changed_stored_file(copy):
    path = copy / stored(copy, "a.pdf")
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    assert findings(copy) == [("error", stored(copy, "a.pdf"), "stored file has changed (its SHA-256 no longer matches its name)")]


def test_a_missing_stored_file(copy):
    (copy / stored(copy, "a.pdf")).unlink()
    assert findings(copy) == [("error", stored(copy, "a.pdf"), "stored file is missing")]


def test_a_missing_objects_folder(copy):
    shutil.rmtree(copy / "objects")
    assert findings(copy) == [
        ("error", "objects", "the stored files' folder is missing"),
        *[("error", path, "stored file is missing") for path in sorted([stored(copy, "a.pdf"), stored(copy, "b.pdf")])],
    ]


@pytest.mark.parametrize("name", ["notes.pdf", "0" * 64 + ".pdf", "0" * 63 + ".pdf", "0" * 64 + ".PDF"])
def test_a_file_misplaced_or_misnamed_among_the_stored_files(copy, name):
    folder = copy / Path(stored(copy, "a.pdf")).parent
    (folder / name).write_bytes(b"%PDF-")  # in the folder of another hash, or not a hash
    assert findings(copy) == [("error", f"{Path(stored(copy, 'a.pdf')).parent.as_posix()}/{name}", NOT_OURS)]


def test_an_unreferenced_stored_file_is_a_note(copy):
    data = b"%PDF- left by an interrupted record"
    digest = hashlib.sha256(data).hexdigest()
    path = copy / A.object_path(digest, "pdf")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    assert findings(copy) == [("note", A.object_path(digest, "pdf"), UNREFERENCED)]
    assert A.Archive(copy).verify().ok


# --- the index: never disagreeing with the records ------------------------------------------------------


def test_a_missing_index_is_a_note(copy):
    (copy / A.INDEX).unlink()
    assert findings(copy) == [("note", A.INDEX, "the index is missing; 'letter-pdf archive reindex' rebuilds it")]


def test_a_damaged_index(copy):
    (copy / A.INDEX).write_bytes(b"garbage " * 100)
    assert findings(copy)[0] == (
        "error", A.INDEX, "the index is damaged (file is not a database); run 'letter-pdf archive reindex'")


def test_an_index_whose_table_was_replaced_is_damaged_not_behind(copy):
    sql(copy, "DROP TABLE records")
    sql(copy, "CREATE TABLE records(x)")
    assert findings(copy) == [
        ("error", A.INDEX, "the index is damaged (no such column: number); run 'letter-pdf archive reindex'")]


def _damage_a_page_of_the_hash_index(index: Path) -> int:
    """Zero the page-type byte of the b-tree page that indexes the records' chain hashes: SQLite still opens
    the file and reads the records table (a scan never uses that index), but ``quick_check`` fails."""
    db = sqlite3.connect(index)
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_records_1'").fetchone()
    (page_size,), (pages,) = db.execute("PRAGMA page_size").fetchone(), db.execute("PRAGMA page_count").fetchone()
    db.close()
    assert 1 < root < pages  # a page in the middle of the file, not the header page
    data = bytearray(index.read_bytes())
    assert data[(root - 1) * page_size] == 0x0A  # a leaf page of an index b-tree
    data[(root - 1) * page_size] = 0
    index.write_bytes(bytes(data))
    return root


def test_an_index_that_opens_but_fails_its_quick_check(copy):
    page = _damage_a_page_of_the_hash_index(copy / A.INDEX)
    db = sqlite3.connect(f"file:{copy / A.INDEX}?mode=ro", uri=True)
    check = db.execute("PRAGMA quick_check").fetchone()[0]  # what SQLite itself says, independently
    assert len(db.execute("SELECT * FROM records").fetchall()) == 3  # the rows are still readable
    db.close()
    assert check == f"*** in database main ***\nPage {page}: btreeInitPage() returns error code 11"
    findings = [(f.level, f.where, f.message) for f in Archive(copy).verify().findings]
    said = f"*** in database main *** Page {page}: btreeInitPage() returns error code 11"  # on one line
    assert findings == [("error", A.INDEX, f"the index is damaged ({said}); run 'letter-pdf archive reindex'")]


# A writer killed in the middle of a transaction on the index (rollback-journal mode, as the archive uses):
# its changes have reached the index file (a spilled cache) and the journal holding the original pages is
# left behind, "hot". SQLite rolls it back on the next read-write open; read-only, it refuses to read.
_KILLED_WRITER = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA cache_size=1")  # spill changed pages into the file before the commit
db.execute("BEGIN")
db.execute("UPDATE records SET recipient = 'Half-written' WHERE number = 2")
db.execute("CREATE TABLE filler(x)")
db.executemany("INSERT INTO filler VALUES (?)", [("x" * 2000,)] * 50)
os._exit(0)  # killed: no commit, no rollback, the journal stays
"""


def _kill_a_writer_mid_transaction(index: Path) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(index)], check=True, timeout=60)
    journal = index.with_name(index.name + "-journal")
    assert journal.stat().st_size > 0 and index.stat().st_size > 50 * 2000  # hot, and the file changed


def test_verify_rolls_back_a_transaction_a_killed_writer_left_in_the_index(copy):
    """Opened read-write (the archive is writable): SQLite rolls the half-written transaction back and the
    index is what it was, with nothing to report."""
    before = (copy / A.INDEX).read_bytes()
    _kill_a_writer_mid_transaction(copy / A.INDEX)
    assert [(f.level, f.where, f.message) for f in Archive(copy).verify().findings] == []
    assert not (copy / (A.INDEX + "-journal")).exists()
    assert (copy / A.INDEX).read_bytes() == before


def _not_writable(monkeypatch, *paths: Path) -> None:
    """``os.access`` says ``paths`` are not writable (as it would to another user; the tests may run as root,
    for whom it says everything is)."""
    real = os.access
    refused = {p.resolve() for p in paths}

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve() in refused:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


NOT_WRITABLE = [pytest.param("archive", id="archive-folder"), pytest.param("index", id="index-file"),
                pytest.param("both", id="both")]


def _targets(copy: Path, which: str) -> tuple[Path, ...]:
    return {"archive": (copy,), "index": (copy / A.INDEX,), "both": (copy, copy / A.INDEX)}[which]


@pytest.mark.parametrize("which", NOT_WRITABLE)
def test_a_read_only_archive_or_index_is_verified_read_only(copy, monkeypatch, which):
    before = (copy / A.INDEX).read_bytes()
    _not_writable(monkeypatch, *_targets(copy, which))
    sql(copy, "UPDATE records SET channel = 'post' WHERE number = 2")  # something the index is compared for
    changed = (copy / A.INDEX).read_bytes()
    assert changed != before
    assert [(f.level, f.where, f.message) for f in Archive(copy).verify().findings] == [
        ("error", A.INDEX, "record 2, channel: the index says 'post' but the record file says 'email'")]
    assert (copy / A.INDEX).read_bytes() == changed


@pytest.mark.parametrize("which", NOT_WRITABLE)
def test_a_killed_writers_transaction_in_a_read_only_archive_is_left_alone(copy, monkeypatch, which):
    """Read-only, verify must not write to the index, so the hot journal is neither played back nor
    removed: the index cannot be read, and says so."""
    _kill_a_writer_mid_transaction(copy / A.INDEX)
    journal = copy / (A.INDEX + "-journal")
    index_bytes, journal_bytes = (copy / A.INDEX).read_bytes(), journal.read_bytes()
    _not_writable(monkeypatch, *_targets(copy, which))
    assert [(f.level, f.where, f.message) for f in Archive(copy).verify().findings] == [
        ("error", A.INDEX, "the index is damaged (attempt to write a readonly database); "
                           "run 'letter-pdf archive reindex'")]
    assert ((copy / A.INDEX).read_bytes(), journal.read_bytes()) == (index_bytes, journal_bytes)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("recipient", "Someone else", "record 2, recipient: the index says 'Someone else' but the record file says 'The President'"),
    ("sent_at", None, "record 2, sent at: the index says nothing but the record file says '2026-11-29T10:00:00Z'"),
    ("channel", "post", "record 2, channel: the index says 'post' but the record file says 'email'"),
])
def test_an_index_field_that_disagrees_with_its_record(copy, column, value, message):
    sql(copy, f"UPDATE records SET {column} = ? WHERE number = 2", value)
    assert findings(copy) == [("error", A.INDEX, message)]


@pytest.mark.parametrize("damage", [
    lambda path: path.write_bytes(b"not JSON"),  # not read: not compared with its index row
    lambda path: path.write_bytes(A.canonical_json({**json.loads(path.read_text()), "pdf": None})),  # malformed
])
def test_a_damaged_record_does_not_stop_the_comparison_of_the_next_index_rows(copy, damage):
    damage(record(copy, 2))
    sql(copy, "UPDATE records SET recipient = ? WHERE number = 3", "Someone else")
    assert ("error", A.INDEX, "record 3, recipient: the index says 'Someone else' but the record file says "
                              "'The Minister'") in findings(copy)


def test_an_index_chain_hash_the_next_record_contradicts(copy):
    sql(copy, "UPDATE records SET hash = ? WHERE number = 2", "a" * 64)
    assert findings(copy) == [
        ("error", A.INDEX, f"record 2, chain hash: the index says '{'a' * 64}' but the record file's is "
                           f"'{chain_hash(copy, 2)}', as record 3 confirms"),
    ]


def test_a_changed_record_whose_next_record_is_also_unconfirmed(copy):
    """Record 3's index hash is wrong too: the chain cannot vouch for record 2's file."""
    sql(copy, "UPDATE records SET hash = ? WHERE number = 2", "a" * 64)
    sql(copy, "UPDATE records SET hash = ? WHERE number = 3", "b" * 64)
    assert findings(copy) == [
        ("error", "records/00000002.json", CHANGED.format(n=2)),
        ("error", "records/00000003.json", CHANGED.format(n=3)),
    ]


def test_the_last_record_changed_is_caught_by_its_index_hash(copy):
    sql(copy, "UPDATE records SET hash = ? WHERE number = 3", "a" * 64)
    assert findings(copy) == [("error", "records/00000003.json", CHANGED.format(n=3))]


def test_an_index_row_without_a_record_file(copy):
    columns = ", ".join(COLUMNS)
    rest = columns.removeprefix("number, hash, ")
    sql(copy, f"INSERT INTO records ({columns}) SELECT 7, ?, {rest} FROM records WHERE number = 3", "c" * 64)
    assert findings(copy) == [("error", "records/00000007.json", "record 7 is in the index but its file is missing")]


@pytest.mark.parametrize(("delete", "finding"), [
    ("number = 3", ("note", A.INDEX, "the index is 1 record(s) behind (an interrupted record); the next command "
                                     "brings it up to date")),
    ("number > 1", ("note", A.INDEX, "the index is 2 record(s) behind (an interrupted record); the next command "
                                     "brings it up to date")),
    ("number = 2", ("error", A.INDEX, "records [2] are missing from the index; run 'letter-pdf archive reindex'")),
    ("number < 3", ("error", A.INDEX, "records [1, 2] are missing from the index; run 'letter-pdf archive reindex'")),
])
def test_an_index_behind_the_records_or_with_a_gap(copy, delete, finding):
    sql(copy, f"DELETE FROM records WHERE {delete}")
    assert findings(copy) == [finding]


def test_an_empty_index(copy):
    sql(copy, "DELETE FROM records")
    assert findings(copy) == [("note", A.INDEX, "the index is 3 record(s) behind (an interrupted record); the next "
                                                "command brings it up to date")]


# --- --head: the chain head kept outside the archive ----------------------------------------------------


def test_head_is_the_latest_record(copy):
    head = chain_hash(copy, 3)
    report = A.Archive(copy).verify(head)
    assert (report.findings, report.head_checked) == ([], f"{head} is record 3 (the latest)")


def test_head_of_an_earlier_record_counts_the_records_added_since(copy):
    head = chain_hash(copy, 1)
    report = A.Archive(copy).verify(f"  {head.upper()}\n")  # as pasted: upper case, blank space around
    assert (report.findings, report.head_checked) == ([], f"{head} is record 1; 2 record(s) added since")


@pytest.mark.parametrize(("head", "message"), [
    ("xyz", "not a SHA-256 hash (64 hexadecimal digits)"),
    ("ab" * 32 + "0", "not a SHA-256 hash (64 hexadecimal digits)"),
    ("ab" * 32, f"the archive does not lead to {'ab' * 32}: no record has that hash (records were changed, removed or "
                "replaced, or it is another archive)"),
])
def test_a_head_that_is_not_a_hash_or_not_in_the_archive(copy, head, message):
    report = A.Archive(copy).verify(head)
    assert ([(f.level, f.where, f.message) for f in report.findings], report.head_checked) == (
        [("error", "--head", message)], None)


# --- files that cannot be read as records, links and FIFOs, and which records a finding is about ---------
# (test_archive_hostile.py checks the same through the CLI; these run in-process, finding by finding)


LINK = ("a symbolic link, not a file of the archive (the archive must hold its files itself: copy the file in its "
        "place)")


def report_of(archive: Path, head: str | None = None) -> list[tuple[str, str, str, tuple[int, ...]]]:
    """The findings with the records each is about (what the summary counts)."""
    return [(f.level, f.where, f.message, f.records) for f in A.Archive(archive).verify(head).findings]


def _link_to_a_copy_outside(path: Path, outside: Path) -> None:
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def test_a_record_larger_than_its_limit_is_damaged_and_not_read(copy):
    with record(copy, 2).open("r+b") as f:
        f.truncate(A.records.MAX_RECORD_BYTES + 1)  # sparse: nothing is written
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.message, f.records) for f in report.findings] == [
        ("error", "records/00000002.json", "record 2 is damaged (it is larger than 268,435,456 bytes)", (2,)),
    ]  # its hash unknown: record 3's link to it is not checked, nor its index row
    assert (report.records, report.head, report.damaged_records) == (3, chain_hash(copy, 3), [2])


def test_a_record_that_is_a_fifo_is_damaged_and_not_waited_for(copy):
    record(copy, 2).unlink()
    os.mkfifo(record(copy, 2))
    assert report_of(copy) == [
        ("error", "records/00000002.json", "record 2 is damaged (it is not a regular file)", (2,))]


def test_the_last_record_unreadable_leaves_no_head(copy):
    record(copy, 3).unlink()
    os.mkfifo(record(copy, 3))
    report = A.Archive(copy).verify()
    assert (report.records, report.head) == (3, None)


def test_a_record_nested_too_deeply_is_damaged_and_breaks_the_chain_after_it(copy):
    record(copy, 2).write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert report_of(copy) == [
        ("error", "records/00000002.json", "record 2 is damaged (nested too deeply: more than 64 levels)", (2,)),
        ("error", "records/00000003.json",
         "broken chain: record 3 does not carry the hash of record 2 (record 2 has been changed or replaced)", (3,)),
        ("error", "records/00000002.json", CHANGED.format(n=2), (2,)),
    ]


def test_a_record_nested_as_deep_as_allowed_is_read(copy):
    """64 levels are read (and found not to be a record); 65 are refused unread."""
    value: list = []
    for _ in range(63):
        value = [value]
    record(copy, 3).write_bytes(A.canonical_json(value))  # 64 levels, in the form letter-pdf writes
    assert findings(copy)[0] == ("error", "records/00000003.json", "record 3 is not a record")
    record(copy, 3).write_bytes(A.canonical_json([value]))
    assert findings(copy)[0] == (
        "error", "records/00000003.json", "record 3 is damaged (nested too deeply: more than 64 levels)")


def test_a_record_file_replaced_by_a_link_to_an_identical_copy(copy, tmp_path):
    _link_to_a_copy_outside(record(copy, 1), tmp_path / "outside.json")
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.message, f.records) for f in report.findings] == [
        ("error", "records/00000001.json", LINK, (1,))]  # read all the same: the chain and index agree with it
    assert (report.records, report.head, report.damaged_records) == (3, chain_hash(copy, 3), [1])


def test_a_record_file_replaced_by_a_link_to_nothing_cannot_be_read(copy, tmp_path):
    record(copy, 2).unlink()
    record(copy, 2).symlink_to(tmp_path / "nowhere.json")
    assert report_of(copy) == [
        ("error", "records/00000002.json", LINK, (2,)),
        ("error", "records/00000002.json", "record 2 cannot be read (No such file or directory)", (2,)),
    ]  # its hash unknown: record 3's link to it is not checked, nor its index row


@pytest.mark.parametrize("name", ["0-notes.txt", ".tmp-link"])
def test_a_link_among_the_records_is_only_a_link(copy, tmp_path, name):
    """Not also a foreign or temporary file; and the records after it in the folder are still read."""
    (tmp_path / "outside").write_text("x", encoding="utf-8")
    (copy / "records" / name).symlink_to(tmp_path / "outside")
    report = A.Archive(copy).verify()
    assert ([(f.level, f.where, f.message, f.records) for f in report.findings], report.records) == (
        [("error", f"records/{name}", LINK, ())], 3)


@pytest.mark.parametrize("name", ["notes.txt", ".tmp-link", "README.txt"])
def test_a_link_at_the_top_of_the_archive_is_only_a_link(copy, tmp_path, name):
    (tmp_path / "outside").write_text("x", encoding="utf-8")
    (copy / name).unlink(missing_ok=True)
    (copy / name).symlink_to(tmp_path / "outside")
    assert report_of(copy) == [("error", name, LINK, ())]


def test_a_records_folder_replaced_by_a_link(copy, tmp_path):
    shutil.copytree(copy / "records", tmp_path / "outside")
    shutil.rmtree(copy / "records")
    (copy / "records").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert report_of(copy)[0] == ("error", "records", LINK, ())


def test_a_stored_file_replaced_by_a_link_to_an_identical_copy(copy, tmp_path):
    _link_to_a_copy_outside(copy / stored(copy, "a.pdf"), tmp_path / "outside.pdf")
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.message, f.records) for f in report.findings] == [
        ("error", stored(copy, "a.pdf"), LINK, (1, 2))]
    assert report.damaged_records == [1, 2]


def test_a_stored_file_that_is_a_fifo_is_reported_not_read(copy):
    path = copy / stored(copy, "b.pdf")
    path.unlink()
    os.mkfifo(path)
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.message, f.records) for f in report.findings] == [
        ("error", stored(copy, "b.pdf"), "unexpected file (not a regular file)", (3,))]
    assert report.damaged_records == [3]


def test_links_and_fifos_no_record_stores_are_about_no_record(copy, tmp_path):
    folder = copy / Path(stored(copy, "a.pdf")).parent
    (tmp_path / "outside").write_text("x", encoding="utf-8")
    (folder / ("1" * 64 + ".pdf")).symlink_to(tmp_path / "outside")
    os.mkfifo(folder / ("2" * 64 + ".pdf"))
    base = Path(stored(copy, "a.pdf")).parent.as_posix()
    assert report_of(copy) == [
        ("error", f"{base}/{'1' * 64}.pdf", LINK, ()),
        ("error", f"{base}/{'2' * 64}.pdf", "unexpected file (not a regular file)", ()),
    ]


def test_a_folder_of_stored_files_replaced_by_a_link(copy, tmp_path):
    folder = copy / Path(stored(copy, "b.pdf")).parent
    shutil.copytree(folder, tmp_path / "outside")
    shutil.rmtree(folder)
    folder.symlink_to(tmp_path / "outside", target_is_directory=True)
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.message, f.records) for f in report.findings] == [
        ("error", Path(stored(copy, "b.pdf")).parent.as_posix(), LINK, ()),
        ("error", stored(copy, "b.pdf"), "stored file is missing", (3,)),
    ]
    assert report.damaged_records == [3]


def test_the_stored_files_folder_replaced_by_a_link(copy, tmp_path):
    """Nothing under a linked folder is the archive's own: every stored file is missing from it."""
    shutil.copytree(copy / "objects", tmp_path / "outside")
    shutil.rmtree(copy / "objects")
    (copy / "objects").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert report_of(copy) == [
        ("error", "objects", LINK, ()),
        ("error", stored(copy, "a.pdf"), "stored file is missing", (1, 2)),
        ("error", stored(copy, "b.pdf"), "stored file is missing", (3,)),
    ]


def test_which_records_a_finding_is_about(copy):
    """Findings on a record's file, or on a file it stores, name it; others name none."""
    (copy / "stray.txt").write_text("x", encoding="utf-8")
    path = copy / stored(copy, "b.pdf")
    path.write_bytes(path.read_bytes() + b"\n")
    sql(copy, "UPDATE records SET recipient = 'X' WHERE number = 1")
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.records) for f in report.findings] == [
        ("error", "stray.txt", ()),
        ("error", stored(copy, "b.pdf"), (3,)),
        ("error", A.INDEX, ()),
    ]
    assert report.damaged_records == [3]


def test_a_missing_record_is_about_its_number(copy):
    record(copy, 2).unlink()
    report = A.Archive(copy).verify()
    assert [f.records for f in report.findings] == [(2,), (2,)]
    assert report.damaged_records == [2]


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_text("[" * 50 + "]" * 50, encoding="utf-8"),
     "the archive's marker file is unreadable (nested too deeply: more than 8 levels)"),
    (lambda p: p.write_text("[" * 70_000, encoding="utf-8"),
     "the archive's marker file is unreadable (it is larger than 65,536 bytes)"),
])
def test_a_marker_that_cannot_be_read_is_reported_and_verify_goes_on(copy, make, message):
    make(copy / A.MARKER)
    report = A.Archive(copy).verify()
    assert ([(f.level, f.where, f.message, f.records) for f in report.findings], report.records) == (
        [("error", A.MARKER, message, ())], 3)


def test_a_changed_stored_file_no_record_stores_is_about_no_record(copy):
    """A file left by an interrupted record that has since changed: an error, but in no record."""
    digest = hashlib.sha256(b"%PDF- as first written").hexdigest()
    path = copy / A.object_path(digest, "pdf")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"%PDF- changed since")
    report = A.Archive(copy).verify()
    assert [(f.level, f.where, f.message, f.records) for f in report.findings] == [
        ("error", A.object_path(digest, "pdf"), "stored file has changed (its SHA-256 no longer matches its name)", ())]
    assert (report.ok, report.damaged_records) == (False, [])
