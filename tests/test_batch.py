"""One letter, many recipients: ``letter-pdf build LETTER --recipients FILE -o DIR`` (batch.py, personalise.py)."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import unicodedata
from pathlib import Path

import pypdf
import pytest

from letter_pdf import personalise

from conftest import read_csv_rows, run_main, write_letter

BODY = "We write to you, {{ recipient.name }}, as the member for {{ recipient.constituency }}.\n"
RECIPIENTS = [
    {"name": "Jan Kowalski", "address": "Sejm RP\nul. Wiejska 4/6/8\n00-902 Warszawa", "opening": "Szanowny Panie Pośle,",
     "email": "jan.kowalski@example.org", "constituency": "Kraków"},
    {"name": "O'Brien & *Sons* [x](http://evil.test)", "address": "1 Example Road\nDublin",
     "opening": "", "email": "", "constituency": "Dublin *Bay* South"},
    {"name": "Hélène Dupont", "address": "Assemblée nationale\n126 rue de l'Université\n75355 Paris",
     "opening": "Madame la Députée,", "email": "helene.dupont@example.org", "constituency": "Paris 1re"},
]


def write_recipients(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def letter_with_recipients(folder: Path, *, body: str = BODY, rows=RECIPIENTS, in_front: bool = False, **front):
    front = {"sender": {"name": "Example Coalition", "address": ["1 Example Street", "London"],
                        "email": "coalition@example.org"}, "cover": False, **front}
    if in_front:
        front["recipients"] = "deputies.csv"
    path = write_letter(folder, front=front, body=body)
    write_recipients(folder / "deputies.csv", rows)
    return path


def text_of(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Three copies with e-mails, built once through the CLI (the list named in the front matter)."""
    folder = tmp_path_factory.mktemp("batch")
    letter = letter_with_recipients(folder / "letter", in_front=True)
    out = folder / "deputies"
    capsys = _Capture()
    code, stdout, stderr = run_main(["build", str(letter), "-o", str(out), "--eml"], capsys)
    return code, stdout, stderr, out, letter


class _Capture:
    """A stand-in for pytest's capsys in a module-scoped fixture (run_main reads it after the run)."""

    def readouterr(self):
        class Out:
            out = err = ""
        return Out()


def test_one_copy_per_recipient_named_by_row_and_slug(built):
    code, _out, _err, out, _letter = built
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "001-jan-kowalski.eml", "001-jan-kowalski.pdf", "002-o-brien-sons-x-http-evil-test.pdf",
        "003-helene-dupont.eml", "003-helene-dupont.pdf", "index.csv"]
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".deputies")], "a temporary folder was left"


def test_index_lists_each_copy_with_its_hash_and_pages(built):
    out = built[3]
    rows = read_csv_rows(out / "index.csv")
    assert (out / "index.csv").read_text(encoding="utf-8").splitlines()[0] == "file,recipient,email,pages,sha256,eml_sha256"
    assert [(r["file"], r["recipient"], r["email"]) for r in rows] == [
        ("001-jan-kowalski.pdf", "Jan Kowalski", "jan.kowalski@example.org"),
        ("002-o-brien-sons-x-http-evil-test.pdf", RECIPIENTS[1]["name"], ""),
        ("003-helene-dupont.pdf", "Hélène Dupont", "helene.dupont@example.org")]
    for row in rows:
        pdf = (out / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert int(row["pages"]) == len(pypdf.PdfReader(out / row["file"]).pages)
        eml = out / row["file"].replace(".pdf", ".eml")
        assert row["eml_sha256"] == (hashlib.sha256(eml.read_bytes()).hexdigest() if row["email"] else "")


def test_each_copy_is_addressed_and_greeted_personally(built):
    out = built[3]
    first = text_of(out / "001-jan-kowalski.pdf")
    assert "Jan Kowalski\nSejm RP\nul. Wiejska 4/6/8\n00-902 Warszawa" in first
    assert "Szanowny Panie Pośle," in first
    assert "We write to you, Jan Kowalski, as the member for Kraków." in first
    third = text_of(out / "003-helene-dupont.pdf")
    assert "Madame la Députée," in third and "Jan Kowalski" not in third
    # an empty opening cell: the letter's own opening
    assert "Dear Minister," in text_of(out / "002-o-brien-sons-x-http-evil-test.pdf")


def test_values_are_printed_as_written_never_as_markup(built):
    out = built[3]
    text = text_of(out / "002-o-brien-sons-x-http-evil-test.pdf")
    assert "We write to you, O'Brien & *Sons* [x](http://evil.test), as the member for Dublin *Bay* South." \
        in text.replace("\n", " ")
    reader = pypdf.PdfReader(out / "002-o-brien-sons-x-http-evil-test.pdf")
    links = [a for page in reader.pages for a in (page.get("/Annots") or [])
             if a.get_object().get("/Subtype") == "/Link"]
    uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for a in links]
    assert uris and not [uri for uri in uris if "evil" in uri]  # the sender's own address is a link; no value is


