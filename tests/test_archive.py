"""The archive of sent versions: record, read back, export, diff, verify, and survive crashes and races.

The letters recorded are built end to end by letter-pdf (module-scoped fixtures), hence ``slow``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from letter_pdf import archive as A
from letter_pdf.archive import records
from letter_pdf.archive.index import COLUMNS
from letter_pdf.cli import cli
from letter_pdf.errors import ArchiveError

from conftest import write_letter

pytestmark = pytest.mark.slow

ROWS_V1 = [
    {"name": "Amnesty International", "country": "GB", "kind": "organisation"},
    {"name": "Правозащитный центр «Мемориал»", "country": "RU", "kind": "organisation"},
    {"name": "Олена Ковальчук", "country": "UA", "kind": "individual", "role": "Director, Example Fund"},
]
ROWS_V2 = [
    {"name": "Amnesty International", "country": "GB", "kind": "organisation"},
    {"name": "Олена Ковальчук", "country": "UA/PL", "kind": "individual", "role": "Director, Example Fund"},
    {"name": "Human Rights Watch", "country": "US", "kind": "organisation"},
]
BODY_V1 = "We write to you about the draft law.\n\nWe ask you to withdraw it.\n"
BODY_V2 = "We write to you about the draft law.\n\nWe urge you to withdraw it at once.\n"
REF = {"reference": "EC/2026/117"}


def _built(folder: Path, *, rows, body, front=None) -> Path:
    """A letter built by letter-pdf (with its manifest, and its sources embedded)."""
    import letter_pdf

    path = write_letter(folder, rows=rows, body=body, front=front)
    return letter_pdf.build(path, cover=False, embed_sources=True).output


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """Version 1 and 2 of one letter, and another letter: a PDF made by another tool (no manifest)."""
    base = tmp_path_factory.mktemp("letters")
    from weasyprint import HTML

    plain = base / "plain" / "scan.pdf"
    plain.parent.mkdir()
    plain.write_bytes(HTML(string="<p>A letter made elsewhere</p>").write_pdf())
    return {
        "v1": _built(base / "v1", rows=ROWS_V1, body=BODY_V1, front=REF),
        "v2": _built(base / "v2", rows=ROWS_V2, body=BODY_V2, front=REF),
        "plain": plain,
    }


def run(*args: str, archive: Path | None = None):
    argv = [str(a) for a in args] + (["--archive-dir", str(archive)] if archive is not None else [])
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def record(archive: Path, pdf: Path, to: str = "The Minister", via: str = "email", *extra: str):
    result = run("archive", "record", pdf, "--to", to, "--via", via, *extra, archive=archive)
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def filled(pdfs, tmp_path_factory) -> Path:
    """An archive with five records: v1 by email, v1 by post, v2, and a PDF without manifest twice."""
    archive = tmp_path_factory.mktemp("store") / "archive"
    record(archive, pdfs["v1"], "President of the Russian Federation", "email", "--sent-at", "2026-11-29T10:00:00+03:00")
    record(archive, pdfs["v1"], "President of the Russian Federation", "post", "--ref", "RR 1234 5678 9GB")
    record(archive, pdfs["v2"], "President of the Russian Federation", "email", "--note", "after 2 new signatures")
    record(archive, pdfs["plain"], "Ministry of Justice", "portal")
    record(archive, pdfs["plain"], "Ministry of Justice", "hand")
    return archive


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------ recording


def test_record_counts_versions_per_letter(filled):
    rows = A.Archive(filled).list()
    assert [r.number for r in rows] == [1, 2, 3, 4, 5]
    assert [r.version for r in rows] == [1, 1, 2, 1, 1]  # same PDF again = same version; another letter: 1
    assert [r.channel for r in rows] == ["email", "post", "email", "portal", "hand"]
    assert rows[0].sent_at == "2026-11-29T10:00:00+03:00"
    assert rows[0].pages == 1 and rows[0].signatories == 3
    assert rows[4].signatories is None and rows[4].title is None


def test_record_keeps_the_exact_bytes_and_the_chain(filled, pdfs):
    store = A.Archive(filled)
    previous = A.GENESIS
    for number in range(1, 6):
        rec, digest = store.get(number)
        assert digest == hashlib.sha256(store.record_file(number).read_bytes()).hexdigest()
        assert rec.previous == previous
        previous = digest
    rec, _ = store.get(3)
    assert store.read_object(rec.pdf.object) == pdfs["v2"].read_bytes()
    assert rec.pdf.sha256 == hashlib.sha256(pdfs["v2"].read_bytes()).hexdigest()
    assert rec.letter.title == "Joint letter on freedom of association"
    assert rec.letter.reference == "EC/2026/117"
    assert [s["name"] for s in rec.signatories] == [  # as printed: individuals last
        "Amnesty International", "Human Rights Watch", "Олена Ковальчук"]
    assert rec.manifest["sources"]["signatories"]["sha256"] == hashlib.sha256(
        (pdfs["v2"].parent / "signatories.csv").read_bytes()).hexdigest()
    assert rec.stored_sources[0].name == "letter.md"
    assert store.read_object(rec.stored_sources[0].object) == (pdfs["v2"].parent / "letter.md").read_bytes()
    assert rec.sending.note == "after 2 new signatures" and rec.pdf.signed is False
    # the same PDF twice is stored once
    assert len(list((filled / "objects").rglob("*.pdf"))) == 3


def test_record_output_and_a_pdf_without_manifest(pdfs, tmp_path):
    archive = tmp_path / "a"
    result = record(archive, pdfs["plain"], "Someone", "fax")
    assert "recorded as number 1" in result.stdout
    assert "letter details are unknown" in result.stderr
    assert A.Archive(archive).head()[1] in result.stdout


def test_archive_beside_the_pdf_by_default_and_from_the_environment(pdfs, tmp_path, monkeypatch):
    pdf = tmp_path / "sent" / "letter.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(pdfs["v1"].read_bytes())
    monkeypatch.delenv(A.ENV_VAR, raising=False)
    assert run("archive", "record", pdf, "--to", "X", "--via", "post").exit_code == 0
    assert A.Archive(pdf.parent / "archive").head()[0] == 1
    monkeypatch.setenv(A.ENV_VAR, str(tmp_path / "env-archive"))
    assert run("archive", "record", pdf, "--to", "X", "--via", "post").exit_code == 0
    assert A.Archive(tmp_path / "env-archive").head()[0] == 1


# -------------------------------------------------------------------------------------------- reading


def test_list_table(filled):
    result = run("archive", "list", archive=filled)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["No", "Sent", "at", "Recipient", "Via", "Title", "Ver", "Pages", "Signatories",
                                "PDF", "SHA-256"]
    assert len(lines) == 6
    assert "2026-11-29T10:00:00+03:00" in lines[1] and "email" in lines[1]
    assert "Joint letter on freedom of associat…" in lines[3] and "2" in lines[3].split()
    assert "portal" in lines[4] and "?" in lines[4].split()  # no manifest: title and signatories unknown


def test_show_has_everything_and_every_signatory(filled, pdfs):
    result = run("archive", "show", "3", archive=filled)
    assert result.exit_code == 0
    out = result.stdout
    for row in ROWS_V2:
        assert row["name"] in out
    assert hashlib.sha256(pdfs["v2"].read_bytes()).hexdigest() in out
    assert "Version:       2" in out and "EC/2026/117" in out and "after 2 new signatures" in out
    assert "Subject:       Protect civil society organisations" in out and "Sender:        Example Coalition" in out
    assert "Director, Example Fund" in out and "UA, PL" in out
    assert run("archive", "show", "99", archive=filled).exit_code == 1


def test_export_plain_and_bagit(filled, pdfs, tmp_path):
    import bagit

    result = run("archive", "export", "3", tmp_path / "out", archive=filled)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "record-3.pdf").read_bytes() == pdfs["v2"].read_bytes()
    exported = (tmp_path / "out" / "record-3.json").read_bytes()
    assert hashlib.sha256(exported).hexdigest() == A.Archive(filled).get(3)[1]
    assert (tmp_path / "out" / "record-3-sources" / "letter.md").is_file()
    readme = (tmp_path / "out" / "README.txt").read_text()
    assert A.Archive(filled).get(3)[1] in readme and hashlib.sha256(pdfs["v2"].read_bytes()).hexdigest() in readme

    result = run("archive", "export", "3", tmp_path / "bag", "--bagit", archive=filled)
    assert result.exit_code == 0, result.stderr
    # RFC 8493 (BagIt 1.0), not the 0.97 draft bagit-python declares by itself
    declaration = (tmp_path / "bag" / "bagit.txt").read_bytes()
    assert declaration == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    for algorithm in ("sha256", "sha512"):  # the tag manifests cover the declaration as written
        lines = (tmp_path / "bag" / f"tagmanifest-{algorithm}.txt").read_text().splitlines()
        assert f"{hashlib.new(algorithm, declaration).hexdigest()} bagit.txt" in lines
    bag = bagit.Bag(str(tmp_path / "bag"))
    assert bag.version_info == (1, 0)
    bag.validate()  # raises BagValidationError when anything is wrong (with the 1.0 rules)
    assert set(bag.payload_files()) == {"data/record-3.pdf", "data/record-3.json", "data/record-3-sources/letter.md",
                                        "data/record-3-sources/signatories.csv", "data/README.txt"}
    assert "sha512" in bag.algorithms and "sha256" in bag.algorithms
    assert "chain hash" in bag.info["External-Identifier"]
    # a tampered bag no longer validates
    (tmp_path / "bag" / "data" / "record-3.pdf").write_bytes(b"%PDF-1.7 changed")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(tmp_path / "bag")).validate()
    # an existing, non-empty folder is refused and left alone
    result = run("archive", "export", "3", tmp_path / "out", archive=filled)
    assert result.exit_code == 1 and "not empty" in result.stderr


def test_diff_signatories_and_text(filled):
    result = run("archive", "diff", "1", "3", archive=filled)
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    assert "Signatories: 1 added, 1 removed, 1 changed" in out
    assert "+ Human Rights Watch (US; organisation)" in out
    assert "- Правозащитный центр «Мемориал» (RU; organisation)" in out
    assert ("~ Олена Ковальчук (UA; individual; Director, Example Fund) -> "
            "Олена Ковальчук (UA, PL; individual; Director, Example Fund)") in out
    assert "-We ask you to withdraw it." in out
    assert "+We urge you to withdraw it at once." in out
    same = run("archive", "diff", "1", "2", archive=filled)
    assert "records 1 and 2: the same letter (text, fields and signatories)" in same.stdout
    assert "sent channel: email -> post" in same.stdout
    unknown = run("archive", "diff", "3", "5", archive=filled)
    assert unknown.exit_code == 0 and "signatories are unknown" in unknown.stderr


# -------------------------------------------------------------------------------------------- verify


@pytest.fixture
def copy(filled, tmp_path) -> Path:
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(filled, target)
    return target


def _verify(archive: Path, *extra: str):
    return run("archive", "verify", *extra, archive=archive)


def _writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def test_verify_clean_and_head(copy):
    result = _verify(copy)
    assert result.exit_code == 0, result.stdout + result.stderr
    head = run("archive", "head", archive=copy).stdout.strip()
    assert head == hashlib.sha256((copy / "records" / "00000005.json").read_bytes()).hexdigest()
    assert f"chain head {head}" in result.stdout
    assert _verify(copy, "--head", head).exit_code == 0


def test_verify_head_after_more_records_and_a_foreign_head(copy, pdfs):
    head = run("archive", "head", archive=copy).stdout.strip()
    record(copy, pdfs["v2"], "Another recipient", "courier")
    result = _verify(copy, "--head", head)
    assert result.exit_code == 0 and "is record 5; 1 record(s) added since" in result.stdout
    result = _verify(copy, "--head", "ab" * 32)
    assert result.exit_code == 4 and "does not lead to" in result.stdout


def test_verify_detects_a_flipped_byte(copy):
    obj = next((copy / "objects").rglob("*.pdf"))
    data = bytearray(obj.read_bytes())
    data[len(data) // 2] ^= 0x01
    _writable(obj).write_bytes(bytes(data))
    result = _verify(copy)
    assert result.exit_code == 4
    assert "stored file has changed" in result.stdout and obj.name in result.stdout


def test_verify_detects_a_deleted_file(copy):
    obj = next((copy / "objects").rglob("*.pdf"))
    obj.unlink()
    result = _verify(copy)
    assert result.exit_code == 4 and "stored file is missing" in result.stdout


def test_verify_detects_a_deleted_record(copy):
    (copy / "records" / "00000003.json").unlink()
    result = _verify(copy)
    assert result.exit_code == 4 and "record 3 is missing" in result.stdout


def test_verify_detects_an_added_file(copy):
    (copy / "objects" / "sha256" / "notes.txt").write_text("hello")
    (copy / "records" / "00000006.json.bak").write_text("{}")
    result = _verify(copy)
    assert result.exit_code == 4
    assert result.stdout.count("unexpected file") == 2


def test_verify_detects_an_edited_record(copy):
    path = copy / "records" / "00000002.json"
    rec = json.loads(path.read_text())
    rec["recipient"] = "Someone else"
    _writable(path).write_bytes(A.canonical_json(rec))  # re-encoded exactly as letter-pdf would
    result = _verify(copy)
    assert result.exit_code == 4
    assert "broken chain: record 3" in result.stdout
    assert "record 2 has changed since it was recorded" in result.stdout


def test_verify_detects_an_edited_last_record_and_a_rewritten_chain(copy):
    head = run("archive", "head", archive=copy).stdout.strip()
    path = copy / "records" / "00000005.json"
    rec = json.loads(path.read_text())
    rec["channel"] = "post"
    _writable(path).write_bytes(A.canonical_json(rec))
    result = _verify(copy)
    assert result.exit_code == 4 and "record 5 has changed since it was recorded" in result.stdout
    # someone who also rebuilds the index is still caught by the head kept outside the archive
    assert run("archive", "reindex", archive=copy).exit_code == 0
    assert _verify(copy).exit_code == 0
    assert _verify(copy, "--head", head).exit_code == 4


def test_verify_detects_a_hand_formatted_record(copy):
    path = copy / "records" / "00000001.json"
    rec = json.loads(path.read_text())
    _writable(path).write_text(json.dumps(rec, indent=4))
    result = _verify(copy)
    assert result.exit_code == 4 and "record 1 has been edited" in result.stdout


# --------------------------------------------------------------------------------------------- bad input


def test_bad_input_leaves_the_archive_unchanged(copy, pdfs, tmp_path):
    before = snapshot(copy)
    not_pdf = tmp_path / "letter.pdf"
    not_pdf.write_text("just text")
    cases = [
        (not_pdf, "not a PDF file"),
        (tmp_path / "missing.pdf", "no such file"),
        (tmp_path, "is a folder"),
    ]
    for pdf, message in cases:
        result = run("archive", "record", pdf, "--to", "X", "--via", "email", archive=copy)
        assert result.exit_code == 1 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    result = run("archive", "record", pdfs["v1"], "--to", "X", "--via", "email", "--sent-at", "yesterday",
                 archive=copy)
    assert result.exit_code == 1 and "--sent-at" in result.stderr
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    result = run("archive", "record", truncated, "--to", "X", "--via", "email", archive=copy)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert snapshot(copy) == before


def test_damaged_index_is_refused_and_left_as_it_was(copy, pdfs):
    (copy / "index.sqlite").write_bytes(b"this is not a database" * 100)
    before = snapshot(copy)
    result = run("archive", "record", pdfs["v1"], "--to", "X", "--via", "email", archive=copy)
    assert result.exit_code == 1 and "index is damaged" in result.stderr and "reindex" in result.stderr
    assert snapshot(copy) == before
    assert run("archive", "list", archive=copy).exit_code == 1
    assert _verify(copy).exit_code == 4
    assert run("archive", "reindex", archive=copy).exit_code == 0
    assert _verify(copy).exit_code == 0
    assert len(A.Archive(copy).list()) == 5


def test_unwritable_archive_folder(pdfs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    result = run("archive", "record", pdfs["v1"], "--to", "X", "--via", "email", archive=blocker / "archive")
    assert result.exit_code == 1 and "cannot create the archive" in result.stderr
    assert blocker.read_text() == "a file where a folder should be"
    stranger = tmp_path / "documents"
    stranger.mkdir()
    (stranger / "cv.docx").write_text("x")
    result = run("archive", "record", pdfs["v1"], "--to", "X", "--via", "email", archive=stranger)
    assert result.exit_code == 1 and "not a letter-pdf archive" in result.stderr
    assert sorted(p.name for p in stranger.iterdir()) == ["cv.docx"]
    assert run("archive", "list", archive=tmp_path / "nowhere").exit_code == 1


def _error_lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("error: ")]


def _forge_index(archive: Path, sql: str, *params) -> None:
    db = sqlite3.connect(archive / "index.sqlite")
    db.execute(sql, params)
    db.commit()
    db.close()


# (column, forged value, its label in messages, the record's own value)
FORGERIES = [
    ("recipient", "Someone else", "recipient", lambda r, h: r.sending.recipient),
    ("sent_at", "2026-11-28T09:00:00Z", "sent at", lambda r, h: r.sending.sent_at),
    ("channel", "fax", "channel", lambda r, h: r.sending.channel),
    ("pdf_sha256", "ab" * 32, "PDF SHA-256", lambda r, h: r.pdf.sha256),
    ("signatories", 2, "number of signatories", lambda r, h: len(r.signatories)),
    ("ref", "RR 0000 0000 0GB", "ref", lambda r, h: r.sending.ref),
    ("recorded_at", "2020-01-01T00:00:00Z", "recorded at", lambda r, h: r.recorded_at),
    ("previous", "0" * 64, "previous hash", lambda r, h: r.previous),
    ("title", "Another letter", "title", lambda r, h: r.letter.title),
    ("letter_key", "0" * 16, "letter key", lambda r, h: r.letter.key),
    ("version", 7, "version", lambda r, h: r.letter.version),
    ("pages", 9, "pages", lambda r, h: r.pdf.pages),
    ("signed", 1, "signed", lambda r, h: int(r.pdf.signed)),
    ("hash", "cd" * 32, "chain hash", lambda r, h: h),
]


def test_every_index_column_is_covered_by_a_forgery_test():
    assert sorted(c for c, *_ in FORGERIES) == sorted(set(COLUMNS) - {"number"})


@pytest.fixture(scope="module")
def pristine(filled) -> dict[str, str]:
    """What list and show print for the untouched archive."""
    return {"list": run("archive", "list", archive=filled).stdout,
            "show": run("archive", "show", "2", archive=filled).stdout}


@pytest.mark.parametrize(("column", "forged", "label", "truth"), FORGERIES, ids=[f[0] for f in FORGERIES])
def test_a_forged_index_field_fails_verify_and_never_reaches_list_or_show(copy, pristine, column, forged, label, truth):
    rec, digest = A.Archive(copy).get(2)
    true_value = truth(rec, digest)
    assert forged != true_value
    _forge_index(copy, f"UPDATE records SET {column} = ? WHERE number = 2", forged)

    result = _verify(copy)
    assert result.exit_code == 4
    said = lambda v: "nothing" if v is None else repr(v)  # noqa: E731
    if column == "hash":
        expected = (f"error: index.sqlite: record 2, chain hash: the index says {said(forged)} but the record file's "
                    f"is {said(digest)}, as record 3 confirms")
    else:
        expected = (f"error: index.sqlite: record 2, {label}: the index says {said(forged)} "
                    f"but the record file says {said(true_value)}")
    assert _error_lines(result) == [expected]

    warning = (f"warning: record 2: the index disagrees with the record file ({label}); shown as the record file says "
               "— run 'letter-pdf archive verify'\n")
    listed = run("archive", "list", archive=copy)
    assert listed.exit_code == 0 and listed.stdout == pristine["list"]  # what the records say, not the index
    assert listed.stderr == warning
    shown = run("archive", "show", "2", archive=copy)
    assert shown.exit_code == 0 and shown.stdout == pristine["show"]
    assert shown.stderr == warning


def test_the_forgery_from_the_report_recipient_of_record_2(copy):
    """The case as reported: only the index's recipient of record 2 changed."""
    _forge_index(copy, "UPDATE records SET recipient = 'Someone else' WHERE number = 2")
    result = _verify(copy)
    assert result.exit_code == 4
    assert _error_lines(result) == ["error: index.sqlite: record 2, recipient: the index says 'Someone else' but the "
                                    "record file says 'President of the Russian Federation'"]
    assert "Someone else" not in run("archive", "list", archive=copy).stdout
    assert [r.recipient for r in A.Archive(copy).list()][1] == "President of the Russian Federation"
    # the fix: rebuild the index from the records
    assert run("archive", "reindex", archive=copy).exit_code == 0
    assert _verify(copy).exit_code == 0


