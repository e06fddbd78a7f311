"""Tags and fonts that standards accept: pagination artifacts, one signatory list, the signature field's name,
links for printed addresses, a subset tag per font program, and an independent PDF/A validator
(page-validation) on the example, on a package with a cover and an enclosure, and on a signed letter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import page
import pdfplumber
import pikepdf
import pytest

from letter_pdf import assemble, labels, sign
from letter_pdf.pdf import pdfa

import pki

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "joint-letter"
MM = 72 / 25.4

ADDRESSES = ("\n\nWrite to coordination@example.org, read https://www.example.org/letters?id=41 or "
             "www.example.org/contact; the file letter.md and example.org stay plain words.\n")

# Rules of page-validation 0.11 that this project does not fix, each with the evidence that it is the
# validator's error and not the file's. Keep it narrow: (document, rule id) -> reason. Empty: every rule
# the validator checks passes on all the documents.
ALLOWED_FAILURES: dict[tuple[str, str], str] = {}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def patch_lengths_to_count_eol(data: bytes) -> tuple[bytes, int]:
    """``data`` with every stream's /Length counting the end-of-line before ``endstream`` (a common producer
    bug that PDF/A forbids); only lengths whose digit count stays the same, so the xref offsets stay right."""
    out, pos, n = bytearray(), 0, 0
    for m in re.finditer(rb"/Length (\d+)", data):
        length = int(m.group(1))
        start = data.find(b"stream", m.end())
        body = start + len(b"stream") + (2 if data[start + 6:start + 8] == b"\r\n" else 1)
        if data[body + length:body + length + 10] == b"\nendstream" and len(str(length + 1)) == len(str(length)):
            out += data[pos:m.start(1)] + str(length + 1).encode()
            pos, n = m.end(1), n + 1
    out += data[pos:]
    return bytes(out), n


def validate(path: Path, level: str):
    return page.validate_pdf(str(path), profile=f"pdfa-{level.lower()}", limits=page.SafetyLimits.unlimited())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return pki.make_world(tmp_path_factory.mktemp("pki"))


# A list grouped by country, long enough for a group to go on in the next column and on the next page: three
# groups of 40 made-up organisations (city and purpose), in the order given.
CITIES = {"France": ["Lyon", "Nantes", "Lille", "Rennes"], "Germany": ["Berlin", "Hamburg", "Leipzig", "Dresden"],
          "Poland": ["Gdańsk", "Kraków", "Poznań", "Wrocław"]}
PURPOSES = ["Human Rights Centre", "Legal Aid Society", "Environmental Watch", "Press Freedom Forum",
            "Refugee Support Network", "Women's Shelter Association", "Youth Civic Initiative",
            "Anti-Torture Committee", "Prisoners' Aid Fund", "Open Archive Foundation"]
GROUPS = {country: [f"{city} {purpose}" for city in cities for purpose in PURPOSES] for country, cities in CITIES.items()}


def write_grouped(folder: Path) -> None:
    codes = {"France": "FR", "Germany": "DE", "Poland": "PL"}
    rows = ["name,country,kind,role"] + [f"{name},{codes[country]},organisation," for country, names in GROUPS.items()
                                         for name in names]
    (folder / "signatories.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    letter = (folder / "letter.md").read_text(encoding="utf-8")
    (folder / "letter.md").write_text(
        letter.replace("\nsignatories: signatories.csv\n", "\nsignatories: signatories.csv\ngroup_by: country\n", 1),
        encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory, world) -> dict[str, Path]:
    """The example as shipped; the example with addresses in its body and an enclosure whose streams' /Length
    count their end-of-line; the example signed (visible signature) with the test PKI; the example with a
    long list grouped by country."""
    import weasyprint

    import letter_pdf

    folder = tmp_path_factory.mktemp("pdfa")
    example = folder / "example"
    shutil.copytree(EXAMPLE, example)
    linked = folder / "linked"
    shutil.copytree(EXAMPLE, linked)
    with (linked / "letter.md").open("a", encoding="utf-8") as f:
        f.write(ADDRESSES)
    html = '<html lang="en"><head><title>Report</title></head><body><h1>Report</h1><p>Findings</p></body></html>'
    annex, patched = patch_lengths_to_count_eol(
        weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-3a", pdf_identifier=b"0" * 16))
    assert patched > 0
    (linked / "report.pdf").write_bytes(annex)
    out = {
        "example": letter_pdf.build(example / "letter.md", output=folder / "example.pdf").output,
        "package": letter_pdf.build(linked / "letter.md", output=folder / "package.pdf",
                                    annexes=[linked / "report.pdf"]).output,
        "annex": linked / "report.pdf",
    }
    grouped = folder / "grouped"
    shutil.copytree(EXAMPLE, grouped)
    write_grouped(grouped)
    out["grouped"] = letter_pdf.build(grouped / "letter.md", output=folder / "grouped.pdf").output
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
        out["signed"] = letter_pdf.build(example / "letter.md", output=folder / "signed.pdf", sign=world.p12).output
    return out


def claim(path: Path) -> str:
    with pikepdf.open(path) as pdf:
        return pdf.open_metadata().pdfa_status


# ----------------------------------------------------------------------------- the structure tree


def _kids(element) -> list:
    k = element.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else ([] if k is None else [k])


def structure(pdf) -> tuple[list, dict[int, int]]:
    """Every structure element reachable from the root (depth first), and page objgen -> page index."""
    elements = []

    def walk(e):
        if isinstance(e, pikepdf.Dictionary) and "/S" in e:
            elements.append(e)
            for kid in _kids(e):
                walk(kid)

    for kid in _kids(pdf.Root.StructTreeRoot):
        walk(kid)
    return elements, {p.obj.objgen: i for i, p in enumerate(pdf.pages)}


def marked_content(element, pages: dict, page_of=None, deep: bool = True) -> list[tuple[int, int]]:
    """(page index, MCID) of every marked-content item under ``element`` (``deep``) or of its own, in order."""
    found = []
    own = pages.get(element.Pg.objgen) if "/Pg" in element else page_of
    for kid in _kids(element):
        if isinstance(kid, int):
            found.append((own, int(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            found.append((pages[kid.Pg.objgen] if "/Pg" in kid else own, int(kid.MCID)))
        elif deep and isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += marked_content(kid, pages, own)
    return found


def marked_text(path: Path) -> dict[tuple[int, int], str]:
    """(page index, MCID) -> the text of that marked content, from pdfplumber."""
    text: dict[tuple[int, int], str] = defaultdict(str)
    with pdfplumber.open(path) as pdf:
        for i, p in enumerate(pdf.pages):
            for c in p.chars:
                if c.get("mcid") is not None:
                    text[(i, c["mcid"])] += c["text"]
    return dict(text)


@pytest.fixture(scope="module")
def chars(built) -> dict[tuple[int, int], str]:
    return marked_text(built["example"])


def signatory_section(elements) -> list:
    """The kids of the signatory list's section (the Sect whose heading is an H2)."""
    sections = [e for e in elements if e.S == "/Sect" and any(k.get("/S") == "/H2" for k in _kids(e))]
    assert len(sections) == 1
    return _kids(sections[0])