def test_the_eml_carries_the_pdf_byte_for_byte(built):
    out = built[3]
    message = email.message_from_bytes((out / "001-jan-kowalski.eml").read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "jan.kowalski@example.org"
    assert message["From"].addresses[0].addr_spec == "coalition@example.org"
    assert message["Subject"] == "Protect civil society organisations"
    attachments = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "001-jan-kowalski.pdf"
    assert attachments[0].get_content() == (out / "001-jan-kowalski.pdf").read_bytes()


def test_recipients_without_email_get_no_eml_and_are_listed(tmp_path, capsys):
    letter = letter_with_recipients(tmp_path / "l", body="No placeholders here.\n", rows=RECIPIENTS[1:2])
    code, stdout, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                     "-o", str(tmp_path / "out"), "--eml"], capsys)
    assert code == 0, stderr
    assert "no e-mail for recipient 1" in stderr
    assert [p.name for p in (tmp_path / "out").glob("*.eml")] == []
    # without placeholders, the body is the letter's
    assert "No placeholders here." in text_of(tmp_path / "out" / "001-o-brien-sons-x-http-evil-test.pdf")


@pytest.mark.parametrize(("body", "line", "message"), [
    ("Dear {{ recipient.nmae }},\n", 16, "has no column 'nmae'"),
    ("One.\n\nDear {{ recipient.name \n", 18, "cannot be read"),
    ("{% for x in range(10) %}x{% endfor %}\n", 16, "uses 'for'"),
    ("{{ config }}\n", 16, "names 'config'"),
    ("{{ recipient.name.upper() }}\n", 16, "calls a function"),
    ("{% include 'x.j2' %}\n", 16, "uses 'include'"),
])
def test_a_wrong_placeholder_names_the_letters_line(tmp_path, capsys, body, line, message):
    letter = letter_with_recipients(tmp_path / "l", body=body)
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert message in stderr
    first_body_line = letter.read_text(encoding="utf-8").split("\n").index("---", 1) + 2
    assert f"letter.md:{first_body_line + line - 16}" in stderr
    assert not (tmp_path / "out").exists()


def test_placeholders_without_a_list_are_an_error_not_braces_in_print(make_letter, capsys):
    letter = make_letter(body="Dear colleague,\n\nWe write to {{ recipient.name }}.\n")
    code, _out, stderr = run_main(["build", str(letter)], capsys)
    assert code == 1
    assert "no recipients list to fill it" in stderr
    assert "letter.md:" in stderr
    assert not letter.with_suffix(".pdf").exists()


def test_check_reports_the_copies_problems(tmp_path, capsys):
    letter = letter_with_recipients(tmp_path / "l", body="Dear {{ recipient.nmae }},\n", in_front=True)
    code, _out, stderr = run_main(["check", str(letter)], capsys)
    assert code == 1
    assert "has no column 'nmae'" in stderr


