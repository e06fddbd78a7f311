"""The CLI's promises: no file replaced without --force, plural-correct counts, warnings printed and counted
once, a closed pipe ends quietly, a bad template is an error (exit 1), never an internal error."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_main

ROOT = Path(__file__).resolve().parents[1]
CP1251_NAMES = ["Общество «Мемориал» Санкт-Петербурга", "Солдатские матери Санкт-Петербурга",
                "Правозащитный центр «Мемориал»", "Московская Хельсинкская группа"]


def write_cp1251(path: Path) -> Path:
    with path.open("w", encoding="cp1251", newline="") as f:
        csv.writer(f).writerows([["name", "country"], *[[n, "RU"] for n in CP1251_NAMES]])
    return path


# --- import and lint --fix never replace a file without --force -------------------------------------------


def test_import_does_not_replace_an_existing_list(tmp_path, capsys):
    source = tmp_path / "pasted.txt"
    source.write_text("Cordaid (Netherlands)\nAmnesty International (UK)\n", encoding="utf-8")
    curated = tmp_path / "signatories.csv"
    curated.write_text("name,country\nHand Curated Org,GB\n", encoding="utf-8")
    code, out, err = run_main(["signatories", "import", str(source)], capsys)
    assert code == 1
    assert err == (f"error: {curated}: the file exists and was left as it is — give another file with -o, "
                   "or add --force to replace it\n")
    assert curated.read_text("utf-8") == "name,country\nHand Curated Org,GB\n"
    code, out, err = run_main(["signatories", "import", str(source), "--force"], capsys)
    assert code == 0, err
    assert curated.read_text("utf-8-sig") == "name,country,kind\nCordaid,NL,organisation\nAmnesty International,GB,organisation\n"


def test_import_with_force_still_never_overwrites_its_input(tmp_path, capsys):
    source = tmp_path / "signatories.csv"
    source.write_text("Organisation,Country\nCordaid,NL\n", encoding="utf-8")
    code, _, err = run_main(["signatories", "import", str(source), "--force"], capsys)
    assert code == 1 and f"refused to overwrite the input {source}" in err
    assert source.read_text("utf-8") == "Organisation,Country\nCordaid,NL\n"


def test_lint_fix_does_not_replace_an_existing_file(tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text("name,country\n  Cordaid ,NL\n", encoding="utf-8")
    fixed = tmp_path / "list.fixed.csv"
    fixed.write_text("earlier work\n", encoding="utf-8")
    code, _, err = run_main(["signatories", "lint", str(path), "--fix"], capsys)
    assert code == 1
    assert f"error: {fixed}: the file exists and was left as it is — give another file with -o, or add --force" in err
    assert fixed.read_text("utf-8") == "earlier work\n"
    code, _, err = run_main(["signatories", "lint", str(path), "--fix", "--force"], capsys)
    assert code == 0, err
    assert fixed.read_text("utf-8-sig") == "name,country\nCordaid,NL\n"
    assert "wrote 1 fix to" in err


# --- counts with plural rules ------------------------------------------------------------------------------


def test_import_counts_use_plural_rules(tmp_path, capsys):
    source = tmp_path / "pasted.txt"
    source.write_text("Cordaid\n", encoding="utf-8")
    code, _, err = run_main(["signatories", "import", str(source), "-o", "-"], capsys)
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == f"{source}: 1 row (1 organisation, 0 individuals) read as a list"
    assert lines[1] == "countries recognised for 0 of 1 row; 1 without a country"


def test_import_counts_several(tmp_path, capsys):
    source = tmp_path / "pasted.txt"
    source.write_text("Cordaid (Netherlands)\nAmnesty International (UK)\nFIDH (France)\n", encoding="utf-8")
    code, _, err = run_main(["signatories", "import", str(source), "-o", "-"], capsys)
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == f"{source}: 3 rows (3 organisations, 0 individuals) read as a list"
    assert lines[1] == "countries recognised for 3 of 3 rows (3 countries: NL, GB, FR); 0 without a country"


# --- warnings: printed once, counted ------------------------------------------------------------------------


def test_lint_prints_the_encoding_warning_once_and_counts_it(tmp_path, capsys):
    path = write_cp1251(tmp_path / "list.csv")
    code, out, err = run_main(["signatories", "lint", str(path), "--fix", "-o", str(tmp_path / "out.csv")], capsys)
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and "is not UTF-8; read it as cp1251" in warned[0]
    assert f"{path}: 4 signatories, 0 errors, 1 warning" in err.splitlines()
    assert code == 0, err


def test_check_prints_no_errors_and_counts_the_warning(make_letter, capsys):
    letter = make_letter()
    write_cp1251(letter.parent / "signatories.csv")
    code, out, err = run_main(["check", str(letter)], capsys)
    assert code == 0, err
    assert err.count("is not UTF-8") == 1
    assert out == f"{letter}: no errors, 1 warning\n"


def test_check_without_warnings(make_letter, capsys):
    letter = make_letter()
    code, out, err = run_main(["check", str(letter)], capsys)
    assert (code, out, err) == (0, f"{letter}: no errors, 0 warnings\n", "")


# --- a restyled template that includes a file outside the templates -------------------------------------


@pytest.mark.parametrize("include", ["/etc/passwd", "../secret.html.j2", "missing.html.j2"])
def test_a_template_including_a_missing_or_outside_file_is_refused(make_letter, capsys, include):
    from letter_pdf import assets

    letter = make_letter()
    bundled = (assets.templates_dir() / "letter.html.j2").read_text("utf-8")
    (letter.parent / "letter.html.j2").write_text(f'{{% include "{include}" %}}\n' + bundled, encoding="utf-8")
    (letter.parent.parent / "secret.html.j2").write_text("TOPSECRET", encoding="utf-8")
    code, out, err = run_main(["check", str(letter)], capsys)
    assert code == 1, err
    assert err.splitlines()[0] == (
        f"error: letter.html.j2: the template uses '{include}', which is not a template in the letter's folder "
        "or among the bundled ones — templates can only use files beside the letter (by name, e.g. "
        "\"_footer.html.j2\") or the bundled templates")
    assert "internal error" not in err and "TOPSECRET" not in out + err


def test_a_cover_template_including_a_file_outside_is_refused_by_check(make_letter, capsys):
    from letter_pdf import assets

    letter = make_letter()
    bundled = (assets.templates_dir() / "cover.html.j2").read_text("utf-8")
    (letter.parent / "cover.html.j2").write_text('{% include "/etc/passwd" %}\n' + bundled, encoding="utf-8")
    code, out, err = run_main(["check", str(letter)], capsys)
    assert code == 1, err
    assert err.splitlines()[0].startswith("error: cover.html.j2: the template uses '/etc/passwd', which is not")
    assert err.splitlines()[-1] == f"{letter}: 1 error, 0 warnings"


# --- preview never writes over its PDF ----------------------------------------------------------------------


def test_preview_refuses_to_write_over_the_pdf(tmp_path, capsys):
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(b"%PDF-1.7 not really")
    code, _, err = run_main(["preview", str(pdf), "-o", str(pdf)], capsys)
    assert code == 1 and f"refused to overwrite the PDF {pdf}" in err
    assert pdf.read_bytes() == b"%PDF-1.7 not really"


# --- a closed pipe (| head) ends quietly ---------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly(tmp_path, resources):
    """The reader is gone before the command writes: no traceback, no 'internal error', exit 141 (SIGPIPE)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "letter_pdf", "signatories", "stats",
                             str(resources / "foreign-agents-signatories.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # as `head` does once it has its line
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_stats_through_head(resources):
    """The user's own command line: `letter-pdf signatories stats FILE | head -1`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f"{sys.executable} -m letter_pdf signatories stats {resources / 'foreign-agents-signatories.csv'} | head -1"
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout == "65 signatories: 64 organisations and 1 individual from 13 countries\n"
    assert proc.stderr == ""


# --- messages name files as the user typed them ----------------------------------------------------------------


@pytest.fixture
def typed_letter(tmp_path, monkeypatch):
    """letters/a.md, typed relative to the current folder: a glyph error, a bad enclosure, a cp1251 list."""
    from conftest import write_letter

    monkeypatch.chdir(tmp_path)
    write_letter(Path("letters"), name="a.md", front={"title": "Letter \u2708",
                                                      "enclosures": [{"title": "Annex", "file": "annex.pdf"}]})
    Path("letters/annex.pdf").write_bytes(b"not a pdf")
    write_cp1251(Path("letters/signatories.csv"))
    return Path("letters/a.md")


@pytest.mark.parametrize("command", ["check", "build"])
def test_messages_name_files_as_typed(typed_letter, capsys, tmp_path, command):
    code, out, err = run_main([command, str(typed_letter)], capsys)
    assert code == 1  # check also refuses the enclosure: not a PDF is bad input (1), not an unsafe file (5)
    lines = err.splitlines()
    assert lines[0] == ("warning: letters/signatories.csv: the file is not UTF-8; read it as cp1251 (check the names, "
                        "and re-save as UTF-8 to be sure)")
    assert any(line.startswith("error: letters/a.md, field 'title': no font in use has a glyph for U+2708 AIRPLANE")
               for line in lines), err
    if command == "check":  # build stops at the first stage that fails (the glyphs); check reports everything
        assert "error: letters/annex.pdf: is not a PDF file — export or print it to PDF first" in lines
        assert lines[-1] == "letters/a.md: 2 errors, 1 warning"
    assert str(tmp_path) not in out + err


def test_api_errors_name_files_as_typed(typed_letter, tmp_path):
    import letter_pdf
    from letter_pdf.errors import LetterPdfError

    with pytest.raises(LetterPdfError) as caught:
        letter_pdf.build(typed_letter, output=Path("out.pdf"))
    assert str(caught.value).startswith("letters/a.md, field 'title': no font in use has a glyph for U+2708")
    assert str(tmp_path) not in str(caught.value)


def _sig_rows_cp1251(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="cp1251", newline="") as f:
        csv.writer(f).writerows([["name", "country"], *rows])
    return path


def test_signatory_commands_name_the_list_as_typed(tmp_path, monkeypatch, capsys):
    """lint, lint --fix, stats and import name the list by the path typed, not by its bare name."""
    monkeypatch.chdir(tmp_path)
    Path("lists").mkdir()
    # line 3: an unknown country; 4: a duplicate of line 2; 5: spaces; cp1251, so a warning names the file too
    _sig_rows_cp1251(Path("lists/sig.csv"), [[CP1251_NAMES[0], "RU"], [CP1251_NAMES[1], "Atlantis"],
                                             [CP1251_NAMES[0], "RU"], [" " + CP1251_NAMES[2], "Россия"],
                                             [CP1251_NAMES[3], "RU"]])
    cp1251 = ("warning: lists/sig.csv: the file is not UTF-8; read it as cp1251 (check the names, "
              "and re-save as UTF-8 to be sure)")
    code, out, err = run_main(["signatories", "lint", "lists/sig.csv"], capsys)
    assert code == 1
    assert [line.split(": ")[:2] for line in out.splitlines()] == [
        ["lists/sig.csv:3", "error"], ["lists/sig.csv:4", "error"], ["lists/sig.csv:5", "warning"]]
    assert err.splitlines() == [cp1251, "lists/sig.csv: 4 signatories, 2 errors, 2 warnings"]

    code, out, err = run_main(["signatories", "lint", "lists/sig.csv", "--fix", "-o", "lists/fixed.csv"], capsys)
    fixes = [line for line in err.splitlines() if line.startswith("fixed ")]
    assert fixes == [
        f"fixed lists/sig.csv:5: name {' ' + CP1251_NAMES[2]!r} -> {CP1251_NAMES[2]!r}",
        "fixed lists/sig.csv:5: country 'Россия' -> 'RU'"]

    code, out, err = run_main(["signatories", "stats", "lists/sig.csv"], capsys)
    assert code == 1
    assert err.splitlines()[-1].startswith("error: lists/sig.csv:3: unknown country 'Atlantis'")

    Path("lists/pasted.txt").write_text("Signatories:\nCordaid (Pays-Bas)\n", encoding="utf-8")
    code, out, err = run_main(["signatories", "import", "lists/pasted.txt", "-o", "lists/new.csv"], capsys)
    assert code == 0, err
    assert "  lists/pasted.txt:1: skipped 'Signatories:' as a heading (not a signatory)" in err.splitlines()
    Path("lists/long.txt").write_text("Org, " * 10_000, encoding="utf-8")
    code, out, err = run_main(["signatories", "import", "lists/long.txt", "-o", "lists/long.csv"], capsys)
    assert code == 1 and err.startswith("error: lists/long.txt:1: line 1 has 50,000 characters (at most 20,000)")
    assert str(tmp_path) not in out + err


def _zeroed_glyphs(path: Path) -> Path:
    """The Georgian test font with its 'glyf' table zeroed: it reads as a font, but every glyph is empty."""
    from fontTools.ttLib import TTFont

    source = Path(__file__).parent / "resources" / "LetterTestGeorgian-Regular.ttf"
    data = bytearray(source.read_bytes())
    entry = TTFont(source).reader.tables["glyf"]
    data[entry.offset : entry.offset + entry.length] = bytes(entry.length)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    return path


def _sig_rows(path: Path, bad: str) -> Path:
    """A cp1251 list: line 3 has the country ``bad``; line 7 is a probable duplicate of line 6."""
    return _sig_rows_cp1251(path, [[CP1251_NAMES[0], "RU"], [CP1251_NAMES[1], bad], *[[n, "RU"] for n in CP1251_NAMES[2:]],
                                   ["Kenya Human Rights Commission", "KE"], ["Human Rights Commission", "KE"]])


@pytest.fixture
def typed_problems(tmp_path, monkeypatch):
    """letters/a.md (typed relative to the current folder) whose every file has a problem: a refused body
    image, a user font with empty glyphs, an enclosure that is not a PDF, a cp1251 list with a bad row and a
    probable duplicate in letters/lists/."""
    from conftest import write_letter

    monkeypatch.chdir(tmp_path)
    Path("letters/lists").mkdir(parents=True)
    body = "We, the undersigned, write to you (ქართული).\n\nSee the map:\n\n![Map](maps/missing.png)\n"
    letter = write_letter(Path("letters"), name="a.md", body=body,
                          front={"signatories": "lists/sig.csv", "fonts": ["fonts/X.ttf"],
                                 "enclosures": [{"title": "Annex", "file": "annex.pdf"}]},
                          rows=[{"name": "Organisation One", "country": "GB"}])
    _sig_rows(Path("letters/lists/sig.csv"), bad="Atlantis")
    _zeroed_glyphs(Path("letters/fonts/X.ttf"))
    Path("letters/annex.pdf").write_bytes(b"not a pdf")
    image_line = letter.read_text(encoding="utf-8").splitlines().index("![Map](maps/missing.png)") + 1
    return letter, image_line


def test_check_names_every_file_as_typed(typed_problems, capsys, tmp_path):
    letter, image_line = typed_problems
    code, out, err = run_main(["check", "letters/a.md"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == ("warning: letters/lists/sig.csv: the file is not UTF-8; read it as cp1251 (check the names, "
                        "and re-save as UTF-8 to be sure)")
    assert [line.split(": ")[:2] for line in lines[1:-1]] == [
        ["error", "letters/lists/sig.csv:3"],  # the row that does not load (at load, it stops everything else)
    ], err
    # with the bad row fixed, every other file's problem is named as typed
    _sig_rows(Path("letters/lists/sig.csv"), bad="RU")
    code, out, err = run_main(["check", "letters/a.md"], capsys)
    assert code == 1  # an enclosure that is not a PDF is bad input (exit 5 is for what the sandbox refuses)
    lines = err.splitlines()
    assert sorted(line.split(": ")[:2] for line in lines[:-1]) == sorted([
        ["warning", "letters/lists/sig.csv"],    # cp1251
        ["warning", "letters/lists/sig.csv:7"],  # a probable duplicate of line 6
        ["error", "letters/fonts/X.ttf"],        # the glyphs of the user's font are empty
        ["error", f"letters/a.md:{image_line}"],  # the body image does not exist
        ["error", "letters/annex.pdf"],          # the enclosure is not a PDF
    ]), err
    assert (f"error: letters/a.md:{image_line}: image 'maps/missing.png' does not exist — check the file name; "
            "it is looked for relative to the letter's folder") in lines
    assert "error: letters/fonts/X.ttf: the font's glyphs are damaged: U+10E5 GEORGIAN LETTER KHAR 'ქ'" in err
    assert "error: letters/annex.pdf: is not a PDF file" in err
    assert lines[-1] == "letters/a.md: 3 errors, 2 warnings"
    assert str(tmp_path) not in out + err


def test_check_names_the_letter_as_typed_for_an_inline_list(tmp_path, monkeypatch, capsys):
    from conftest import write_letter

    monkeypatch.chdir(tmp_path)
    write_letter(Path("letters"), name="a.md", front={"signatories": ["Cordaid", "Koalicja Karat", "Cordaid"]})
    code, out, err = run_main(["check", "letters/a.md"], capsys)
    assert code == 1
    assert err.splitlines()[0] == ("error: letters/a.md, field 'signatories', item 3: 'Cordaid' is listed more than "
                                   "once (items 1, 3) — delete the extra rows")


@pytest.mark.slow
@pytest.mark.parametrize("case", ["logo", "tall entry"])
def test_build_names_files_found_while_typesetting_as_typed(tmp_path, monkeypatch, capsys, case):
    """Problems found only by typesetting: a logo's text without a glyph, an entry taller than a column."""
    from conftest import write_letter

    monkeypatch.chdir(tmp_path)
    if case == "logo":
        write_letter(Path("letters"), name="a.md", front={"logo": "logo.svg"})
        Path("letters/logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
                                            '<text x="0" y="15">ბ</text></svg>', encoding="utf-8")
        expected = ("error: letters/logo.svg: no font in use has a glyph for U+10D1 GEORGIAN LETTER BAN 'ბ' "
                    "(in letters/logo.svg)")
    else:
        write_letter(Path("letters"), name="a.md", front={"columns": "3"},
                     rows=[{"name": "Organisation One", "country": "GB", "kind": "organisation", "role": ""},
                           {"name": "Anna Example", "country": "", "kind": "individual", "role": "Director " * 6000}])
        expected = "error: letters/signatories.csv:3: the entry 'Anna Example' is taller than a column of a page"
    code, out, err = run_main(["build", "letters/a.md"], capsys)
    assert code == 1
    assert [line for line in err.splitlines() if line.startswith("error:")][0].startswith(expected), err
    assert str(tmp_path) not in out + err


# --- a damaged PDF is one line of our own, not the PDF library's log ------------------------------------------


def test_a_damaged_pdf_is_reported_in_one_line_without_the_pdf_librarys_log(tmp_path):
    """pypdf logs what it repairs ("EOF marker not found") on stderr; the command's own line says it all.
    (A child process: in-process, pytest's log capture would hide the library's line.)"""
    import pikepdf

    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(tmp_path / "whole.pdf")
    data = (tmp_path / "whole.pdf").read_bytes()
    (tmp_path / "damaged.pdf").write_bytes(data[: len(data) // 2])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "letter_pdf", "archive", "record", "damaged.pdf", "--to", "X",
                           "--via", "post", "--archive-dir", "archive"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["error: damaged.pdf: the PDF is damaged and cannot be read — record the "
                                        "PDF file exactly as it was sent"]


# --- exit codes: one per kind of failure, all through the one boundary ---------------------------------------


def _flate_bomb(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``megabytes`` MiB of zeros (a decompression bomb)."""
    import io
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    stream = StreamObject()
    stream._data = zlib.compress(b"\0" * (megabytes * 1024 * 1024), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(stream)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory) -> Path:
    """A small PDF signed with the tests' own CA (no letter build)."""
    from letter_pdf import sign

    import pki

    world = pki.make_world(tmp_path_factory.mktemp("pki"))
    path = world.folder / "signed.pdf"
    opts = sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE)
    path.write_bytes(sign.sign_pdf(pki.sample_pdf(), opts, field_box=pki.SAMPLE_BOX))
    return path


def test_a_signed_pdf_that_verifies_exits_0_and_a_tampered_one_exits_4(signed_pdf, tmp_path, capsys):
    code, out, err = run_main(["verify", str(signed_pdf)], capsys)
    assert (code, err) == (0, "") and out.endswith(f"{signed_pdf}: signature OK\n")
    data = bytearray(signed_pdf.read_bytes())
    stream = re.search(rb"stream\r?\n(?=.{64})", data, re.S)  # the first stream: inside the signed range
    data[stream.end() + 32] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    code, out, err = run_main(["verify", str(tampered)], capsys)
    assert code == 4
    assert err == (f"error: {tampered}: the document was changed after signing: its bytes no longer match the "
                   "signature\n")


def test_an_unsigned_pdf_exits_4_and_an_unreadable_trust_certificate_exits_1(tmp_path, capsys):
    import pki

    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(pki.sample_pdf())
    code, _, err = run_main(["verify", str(unsigned)], capsys)
    assert (code, err) == (4, f"error: {unsigned}: the PDF has no signature — sign it with letter-pdf build --sign "
                              "KEY.p12\n")
    not_a_cert = tmp_path / "ca.pem"
    not_a_cert.write_text("hello")
    code, _, err = run_main(["verify", str(unsigned), "--trust", str(not_a_cert)], capsys)
    assert (code, err) == (1, f"error: {not_a_cert}: not a certificate (PEM or DER) — give the CA certificate you "
                              "trust, e.g. ca.pem\n")


def test_a_damaged_archive_exits_4(tmp_path, capsys):
    import os as _os

    import pki

    sent = tmp_path / "sent.pdf"
    sent.write_bytes(pki.sample_pdf())
    archive = tmp_path / "archive"
    code, _, _ = run_main(["archive", "record", str(sent), "--to", "X", "--via", "post", "--archive-dir", str(archive)],
                          capsys)
    assert code == 0
    code, out, _ = run_main(["archive", "verify", "--archive-dir", str(archive)], capsys)
    assert code == 0 and out.startswith(f"{archive}: verifies: 1 record, chain head ")
    [stored] = (archive / "objects").rglob("*.pdf")
    _os.chmod(stored, 0o644)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    code, out, _ = run_main(["archive", "verify", "--archive-dir", str(archive)], capsys)
    assert code == 4
    assert out.splitlines()[-1] == f"{archive}: does NOT verify: 1 problem in 1 record"


@pytest.fixture
def bomb_letter(make_letter):
    """A letter whose enclosure inflates to 100 MiB (beyond the 64 MiB per stream the sandbox allows)."""
    letter = make_letter(front={"enclosures": [{"title": "Annex", "file": "annex.pdf"}]})
    (letter.parent / "annex.pdf").write_bytes(_flate_bomb(100))
    return letter


def test_an_enclosure_refused_by_the_sandbox_exits_5(bomb_letter, capsys):
    code, out, err = run_main(["check", str(bomb_letter)], capsys)
    assert code == 5
    annex = bomb_letter.parent / "annex.pdf"
    lines = err.splitlines()
    assert lines[0].startswith(f"error: {annex}: has a stream that expands beyond 64 MiB when decompressed"), err
    assert lines[1:] == [f"{bomb_letter}: 1 error, 0 warnings"]


def test_bad_front_matter_exits_1(make_letter, capsys):
    letter = make_letter(front={"paper": "a5"})
    code, out, err = run_main(["check", str(letter)], capsys)
    line = letter.read_text(encoding="utf-8").splitlines().index("paper: a5") + 1
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"error: {letter}:{line}, field 'paper': 'a5' is not a valid paper — use one of: "
                                "a4, letter", f"{letter}: 1 error, 0 warnings"]


def test_a_bad_option_exits_2(make_letter, capsys):
    code, out, err = run_main(["build", str(make_letter()), "--papr", "a4"], capsys)
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == "Error: No such option '--papr'. Did you mean '--paper'?"


INTERNAL = ("internal error: RuntimeError: planted (please report it with the output of the same command run "
            "with --verbose)\n")


def test_a_bug_in_the_library_exits_3_with_one_line_and_a_traceback_only_with_verbose(make_letter, capsys,
                                                                                      monkeypatch):
    from letter_pdf import pipeline

    def planted(letter):
        raise RuntimeError("planted")

    monkeypatch.setattr(pipeline, "check", planted)
    letter = make_letter()
    code, out, err = run_main(["check", str(letter)], capsys)
    assert (code, out, err) == (3, "", INTERNAL)
    code, out, err = run_main(["-v", "check", str(letter)], capsys)
    assert code == 3 and err.startswith("Traceback (most recent call last):") and err.endswith(INTERNAL)


def _leaf_commands():
    """Every command a user can run, as its words on the command line and its click object."""
    import click

    from letter_pdf.cli import cli

    def walk(group, words):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, [*words, name])
            else:
                yield (*words, name), command

    return list(walk(cli, []))


def test_the_command_list_is_the_documented_one():
    assert sorted(" ".join(words) for words, _ in _leaf_commands()) == [
        "archive diff", "archive export", "archive head", "archive list", "archive record", "archive reindex",
        "archive show", "archive verify", "build", "check", "preview", "send", "signatories diff",
        "signatories import", "signatories lint", "signatories stats", "verify",
    ]


@pytest.mark.parametrize("words", [words for words, _ in _leaf_commands()], ids=" ".join)
def test_every_command_runs_inside_the_one_boundary(words, capsys, monkeypatch):
    """An unexpected exception in any command is one 'internal error' line and exit 3, never a traceback."""
    command = dict(_leaf_commands())[words]

    def planted(**kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(command, "params", [])  # no arguments to give: the command body runs at once
    monkeypatch.setattr(command, "callback", planted)
    code, out, err = run_main(list(words), capsys)
    assert (code, out, err) == (3, "", INTERNAL)


@pytest.mark.parametrize("error, code", [("VerificationError", 4), ("UnsafePdfError", 5), ("AssemblyError", 1), ("ArchiveError", 1),
                                         ("InputError", 1), ("SendError", 1)])
def test_each_error_class_gives_its_documented_exit_code(error, code, capsys, monkeypatch):
    """Through the boundary, a library error is its one line and its class's code (the README's table)."""
    from letter_pdf import errors

    command = dict(_leaf_commands())[("archive", "list")]

    def planted(**kwargs):
        raise getattr(errors, error)("planted", where="x.pdf", hint="fix it")

    monkeypatch.setattr(command, "params", [])
    monkeypatch.setattr(command, "callback", planted)
    assert run_main(["archive", "list"], capsys) == (code, "", "error: x.pdf: planted — fix it\n")


def test_several_problems_exit_with_the_highest_code(capsys, monkeypatch):
    from letter_pdf import errors

    command = dict(_leaf_commands())[("archive", "list")]

    def planted(**kwargs):
        raise errors.Problems([errors.InputError("one"), errors.UnsafePdfError("two"), errors.InputError("three")])

    monkeypatch.setattr(command, "params", [])
    monkeypatch.setattr(command, "callback", planted)
    assert run_main(["archive", "list"], capsys) == (5, "", "error: one\nerror: two\nerror: three\n")


def test_stats_prints_the_library_counts_per_country_most_first(tmp_path, capsys):
    """The figures come from ``counts.Counts``; the command only sorts (most first, then by name) and prints."""
    path = tmp_path / "sig.csv"
    path.write_text("name,country,kind\nOne,FR,organisation\nTwo,GB,organisation\nThree,GB,organisation\n"
                    "Four,,individual\nFive,\"DE;FR;GB\",organisation\n", encoding="utf-8")
    code, out, err = run_main(["signatories", "stats", str(path)], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "5 signatories: 4 organisations and 1 individual from 3 countries",
        "On behalf of the 4 undersigned organisations and 1 individual",
        "      3  United Kingdom (GB)",
        "      2  France (FR)",
        "      1  Germany (DE)",
        "      1  (no country given)",
    ]