@pytest.mark.slow
def test_page_numbers_and_running_heads_are_pagination_artifacts(built):
    with pdfplumber.open(built["example"]) as pdf:
        letter_pages = pdf.pages[1:]  # page 0 is the cover
        for number, p in enumerate(letter_pages, start=1):
            lines = p.extract_text_lines()
            foot = [line for line in lines if line["top"] > p.height - 25 * MM]
            assert [_nfc(line["text"]) for line in foot] == [f"Page {number} of {len(letter_pages)}"]
            head = [line for line in lines if line["top"] < 20 * MM]
            assert [line["text"] for line in head] == ([] if number == 1 else [
                "Let independent organisations work without the “foreign agent” label"])
            for line in foot + head:
                assert {(c["tag"], c["mcid"]) for c in line["chars"]} == {("Artifact", None)}
            body = [line for line in lines if line not in foot and line not in head]
            assert body and all(c["mcid"] is not None and c["tag"] != "Artifact"
                                for line in body for c in line["chars"])
    with pikepdf.open(built["example"]) as pdf:
        for index in range(1, len(pdf.pages)):
            kinds = Counter()
            for operands, operator in pikepdf.parse_content_stream(pdf.pages[index]):
                if operator == pikepdf.Operator("BDC") and operands[0] == "/Artifact":
                    props = operands[1]
                    kinds[(str(props.get("/Type")), str(props.get("/Subtype")))] += 1
            expected = {("/Pagination", "/Footer"): 1}
            if index > 1:
                expected[("/Pagination", "/Header")] = 1
            assert dict(kinds) == expected