def test_an_existing_folder_needs_force_and_only_our_sets_are_replaced(tmp_path, capsys):
    letter = letter_with_recipients(tmp_path / "l", body="Plain text.\n", rows=RECIPIENTS[:1])
    args = ["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"), "-o", str(tmp_path / "out")]
    assert run_main(args, capsys)[0] == 0
    first = (tmp_path / "out" / "index.csv").read_bytes()
    code, _out, stderr = run_main(args, capsys)
    assert code == 1 and "the folder exists" in stderr and "--force" in stderr
    assert run_main([*args, "--force"], capsys)[0] == 0
    assert (tmp_path / "out" / "index.csv").read_bytes() == first  # the same copies, built again
    assert oct((tmp_path / "out").stat().st_mode & 0o777) == oct(0o777 & ~_umask())  # as mkdir makes it
    # a set that was sent is never replaced
    (tmp_path / "out" / "send-log.jsonl").write_text("{}\n")
    code, _out, stderr = run_main([*args, "--force"], capsys)
    assert code == 1 and "were sent" in stderr
    # an empty send-log (a send that could not connect) sent nothing
    (tmp_path / "out" / "send-log.jsonl").write_text("")
    assert run_main([*args, "--force"], capsys)[0] == 0
    # files and folders of the user's own among the copies are never deleted
    for own in ("my-scan.pdf", "notes"):
        (tmp_path / "out" / "my-scan.pdf").write_bytes(b"%PDF-1.7 mine") if own.endswith(".pdf") else \
            (tmp_path / "out" / own).mkdir()
        code, _out, stderr = run_main([*args, "--force"], capsys)
        assert code == 1 and "not a set of copies" in stderr, stderr
        (tmp_path / "out" / "my-scan.pdf").unlink(missing_ok=True)
    assert (tmp_path / "out" / "notes").is_dir()
    (tmp_path / "out" / "notes").rmdir()
    # nor a folder put where a copy was
    copy = next((tmp_path / "out").glob("001-*.pdf"))
    copy.unlink()
    copy.mkdir()
    (copy / "thesis.txt").write_text("mine")
    code, _out, stderr = run_main([*args, "--force"], capsys)
    assert code == 1 and "not a set of copies" in stderr, stderr
    assert (copy / "thesis.txt").read_text() == "mine"
    # a folder of other files is never replaced
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    code, _out, stderr = run_main([*args[:-1], str(other), "--force"], capsys)
    assert code == 1 and "not a set of copies" in stderr
    assert (other / "notes.txt").read_text() == "keep me"


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ctrl_c_stops_the_workers_and_leaves_nothing(tmp_path):
    import time

    from letter_pdf import batch

    rows = [{**RECIPIENTS[0], "name": f"Deputy {n}", "email": f"d{n}@example.org"} for n in range(14)]
    letter = letter_with_recipients(tmp_path / "l", rows=rows, body="Plain text.\n")
    started = []

    def progress(done: int, count: int) -> None:
        if done == 2:
            started.append(time.monotonic())
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.build_copies(letter, batch.BatchOptions(recipients=letter.parent / "deputies.csv",
                                                      folder=tmp_path / "out", jobs=2, progress=progress))
    assert time.monotonic() - started[0] < 1.5  # twelve copies were left: stopped, not finished
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l"]


def test_the_letters_folder_is_never_the_output(tmp_path, capsys):
    letter = letter_with_recipients(tmp_path / "l", body="Plain text.\n", rows=RECIPIENTS[:1])
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path), "--force"], capsys)
    assert code == 1 and "the output folder holds the letter" in stderr
    assert letter.is_file()


def test_a_problem_in_one_copy_builds_none(tmp_path, capsys):
    rows = [*RECIPIENTS[:1], {**RECIPIENTS[2], "name": "Deputy \U0001F600 Smiley"}]
    letter = letter_with_recipients(tmp_path / "l", rows=rows)
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert "recipient 2 (Deputy" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l"]


