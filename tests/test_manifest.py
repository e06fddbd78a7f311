"""The manifest each PDF carries: deterministic, complete, and read back from the PDF."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from pypdf import PdfReader, PdfWriter

from letter_pdf import manifest as M
from letter_pdf.letter import load_letter
from letter_pdf.pdf.attachments import Attachment

ROWS = [
    {"name": "Amnesty International", "country": "GB", "kind": "organisation"},
    {"name": "Правозащитный центр «Мемориал»", "country": "RU", "kind": "organisation"},
    {"name": "Олена Ковальчук", "country": "UA", "kind": "individual", "role": "Director, Example Fund"},
    {"name": "Org <b>&amp;</b> \"Quotes\"", "country": "PL/DE", "kind": "organisation"},
]


@pytest.fixture
def letter(make_letter):
    return load_letter(make_letter(rows=ROWS, body="First paragraph.\n\n*Second* paragraph.\n"))


def _pdf_with(attachments: dict[str, bytes]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    for name, data in attachments.items():
        writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_manifest_records_the_letter_signatories_and_source_hashes(letter):
    manifest = M.build_manifest(letter, sources=M.collect_sources(letter))
    assert manifest["format"] == M.FORMAT
    assert manifest["letter"]["title"] == letter.title
    assert manifest["letter"]["date"] == "2026-11-29"
    assert manifest["letter"]["body"] == letter.body
    # as printed: organisations in the given order, then individuals under their own heading
    assert [s["name"] for s in manifest["signatories"]] == [ROWS[i]["name"] for i in (0, 1, 3, 2)]
    assert manifest["signatories"][3] == {
        "name": "Олена Ковальчук", "countries": ["UA"], "kind": "individual",
        "role": "Director, Example Fund", "group": None,
    }
    assert manifest["signatories"][2]["countries"] == ["PL", "DE"]
    assert manifest["counts"] == {"organisation": 3, "individual": 1}
    files = manifest["sources"]
    assert set(files) == {"letter", "signatories"}
    assert files["letter"] == {
        "path": "letter.md",
        "sha256": hashlib.sha256(letter.source.read_bytes()).hexdigest(),
        "size": letter.source.stat().st_size,
    }
    assert files["signatories"]["sha256"] == hashlib.sha256(letter.signatories_path.read_bytes()).hexdigest()


def test_manifest_is_deterministic_and_holds_no_machine_paths(letter, tmp_path):
    first = M.canonical_json(M.build_manifest(letter, sources=M.collect_sources(letter)))
    second = M.canonical_json(M.build_manifest(letter, sources=M.collect_sources(letter)))
    assert first == second
    assert str(tmp_path).encode() not in first
    assert json.loads(first)["sources"]["letter"]["path"] == "letter.md"


def test_manifest_changes_when_a_source_changes(letter):
    before = M.build_manifest(letter, sources=M.collect_sources(letter))
    letter.signatories_path.write_text(letter.signatories_path.read_text() + "Late Signer,FR,organisation,,\n")
    after = M.build_manifest(letter, sources=M.collect_sources(letter))
    assert before["sources"]["signatories"]["sha256"] != after["sources"]["signatories"]["sha256"]
    assert before["sources"]["letter"] == after["sources"]["letter"]


def test_extra_sources_and_paths_outside_the_folder_keep_only_the_file_name(letter, tmp_path):
    annex = tmp_path / "elsewhere" / "report.pdf"
    annex.parent.mkdir()
    annex.write_bytes(b"%PDF-1.7 not really")
    sources = M.collect_sources(letter, extra={"annex-1": annex})
    manifest = M.build_manifest(letter, sources=sources)
    assert manifest["sources"]["annex-1"]["path"] == "report.pdf"
    assert manifest["sources"]["annex-1"]["sha256"] == hashlib.sha256(annex.read_bytes()).hexdigest()


def test_read_manifest_from_a_pdf_path_and_bytes(letter, tmp_path):
    manifest = M.build_manifest(letter, sources=M.collect_sources(letter))
    data = _pdf_with({M.MANIFEST_NAME: M.canonical_json(manifest), "letter.md": letter.source.read_bytes()})
    path = tmp_path / "sent.pdf"
    path.write_bytes(data)
    assert M.read_manifest(path) == manifest
    assert M.read_manifest(data) == manifest
    assert M.read_attachments(data)["letter.md"] == letter.source.read_bytes()


def test_read_manifest_of_a_pdf_without_one_or_with_a_foreign_or_broken_one():
    assert M.read_manifest(_pdf_with({})) is None
    assert M.read_manifest(_pdf_with({M.MANIFEST_NAME: b"{not json"})) is None
    assert M.read_manifest(_pdf_with({M.MANIFEST_NAME: b'{"format": "something-else/1"}'})) is None


def test_to_attachment_is_json_data_for_pdfa3(letter):
    manifest = M.build_manifest(letter, sources=M.collect_sources(letter))
    attachment = M.to_attachment(manifest)
    assert isinstance(attachment, Attachment)
    assert attachment.name == M.MANIFEST_NAME
    assert attachment.mime == "application/json"
    assert attachment.relationship == "Data"
    assert json.loads(attachment.data) == manifest


def test_signatories_in_printed_order_with_sections(make_letter):
    rows = [
        {"name": "Zeta Foundation", "country": "DE", "kind": "organisation"},
        {"name": "Jan Nowak", "country": "PL", "kind": "individual", "role": "Lawyer"},
        {"name": "Alpha Network", "country": "FR", "kind": "organisation"},
    ]
    letter = load_letter(make_letter(rows=rows, front={"order": "alphabetical"}))
    manifest = M.build_manifest(letter, sources=M.collect_sources(letter))
    assert [s["name"] for s in manifest["signatories"]] == ["Alpha Network", "Zeta Foundation", "Jan Nowak"]
    assert [section["count"] for section in manifest["sections"]] == [2, 1]
    assert manifest["sections"][1]["heading"]  # individuals are printed under their own heading


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The same letter built end to end in two folders, with --embed-sources."""
    import letter_pdf

    from conftest import write_letter

    outputs = []
    for name in ("one", "two"):
        path = write_letter(tmp_path_factory.mktemp(name) / "letter", rows=ROWS, body="A *short* letter.\n")
        outputs.append(letter_pdf.build(path, cover=False, embed_sources=True).output)
    return outputs


