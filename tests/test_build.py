"""End to end: letter.md + signatories -> PDF, through the CLI and the Python API.

Checks the promises of the build on real outputs: every name exactly once in the extracted text, bundled
fonts only (embedded), metadata, bookmarks, PDF/A claim, byte-identical rebuilds, and bad input that
leaves no file behind.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

import letter_pdf
import letter_pdf.cli

from conftest import read_csv_rows, write_letter

pytestmark = pytest.mark.slow

BUNDLED_FAMILIES = ("NotoSerif", "NotoSans", "Noto Serif", "Noto Sans", "Letter Serif", "Letter Sans")


def squash(text: str) -> str:
    """Text as extracted, with line breaks and runs of spaces made single spaces (names may wrap)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_text(path: Path, first_page: int = 0, *, dehyphenate: bool = False) -> str:
    reader = PdfReader(path)
    text = " ".join(page.extract_text() or "" for page in reader.pages[first_page:])
    if dehyphenate:  # body text only: automatic hyphenation splits words at line ends
        text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return squash(text)


def signatory_text(path: Path) -> str:
    """The extracted text from the signatory list's heading on."""
    reader = PdfReader(path)
    outline = {item.title: reader.get_destination_page_number(item) for item in _flat(reader.outline)}
    start = next((page for title, page in outline.items() if re.search("signator", title, re.I)), 0)
    return pdf_text(path, start)


def _flat(items):
    for item in items:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