def test_a_copy_failing_in_typesetting_leaves_no_partial_set(tmp_path, capsys):
    long_line = " ".join(["Building"] * 8)
    rows = [*RECIPIENTS[:1], {**RECIPIENTS[2], "address": "\n".join([long_line] * 12)}]
    letter = letter_with_recipients(tmp_path / "l", rows=rows)
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert code == 1, stderr
    assert "recipient 2 (Hélène Dupont)" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l"]


@pytest.mark.parametrize("extra", [["-o", "-"], ["-o", "out", "--archive", "--to", "X", "--via", "email"]])
def test_single_letter_options_are_refused_for_copies(tmp_path, capsys, extra):
    letter = letter_with_recipients(tmp_path / "l", rows=RECIPIENTS[:1])
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   *extra], capsys)
    assert code in (1, 2)
    assert "copies" in stderr


@pytest.mark.parametrize(("name", "slug"), [
    ("Jan Kowalski", "jan-kowalski"), ("Łukasz Żółć", "łukasz-zołc"), ("Иван Петров", "иван-петров"),
    ("***", "recipient"), ("A" * 80, "a" * 40),
])
def test_slug(name, slug):
    assert personalise.slug(name) == slug


def test_values_escape_every_markdown_mark(tmp_path):
    from letter_pdf import body

    value = "*a* _b_ `c` [d](e) <f> &amp; ![i](x.png) www.example.org a@b.org (c) -- \\ ~~g~~\n# 1. - + > |"
    html = str(body.markdown_to_html(personalise.as_markdown_text(value), source=tmp_path / "l.md", first_line=1))
    for mark in ("<a ", "<em>", "<strong>", "<code>", "<img", "<h", "<ol", "<ul", "<blockquote", "<s>", "©", "–"):
        assert mark not in html, mark
    assert "*a* _b_ `c` [d](e) &lt;f&gt; &amp;amp; ![i](x.png) www.example.org a@b.org (c) -- \\ ~~g~~" in html


def test_the_copies_of_one_edition_are_one_version_in_the_archive(tmp_path, capsys):
    """Copies differ by recipient, not by version: recorded (here by post), all copies of one build are version
    1 of the letter; after the letter's text changes, the new copies are version 2."""
    from letter_pdf.archive import Archive

    letter = letter_with_recipients(tmp_path / "l", rows=RECIPIENTS[:2], reference="CS-2026/1")
    csv_path = str(letter.parent / "deputies.csv")
    archive = tmp_path / "archive"
    for out, text in (("first", None), ("second", "We write again, {{ recipient.name }}.\n")):
        if text:
            letter.write_text(letter.read_text(encoding="utf-8").replace("We write to you", "We write again"),
                              encoding="utf-8")
        assert run_main(["build", str(letter), "--recipients", csv_path, "-o", str(tmp_path / out)], capsys)[0] == 0
        for pdf in sorted((tmp_path / out).glob("*.pdf")):
            code, _o, err = run_main(["archive", "record", str(pdf), "--to", pdf.stem, "--via", "post",
                                      "--archive-dir", str(archive)], capsys)
            assert code == 0, err
    rows = Archive(archive).list()
    assert [(row.recipient, row.version) for row in rows] == [
        ("001-jan-kowalski", 1), ("002-o-brien-sons-x-http-evil-test", 1),
        ("001-jan-kowalski", 2), ("002-o-brien-sons-x-http-evil-test", 2)]
    assert len({row.letter_key for row in rows}) == 1