@pytest.mark.slow
@pytest.mark.parametrize("document", ["example", "grouped"])
def test_all_marked_content_belongs_to_the_structure_tree(built, document):
    """Every MCID on every page is mapped by the parent tree to an element reachable from the root."""
    with pikepdf.open(built[document]) as pdf:
        elements, pages = structure(pdf)
        reachable = {e.objgen for e in elements}
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for index, p in enumerate(pdf.pages):
            used = sorted(int(ops[1].MCID) for ops, op in pikepdf.parse_content_stream(p)
                          if op == pikepdf.Operator("BDC") and isinstance(ops[1], pikepdf.Dictionary)
                          and "/MCID" in ops[1])
            mapped = parents[int(p.obj.StructParents)]
            assert used and all(mapped[m].objgen in reachable for m in used)
            assert [m for m, ref in enumerate(mapped) if ref is not None and m not in used] == []
            in_tree = sorted(m for e in elements for pg, m in marked_content(e, pages, deep=False) if pg == index)
            assert in_tree == used  # each once, none missing


@pytest.mark.slow
def test_fold_marks_are_artifacts_and_leave_no_empty_elements(built):
    with pdfplumber.open(built["example"]) as pdf:
        marks = [o for o in pdf.pages[1].rects if o["x0"] < 12 * MM]
        assert sorted(round(o["top"] / MM, 1) for o in marks) == [105.0, 148.5, 210.0]
        assert {o["tag"] for o in marks} == {"Artifact"}
    with pikepdf.open(built["example"]) as pdf:
        elements, _ = structure(pdf)
        assert [e.S for e in elements if not _kids(e)] == []


@pytest.mark.slow
def test_signatory_list_is_one_list_element_across_pages(built, chars):
    with pikepdf.open(built["example"]) as pdf:
        elements, pages = structure(pdf)
        kids = signatory_section(elements)
        assert [str(k.S) for k in kids] == ["/H2", "/L", "/H3", "/L"]  # no page or column Div around them
        organisations, individuals = kids[1], kids[3]
        items = [k for k in _kids(organisations) if k.S == "/LI"]
        assert len(items) == 64 and len(_kids(individuals)) == 1
        content = marked_content(organisations, pages)
        assert sorted({pg for pg, _ in content}) == [2, 3]  # one element, on both pages
        text = "".join(chars.get(c, "") for c in content)
        assert _nfc(text).startswith("Action des chrétiens pour l’abolition de la")
        assert "Общественная правозащитная" in text
        assert "Danny Sriskandarajah" not in text
        assert "Danny Sriskandarajah" in "".join(chars.get(c, "") for c in marked_content(individuals, pages))
        assert sum(1 for e in elements if e.S == "/L") == 2 + 2  # the signatory lists, the body's list, cc