def fonts_of(path: Path) -> dict[str, bool]:
    """Every font used on every page: base name (subset tag removed) -> embedded?"""
    found: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            targets = [d.get_object() for d in descendants] if descendants else [font]
            for target in targets:
                descriptor = target.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                name = str(target.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
                found[name] = embedded
    return found


def assert_each_name_once(names: list[str], text: str) -> None:
    """Each name appears as often as names containing it appear (a name inside a longer one counts)."""
    names = [squash(n) for n in names]
    for name in names:
        expected = sum(1 for other in names if name in other)
        assert text.count(name) == expected, f"{name!r}: {text.count(name)} times, expected {expected}"


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample_letter(tmp_path_factory, shared_sample) -> Path:
    """The real sample: its title and letter text from ../shared, its 65 signatories as CSV."""
    folder = tmp_path_factory.mktemp("sample")
    title = (shared_sample / "title.txt").read_text(encoding="utf-8").strip()
    opening, _, body = (shared_sample / "letter.txt").read_text(encoding="utf-8").partition("\n")
    main_title, _, subject = title.partition(":")
    rows = read_csv_rows(Path(__file__).parent / "resources" / "foreign-agents-signatories.csv")
    return write_letter(
        folder,
        front={"title": main_title.strip(), "subject": subject.strip(), "opening": opening.strip(),
               "recipient": {"name": "President of the Russian Federation",
                             "address": ["The Kremlin", "Moscow, 103132", "Russia"]},
               "sender": {"name": "Amnesty International",
                          "address": ["1 Easton Street", "London WC1X 0DW", "United Kingdom"]}},
        body=body,
        rows=rows,
    )


@pytest.fixture(scope="module")
def sample_pdf(sample_letter) -> Path:
    result = letter_pdf.build(sample_letter, output=sample_letter.with_name("out.pdf"))
    return result.output


@pytest.fixture(scope="module")
def resources_pdf(tmp_path_factory, sample_rows) -> tuple[Path, Path]:
    """A letter of our own text with the 65 names from tests/resources (runs without ../shared)."""
    folder = tmp_path_factory.mktemp("resources")
    letter = write_letter(folder, rows=sample_rows, front={"keywords": ["civil society", "test"]},
                          body="We write to you *together*.\n\n- one point\n- another point\n")
    out = folder / "letter.pdf"
    result = letter_pdf.build(letter, output=out)
    assert result.output == out and result.signatories == 65
    return letter, out


# ---------------------------------------------------------------------------------------------- the sample


def test_shared_sample_every_name_exactly_once(sample_pdf, sample_rows):
    assert_each_name_once([r["name"] for r in sample_rows], signatory_text(sample_pdf))


def test_shared_sample_letter_text_is_in_the_pdf(sample_pdf, shared_sample):
    text = pdf_text(sample_pdf, dehyphenate=True)
    body = (shared_sample / "letter.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    for sentence in re.split(r"(?<=[.])\s+", body.strip()):
        words = sentence.split()[:6]  # the start of each sentence (hyphenation may break later words)
        assert squash(" ".join(words)) in text, words


def test_shared_sample_uses_only_bundled_embedded_fonts(sample_pdf):
    fonts = fonts_of(sample_pdf)
    assert fonts, "no fonts found"
    for name, embedded in fonts.items():
        assert embedded, f"font {name} is not embedded"
        assert name.replace("-", "").startswith(tuple(f.replace(" ", "") for f in BUNDLED_FAMILIES)), name


# ---------------------------------------------------------------------------------------------- without ../shared


def test_names_metadata_and_outline(resources_pdf, sample_rows):
    letter, pdf = resources_pdf
    assert_each_name_once([r["name"] for r in sample_rows], signatory_text(pdf))
    reader = PdfReader(pdf)
    meta = reader.metadata
    assert meta.title == "Joint letter on freedom of association"
    assert meta.author == "Example Coalition"
    assert meta.subject == "Protect civil society organisations"
    assert "civil society" in (meta.get("/Keywords") or "")
    assert str(reader.trailer["/Root"].get("/Lang")) == "en"
    titles = [item.title for item in _flat(reader.outline)]
    assert len(titles) >= 2 and any(re.search("signator", t, re.I) for t in titles), titles
    for name, embedded in fonts_of(pdf).items():
        assert embedded, name


def test_pdfa_claim_and_tags(resources_pdf):
    import pikepdf

    _, pdf = resources_pdf
    with pikepdf.open(pdf) as doc:
        assert doc.open_metadata().pdfa_status.startswith("3")
        assert "/StructTreeRoot" in doc.Root and doc.Root.MarkInfo.Marked


def test_page_x_of_y_and_running_header(resources_pdf):
    _, pdf = resources_pdf
    reader = PdfReader(pdf)
    labels = reader.page_labels
    letter_pages = [i for i, label in enumerate(labels) if label.isdigit()]
    assert len(letter_pages) >= 2 and letter_pages[0] >= 1, labels  # a cover page comes first by default
    total = len(letter_pages)
    for number, index in enumerate(letter_pages, 1):
        assert labels[index] == str(number)
        assert f"Page {number} of {total}" in squash(reader.pages[index].extract_text())
    first = squash(reader.pages[letter_pages[0]].extract_text())
    second = squash(reader.pages[letter_pages[1]].extract_text())
    assert "Protect civil society organisations" in second
    assert not first.startswith("Protect civil society organisations")  # no running header on page 1


def test_rebuild_is_byte_identical(resources_pdf, tmp_path):
    letter, pdf = resources_pdf
    again = letter_pdf.build(letter, output=tmp_path / "again.pdf").output
    assert again.read_bytes() == pdf.read_bytes()


def test_source_date_epoch_sets_creation_date(resources_pdf, tmp_path, monkeypatch):
    letter, _ = resources_pdf
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = letter_pdf.build(letter, output=tmp_path / "epoch.pdf").output
    assert PdfReader(out).metadata.creation_date.timestamp() == 1700000000


def test_us_letter_paper(make_letter, tmp_path):
    out = letter_pdf.build(make_letter(), output=tmp_path / "us.pdf", paper="letter").output
    box = PdfReader(out).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a4_is_the_default(make_letter, tmp_path):
    out = letter_pdf.build(make_letter(), output=tmp_path / "a4.pdf").output
    box = PdfReader(out).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_injection_like_text_comes_out_literally(make_letter, tmp_path):
    tricky = ["Org B</li><li>Org C", "Smith & Sons {{ 7*7 }}", "{% raw %}Quote \"x\" 'y'", "<script>alert(1)</script>"]
    letter = make_letter(
        front={"subject": "Re: <b>bold</b> & {{ config }}"},
        body="Raw <em>html</em> is text. {{ 7*7 }}\n\n<div>block</div>\n",
        rows=[{"name": n} for n in tricky],
    )
    out = letter_pdf.build(letter, output=tmp_path / "x.pdf").output
    text = pdf_text(out)
    for name in tricky:
        assert squash(name) in text
    assert "Re: <b>bold</b> & {{ config }}" in text
    assert "Raw <em>html</em> is text. {{ 7*7 }}" in text and "<div>block</div>" in text
    assert "49" not in text


# ---------------------------------------------------------------------------------------------- CLI


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    result = CliRunner().invoke(letter_pdf.cli.cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_build_prints_path_pages_and_count(make_letter, tmp_path):
    letter = make_letter()
    code, out, err = run_cli("build", str(letter), "-o", str(tmp_path / "cli.pdf"))
    assert code == 0, err
    assert str(tmp_path / "cli.pdf") in out and "page" in out and "2 signatories" in out


def test_cli_default_output_is_beside_the_letter(make_letter):
    letter = make_letter()
    code, out, err = run_cli("build", str(letter))
    assert code == 0, err
    assert letter.with_suffix(".pdf").is_file()


@pytest.mark.parametrize(
    "front, rows, expected",
    [
        ({"recipent": {"name": "X"}}, None, "did you mean 'recipient'"),
        ({"date": "tomorrow"}, None, "is not a date"),
        ({"signatories": "missing.csv"}, None, "'missing.csv' not found"),
        ({}, [{"name": ""}], "signatories.csv:2"),
        ({}, [{"name": "Org", "country": "Atlantis"}], "Atlantis"),
        ({}, [{"name": "Грузинская ассоциация ქართული"}], "U+10E5"),
    ],
    ids=["unknown-key", "bad-date", "missing-signatories", "empty-name", "unknown-country", "uncovered-char"],
)
def test_cli_bad_input_one_line_exit_1_no_file(make_letter, tmp_path, front, rows, expected):
    letter = make_letter(front=front, rows=rows)
    (letter.parent / "missing.csv").unlink(missing_ok=True)  # the factory writes the CSV the letter names
    target = tmp_path / "out.pdf"
    code, out, err = run_cli("build", str(letter), "-o", str(target))
    assert code == 1
    assert expected in err, err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) >= 1
    assert not target.exists()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".out.pdf.*"))