@pytest.mark.parametrize(("body", "message"), [
    ("{{ recipient.name.upper }}\n", "takes a part of a value"),
    ("{{ recipient.name | attr('upper') }}\n", "the filter 'attr'"),
    ("{{ recipient | string }}\n", "uses {{ recipient }} itself"),
    ("{{ recipient | tojson }}\n", "the filter 'tojson'"),
    ("{{ recipient.name | random }}\n", "the filter 'random'"),
    ("{{ recipient.name | batch(3) }}\n", "the filter 'batch'"),
    ("{{ '\\u202e' ~ recipient.name }}\n", "writes an invisible bidirectional control"),
    ("{% if recipient.name is callable %}x{% endif %}\n", "the test 'callable'"),
])
def test_the_sandbox_prints_text_never_objects_or_hidden_characters(tmp_path, capsys, body, message):
    letter = letter_with_recipients(tmp_path / "l", body=body, rows=RECIPIENTS[:1])
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert code == 1, stderr
    assert message in stderr
    assert not (tmp_path / "out").exists()


def test_a_made_value_is_checked_before_it_is_printed(tmp_path):
    """What the sandbox makes is checked like what the user wrote (a value with a bidi control, which the
    recipients list would refuse, as an API caller could hand it)."""
    from letter_pdf.errors import InputError
    from letter_pdf.model import Recipient

    letter = letter_with_recipients(tmp_path / "l", body="To {{ recipient.name | upper }}.\n", rows=RECIPIENTS[:1])
    from letter_pdf import letter as letter_module

    loaded = letter_module.load_letter(letter)
    template = personalise.parse_body(loaded, {"name"})
    good = Recipient(row=1, line=2, name="Ann", fields=(("name", "Ann"),))
    assert template.body_for(good) == "To ANN.\n"
    bad = Recipient(row=2, line=3, name="Ann", fields=(("name", "Ann\u202e"),))
    with pytest.raises(InputError, match="would print an invisible bidirectional control"):
        template.body_for(bad)


def test_columns_named_like_methods_print_their_values(tmp_path, capsys):
    rows = [{**RECIPIENTS[0], "copy": "Kopia", "items": "Punkty", "values": "Wartości"}]
    letter = letter_with_recipients(tmp_path / "l", rows=rows,
                                    body="{{ recipient.copy }} {{ recipient['items'] }} {{ recipient.values }}.\n")
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert code == 0, stderr
    assert "Kopia Punkty Wartości." in text_of(tmp_path / "out" / "001-jan-kowalski.pdf")


def test_opening_closing_and_message_may_name_the_recipients_fields(tmp_path, capsys):
    rows = [{**RECIPIENTS[0], "opening": "", "title_name": "Panie Pośle"}]
    letter = letter_with_recipients(tmp_path / "l", rows=rows, body="Plain text.\n",
                                    opening="Szanowny {{ recipient.title_name }},",
                                    closing="Z wyrazami szacunku dla {{ recipient.constituency }},",
                                    message="{{ recipient.name }}: our letter is attached.")
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out"), "--eml"], capsys)
    assert code == 0, stderr
    assert "Szanowny Panie Pośle," in text_of(tmp_path / "out" / "001-jan-kowalski.pdf")
    assert "Z wyrazami szacunku dla Kraków," in text_of(tmp_path / "out" / "001-jan-kowalski.pdf")
    message = email.message_from_bytes((tmp_path / "out" / "001-jan-kowalski.eml").read_bytes(),
                                       policy=email.policy.default)
    assert message.get_body(("plain",)).get_content().strip() == "Jan Kowalski: our letter is attached."