def test_recording_refuses_an_index_that_disagrees_with_the_records(copy, pdfs):
    """Version numbers come from the index: an edited one must not decide the next record's version."""
    _forge_index(copy, "UPDATE records SET version = 5 WHERE number = 3")  # v2 of the letter, said to be v5
    before = snapshot(copy)
    result = run("archive", "record", pdfs["v1"], "--to", "X", "--via", "email", archive=copy)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {copy / 'index.sqlite'}: record 3: the index disagrees with the record file "
                             "(version) — run 'letter-pdf archive verify'; when only the index is wrong, "
                             "'letter-pdf archive reindex' rebuilds it from the records\n")
    assert snapshot(copy) == before
    assert run("archive", "reindex", archive=copy).exit_code == 0
    record(copy, pdfs["v2"], "X", "email")
    assert A.Archive(copy).get(6)[0].letter.version == 2


def test_an_indexed_record_whose_file_is_missing_is_an_error(copy):
    """The last record's file deleted: no gap in the numbers, only the index still knows it."""
    (copy / "records" / "00000005.json").unlink()
    result = _verify(copy)
    assert result.exit_code == 4
    assert _error_lines(result) == ["error: records/00000005.json: record 5 is in the index but its file is missing"]
    listed = run("archive", "list", archive=copy)
    assert listed.stderr == ("warning: record 5 is in the index but its file is missing; run 'letter-pdf archive "
                             "verify'\n")
    assert len(listed.stdout.splitlines()) == 1 + 4