@pytest.mark.slow
def test_a_grouped_list_has_one_heading_and_one_list_element_per_group(built):
    """Grouped by country, each group is one H3 and one L, its items in reading order (down the columns,
    across the page break); the heading repeated with "(continued)" on the next page is a pagination artifact."""
    path = built["grouped"]
    text = marked_text(path)
    with pikepdf.open(path) as pdf:
        elements, pages = structure(pdf)
        kids = signatory_section(elements)
        assert [str(k.S) for k in kids] == ["/H2"] + ["/H3", "/L"] * 3
        headings = ["".join(text.get(c, "") for c in marked_content(h, pages)) for h in kids[1::2]]
        assert headings == ["FRANCE (40)", "GERMANY (40)", "POLAND (40)"]  # as given; capitals from the style
        spread = []
        for (_country, names), group in zip(GROUPS.items(), kids[2::2]):
            items = _kids(group)
            assert [str(i.S) for i in items] == ["/LI"] * 40
            assert [_nfc("".join(text.get(c, "") for c in marked_content(i, pages))) for i in items] == names
            spread.append(sorted({pg for pg, _ in marked_content(group, pages)}))
        assert spread == [[2], [2, 3], [3]]  # Germany goes on on the next page
    with pdfplumber.open(path) as pdf:
        lines = [line for line in pdf.pages[3].extract_text_lines() if "(CONTINUED)" in line["text"]]
        assert [line["text"].split(")")[0] + ")" for line in lines] == ["GERMANY (CONTINUED)"]
        heading = [c for c in lines[0]["chars"] if c["x0"] < pdf.pages[3].width / 2]
        assert "".join(c["text"] for c in heading) == "GERMANY(CONTINUED)"  # the space is a gap, not a glyph
        assert {(c["tag"], c["mcid"]) for c in heading} == {("Artifact", None)}
    with pikepdf.open(path) as pdf:
        for index, continued in ((2, 0), (3, 2)):  # the heading's text and its "(continued)" span
            kinds = Counter()
            for operands, operator in pikepdf.parse_content_stream(pdf.pages[index]):
                if operator == pikepdf.Operator("BDC") and operands[0] == "/Artifact":
                    kinds[(str(operands[1].get("/Type")), str(operands[1].get("/Subtype")))] += 1
            expected = {("/Pagination", "/Header"): 1, ("/Pagination", "/Footer"): 1}
            if continued:
                expected[("/Pagination", "None")] = continued
            assert dict(kinds) == expected


