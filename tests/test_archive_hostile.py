"""The archive commands given hostile input through the command line: an out-of-range ``--sent-at``, record and
marker files edited into deeply nested JSON, FIFOs or huge files, files replaced by symbolic links, bidirectional
controls edited into a record, a PDF whose manifest is nested too deeply. Each ends in one line and its exit code.

The archive holds plain PDFs (no letter is built), so these run in seconds.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from letter_pdf import archive as A
from letter_pdf.cli import cli

from conftest import within, writable_copy, write_letter


def _pdf(title: str, attachment: bytes | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": title})
    if attachment is not None:
        writer.add_attachment("letter-pdf-manifest.json", attachment)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def run(*args) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """An archive of two records: a.pdf to The Minister, b.pdf to The President."""
    base = tmp_path_factory.mktemp("hostile")
    (base / "a.pdf").write_bytes(_pdf("Letter A"))
    (base / "b.pdf").write_bytes(_pdf("Letter B"))
    for name, recipient in (("a.pdf", "The Minister"), ("b.pdf", "The President")):
        result = run("archive", "record", base / name, "--to", recipient, "--via", "email",
                     "--sent-at", "2026-11-29T10:00Z", "--archive-dir", base / "archive")
        assert result.exit_code == 0, result.stderr
    return base / "archive"


@pytest.fixture
def archive(pristine, tmp_path) -> Path:
    return writable_copy(pristine, tmp_path / "archive")


def record_file(archive: Path, number: int) -> Path:
    return archive / "records" / f"{number:08d}.json"


def stored(archive: Path, number: int) -> Path:
    return archive / json.loads(record_file(archive, number).read_text("utf-8"))["pdf"]["object"]


def lines(text: str) -> list[str]:
    return text.splitlines()


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- --sent-at beyond what the local time zone can express ----------------------------------------------


@pytest.fixture
def zone():
    """``zone("<-12>12")``: pin the local time zone (a POSIX rule: no tz database needed); restored after."""
    saved = os.environ.get("TZ")

    def pin(rule: str) -> None:
        os.environ["TZ"] = rule
        time.tzset()

    yield pin
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


OUT_OF_RANGE = [("<-12>12", "9999-12-31T23:59"), ("<+14>-14", "0001-01-01T00:00")]


def _out_of_range(value: str) -> str:
    return (f"error: --sent-at '{value}' is out of range in this computer's time zone — give a time between the "
            "years 1 and 9999 with its offset, e.g. 2026-11-29T14:30+01:00")


@pytest.mark.parametrize(("rule", "value"), OUT_OF_RANGE)
def test_record_with_a_sent_at_out_of_range_in_the_local_zone(archive, zone, rule, value):
    zone(rule)
    before = files(archive)
    result = run("archive", "record", stored(archive, 1), "--to", "X",
                 "--via", "email", "--sent-at", value, "--archive-dir", archive)
    assert (result.exit_code, lines(result.stderr)) == (1, [_out_of_range(value)])
    assert files(archive) == before


@pytest.mark.parametrize(("rule", "value"), OUT_OF_RANGE)
def test_build_archive_with_a_sent_at_out_of_range_in_the_local_zone(tmp_path, zone, rule, value):
    letter = write_letter(tmp_path / "letter")
    zone(rule)
    result = run("build", letter, "-o", tmp_path / "out.pdf", "--archive", "--to", "X", "--via", "email",
                 "--sent-at", value, "--archive-dir", tmp_path / "archive")
    assert (result.exit_code, lines(result.stderr)) == (1, [_out_of_range(value)])
    assert not (tmp_path / "out.pdf").exists() and not (tmp_path / "archive").exists()


# --- record files that cannot be read as records ------------------------------------------------------


def _deep(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _huge(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(A.records.MAX_RECORD_BYTES + 1)  # sparse: nothing is written


DAMAGE = {
    "deep": (_deep, "nested too deeply: more than 64 levels"),
    "fifo": (_fifo, "it is not a regular file"),
    "huge": (_huge, "it is larger than 268,435,456 bytes"),
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_verify_reports_a_record_file_that_cannot_be_read_as_damaged(archive, kind):
    damage, why = DAMAGE[kind]
    damage(record_file(archive, 2))
    result = run("archive", "verify", "--archive-dir", archive)
    expected = [f"error: records/00000002.json: record 2 is damaged ({why})"]
    if kind == "deep":  # read, so its hash is known: the index's is another
        expected.append("error: records/00000002.json: record 2 has changed since it was recorded")
    problems = "1 problem" if len(expected) == 1 else f"{len(expected)} problems"
    assert (result.exit_code, lines(result.stdout)) == (4, [*expected, f"{archive}: does NOT verify: {problems} in 1 record"])


@pytest.mark.parametrize("kind", DAMAGE)
@pytest.mark.parametrize("command", [("list",), ("show", "2"), ("export", "2", "out"), ("head",), ("diff", "1", "2")])
def test_reading_commands_refuse_a_damaged_record_file_in_one_line(archive, kind, command, tmp_path):
    damage, why = DAMAGE[kind]
    damage(record_file(archive, 2))
    command = [tmp_path / c if c == "out" else c for c in command]
    result = run("archive", *command, "--archive-dir", archive)
    assert (result.exit_code, lines(result.stderr)[-1:]) == (
        1, [f"error: {record_file(archive, 2)}: record 2 is damaged ({why}) — run 'letter-pdf archive verify'"])
    assert not (tmp_path / "out").exists()


# --- the marker file -----------------------------------------------------------------------------------


MARKERS = {
    "other format": ('{"format": 999}\n', "unknown archive format 999"),
    "future format": ('{"format": "letter-pdf-archive/2"}\n', "unknown archive format 'letter-pdf-archive/2'"),
    "garbage": ("\x00garbage", "the archive's marker file is unreadable (Expecting value: line 1 column 1 (char 0))"),
    "deep": ("[" * 50 + "]" * 50, "the archive's marker file is unreadable (nested too deeply: more than 8 levels)"),
    "deeper than the parser goes": ("[" * 60_000, "the archive's marker file is unreadable (nested too deeply: more "
                                                  "than 8 levels)"),
    "huge": ("[" * 70_000, "the archive's marker file is unreadable (it is larger than 65,536 bytes)"),
    "a list": ("[1]\n", "the archive's marker file is unreadable (it holds list, not an object)"),
}


@pytest.mark.parametrize("kind", MARKERS)
@pytest.mark.parametrize("command", [("list",), ("show", "1"), ("head",), ("reindex",),
                                     ("record", "PDF", "--to", "X", "--via", "post")])
def test_commands_refuse_an_archive_whose_marker_is_not_this_format(archive, kind, command):
    text, why = MARKERS[kind]
    (archive / A.MARKER).write_text(text, encoding="utf-8")
    before = files(archive)
    command = [stored(archive, 1) if c == "PDF" else c for c in command]
    result = run("archive", *command, "--archive-dir", archive)
    assert (result.exit_code, lines(result.stderr)) == (1, [
        f"error: {archive / A.MARKER}: {why} — give the folder of an archive this version of letter-pdf wrote, "
        "or run 'letter-pdf archive verify' on it"])
    assert files(archive) == before


@pytest.mark.parametrize("kind", MARKERS)
def test_verify_reports_the_marker_and_goes_on(archive, kind):
    text, why = MARKERS[kind]
    (archive / A.MARKER).write_text(text, encoding="utf-8")
    result = run("archive", "verify", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        f"error: {A.MARKER}: {why}", f"{archive}: does NOT verify: 1 problem"])


def test_build_archive_refuses_an_archive_of_another_format_before_building(tmp_path, archive):
    (archive / A.MARKER).write_text('{"format": 999}\n', encoding="utf-8")
    letter = write_letter(tmp_path / "letter")
    result = run("build", letter, "-o", tmp_path / "out.pdf", "--archive", "--to", "X", "--via", "email",
                 "--archive-dir", archive)
    assert (result.exit_code, lines(result.stderr)[-1]) == (1, (
        f"error: {archive / A.MARKER}: unknown archive format 999 — give the folder of an archive this version "
        "of letter-pdf wrote, or run 'letter-pdf archive verify' on it"))
    assert not (tmp_path / "out.pdf").exists()


# --- symbolic links: the archive must hold its own files ---------------------------------------------------


LINK = "a symbolic link, not a file of the archive (the archive must hold its files itself: copy the file in its place)"


def _link_to_a_copy_outside(path: Path, outside: Path) -> None:
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def test_a_stored_file_replaced_by_a_link_to_an_identical_copy_is_reported(archive, tmp_path):
    pdf = stored(archive, 1)
    _link_to_a_copy_outside(pdf, tmp_path / "outside.pdf")
    result = run("archive", "verify", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        f"error: {pdf.relative_to(archive).as_posix()}: {LINK}", f"{archive}: does NOT verify: 1 problem in 1 record"])


def test_a_record_file_replaced_by_a_link_to_an_identical_copy_is_reported(archive, tmp_path):
    _link_to_a_copy_outside(record_file(archive, 1), tmp_path / "outside.json")
    result = run("archive", "verify", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        f"error: records/00000001.json: {LINK}", f"{archive}: does NOT verify: 1 problem in 1 record"])


def test_a_folder_of_stored_files_replaced_by_a_link_is_reported(archive, tmp_path):
    folder = stored(archive, 2).parent
    shutil.copytree(folder, tmp_path / "outside")
    shutil.rmtree(folder)
    folder.symlink_to(tmp_path / "outside")
    result = run("archive", "verify", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        f"error: {folder.relative_to(archive).as_posix()}: {LINK}",
        f"error: {stored(archive, 2).relative_to(archive).as_posix()}: stored file is missing",
        f"{archive}: does NOT verify: 2 problems, 1 of them in 1 record"])


def test_a_fifo_among_the_stored_files_is_reported_not_read(archive):
    pdf = stored(archive, 2)
    pdf.unlink()
    os.mkfifo(pdf)
    result = run("archive", "verify", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        f"error: {pdf.relative_to(archive).as_posix()}: unexpected file (not a regular file)",
        f"{archive}: does NOT verify: 1 problem in 1 record"])


# --- the summary counts only the records the problems are about --------------------------------------------


def test_the_summary_of_problems_in_no_record(archive):
    (archive / "stray.txt").write_text("x", encoding="utf-8")
    result = run("archive", "verify", "--head", "z" * 64, "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        "error: stray.txt: unexpected file (not written by letter-pdf)",
        "error: --head: not a SHA-256 hash (64 hexadecimal digits)",
        f"{archive}: does NOT verify: 2 problems"])


def test_the_summary_of_problems_some_in_records(archive):
    (archive / "stray.txt").write_text("x", encoding="utf-8")
    pdf = stored(archive, 2)
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    result = run("archive", "verify", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stdout)) == (4, [
        "error: stray.txt: unexpected file (not written by letter-pdf)",
        f"error: {pdf.relative_to(archive).as_posix()}: stored file has changed (its SHA-256 no longer matches "
        "its name)",
        f"{archive}: does NOT verify: 2 problems, 1 of them in 1 record"])


# --- export writes a record's text as list and show print it ------------------------------------------------


def test_export_writes_a_bidi_control_edited_into_a_record_visibly(archive, tmp_path):
    value = json.loads(record_file(archive, 1).read_text("utf-8"))
    value["recipient"] = "The \u202eMinister"
    value["letter"]["title"] = "Letter\x1b[2J A"
    record_file(archive, 1).write_bytes(A.canonical_json(value))
    result = run("archive", "export", "1", tmp_path / "out", "--bagit", "--archive-dir", archive)
    assert result.exit_code == 0, result.stderr
    readme = (tmp_path / "out" / "data" / "README.txt").read_text("utf-8")
    assert lines(readme)[2:4] == [
        "  record-1.pdf         the PDF exactly as sent: Letter<U+001B>[2J A, version 1,",
        "                       sent to The <U+202E>Minister by email, at 2026-11-29T10:00:00Z"]
    info = (tmp_path / "out" / "bag-info.txt").read_text("utf-8")
    assert ("External-Description: Letter<U+001B>[2J A, version 1, sent to The <U+202E>Minister by email at "
            "2026-11-29T10:00:00Z") in lines(info)
    assert not any(ch in readme + info for ch in "\u202e\x1b")


# --- a PDF whose manifest is nested too deeply ----------------------------------------------------------------


def test_record_a_pdf_whose_manifest_is_nested_too_deeply(tmp_path):
    pdf = tmp_path / "deep.pdf"
    pdf.write_bytes(_pdf("Deep", b"[" * 100_000 + b"]" * 100_000))
    result = run("archive", "record", pdf, "--to", "X", "--via", "email", "--archive-dir", tmp_path / "archive")
    assert (result.exit_code, lines(result.stderr)) == (0, [
        "note: the PDF's letter-pdf-manifest.json is unreadable (the embedded manifest is nested too deeply: more "
        "than 32 levels); the letter details are unknown"])
    assert A.Archive(tmp_path / "archive").get(1)[0].manifest is None


def test_a_record_too_large_to_read_back_is_not_written(archive, monkeypatch):
    from letter_pdf.archive import store

    monkeypatch.setattr(store, "MAX_RECORD_BYTES", 2000)  # a record of a plain PDF is about 1,100 bytes
    pdf = archive.parent / "c.pdf"
    pdf.write_bytes(_pdf("Letter C " + "x" * 600))
    result = run("archive", "record", pdf, "--to", "X", "--via", "email", "--archive-dir", archive)
    assert (result.exit_code, lines(result.stderr)) == (1, [
        "error: the record would be larger than 2,000 bytes (its manifest is too large) — record the PDF exactly "
        "as letter-pdf wrote it"])
    assert not record_file(archive, 3).exists()
    assert A.Archive(archive).verify().ok


def test_a_stored_file_replaced_by_a_fifo_is_one_line_not_a_wait(archive, tmp_path):
    """Commands that read a record's stored PDF never wait on a FIFO put in its place: export refuses in one
    line; diff notes that the text cannot be read and does not call the two records the same letter."""
    stored = record_file(archive, 1)
    stored = archive / json.loads(stored.read_text("utf-8"))["pdf"]["object"]
    stored.unlink()
    os.mkfifo(stored)
    result = within(20, lambda: run("archive", "export", "1", tmp_path / "out", "--archive-dir", archive))
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (f"error: {stored}: a stored file is damaged — "
                                              "run 'letter-pdf archive verify'")
    result = within(20, lambda: run("archive", "diff", "1", "2", "--archive-dir", archive))
    assert result.exit_code == 0, result.output
    assert any(line.startswith("note: record 1: the PDF's text cannot be read") for line in result.stderr.splitlines())
    assert result.stdout.splitlines()[-1] == "records 1 and 2: no difference in what could be compared"