def test_cli_bad_input_does_not_overwrite_existing_output(make_letter, tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"previous version")
    code, _, _ = run_cli("build", str(make_letter(front={"date": "soon"})), "-o", str(target))
    assert code == 1 and target.read_bytes() == b"previous version"


def test_cli_malformed_csv_row(make_letter, tmp_path):
    letter = make_letter()
    (letter.parent / "signatories.csv").write_text('name,country\n"Unclosed quote,GB\nOrg,FR\n', encoding="utf-8")
    code, _, err = run_cli("build", str(letter), "-o", str(tmp_path / "o.pdf"))
    assert code == 1 and "signatories.csv" in err and "Traceback" not in err


def test_cli_cp1251_signatories_never_garbled(make_letter, tmp_path):
    letter = make_letter()
    names = ["Общество «Мемориал»", "Солдатские матери Санкт-Петербурга"]
    with (letter.parent / "signatories.csv").open("w", encoding="cp1251", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name"])
        writer.writerows([[n] for n in names])
    target = tmp_path / "o.pdf"
    code, _, err = run_cli("build", str(letter), "-o", str(target))
    if code == 0:  # decoded reliably: the names must be exactly right
        text = pdf_text(target)
        assert all(squash(n) in text for n in names)
    else:  # or refused with a message that says what to do
        assert "UTF-8" in err and not target.exists()


def test_check_reports_every_problem(make_letter):
    letter = make_letter(front={"recipent": {"name": "X"}, "date": "soon"})
    code, out, err = run_cli("check", str(letter))
    assert code == 1
    assert "recipent" in err and "is not a date" in err


def test_check_clean_letter(make_letter):
    letter = make_letter()
    code, out, err = run_cli("check", str(letter))
    assert code == 0, err
    assert out == f"{letter}: no errors, 0 warnings\n"


def test_check_with_a_warning_says_so_not_no_problems(make_letter):
    letter = make_letter(rows=[{"name": "Kenya Human Rights Commission", "country": "KE"},
                               {"name": "Human Rights Commission", "country": "KE"}])
    code, out, err = run_cli("check", str(letter))
    assert code == 0, err
    listed = letter.parent / "signatories.csv"  # the letter was given by its full path, so is its list
    assert err.startswith(f"warning: {listed}:3: 'Human Rights Commission' may be the same as "
                          "'Kenya Human Rights Commission' (line 2)")
    assert err.count("warning:") == 1
    assert out == f"{letter}: no errors, 1 warning\n"


def test_verbose_shows_traceback_for_errors(make_letter):
    letter = make_letter(front={"date": "soon"})
    code, _, err = run_cli("-v", "check", str(letter))
    code, _, err = run_cli("-v", "build", str(letter))
    assert code == 1 and "Traceback" in err


def test_version_and_help_with_examples():
    code, out, _ = run_cli("--version")
    assert code == 0 and letter_pdf.__version__ in out
    import click

    def walk(group, path):
        for name, command in group.commands.items():
            yield [*path, name]
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])

    for words in walk(letter_pdf.cli.cli, []):
        code, out, _ = run_cli(*words, "--help")
        assert code == 0 and "Example" in out, words