@pytest.mark.parametrize(("front", "copies"), [
    ({"subject": "For {{ recipient.name }}"}, True),
    ({"opening": "Dear {{ recipient.name }},"}, False),
    ({"message": "Dear {{ recipient.name }},"}, False),
])
def test_a_placeholder_nothing_fills_is_an_error_not_braces(tmp_path, capsys, front, copies):
    letter = letter_with_recipients(tmp_path / "l", rows=RECIPIENTS[:1], body="Plain text.\n", **front)
    field = next(iter(front))
    args = ["build", str(letter), "-o", str(tmp_path / "out")]
    if copies:
        args += ["--recipients", str(letter.parent / "deputies.csv")]
    code, _out, stderr = run_main(args, capsys)
    assert code == 1, stderr
    assert f"field '{field}'" in stderr and "nothing fills" in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("body", "message"), [
    ("{{ [recipient.name] }}\n", "writes a list or a table of values"),
    ("{{ recipient.name == recipient.name }}\n", "makes bool 'True', not text"),
    ("{{ 1 + 1 }}\n", "makes int '2', not text"),
    ("{{ recipient.name | truncate(-5) }}\n", "a filter cannot be used this way (expected length >= 3, got -5)"),
    ("{{ recipient['na' ~ 'me'] }}\n", "a column must be named as written"),
    ("{% if recipient.name %}" * 100 + "x" + "{% endif %}" * 100 + "\n", "nested over 20 deep"),
])
def test_placeholders_print_text_or_are_one_line_errors(tmp_path, capsys, body, message):
    letter = letter_with_recipients(tmp_path / "l", body=body, rows=RECIPIENTS[:1])
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert (code, stderr.count("\n")) == (1, 1), stderr
    assert message in stderr
    assert "Error:" not in stderr and "_Refused" not in stderr


def test_a_comment_or_any_placeholder_in_a_letter_without_a_list_is_an_error(make_letter, capsys):
    letter = make_letter(body="Dear colleague,\n\nHello {# an internal note #} there.\n")
    code, _out, stderr = run_main(["build", str(letter)], capsys)
    assert code == 1 and "{# an internal note #}" in stderr and "would print its braces" in stderr


@pytest.mark.parametrize(("extra", "message"), [
    (["-o", "zz.pdf"], "looks like a file's name"),
    (["-o", "single.pdf", "--force"], "the letter has no recipients list"),
])
def test_copies_go_in_a_folder_and_need_a_list(tmp_path, capsys, monkeypatch, extra, message):
    letter = letter_with_recipients(tmp_path / "l", rows=RECIPIENTS[:1], in_front="recipients" not in message)
    monkeypatch.chdir(tmp_path)
    code, _out, stderr = run_main(["build", str(letter), *extra], capsys)
    assert code == 1 and message in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l"]


def test_the_copy_hardest_to_fit_is_built_first_and_stops_the_build(tmp_path):
    from letter_pdf import batch
    from letter_pdf.errors import LetterPdfError

    long_line = " ".join(["Building"] * 8)
    rows = [{**RECIPIENTS[0], "name": f"Deputy {n}", "email": f"d{n}@example.org"} for n in range(5)]
    rows.append({**RECIPIENTS[2], "address": "\n".join([long_line] * 12)})
    letter = letter_with_recipients(tmp_path / "l", rows=rows, body="Plain text.\n", in_front=True)
    built = []
    with pytest.raises(LetterPdfError, match="recipient 6"):
        batch.build_copies(letter, batch.BatchOptions(folder=tmp_path / "out",
                                                      progress=lambda done, count: built.append(done)))
    assert built == [1]  # the sixth recipient's copy was built first, and nothing after it
    # check typesets that copy too
    code, stderr = run_main_quiet(["check", str(letter)])
    assert code == 1 and "field 'recipient': recipient 6 (Hélène Dupont): the recipient's name and address take" in stderr


def run_main_quiet(args):
    import contextlib
    import io

    from letter_pdf.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
            code = 0
        except SystemExit as exit:
            code = exit.code
    return code, err.getvalue()