def test_a_gap_in_the_index_is_an_error(copy):
    _forge_index(copy, "DELETE FROM records WHERE number = 3")
    result = _verify(copy)
    assert result.exit_code == 4
    assert _error_lines(result) == ["error: index.sqlite: records [3] are missing from the index; "
                                    "run 'letter-pdf archive reindex'"]
    listed = run("archive", "list", archive=copy)  # says so too, and lists record 3 from its record file
    assert listed.exit_code == 0
    assert listed.stderr == ("warning: record 3 is missing from the index; listed from the record files — run "
                             "'letter-pdf archive verify'\n")
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("damage", ["DROP TABLE records", "DELETE FROM records", "delete index.sqlite",
                                    "DROP TABLE records; CREATE TABLE records(x)"])
def test_list_says_when_it_rebuilt_the_index(copy, filled, damage):
    """The records are the truth: the index rebuilt from them is right (verify passes), but it is said."""
    if damage.startswith("delete "):
        (copy / "index.sqlite").unlink()
    else:
        for statement in damage.split("; "):
            _forge_index(copy, statement)
    listed = run("archive", "list", archive=copy)
    assert listed.exit_code == 0
    assert listed.stderr == ("warning: the index was missing or damaged; rebuilt from the records\n"
                             if damage != "DELETE FROM records" else
                             "warning: records 1–5 are missing from the index; added from the record files\n")
    assert listed.stdout == run("archive", "list", archive=filled).stdout
    assert _verify(copy).exit_code == 0
    again = run("archive", "list", archive=copy)
    assert again.stderr == "" and again.stdout == listed.stdout