def test_python_dash_m(make_letter, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "letter_pdf", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "letter-pdf" in proc.stdout


def test_check_also_reports_body_and_enclosure_problems(make_letter, tmp_path):
    letter = make_letter(body="Text.\n\n![chart](http://example.org/chart.png)\n",
                         front={"annexes": [{"title": "Report", "file": "report.pdf"}]})
    (letter.parent / "report.pdf").write_bytes(b"this is not a PDF")
    code, out, err = run_cli("check", str(letter))
    assert code == 1  # an enclosure that is not a PDF is bad input, not an unsafe file
    assert "letter.md:" in err and "chart.png" in err  # the body image, with its line
    assert "report.pdf" in err  # the enclosure that is not a PDF


def test_command_line_choices_are_checked_like_the_front_matter(make_letter, tmp_path):
    """An --annex file's name is printed (cover, enclosure list): it gets the glyph preflight too."""
    letter = make_letter()
    annex = letter.parent / "ქართული.pdf"
    annex.write_bytes(b"%PDF-1.4 not really")
    code, _, err = run_cli("build", str(letter), "--annex", str(annex), "-o", str(tmp_path / "o.pdf"))
    assert code == 1 and "U+10E5" in err and not (tmp_path / "o.pdf").exists()


def test_builds_in_threads_are_byte_identical_to_builds_one_at_a_time(tmp_path):
    """No build leaks process-wide state (environment, patched functions) into another one running beside it."""
    import threading

    letters = {
        "a": write_letter(tmp_path / "a", front={"date": "2026-01-02"}),
        "b": write_letter(tmp_path / "b", front={"date": "2025-05-06", "lang": "fr"}),
    }
    alone = {k: letter_pdf.build(p, output=tmp_path / f"{k}-alone.pdf").output.read_bytes() for k, p in letters.items()}
    together: dict[str, bytes] = {}
    weasyprint_logger = logging.getLogger("weasyprint")
    before = (weasyprint_logger.level, weasyprint_logger.propagate, list(weasyprint_logger.handlers))

    def run(key: str) -> None:
        together[key] = letter_pdf.build(letters[key], output=tmp_path / f"{key}-thread.pdf").output.read_bytes()

    threads = [threading.Thread(target=run, args=(key,)) for key in letters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone
    # and the shared "weasyprint" logger is left as it was found (no build restores another's settings)
    assert (weasyprint_logger.level, weasyprint_logger.propagate, list(weasyprint_logger.handlers)) == before


# --- the output is never one of the inputs ---------------------------------------------------------------


def _blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as f:
        writer.write(f)
    return path


@pytest.fixture
def full_letter(tmp_path, monkeypatch):
    """A letter (typed as letters/letter.md from tmp_path) with every kind of input a build reads."""
    import shutil

    from letter_pdf import assets

    monkeypatch.chdir(tmp_path)
    folder = Path("letters")
    folder.mkdir()
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    (folder / "logo.png").write_bytes(png)
    (folder / "sig.png").write_bytes(png)
    (folder / "map.png").write_bytes(png)
    shutil.copy(assets.fonts_dir() / "NotoSans-Regular.ttf", folder / "Extra.ttf")
    _blank_pdf(folder / "head.pdf")
    _blank_pdf(folder / "annex.pdf")
    (folder / "letter.css").write_text((assets.templates_dir() / "letter.css").read_text("utf-8"), "utf-8")
    write_letter(folder, front={"logo": "logo.png", "fonts": ["Extra.ttf"], "cover_pdfs": ["head.pdf"],
                                "enclosures": [{"title": "Annex", "file": "annex.pdf"}],
                                "signers": [{"name": "A Person", "signature": "sig.png"}]},
                 body="We write.\n\n![Map](map.png)\n")
    return folder / "letter.md"


@pytest.mark.parametrize(("target", "what", "shown"), [
    ("letters/letter.md", "the letter", "letters/letter.md"),
    ("letters/signatories.csv", "the signatory list", "letters/signatories.csv"),
    ("letters/logo.png", "the logo", "letters/logo.png"),
    ("letters/sig.png", "the signature image", "letters/sig.png"),
    ("letters/map.png", "the image", "letters/map.png"),
    ("letters/Extra.ttf", "the font", "letters/Extra.ttf"),
    ("letters/head.pdf", "the cover PDF", "letters/head.pdf"),
    ("letters/annex.pdf", "the enclosure", "letters/annex.pdf"),
    ("letters/letter.css", "the template", "letters/letter.css"),
])
def test_build_refuses_to_write_over_an_input_before_any_work(full_letter, monkeypatch, target, what, shown):
    from letter_pdf import typeset

    def no_typesetting(*args, **kwargs):
        raise AssertionError("typesetting started before the output path was checked")

    monkeypatch.setattr(typeset, "typeset", no_typesetting)
    before = Path(target).read_bytes()
    code, out, err = run_cli("build", str(full_letter), "-o", target)
    assert code == 1
    assert err == (f"error: {target}: refused to overwrite {what} {shown}: it is an input of this command "
                   "— choose another output file with -o\n")
    assert Path(target).read_bytes() == before
    assert out == ""


@pytest.mark.parametrize(("css", "extra", "target", "what"), [
    (".x { background-image: url(bg.png); }\n", None, "letters/bg.png", "the file named in letter.css"),
    ('@import "css/extra.css";\n', '.y { background: url("../sub/b%20g.png#top"); }\n', "letters/sub/b g.png",
     "the file named in extra.css"),
    ("@import url(css/extra.css);\n", "@import 'more.css';\n", "letters/css/more.css", "the file named in extra.css"),
])
def test_build_refuses_to_write_over_a_file_only_a_stylesheet_names(full_letter, monkeypatch, css, extra, target,
                                                                    what):
    # no element has the class, so the typesetting would never read the file: the stylesheet names it all the same
    from letter_pdf import typeset

    monkeypatch.setattr(typeset, "typeset", lambda *a, **k: pytest.fail("typesetting started"))
    sheet = Path("letters/letter.css")
    sheet.write_text(css + sheet.read_text("utf-8"), "utf-8")
    if extra is not None:
        Path("letters/css").mkdir()  # followed through @import out of the letter's folder's own stylesheets
        Path("letters/css/extra.css").write_text(extra, "utf-8")
    Path(target).parent.mkdir(exist_ok=True)
    Path(target).write_bytes(b"kept")
    code, out, err = run_cli("build", str(full_letter), "-o", target)
    assert (code, out) == (1, "")
    assert err == (f"error: {target}: refused to overwrite {what} {target}: it is an input of this command "
                   "— choose another output file with -o\n")
    assert Path(target).read_bytes() == b"kept"


def test_web_and_data_addresses_in_a_stylesheet_are_not_inputs(full_letter):
    from letter_pdf import stylesheets

    Path("letters/letter.css").write_text(
        ".a { background: url(data:image/png;base64,AAAA); } .b { background: url(https://example.org/x.png); }"
        " .c { background: url(../up.png); } .d { background: url(img/deep.png); }", "utf-8")
    assert stylesheets.named_files(Path("letters")) == [
        ("letter.css", Path("letters/../up.png")), ("letter.css", Path("letters/img/deep.png"))]


def test_build_refuses_links_to_inputs(full_letter):
    os.link("letters/signatories.csv", "letters/hard.pdf")
    Path("letters/soft.pdf").symlink_to("letter.md")
    code, _, err = run_cli("build", str(full_letter), "-o", "letters/hard.pdf")
    assert code == 1 and "refused to overwrite the signatory list letters/signatories.csv" in err
    code, _, err = run_cli("build", str(full_letter), "-o", "letters/soft.pdf")
    assert code == 1 and "refused to overwrite the letter letters/letter.md" in err
    assert Path("letters/letter.md").read_text("utf-8").startswith("---\n")


def test_a_letter_named_pdf_is_not_built_over_itself(make_letter):
    letter = make_letter(name="letter.pdf")
    before = letter.read_bytes()
    code, _, err = run_cli("build", str(letter))
    assert code == 1 and f"refused to overwrite the letter {letter}" in err
    assert letter.read_bytes() == before


def test_the_signing_key_is_an_input_and_no_passphrase_is_asked_first(full_letter, monkeypatch):
    from letter_pdf import pipeline

    Path("key.p12").write_bytes(b"not really a key")
    asked = []
    monkeypatch.setattr(pipeline, "_prepare_signing", lambda options: asked.append(1))
    for target, what in (("key.p12", "the signing key key.p12"), ("letters/letter.md", "the letter letters/letter.md")):
        with pytest.raises(letter_pdf.errors.OutputError, match=f"refused to overwrite {what}"):
            letter_pdf.build(full_letter, output=Path(target), sign=Path("key.p12"))
    assert asked == [] and Path("key.p12").read_bytes() == b"not really a key"


def test_a_rebuilt_output_keeps_its_mode(make_letter, tmp_path):
    target = tmp_path / "private.pdf"
    letter = make_letter()
    letter_pdf.build(letter, output=target)
    target.chmod(0o600)
    letter_pdf.build(letter, output=target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_api_returns_each_warning_once(make_letter, tmp_path):
    letter = make_letter()
    names = ["Общество «Мемориал» Санкт-Петербурга", "Солдатские матери Санкт-Петербурга",
             "Правозащитный центр «Мемориал»", "Московская Хельсинкская группа"]
    with (letter.parent / "signatories.csv").open("w", encoding="cp1251", newline="") as f:
        csv.writer(f).writerows([["name"], *[[n] for n in names]])
    result = letter_pdf.build(letter, output=tmp_path / "o.pdf")
    encoding = [w for w in result.warnings if "not UTF-8" in w]
    assert len(encoding) == 1  # read twice (loader, list checks), warned once
    assert encoding[0].endswith("signatories.csv: the file is not UTF-8; read it as cp1251 (check the names, "
                                "and re-save as UTF-8 to be sure)")
    assert len(result.warnings) == len(set(result.warnings))


def test_the_cli_prints_each_warning_once(make_letter, tmp_path):
    letter = make_letter()
    names = ["Общество «Мемориал» Санкт-Петербурга", "Солдатские матери Санкт-Петербурга",
             "Правозащитный центр «Мемориал»", "Московская Хельсинкская группа"]
    with (letter.parent / "signatories.csv").open("w", encoding="cp1251", newline="") as f:
        csv.writer(f).writerows([["name"], *[[n] for n in names]])
    code, out, err = run_cli("build", str(letter), "-o", str(tmp_path / "o.pdf"))
    assert code == 0, err
    assert err.count("is not UTF-8") == 1
    assert out == f"{tmp_path / 'o.pdf'}  (2 pages, 4 signatories)\n"


@pytest.fixture
def indirect_letter(tmp_path, monkeypatch):
    """A letter whose images are named only by its stylesheet (bg.png) and inside its SVG logo (inner.png)."""
    from letter_pdf import assets

    monkeypatch.chdir(tmp_path)
    folder = Path("letters")
    folder.mkdir()
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    (folder / "inner.png").write_bytes(png)
    (folder / "bg.png").write_bytes(png)
    (folder / "logo2.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20">'
        '<image href="inner.png" width="20" height="20"/></svg>', "utf-8")
    css = (assets.templates_dir() / "letter.css").read_text("utf-8")
    (folder / "letter.css").write_text(css + "\nbody { background-image: url(bg.png); }\n", "utf-8")
    write_letter(folder, front={"logo": "logo2.svg"})
    return folder / "letter.md"


@pytest.mark.parametrize(("target", "what"), [("letters/inner.png", "the image"),
                                            ("letters/bg.png", "the file named in letter.css")],
                         ids=["svg-image", "css-image"])
def test_build_never_writes_over_a_file_only_typesetting_reads(indirect_letter, target, what):
    # the SVG's image is known only once typesetting has fetched it: checked again, before the write;
    # the stylesheet's is known before any work, from the stylesheet itself
    before = Path(target).read_bytes()
    code, out, err = run_cli("build", str(indirect_letter), "-o", target)
    assert err == (f"error: {target}: refused to overwrite {what} {target}: it is an input of this command "
                   "— choose another output file with -o\n")
    assert code == 1 and out == ""
    assert Path(target).read_bytes() == before
    assert sorted(p.name for p in Path("letters").iterdir()) == [
        "bg.png", "inner.png", "letter.css", "letter.md", "logo2.svg", "signatories.csv"]


def test_the_files_typesetting_read_are_recorded(indirect_letter, tmp_path):
    from letter_pdf import pipeline, typeset

    prepared = pipeline.prepare(indirect_letter)
    letter, font_set = prepared.letter, prepared.font_set
    html = pipeline.render.render_letter(letter, paper=letter.paper, font_set=font_set)
    result = typeset.typeset(html, letter=letter, font_set=font_set, created=pipeline.creation_time(letter))
    folder = Path("letters").resolve()
    assert sorted(p.name for p in result.read if p.parent == folder) == ["bg.png", "inner.png", "logo2.svg"]
    assert all(path.is_absolute() for path in result.read)


@pytest.mark.parametrize(("target", "message"), [
    ("nodir/x.pdf", "nodir: the output folder does not exist — create it or choose another -o"),
    ("letters/letter.md/x.pdf", "letters/letter.md: the output folder is not a folder — choose another -o"),
])  # a folder as the output: click's usage error (exit 2); output.check_target refuses it for the API
def test_an_output_that_cannot_be_written_fails_before_any_work(full_letter, monkeypatch, target, message):
    from letter_pdf import letter as letter_module

    def no_loading(*args, **kwargs):
        raise AssertionError("the letter was read before the output path was checked")

    monkeypatch.setattr(letter_module, "load_letter", no_loading)
    code, out, err = run_cli("build", str(full_letter), "-o", target)
    assert (code, out, err) == (1, "", f"error: {message}\n")
    assert not Path("nodir").exists()


def test_a_fifo_as_the_output_is_refused_before_any_work_and_left_as_it_is(full_letter, monkeypatch):
    """`build -o /dev/null` used to rename the PDF over the device; a FIFO (no root needed) stands for it."""
    from letter_pdf import letter as letter_module

    def no_loading(*args, **kwargs):
        raise AssertionError("the letter was read before the output path was checked")

    monkeypatch.setattr(letter_module, "load_letter", no_loading)
    os.mkfifo("pipe.pdf")
    code, out, err = run_cli("build", str(full_letter), "-o", "pipe.pdf")
    assert (code, out, err) == (1, "", "error: pipe.pdf: the output is a named pipe (FIFO), not a file: letter-pdf "
                                       "writes only regular files — use -o - to write the PDF to standard output\n")
    assert stat.S_ISFIFO(os.stat("pipe.pdf").st_mode)


_NO_FOLDER = "error: nodir: the output folder does not exist — create it or choose another -o\n"


def _an_input(shown: str, what: str) -> str:
    return (f"error: {shown}: refused to overwrite {what} {shown}: it is an input of this command "
            "— choose another output file with -o\n")


@pytest.mark.parametrize(("args", "expected"), [
    (("-o", "nodir/x.pdf"), _NO_FOLDER),
    (("-o", "nodir/x.pdf", "--archive", "--to", "The Minister", "--via", "email"), _NO_FOLDER),
    (("-o", "nodir/x.pdf", "--sign", "letters/key.p12", "--timestamp-url", "http://tsa.invalid/"), _NO_FOLDER),
    (("-o", "nodir/x.pdf", "--cover-pdf", "letters/extra.pdf", "--annex", "letters/more.pdf"), _NO_FOLDER),
    (("-o", "letters/extra.pdf", "--cover-pdf", "letters/extra.pdf"), _an_input("letters/extra.pdf", "the cover PDF")),
    (("-o", "letters/more.pdf", "--annex", "letters/more.pdf", "--archive", "--to", "X", "--via", "post"),
     _an_input("letters/more.pdf", "the enclosure")),
    (("-o", "-", "--archive", "--to", "X", "--via", "email"),
     "error: --archive records a file, not a PDF written to standard output — write it to a file with -o FILE\n"),
], ids=["build", "build-archive", "build-sign", "package", "package-over-cover-pdf", "package-archive-over-annex",
        "stdout-archive"])
def test_every_kind_of_build_refuses_a_bad_output_before_any_work(full_letter, monkeypatch, args, expected):
    """The output is checked first whatever the build does after: no typesetting, no key opened, no archive."""
    from letter_pdf import arrange, assemble, sign, typeset

    started = []
    for module, name in ((typeset, "typeset"), (arrange, "printed_list"), (assemble, "check_externals"),
                         (sign, "load_key"), (sign, "resolve_passphrase")):
        monkeypatch.setattr(module, name, lambda *a, _name=name, **k: started.append(_name))
    monkeypatch.setenv("LETTER_PDF_P12_PASSPHRASE", "secret")
    Path("letters/key.p12").write_bytes(b"not a key")
    _blank_pdf(Path("letters/extra.pdf"))
    _blank_pdf(Path("letters/more.pdf"))
    before = {p: p.read_bytes() for p in Path("letters").iterdir()}
    code, out, err = run_cli("build", str(full_letter), *args)
    assert (code, out, err) == (1, "", expected)
    assert started == []
    assert {p: p.read_bytes() for p in Path("letters").iterdir()} == before  # no archive folder either
    assert not Path("nodir").exists() and not Path("archive").exists()


def test_the_api_refuses_a_file_and_a_stream_at_once_before_reading_the_letter(full_letter, monkeypatch, tmp_path):
    import io

    from letter_pdf import letter as letter_module
    from letter_pdf.errors import InputError

    monkeypatch.setattr(letter_module, "load_letter", lambda *a, **k: pytest.fail("the letter was read"))
    with pytest.raises(InputError, match="^the PDF goes either to a file or to a stream, not both$"):
        letter_pdf.build(full_letter, output=tmp_path / "x.pdf", stream=io.BytesIO())
    assert not (tmp_path / "x.pdf").exists()


# --- a body beyond the limits is refused at once, by check and by build ------------------------------------


def _body_line(letter: Path) -> int:
    text = letter.read_text("utf-8")
    return text.count("\n", 0, text.index("\n---\n") + 5) + 1


@pytest.mark.parametrize(("text", "offset", "message"), [
    ("word " * 1_500_000 + "\n", 0, "the letter's text is longer than 200 KB (7,324 KB) — a longer text belongs "
                                    "in an enclosure (a PDF named under 'enclosures:')"),
    ("".join("  " * i + "- item\n" for i in range(400)), 8, "lists and block quotes are nested more than 8 levels "
                                                            "deep — indent less: a list inside a list inside a list "
                                                            "is plenty"),
    ("| " + " | ".join("h" * 5) + " |\n" + "|---" * 5 + "|\n" + "| c | c | c | c | c |\n" * 500, 201,
     "the tables have more than 1,000 cells — a larger table belongs in an enclosure (a PDF named under "
     "'enclosures:')"),
    ("Paragraph.\n\n" * 3000, 2000, "the letter's text has more than 1,000 paragraphs, headings and list items — "
                                    "a longer text belongs in an enclosure (a PDF named under 'enclosures:')"),
    ("*a* " * 50_000 + "\n", 0, "the letter's text has more than 1,000 emphasised, linked or coded passages and "
                                "images — keep emphasis and links for what matters; a longer text belongs in an "
                                "enclosure"),
], ids=["7.5-MB-paragraph", "list-400-deep", "2500-cells", "3000-paragraphs", "50000-emphases"])
def test_check_and_build_refuse_a_body_beyond_the_limits_before_typesetting(make_letter, tmp_path, monkeypatch,
                                                                               text, offset, message):
    from letter_pdf import typeset

    def no_typesetting(*args, **kwargs):
        raise AssertionError("typesetting started on a body beyond the limits")

    monkeypatch.setattr(typeset, "typeset", no_typesetting)
    letter = make_letter(body=text)
    expected = f"error: {letter}:{_body_line(letter) + offset}: {message}\n"
    code, out, err = run_cli("check", str(letter))
    assert (code, out, err) == (1, "", expected + f"{letter}: 1 error, 0 warnings\n")
    code, out, err = run_cli("build", str(letter), "-o", str(tmp_path / "out.pdf"))
    assert (code, out, err) == (1, "", expected)
    assert not (tmp_path / "out.pdf").exists()


# --- -o -: the PDF to standard output ------------------------------------------------------------------


def test_dash_writes_the_pdf_to_standard_output_and_the_summary_to_stderr(make_letter, tmp_path):
    letter = make_letter()
    proc = subprocess.run([sys.executable, "-m", "letter_pdf", "build", str(letter), "-o", "-"],
                          cwd=tmp_path, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode("utf-8") == "standard output  (2 pages, 2 signatories)\n"
    assert not (tmp_path / "-").exists() and not letter.with_suffix(".pdf").exists()
    # the very bytes a build to a file writes (builds are reproducible)
    letter_pdf.build(letter, output=tmp_path / "file.pdf")
    assert proc.stdout == (tmp_path / "file.pdf").read_bytes()


def test_dash_refuses_a_terminal_as_standard_output(make_letter, tmp_path):
    import pty

    letter = make_letter()
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "letter_pdf", "build", str(letter), "-o", "-"],
                              cwd=tmp_path, stdout=terminal, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(terminal)
        os.close(controller)
    assert proc.returncode == 2
    assert proc.stderr.decode("utf-8").splitlines()[-1] == (
        "Error: -o - writes the PDF to standard output, which is a terminal here; redirect it "
        "(-o - > letter.pdf) or name a file (-o letter.pdf)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter"]
    assert sorted(p.name for p in letter.parent.iterdir()) == ["letter.md", "signatories.csv"]


def test_dash_cannot_be_archived(make_letter, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    letter = make_letter()
    code, out, err = run_cli("build", str(letter), "-o", "-", "--archive", "--to", "X", "--via", "email")
    assert (code, out) == (1, "")
    assert err == ("error: --archive records a file, not a PDF written to standard output — write it to a file "
                   "with -o FILE\n")
    assert not Path("-").exists() and not (letter.parent / "archive").exists()


# --- the printed list: computed once per build, the same counts on the letter, the cover and the manifest ---------

COUNTED_ROWS = [
    {"name": "Zeta Watch", "country": "GB", "kind": "organisation"},
    {"name": "Alpha Rights", "country": "FR", "kind": "organisation"},
    {"name": "Mid Monitor", "country": "GB", "kind": "organisation"},
    {"name": "Nobody Country", "country": "", "kind": "organisation"},
    {"name": "Ann Person", "country": "DE", "kind": "individual"},
    {"name": "Bob Person", "country": "", "kind": "individual"},
]


@pytest.fixture(scope="module")
def counted_build(tmp_path_factory):
    """A letter with a cover, its list sorted and grouped by country, built once with the list's arranging
    counted; returns (the PDF, the number of times the list was arranged, the build result)."""
    from letter_pdf import arrange

    folder = tmp_path_factory.mktemp("counted")
    letter = write_letter(folder, rows=COUNTED_ROWS, front={"order": "alphabetical", "group_by": "country"})
    calls = []
    original = arrange.arrange

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrange, "arrange", counting)
        result = letter_pdf.build(letter, output=folder / "letter.pdf")
    return folder / "letter.pdf", len(calls), result


def test_the_printed_list_is_arranged_once_per_build(counted_build):
    _pdf, calls, result = counted_build
    assert calls == 1  # letter, its columns, the cover, the manifest and the summary share one list
    assert result.signatories == 6


def test_the_letter_the_cover_and_the_manifest_state_the_same_counts(counted_build):
    from letter_pdf import manifest

    pdf, _calls, _result = counted_build
    reader = PdfReader(pdf)
    cover, letter = squash(reader.pages[0].extract_text()), pdf_text(pdf, 1)
    assert "6 signatories: 4 organisations and 2 individuals from 3 countries" in cover
    assert "6 signatories" not in letter
    assert "On behalf of the 4 undersigned organisations and 2 individuals" in letter
    found = manifest.read_manifest(pdf)
    assert found["counts"] == {"organisation": 4, "individual": 2}
    assert [s["name"] for s in found["signatories"]] == ["Alpha Rights", "Mid Monitor", "Zeta Watch",
                                                         "Nobody Country", "Ann Person", "Bob Person"]
    assert [(s["heading"], s["count"]) for s in found["sections"]] == [
        ("France", 1), ("United Kingdom", 2), ("Other", 1), ("Individuals", 2)]


def test_check_arranges_the_printed_list_once(tmp_path, monkeypatch):
    from letter_pdf import arrange

    letter = write_letter(tmp_path, rows=COUNTED_ROWS, front={"order": "alphabetical", "group_by": "kind"})
    calls = []
    original = arrange.arrange
    monkeypatch.setattr(arrange, "arrange", lambda *a, **k: calls.append(a) or original(*a, **k))
    assert letter_pdf.check(letter) == []
    assert len(calls) == 1  # the rendering, the typesetting's columns and the cover share it
