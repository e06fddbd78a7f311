"""The on-disk format: an archive written by the archive code before it became a package
(tests/resources/archive-main) verifies, reads, diffs, exports and takes new records with today's code, and
its record files read and re-encode to the same bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from letter_pdf import archive as A
from letter_pdf.archive.index import Row

FIXTURE = Path(__file__).parent / "resources" / "archive-main"
HEAD = "985e3e002d874eda9195c2e25a43ceb6045720fdba2e40e86e511572602c3d98"  # sha256sum records/00000004.json


@pytest.fixture
def old(tmp_path) -> Path:
    target = tmp_path / "archive"
    shutil.copytree(FIXTURE, target)
    return target


def test_an_archive_written_before_verifies(old):
    report = A.Archive(old).verify(head=HEAD)
    assert report.findings == [] and report.ok
    assert (report.records, report.head) == (4, HEAD)
    assert report.head_checked == f"{HEAD} is record 4 (the latest)"


def test_its_record_files_read_and_re_encode_to_the_same_bytes():
    for path in sorted((FIXTURE / "records").iterdir()):
        data = path.read_bytes()
        record = A.Record.decode(data)
        assert record.encode() == data, path.name
        assert record.to_json() == json.loads(data)


def test_its_records_read_as_typed_values(old):
    store = A.Archive(old)
    first, _ = store.get(1)
    assert first.sending == A.Sending("President of the Russian Federation", "email", "2026-11-29T10:00:00+03:00")
    assert first.letter == A.RecordedLetter(known=True, key="0008ab3e3fdfbb7d", same_letter_by="reference: ec/2026/117",
                                            version=1, title="Joint letter on freedom of association",
                                            date="2026-11-29", reference="EC/2026/117")
    assert [s.name for s in first.stored_sources] == ["letter.md", "signatories.csv"]
    assert [s["name"] for s in first.signatories] == ["Amnesty International", "Олена Ковальчук"]
    last, _ = store.get(4)
    assert last.manifest is None and last.signatories is None and last.letter.known is False
    assert last.notes == ("the PDF carries no letter-pdf manifest; the letter details are unknown",)
    assert [(r.number, r.version, r.signatories, r.channel) for r in store.list()] == [
        (1, 1, 2, "email"), (2, 1, 2, "post"), (3, 2, 3, "email"), (4, 1, None, "portal")]


def test_its_index_rows_are_what_the_records_say(old):
    import sqlite3

    db = sqlite3.connect(old / A.INDEX)
    try:
        indexed = [Row(*row) for row in db.execute("SELECT * FROM records ORDER BY number")]
    finally:
        db.close()
    assert indexed == A.Archive(old).list()


def test_its_records_diff_through_the_signatory_comparison(old):
    diff = A.Archive(old).diff(1, 3)
    assert [s.name for s in diff.signatories.added] == ["Human Rights Watch"]
    assert diff.signatories.removed == () and diff.signatories.changed == ()
    assert diff.text == ["--- record 1", "+++ record 3", "@@ -1 +1 @@", "-We ask you to withdraw it.",
                         "+We urge you to withdraw it."]
    assert diff.sending == [("sent at", "2026-11-29T10:00:00+03:00", None)]
    assert not diff.same and A.Archive(old).diff(1, 2).same


def test_its_export_carries_the_record_file_byte_for_byte(old, tmp_path):
    files = A.Archive(old).export(1, tmp_path / "out")
    assert (tmp_path / "out" / "record-1.json").read_bytes() == (FIXTURE / "records" / "00000001.json").read_bytes()
    assert sorted(p.name for p in files) == ["README.txt", "letter.md", "record-1.json", "record-1.pdf",
                                             "signatories.csv"]


def test_a_new_record_continues_its_chain_and_its_version_count(old, tmp_path):
    store = A.Archive(old)
    first, _ = store.get(3)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(store.read_object(first.pdf.object))
    record, digest = store.record(pdf, recipient="The Minister", channel="hand")
    assert (record.number, record.previous, record.letter.version) == (5, HEAD, 2)  # the same PDF: version 2
    assert record.stored_sources == ()  # sent without its sources
    report = store.verify(head=HEAD)
    assert report.ok and report.findings == [] and report.head == digest
    assert report.head_checked == f"{HEAD} is record 4; 1 record(s) added since"