@pytest.mark.slow
def test_built_pdf_carries_its_manifest_and_sources_as_pdfa3_associated_files(built):
    pdf = built[0]
    letter = load_letter(pdf.with_suffix(".md"))
    manifest = M.read_manifest(pdf)
    expected = M.build_manifest(letter, sources=M.collect_sources(letter), embedded=["letter.md", "signatories.csv"])
    assert manifest == expected
    reader = PdfReader(pdf)
    relations = {}
    for spec in reader.trailer["/Root"]["/AF"]:
        spec = spec.get_object()
        relations[spec["/F"]] = (spec["/AFRelationship"], spec["/EF"]["/F"].get_object()["/Subtype"])
    assert relations == {
        M.MANIFEST_NAME: ("/Data", "/application/json"),
        "letter.md": ("/Source", "/text/markdown"),
        "signatories.csv": ("/Source", "/text/csv"),
    }
    files = M.read_attachments(pdf)
    assert files["letter.md"] == pdf.with_suffix(".md").read_bytes()
    assert files["signatories.csv"] == (pdf.parent / "signatories.csv").read_bytes()


@pytest.mark.slow
def test_the_same_letter_built_in_another_folder_gives_the_same_manifest(built):
    one, two = (M.read_attachments(p)[M.MANIFEST_NAME] for p in built)
    assert one == two
    assert str(built[0].parent).encode() not in built[0].read_bytes()
    assert built[0].read_bytes() == built[1].read_bytes()  # no machine path anywhere: byte-identical


def _pdf_with_compressed(name: str, data: bytes) -> bytes:
    """A PDF embedding ``data`` Flate-compressed (pikepdf compresses streams when it saves)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, data)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_embedded_files_are_read_under_the_limits_not_unbounded(tmp_path, monkeypatch):
    """A PDF to read may come from anywhere: an embedded stream that decompresses beyond the limit for one
    stream is refused with that limit, not decompressed in full."""
    from letter_pdf.errors import InputError
    from letter_pdf.pdf import limits

    bomb = _pdf_with_compressed(M.MANIFEST_NAME, b"\0" * (3 * 1048576))  # 3 MiB from about 3 KiB
    assert len(bomb) < 20_000
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    assert len(M.read_attachments(path)[M.MANIFEST_NAME]) == 3 * 1048576  # under the limit: read
    monkeypatch.setattr(limits, "MAX_STREAM_BYTES", 1048576)
    for source, where in ((path, str(path)), (bomb, None)):
        with pytest.raises(InputError) as error:
            M.read_manifest(source)
        assert error.value.message.startswith("exceeds a safety limit while reading its embedded files (the limit "
                                              "for one stream is 1 MiB; Limit reached while decompressing")
        assert error.value.where == where
        assert error.value.hint == "record or read the PDF exactly as letter-pdf wrote it"


def test_a_pdf_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    from letter_pdf.errors import InputError
    from letter_pdf.pdf import limits

    data = _pdf_with({M.MANIFEST_NAME: b"{}"})
    path = tmp_path / "large.pdf"
    path.write_bytes(data)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(InputError) as error:
        M.read_manifest(path)
    assert (error.value.message, error.value.where) == ("is not read: it is larger than the limit of 0 MiB", str(path))
    with pytest.raises(InputError) as error:
        M.read_manifest(data)
    assert error.value.message == "is not read: the file is 0 MiB; the limit is 0 MiB"


def test_a_fifo_is_not_read_as_a_pdf(tmp_path):
    import os

    from letter_pdf.errors import InputError

    from conftest import within

    path = tmp_path / "pipe.pdf"
    os.mkfifo(path)
    with pytest.raises(InputError) as error:
        within(20, lambda: M.read_manifest(path))
    assert (error.value.message, error.value.where) == ("is not read: it is a named pipe (FIFO), not a regular file",
                                                        str(path))