def test_sigterm_leaves_no_temporary_folder(tmp_path):
    import os
    import signal

    from letter_pdf import batch

    rows = [{**RECIPIENTS[0], "name": f"Deputy {n}", "email": f"d{n}@example.org"} for n in range(4)]
    letter = letter_with_recipients(tmp_path / "l", rows=rows, body="Plain text.\n")

    def progress(done: int, count: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as info:
        batch.build_copies(letter, batch.BatchOptions(recipients=letter.parent / "deputies.csv",
                                                      folder=tmp_path / "out", jobs=1, progress=progress))
    assert info.value.code == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l"]
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.slow
def test_the_readme_example_of_copies_builds(tmp_path, capsys):
    """README: the bundled example with its recipients.csv (three members, one without an e-mail)."""
    example = Path(__file__).resolve().parents[1] / "examples" / "joint-letter"
    code, _out, stderr = run_main(["build", str(example / "letter.md"), "--recipients",
                                   str(example / "recipients.csv"), "-o", str(tmp_path / "copies"), "--eml"], capsys)
    assert code == 0, stderr
    assert sorted(p.name for p in (tmp_path / "copies").iterdir()) == [
        "001-anna-example-kowalska.eml", "001-anna-example-kowalska.pdf", "002-jean-exemple.eml",
        "002-jean-exemple.pdf", "003-aino-esimerkki.pdf", "index.csv"]
    text = text_of(tmp_path / "copies" / "003-aino-esimerkki.pdf")
    assert "Aino Esimerkki\nEduskunta\nMannerheimintie 30\n00102 Helsinki\nFinland" in text
    assert "Dear Ms Esimerkki," in text and "no e-mail for recipient 3 (Aino Esimerkki)" in stderr


@pytest.mark.slow
def test_signed_copies_verify_and_a_copy_passes_the_pdfa_validator(tmp_path, capsys, monkeypatch):
    """The issue's promise: every copy has a single build's guarantees (PDF/A, the signature with --sign)."""
    import io

    import page
    import pikepdf
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from letter_pdf import sign

    import pki

    world = pki.make_world(tmp_path / "pki")
    monkeypatch.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
    letter = letter_with_recipients(tmp_path / "l", rows=RECIPIENTS[:2])
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out"), "--sign", str(world.p12)], capsys)
    assert code == 0, stderr
    for pdf in sorted((tmp_path / "out").glob("*.pdf")):
        signatures = PdfFileReader(io.BytesIO(pdf.read_bytes())).embedded_regular_signatures
        assert len(signatures) == 1
        context = ValidationContext(trust_roots=[world.ca.asn1_cert()], allow_fetching=False)
        status = validate_pdf_signature(signatures[0], signer_validation_context=context)
        assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE", pdf.name
    first = tmp_path / "out" / "001-jan-kowalski.pdf"
    with pikepdf.open(first) as opened:
        assert opened.open_metadata().pdfa_status == "3A"
    report = page.validate_pdf(str(first), profile="pdfa-3a", limits=page.SafetyLimits.unlimited())
    assert [(f.rule_id, f.message) for f in report.failures] == []


def test_a_warning_of_a_copys_build_is_said_once_with_its_count(tmp_path, capsys, monkeypatch):
    """A copy's build keeps its warnings quiet; the set says each once, with how many copies it concerns
    (a worker's warnings were lost)."""
    import logging

    from letter_pdf import pipeline

    make_pdf = pipeline.make_pdf

    def warning_make_pdf(prepared, options, signing):
        logging.getLogger("letter_pdf").warning("an image of the copy was drawn smaller")
        if prepared.letter.recipient.name.startswith("Jan"):
            logging.getLogger("letter_pdf").warning("only Jan's copy")
        return make_pdf(prepared, options, signing)

    monkeypatch.setattr(pipeline, "make_pdf", warning_make_pdf)
    rows = [{**RECIPIENTS[0], "name": f"Jan {n}", "email": f"j{n}@example.org"} for n in range(2)]
    rows.append({**RECIPIENTS[2]})
    letter = letter_with_recipients(tmp_path / "l", rows=rows, body="Plain text.\n")
    code, _out, stderr = run_main(["build", str(letter), "--recipients", str(letter.parent / "deputies.csv"),
                                   "-o", str(tmp_path / "out")], capsys)
    assert code == 0, stderr
    assert stderr.count("warning: an image of the copy was drawn smaller\n") == 1
    assert stderr.count("warning: only Jan's copy (in 2 of 3 copies)\n") == 1