def test_recording_says_when_it_rebuilt_the_index(copy, pdfs):
    (copy / "index.sqlite").unlink()
    result = record(copy, pdfs["v2"], "X", "email")
    assert result.stderr == "warning: the index was missing or damaged; rebuilt from the records\n"
    assert A.Archive(copy).get(6)[0].letter.version == 2  # counted from the rebuilt index


def test_stored_files_are_read_only(filled):
    import stat

    stored = [filled / A.MARKER, filled / A.README, *sorted((filled / "records").iterdir()),
              *sorted(p for p in (filled / "objects").rglob("*") if p.is_file())]
    assert len(stored) == 2 + 5 + 3 + 4  # marker, readme, 5 records, 3 PDFs, 2 x 2 embedded sources
    modes = {p.relative_to(filled).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in stored}
    assert set(modes.values()) == {"0o444"}, modes


def test_index_behind_the_records_is_caught_up(copy):
    db = sqlite3.connect(copy / "index.sqlite")
    db.execute("DELETE FROM records WHERE number >= 4")
    db.commit()
    db.close()
    result = _verify(copy)
    assert result.exit_code == 0 and "index is 2 record(s) behind" in result.stderr
    listed = run("archive", "list", archive=copy)  # more than a crash leaves: said
    assert listed.stderr == "warning: records 4–5 are missing from the index; added from the record files\n"
    assert [r.number for r in A.Archive(copy).list()] == [1, 2, 3, 4, 5]
    _forge_index(copy, "DELETE FROM records WHERE number = 5")  # what a crash after the commit point leaves
    listed = run("archive", "list", archive=copy)
    assert listed.exit_code == 0 and listed.stderr == "" and len(listed.stdout.splitlines()) == 1 + 5