@pytest.mark.slow
def test_signature_field_has_a_user_name(built):
    with pikepdf.open(built["signed"]) as pdf:
        (field,) = [f for f in pdf.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        name = labels.template("signature_alt", "en").format(name="Maria Ковальчук, Test Coalition")
        assert str(field.TU) == name
        elements, _ = structure(pdf)
        forms = [e for e in elements if e.S == "/Form"]
        assert [str(e.Alt) for e in forms] == [name]


PRINTED = {  # URI -> the address as printed
    "mailto:coordination@example.org": "coordination@example.org",
    "http://www.example.org": "www.example.org",
    "https://www.example.org/letters?id=41": "https://www.example.org/letters?id=41",
    "http://www.example.org/contact": "www.example.org/contact",
}


@pytest.mark.slow
def test_printed_addresses_are_links(built):
    """Web and e-mail addresses in the body, the letterhead and the cover are links, each tagged as a Link
    element, each over the address it opens; bare names with a dot (letter.md, example.org) are not."""
    found: dict[int, list[str]] = defaultdict(list)
    with pdfplumber.open(built["package"]) as pdf:
        for index, p in enumerate(pdf.pages[:4]):  # the cover and the letter
            for annot in p.annots:
                if annot["uri"]:
                    box = (annot["x0"] - 1, annot["top"] - 2, annot["x1"] + 1, annot["bottom"] + 2)
                    printed = "".join(c["text"] for c in p.within_bbox(box).chars)
                    assert printed == PRINTED[annot["uri"]]
                    found[index].append(annot["uri"])
        words = [w["text"] for p in pdf.pages[1:4] for w in p.extract_words()]
        assert "letter.md" in words and "example.org" in words
    assert sorted(found[0]) == sorted(["mailto:coordination@example.org", "http://www.example.org"] * 2)
    body = ["mailto:coordination@example.org", "https://www.example.org/letters?id=41",
            "http://www.example.org/contact"]
    letter = found[1] + found[2] + found[3]
    assert sorted(letter) == sorted(["mailto:coordination@example.org", "http://www.example.org"] + body)
    with pikepdf.open(built["package"]) as pdf:
        elements, _ = structure(pdf)
        link_objects = {k.Obj.objgen for e in elements if e.S == "/Link" for k in _kids(e)
                        if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"}
        annots = [a for p in pdf.pages[:4] for a in p.get("/Annots", []) if a.get("/Subtype") == "/Link"]
        assert len(annots) == 9 and all(a.objgen in link_objects for a in annots)


def test_contact_lines_become_links_only_when_they_are_one_address():
    from letter_pdf.body import address_link

    assert address_link("coordination@example.org") == (
        '<a href="mailto:coordination@example.org">coordination@example.org</a>')
    assert address_link("www.example.org") == '<a href="http://www.example.org">www.example.org</a>'
    assert address_link("https://x.example/a?b=1&c=2") == (
        '<a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a>')
    for text in ("example.org", "+44 20 7946 0000", "mail us: a@example.org", "a@example.org, b@example.org",
                 "javascript:alert(1)"):
        assert address_link(text) == text
    assert address_link("<b>@example.org") == "&lt;b&gt;@example.org"


def _programs(path: Path) -> dict[str, set[str]]:
    """Font name (with its subset tag) -> hashes of the font programs embedded under that name."""
    found: dict[str, set[str]] = defaultdict(set)
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = next(obj[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in obj)
                found[str(obj.FontName)].add(hashlib.sha256(program.read_bytes()).hexdigest())
    return found


@pytest.mark.slow
@pytest.mark.parametrize("document", ["example", "package", "signed"])
def test_distinct_subset_tags_for_distinct_font_programs(built, document):
    programs = _programs(built[document])
    assert programs and {name: len(h) for name, h in programs.items() if len(h) > 1} == {}
    assert all(re.fullmatch(r"/[A-Z]{6}\+.+", name) for name in programs)
    with pikepdf.open(built[document]) as pdf:  # each font's BaseFont names the same tag as its descriptor
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/FontDescriptor" in obj:
                assert str(obj.BaseFont) == str(obj.FontDescriptor.FontName)
    families = Counter(name[8:] for name in programs)
    assert families["Noto-Serif"] >= 2  # the cover's and the letter's subsets of one font, under two tags


def test_subset_tags_come_from_the_font_program():
    assert pdfa.subset_tag(b"one") == pdfa.subset_tag(b"one")
    assert pdfa.subset_tag(b"one") != pdfa.subset_tag(b"two")
    assert re.fullmatch(r"[A-Z]{6}", pdfa.subset_tag(b""))


def test_stamp_tounicode_cmap_has_plain_entries():
    mapping = {cid: chr(0x400 + cid) for cid in range(1, 151)}
    cmap = sign.plain_tounicode_cmap(mapping).decode("ascii")
    assert "bfrange" not in cmap and "[" not in cmap
    assert re.findall(r"(\d+) beginbfchar", cmap) == ["100", "50"]
    entries = dict(re.findall(r"^<([0-9a-f]{4})> <([0-9a-f]+)>$", cmap, flags=re.M))
    assert {int(k, 16): bytes.fromhex(v).decode("utf-16be") for k, v in entries.items()} == mapping


@pytest.mark.slow
def test_the_enclosure_was_not_pdfa_itself(built):
    """The planted enclosure breaks PDF/A on its own (its streams' /Length count the end-of-line): the
    package's clean result below comes from the merge rewriting every stream, not from a lenient validator."""
    report = validate(built["annex"], "3A")
    assert "PDFA3A-STREAM-LENGTH-001" in {f.rule_id for f in report.failures}


@pytest.mark.slow
@pytest.mark.parametrize("document, level", [("example", "3A"), ("package", "3B"), ("signed", "3A"),
                                             ("grouped", "3A")])
def test_page_validation_confirms_the_claimed_level(built, document, level):
    assert claim(built[document]) == level  # the package's enclosure carries no tags: 3b, said in a note
    report = validate(built[document], level)
    allowed = [f for f in report.failures if (document, f.rule_id) in ALLOWED_FAILURES]
    assert [(f.rule_id, f.message) for f in report.failures if f not in allowed] == []
    assert report.is_compliant == (not allowed)


# ----------------------------------------------------------------------------- stream data ending with CR


def _pdf_with_stream(data: bytes) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, b"")
    stream.write(data, filter=pikepdf.Name.FlateDecode, type_check=False)
    pdf.Root.Extra = pdf.make_indirect(stream)
    return pdf


def _ending_in_cr() -> tuple[bytes, bytes]:
    """Some content whose Flate data ends with CR (0x0D, the last byte of its Adler-32 checksum)."""
    import zlib

    for n in range(100000):
        plain = b"q %d Q\n" % n
        packed = zlib.compress(plain)
        if packed.endswith(b"\r"):
            return plain, packed
    raise AssertionError("no such content found")


def test_no_stream_data_ends_with_a_carriage_return():
    plain, packed = _ending_in_cr()
    pdf = _pdf_with_stream(packed)
    written = pdfa.save(pdf)
    assert b"\r\nendstream" not in written
    with pikepdf.open(io.BytesIO(written)) as back:
        assert back.Root.Extra.read_bytes() == plain  # the same content, under one more filter
        assert list(back.Root.Extra.Filter) == [pikepdf.Name.ASCIIHexDecode, pikepdf.Name.FlateDecode]


def test_a_carriage_return_that_stays_drops_the_pdfa_claim(monkeypatch, tmp_path):
    import weasyprint

    from letter_pdf.model import Letter

    monkeypatch.setattr(pdfa, "CR_BEFORE_ENDSTREAM", b"endstream")  # found in every file: it "stays"
    letter_pdf = weasyprint.HTML(string='<html lang="en"><title>L</title><p>Letter</p></html>').write_pdf(
        pdf_variant="pdf/a-3a")


    letter = Letter(source=tmp_path / "letter.md", title="L", body="", body_line=1, date=dt.date(2026, 11, 29))
    result = assemble.assemble(letter=letter, letter_pdf=letter_pdf, cover_pdf=None, cover_pdfs=(), annexes=(),
                               attachments=())
    assert result.pdfa_level is None
    assert result.notes == ("the package is not PDF/A: a stream's data ends with a carriage return, which makes "
                            "its length ambiguous (ISO 19005-2 6.1.7.1)",)
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert pdf.open_metadata().pdfa_status == ""


def test_signing_checks_for_stream_data_ending_with_a_carriage_return():
    sample = pki.sample_pdf()
    assert not any("carriage return" in p for p in pdfa.signature_problems(sample))
    assert "a stream's data ends with a carriage return (ISO 19005-2 6.1.7.1)" in pdfa.signature_problems(
        sample + b"%\r\nendstream\n")


# --- the claim, read and written in one place (fast: XMP packets and small PDFs made here) -----------------

_RDF = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n{}\n</rdf:RDF></x:xmpmeta>\n'
        '<?xpacket end="w"?>')
_PDFAID = "http://www.aiim.org/pdfa/ns/id/"
_PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
# as WeasyPrint writes it: attributes (lower-case conformance here, which the claim reads as upper case)
_ATTRIBUTES = _RDF.format(
    f'<rdf:Description rdf:about="" xmlns:pdfaid="{_PDFAID}" xmlns:pdfuaid="{_PDFUAID}" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" pdfaid:part="3" pdfaid:conformance="a" pdfuaid:part="1"/>')
# as pikepdf (and many tools) write it: elements that declare their namespace
_ELEMENTS = _RDF.format(
    f'<rdf:Description rdf:about=""><pdfaid:part xmlns:pdfaid="{_PDFAID}">2</pdfaid:part>'
    f'<pdfaid:conformance xmlns:pdfaid="{_PDFAID}">B</pdfaid:conformance>'
    f'<pdfuaid:part xmlns:pdfuaid="{_PDFUAID}">1</pdfuaid:part></rdf:Description>')
_NO_CLAIM = _RDF.format('<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"/>')


def _pdf_bytes(xmp: str | None) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if xmp is not None:
        pdf.Root.Metadata = pdf.make_stream(xmp.encode("utf-8"), Type=pikepdf.Name.Metadata,
                                            Subtype=pikepdf.Name.XML)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("xmp, claim", [(_ATTRIBUTES, "3A"), (_ELEMENTS, "2B"), (_NO_CLAIM, None), (None, None)])
def test_the_pdfa_claim_is_read_as_attributes_or_elements(xmp, claim):
    data = _pdf_bytes(xmp)
    assert pdfa.claim_of(data) == claim
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdfa.claim(pdf) == claim
    if xmp is not None:
        assert pdfa.claim_in(xmp.encode("utf-8")) == claim


def test_a_claim_as_pikepdf_writes_it_is_read():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "U"
    assert pdfa.claim(pdf) == "2U"


def test_an_unreadable_pdf_or_xmp_makes_no_claim():
    assert pdfa.claim_of(b"%PDF-1.7\nnot a PDF at all\n%%EOF\n") is None
    assert pdfa.claim_in(b'pdfaid:part="3" pdfaid:conformance="A" but no XML around it') is None


@pytest.mark.parametrize("xmp", [_ATTRIBUTES, _ELEMENTS], ids=["attributes", "elements"])
def test_the_claim_is_rewritten_or_dropped_in_either_form(xmp):
    data = xmp.encode("utf-8")
    lowered = pdfa.rewrite_claim(data, "3B", drop_ua=True)
    assert pdfa.claim_in(lowered) == "3B"
    assert b"pdfuaid:part" not in lowered  # no PDF/UA claim once an untagged page is in
    assert b"dc=" in lowered or b"<rdf:Description" in lowered  # the rest stays
    dropped = pdfa.rewrite_claim(data, None)
    assert pdfa.claim_in(dropped) is None
    assert b"pdfaid:" not in dropped.replace(f'xmlns:pdfaid="{_PDFAID}"'.encode(), b"")
    assert b"pdfuaid:part" in dropped  # not asked to drop it


def test_a_claim_that_stays_the_same_leaves_the_xmp_byte_for_byte():
    data = _ATTRIBUTES.encode("utf-8")
    assert pdfa.rewrite_claim(data, "3A") == data.replace(b'conformance="a"', b'conformance="A"')


def test_a_claim_that_cannot_be_rewritten_is_refused_not_left_standing():
    cdata = _RDF.format(f'<rdf:Description rdf:about=""><pdfaid:part xmlns:pdfaid="{_PDFAID}"><![CDATA[3]]>'
                        f'</pdfaid:part><pdfaid:conformance xmlns:pdfaid="{_PDFAID}">A</pdfaid:conformance>'
                        '</rdf:Description>').encode("utf-8")
    assert pdfa.claim_in(cdata) == "3A"
    with pytest.raises(ValueError, match="could not be removed"):
        pdfa.rewrite_claim(cdata, None)


def test_a_font_is_embedded_only_with_a_font_program():
    """One check for the preflight of enclosures and for the signature's appearance."""
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    def font(**descriptor):
        entries = {NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/TrueType"),
                   NameObject("/BaseFont"): NameObject("/ABCDEF+Noto-Sans")}
        if descriptor:
            entries[NameObject("/FontDescriptor")] = DictionaryObject(
                {NameObject(f"/{key}"): value for key, value in descriptor.items()})
        return DictionaryObject(entries)

    for key in ("FontFile", "FontFile2", "FontFile3"):
        assert pdfa.unembedded_font(font(**{key: StreamObject()})) is None
    assert pdfa.unembedded_font(font()) == "font ABCDEF+Noto-Sans is not embedded"
    assert pdfa.unembedded_font(font(FontName=NameObject("/X"))) == "font ABCDEF+Noto-Sans is not embedded"