# ------------------------------------------------------------------------------------ crashes and races

RECORD_CMD = [sys.executable, "-m", "letter_pdf", "archive", "record"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop(A.ENV_VAR, None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _assert_clean(archive: Path, expected: int | None = None) -> list[str]:
    """Verify finds no damage (notes allowed); return the notes."""
    report = A.Archive(archive).verify()
    assert report.ok, [str(f) for f in report.errors]
    numbers = A.Archive(archive).record_numbers()
    assert numbers == list(range(1, len(numbers) + 1))
    if expected is not None:
        assert len(numbers) == expected
    return [f.message for f in report.findings]


CRASH_SCRIPT = r"""
import os, sys
name, count, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = {"n": 0}
real = getattr(os, name)
def crashing(*args, **kwargs):
    calls["n"] += 1
    if calls["n"] == count and when == "before":
        os._exit(9)
    result = real(*args, **kwargs)
    if calls["n"] == count and when == "after":
        os._exit(9)
    return result
setattr(os, name, crashing)
from letter_pdf.cli import main
sys.argv = ["letter-pdf"] + sys.argv[4:]
main(sys.argv[1:])
"""


@pytest.mark.slow
def test_a_crash_at_every_write_step_leaves_a_clean_archive(pdfs, tmp_path):
    """Die (os._exit) before and after each link and fsync of a record: whole record or none, verify clean."""
    archive = tmp_path / "archive"
    record(archive, pdfs["v1"])
    committed = 1
    notes: list[str] = []
    # each link (the moves into place) before and after; each fsync before (after one = before the next step)
    for name, counts, moments in (("link", range(1, 4), ("before", "after")), ("fsync", range(1, 6), ("before",))):
        for count in counts:
            for when in moments:
                proc = subprocess.run(
                    [sys.executable, "-c", CRASH_SCRIPT, name, str(count), when, "archive", "record",
                     str(pdfs["v2"]), "--to", "X", "--via", "post", "--archive-dir", str(archive)],
                    env=_env(), capture_output=True, text=True, timeout=60)
                if proc.returncode == 0:
                    committed += 1
                else:
                    assert proc.returncode == 9, proc.stderr
                    committed = len(A.Archive(archive).record_numbers())
                notes += _assert_clean(archive, committed)
    # each kind of leftover was met, and reported as a note, not as damage
    assert any("temporary file" in n for n in notes)
    assert any("no record refers to" in n for n in notes)
    assert any("index is 1 record(s) behind" in n for n in notes)
    record(archive, pdfs["plain"])  # the next writer cleans up and carries on
    _assert_clean(archive, committed + 1)
    assert not [p for p in archive.rglob(A.TMP_PREFIX + "*")]


@pytest.mark.slow
def test_killing_recording_processes_at_random_moments(pdfs, tmp_path):
    archive = tmp_path / "archive"
    record(archive, pdfs["v1"])
    started = time.monotonic()
    subprocess.run(RECORD_CMD + [str(pdfs["v2"]), "--to", "X", "--via", "post", "--archive-dir", str(archive)],
                   env=_env(), check=True, capture_output=True)
    full = time.monotonic() - started
    rng = random.Random(20261129)
    finished = 0
    for attempt in range(20):
        proc = subprocess.Popen(
            RECORD_CMD + [str(pdfs["v1" if attempt % 2 else "v2"]), "--to", f"Recipient {attempt}", "--via", "email",
                          "--archive-dir", str(archive)],
            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5 * full, 1.1 * full))
        proc.send_signal(signal.SIGKILL)
        finished += proc.wait() == 0
        _assert_clean(archive)
    total = len(A.Archive(archive).record_numbers())
    # a process killed after its commit point (the record file's rename) has recorded in full
    assert 2 + finished <= total <= 2 + 20
    recipients = [r.recipient for r in A.Archive(archive).list()][2:]
    assert len(set(recipients)) == len(recipients) == total - 2
    record(archive, pdfs["plain"])
    _assert_clean(archive, total + 1)
    assert [r.number for r in A.Archive(archive).list()] == list(range(1, total + 2))


@pytest.mark.slow
def test_several_processes_recording_at_once(pdfs, tmp_path):
    archive = tmp_path / "archive"
    procs = [
        subprocess.Popen(RECORD_CMD + [str(pdfs[("v1", "v2", "plain")[i % 3]]), "--to", f"Recipient {i}",
                                       "--via", "courier", "--archive-dir", str(archive)],
                         env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(6)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in outputs]
    _assert_clean(archive, 6)
    recipients = sorted(r.recipient for r in A.Archive(archive).list())
    assert recipients == sorted(f"Recipient {i}" for i in range(6))
    numbers = sorted(int(out.split("recorded as number ")[1].split()[0]) for out, _ in outputs)
    assert numbers == [1, 2, 3, 4, 5, 6]


@pytest.fixture
def local_zone():
    """Pin the local time zone (TZ) to New York's rules, without the tz database (a POSIX rule), and restore it."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "EST5EDT,M3.2.0,M11.1.0"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_sent_at_without_an_offset_is_local_time(local_zone):
    assert A.parse_sent_at("2026-11-30T10:00") == "2026-11-30T10:00:00-05:00"  # winter: EST
    assert A.parse_sent_at("2026-07-01T10:00") == "2026-07-01T10:00:00-04:00"  # summer: EDT, for that date
    assert A.parse_sent_at("2026-11-30T10:00+03:00") == "2026-11-30T10:00:00+03:00"  # an offset given is kept
    assert A.parse_sent_at("2026-11-30T10:00Z") == "2026-11-30T10:00:00Z"
    assert A.parse_sent_at("2026-11-30") == "2026-11-30"  # a date has no time zone
    assert A.parse_sent_at("  ") is None


def test_sent_at_local_time_through_the_command(pdfs, tmp_path, local_zone):
    record(tmp_path / "a", pdfs["plain"], "X", "post", "--sent-at", "2026-11-30T10:00")
    assert A.Archive(tmp_path / "a").get(1)[0].sending.sent_at == "2026-11-30T10:00:00-05:00"


def test_library_errors_are_archive_errors(tmp_path):
    with pytest.raises(ArchiveError, match="unknown channel"):
        A.Archive(tmp_path / "a").record(tmp_path / "x.pdf", recipient="X", channel="pigeon")
    with pytest.raises(ArchiveError, match="recipient is missing"):
        A.Archive(tmp_path / "a").record(tmp_path / "x.pdf", recipient=" ", channel="post")
    assert not (tmp_path / "a").exists()


@pytest.mark.slow
def test_a_signed_pdf_records_signer_and_signing_time(pdfs, tmp_path, monkeypatch):
    import datetime as dt

    from pyhanko.sign.signers import pdf_signer

    from letter_pdf import sign

    import pki

    pinned = pki.NOW  # a moment inside the test certificates' validity, whatever the date today

    class PinnedClock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return pinned.astimezone(tz) if tz is not None else pinned.replace(tzinfo=None)

    monkeypatch.setattr(pdf_signer, "datetime", PinnedClock)  # the signer's clock (the claimed signing time)
    world = pki.make_world(tmp_path / "pki", signer_name="Maria Ковальчук, Test Coalition")
    options = sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE, visible=False)
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(sign.sign(pdfs["v1"].read_bytes(), options, field_box=None).pdf)
    archive = tmp_path / "archive"
    record(archive, signed, "The Minister", "email")
    rec, digest = A.Archive(archive).get(1)
    assert rec.pdf.signed is True
    (signature,) = rec.signatures
    assert "Maria Ковальчук" in signature.signer
    assert signature.signing_time == pinned.isoformat()
    assert signature.intact is True and signature.coverage == "entire file"
    assert rec.letter.title == "Joint letter on freedom of association"  # the manifest survives signing
    out = run("archive", "show", "1", archive=archive).stdout
    assert "Signature 1:" in out and "Maria Ковальчук" in out


def test_a_pdf_with_a_broken_manifest_is_recorded_with_a_note(tmp_path):
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("letter-pdf-manifest.json", b"{broken")
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = tmp_path / "odd.pdf"
    pdf.write_bytes(buffer.getvalue())
    result = record(tmp_path / "archive", pdf, "X", "post")
    assert "letter-pdf-manifest.json is unreadable" in result.stderr
    rec, _ = A.Archive(tmp_path / "archive").get(1)
    assert rec.manifest is None and rec.pdf.pages == 1 and rec.letter.known is False


HALF_TRANSACTION = r"""
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("DELETE FROM records")
db.execute("INSERT INTO records SELECT * FROM records WHERE 0")
for n in range(1000):
    db.execute("INSERT INTO meta VALUES (?, ?)", (f"k{n}", "x" * 2000))
os._exit(9)  # killed in the middle of an index transaction: a hot journal is left behind
"""


def test_an_index_transaction_cut_short_is_rolled_back(copy):
    subprocess.run([sys.executable, "-c", HALF_TRANSACTION, str(copy / "index.sqlite")], timeout=60)
    assert (copy / "index.sqlite-journal").exists()
    _assert_clean(copy, 5)
    assert [r.number for r in A.Archive(copy).list()] == [1, 2, 3, 4, 5]
    assert _verify(copy).exit_code == 0


def test_build_archive_options_are_checked_before_any_work(make_letter, tmp_path):
    letter = make_letter()
    pdf = letter.with_suffix(".pdf")
    result = run("build", letter, "--to", "The Minister")
    assert result.exit_code == 1 and "--to is for recording the letter" in result.stderr and "--archive" in result.stderr
    result = run("build", letter, "--archive", "--via", "email")
    assert result.exit_code == 1 and "--archive needs --to and --via" in result.stderr
    result = run("build", letter, "--archive", "--to", "X", "--via", "email", "--sent-at", "soon")
    assert result.exit_code == 1 and "--sent-at 'soon' is not an ISO date" in result.stderr
    result = run("build", letter, "--archive", "--to", "X", "--via", "email", "--note", "a\u202eb")
    assert result.exit_code == 1
    assert result.stderr == ("error: --note: the value contains an invisible bidirectional control, U+202E "
                             f"RIGHT-TO-LEFT OVERRIDE: 'a<U+202E>b' — {BIDI_HINT}\n")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / A.MARKER).write_bytes(A.canonical_json({"format": A.ARCHIVE_FORMAT}))
    (damaged / "index.sqlite").write_bytes(b"garbage" * 100)
    result = run("build", letter, "--archive", "--to", "X", "--via", "email", "--archive-dir", damaged)
    assert result.exit_code == 1 and "index is damaged" in result.stderr
    assert not pdf.exists()  # refused before the PDF was built


def test_build_archive_builds_and_records_in_one_step(make_letter, monkeypatch):
    monkeypatch.delenv(A.ENV_VAR, raising=False)
    letter = make_letter(rows=ROWS_V1, front=REF)
    result = run("build", letter, "--archive", "--to", "President of the Russian Federation", "--via", "post",
                 "--ref", "RR 1", "--sent-at", "2026-11-30")
    assert result.exit_code == 0, result.stderr
    pdf = letter.with_suffix(".pdf")
    store = A.Archive(letter.parent / "archive")  # beside the letter
    number, digest = store.head()
    assert number == 1 and f"recorded as number 1 in {store.root}; chain head: {digest}" in result.stdout
    rec, _ = store.get(1)
    assert rec.pdf.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert rec.sending == A.Sending("President of the Russian Federation", "post", "2026-11-30", "RR 1")
    assert rec.letter.reference == "EC/2026/117" and rec.letter.version == 1
    assert [s["name"] for s in rec.signatories] == [ROWS_V1[i]["name"] for i in (0, 1, 2)]
    assert rec.pdf.pages == len(PdfReader(pdf).pages)  # the whole package, cover included


def test_verify_reports_a_malformed_record_without_crashing(copy):
    path = copy / "records" / "00000004.json"
    rec = json.loads(path.read_text())
    rec["pdf"] = "gone"
    rec["stored_sources"] = [None]
    _writable(path).write_bytes(A.canonical_json(rec))
    result = _verify(copy)
    assert result.exit_code == 4
    assert "record 4 is malformed" in result.stdout and "broken chain: record 5" in result.stdout
    for command in (["show", "4"], ["list"], ["diff", "3", "4"], ["export", "4", str(copy.parent / "out")]):
        result = run("archive", *command, archive=copy)
        assert result.exit_code in (0, 1) and "internal error" not in result.stderr, command
    assert run("archive", "show", "4", archive=copy).exit_code == 1


def test_diff_shows_a_rename_as_a_change_like_signatories_diff():
    """The archive matches recorded lists as 'signatories diff' does (probable duplicates are renames)."""
    from letter_pdf.archive.history import compare_signatories

    old = [{"name": "Amnesty International", "countries": [], "kind": "organisation"},
           {"name": "Reporters sans frontières", "countries": ["FR"], "kind": "organisation"}]
    new = [{"name": "Amnesty International Ltd", "countries": [], "kind": "organisation"},
           {"name": "Reporters sans frontières (RSF)", "countries": ["FR"], "kind": "organisation"},
           {"name": "Finnish PEN", "countries": ["FI"], "kind": "organisation"}]
    diff = compare_signatories(old, new)
    assert [a.name for a in diff.added] == ["Finnish PEN"] and diff.removed == ()
    assert [(c.old.name, c.new.name, c.fields) for c in diff.changed] == [
        ("Amnesty International", "Amnesty International Ltd", ("name",)),
        ("Reporters sans frontières", "Reporters sans frontières (RSF)", ("name",)),
    ]
    assert [(c.old.countries, c.old.line, c.new.line) for c in diff.changed] == [((), 1, 1), (("FR",), 2, 2)]


# ------------------------------------------------------------------ what is printed is what was typed

BIDI_HINT = "it can reorder what is printed; delete it (it is invisible in most editors: retype the text around it)"
CONTROL_HINT = "delete it (it is invisible in most editors: retype the text around it)"
ONE_LINE_HINT = "write it on one line, with spaces only"
REFUSED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_bidi_controls_in_the_sending_options_are_refused(pdfs, tmp_path):
    """As in any field of the letter: each option named on its line; nothing written."""
    archive = tmp_path / "archive"
    result = run("archive", "record", pdfs["plain"], "--to", "Evil\u202eYX", "--ref", "R\u202e1", "--note", "a\u2066b",
                 "--via", "post", archive=archive)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: --to: the value contains an invisible bidirectional control, U+202E RIGHT-TO-LEFT OVERRIDE: "
        f"'Evil<U+202E>YX' — {BIDI_HINT}",
        "error: --ref: the value contains an invisible bidirectional control, U+202E RIGHT-TO-LEFT OVERRIDE: "
        f"'R<U+202E>1' — {BIDI_HINT}",
        "error: --note: the value contains an invisible bidirectional control, U+2066 LEFT-TO-RIGHT ISOLATE: "
        f"'a<U+2066>b' — {BIDI_HINT}",
    ]
    assert not archive.exists()


@pytest.mark.parametrize("option, value, shown, what, hint", [
    ("--to", "A\x1b[31mred", "A<U+001B>[31mred", "U+001B CONTROL", CONTROL_HINT),
    ("--ref", "RR\x851", "RR<U+0085>1", "U+0085 CONTROL", CONTROL_HINT),
    ("--note", "line one\nline two", "line one<U+000A>line two", "U+000A CONTROL", ONE_LINE_HINT),
    ("--to", "The\tMinister", "The<U+0009>Minister", "U+0009 CONTROL", ONE_LINE_HINT),
])
def test_control_characters_and_line_breaks_in_the_sending_options_are_refused(pdfs, tmp_path, option, value,
                                                                                shown, what, hint):
    archive = tmp_path / "archive"
    options = {"--to": "X", "--via": "post", option: value}
    result = run("archive", "record", pdfs["plain"], *[x for pair in options.items() for x in pair], archive=archive)
    assert result.exit_code == 1
    assert result.stderr == f"error: {option}: the value contains a control character, {what}: '{shown}' — {hint}\n"
    assert not archive.exists()


def test_unicode_line_separators_in_the_sending_options_are_refused(pdfs, tmp_path):
    archive = tmp_path / "archive"
    result = run("archive", "record", pdfs["plain"], "--to", "A\u2028B", "--via", "post", "--note", "x\u2029y",
                 archive=archive)
    assert result.exit_code == 1
    hint = ("it is a line break in some programs and invisible in others; replace it with a space "
            "(or an ordinary line end where the text may have several lines)")
    assert result.stderr.splitlines() == [
        f"error: --to: the value contains a line break, U+2028 LINE SEPARATOR: 'A<U+2028>B' — {hint}",
        f"error: --note: the value contains a line break, U+2029 PARAGRAPH SEPARATOR: 'x<U+2029>y' — {hint}",
    ]
    assert not archive.exists()


def test_the_library_refuses_them_in_the_channel_too(tmp_path):
    with pytest.raises(ArchiveError) as info:
        A.Archive(tmp_path / "a").record(tmp_path / "x.pdf", recipient="X", channel="post\u202e")
    assert info.value.where == "--via" and "'post<U+202E>'" in info.value.message
    assert not (tmp_path / "a").exists()


@pytest.fixture
def older(pdfs, tmp_path, monkeypatch) -> Path:
    """Records made before these characters were refused (or edited since): controls in the record files."""
    monkeypatch.setattr(records, "refused_in_option", lambda option, text: None)
    store = A.Archive(tmp_path / "older")
    store.record(pdfs["plain"], recipient="Evil\u202eYX", channel="post", ref="R\u202e1", note="a\u2066b")
    store.record(pdfs["plain"], recipient="A\x1b[31mred", channel="email")
    store.record(pdfs["plain"], recipient="Plain", channel="email", note="two\nlines")
    monkeypatch.undo()
    return store.root


def test_list_shows_an_older_records_controls_visibly_in_straight_columns(older):
    result = run("archive", "list", archive=older)
    assert result.exit_code == 0 and result.stderr == ""
    assert not REFUSED.search(result.stdout)
    lines = result.stdout.splitlines()
    recipient, via = lines[0].index("Recipient"), lines[0].index("Via")
    assert [line[recipient:via].rstrip() for line in lines[1:]] == ["Evil<U+202E>YX", "A<U+001B>[31mred", "Plain"]
    assert [line[via:].split()[0] for line in lines[1:]] == ["post", "email", "email"]
    assert _verify(older).exit_code == 0  # the records themselves are intact


def test_show_prints_an_older_records_controls_visibly(older):
    first = run("archive", "show", "1", archive=older)
    assert first.exit_code == 0 and not REFUSED.search(first.stdout)
    lines = first.stdout.splitlines()
    assert "Recipient:     Evil<U+202E>YX" in lines
    assert "Sending ref:   R<U+202E>1" in lines and "Note:          a<U+2066>b" in lines
    third = run("archive", "show", "3", archive=older).stdout
    assert "Note:          two<U+000A>lines" in third.splitlines()
    assert "Recipient:     A<U+001B>[31mred" in run("archive", "show", "2", archive=older).stdout.splitlines()


# ----------------------------------------------------- the archive named as the user typed its folder

def test_messages_name_the_archive_beside_the_pdf_as_typed(pdfs, tmp_path, monkeypatch):
    import shutil

    monkeypatch.delenv(A.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    Path("sent").mkdir()
    shutil.copy(pdfs["plain"], "sent/letter.pdf")
    result = record(None, Path("sent/letter.pdf"), "X", "post")
    assert result.stdout.splitlines()[0] == "recorded as number 1 in sent/archive: letter.pdf, version 1, to X by post"
    (tmp_path / "sent" / "archive" / "index.sqlite").write_bytes(b"this is not a database" * 100)
    damaged = ("the archive's index is damaged (file is not a database) — run 'letter-pdf archive verify', then "
               "'letter-pdf archive reindex'\n")
    result = run("archive", "record", "sent/letter.pdf", "--to", "X", "--via", "post")
    assert result.exit_code == 1 and result.stderr == f"error: sent/archive/index.sqlite: {damaged}"
    result = run("archive", "list", "--archive-dir", "sent/archive")
    assert result.exit_code == 1 and result.stderr == f"error: sent/archive/index.sqlite: {damaged}"


def test_a_damaged_signature_is_recorded_with_a_plain_note(tmp_path):
    """Recorded as sent (it was), with what is wrong in plain words: not the library's text, not the hint."""
    from letter_pdf import sign

    import pki

    world = pki.make_world(tmp_path / "pki")
    data = sign.sign_pdf(pki.sample_pdf(), sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE),
                         field_box=pki.SAMPLE_BOX)
    start = re.search(rb"/Contents\s*<", data).end()
    assert data[start:start + 4] == b"3082"
    pdf = tmp_path / "damaged.pdf"
    pdf.write_bytes(data[:start] + b"30ff" + data[start + 4:])  # a length of 127 bytes: a 300-digit integer
    result = record(tmp_path / "archive", pdf, "X", "post")
    why = "the signature's data is damaged or the file was changed: it cannot be read"
    assert result.stderr.splitlines()[0] == f"warning: cannot examine the signature of {pdf}: {why}"
    rec, _ = A.Archive(tmp_path / "archive").get(1)
    assert rec.signatures == (A.SignatureFacts(note=f"signed; the signature could not be examined ({why})"),)


# ------------------------------------------------------------- build --archive records what the build knows

@pytest.mark.slow
def test_build_archive_records_the_builds_facts_without_reading_or_validating_again(make_letter, tmp_path,
                                                                                    monkeypatch):
    """The record made by the build says of the PDF what 'archive record' of the same file says (pages, title,
    manifest, stored sources), and of the signature only what the signer knows: nothing is read back."""
    import letter_pdf
    from letter_pdf import sign
    from letter_pdf.archive import facts

    import pki

    signer = "Maria Ковальчук, Test Coalition"
    world = pki.make_world(tmp_path / "pki", signer_name=signer)
    monkeypatch.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
    letter = make_letter(rows=ROWS_V1, front=REF)

    def refused(*args, **kwargs):
        raise AssertionError("the build's own PDF was read or validated again")

    with monkeypatch.context() as patched:
        patched.setattr(facts, "inspect_pdf", refused)
        patched.setattr(facts.verify, "verify_pdf", refused)
        result = letter_pdf.build(letter, sign=world.p12, invisible_signature=True, embed_sources=True,
                                  archive=True, archive_dir=tmp_path / "built", to="The Minister", via="email")
    assert result.archived[0] == 1
    built, _ = A.Archive(tmp_path / "built").get(1)
    assert built.signatures == (A.SignatureFacts(signer=signer, timestamped=False, certified=False),)
    inspected, _ = A.Archive(tmp_path / "inspected").record(result.output, recipient="The Minister", channel="email")
    assert (built.pdf, built.letter, built.stored_sources, built.manifest, built.notes) == (
        inspected.pdf, inspected.letter, inspected.stored_sources, inspected.manifest, inspected.notes)
    assert [s.name for s in built.stored_sources] == ["letter.md", "signatories.csv"] and built.pdf.signed
    (examined,) = inspected.signatures
    assert examined.signer == signer and examined.intact is True
