"""The delivery package: cover(s), the letter and its signatory list, and enclosures merged into one PDF.

This module keeps the order of the parts and the merge; the PDF knowledge it uses lives in ``letter_pdf.pdf``.

The letter's own PDF (PDF/A-3a, tagged, from ``typeset``) is the base document: its catalog, structure tree,
XMP and Info metadata, output intent and language stay as they are. The generated cover (ours, tagged too) is
inserted before it with its structure tree grafted into the letter's, so the package stays PDF/A-3a when it
has no external files. External PDFs (``cover_pdfs``, enclosures) are untrusted:

* each one is first read completely in a child process under a memory limit, a CPU limit and a wall-clock
  timeout, with a cap on pages, objects and decompressed bytes (``pdf.inspection``, ``pdf.sandbox``), once:
  ``check_externals`` hands the bytes and the findings on as ``ExternalPdf`` values; a file that is not a PDF, is
  truncated or damaged beyond repair, is encrypted, or exceeds a limit is refused with ``AssemblyError``;
* only its pages are copied, never its catalog (so no document JavaScript, OpenAction, embedded files or
  form), and on each page every action, additional action, associated file, form field, file attachment and
  multimedia annotation is dropped; links to web pages are rebuilt as plain URI links (``pdf.sanitise``).

External pages carry no tags into the package (pypdf cannot merge structure trees of foreign documents and
we do not try), so with any external file the claim becomes PDF/A-3b — and only if every external file
itself claims PDF/A and passes our checks (fonts embedded, no device CMYK against the letter's sRGB output
intent, no LZW, no PostScript, no transfer functions, PDF 1.7 or older). Otherwise the PDF/A claim is
removed from the XMP metadata (``pdf.pdfa``), and ``notes`` says why. A PDF/UA claim is removed as soon as any untagged
page is added.

The merge runs in qpdf (pikepdf): the letter, by far the largest part, is opened and written once, never
parsed in Python. The generated cover's pages and tags are copied in with qpdf; an external file's pages are
first cleaned with pypdf into a small document of their own, whose pages are then copied in.

The result is reproducible: the file identifier is derived from the inputs, and no time is written other
than the letter's own creation date.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from letter_pdf import labels
from letter_pdf.errors import AssemblyError
from letter_pdf.model import Annex, Letter
from letter_pdf.pdf import inspection, outline, pdfa, sanitise, tags
from letter_pdf.pdf.attachments import Attachment, embed
from letter_pdf.pdf.inspection import ExternalPdf, Inspection

KINDS = ("cover", "cover-pdf", "letter", "annex")


@dataclass(frozen=True)
class Part:
    """One part of the package, in order. ``label_prefix`` is ``None`` for the letter (labelled 1..N)."""

    kind: str  # 'cover' | 'cover-pdf' | 'letter' | 'annex'
    title: str
    pdf: bytes
    source: Path | None = None
    label_prefix: str | None = None  # "A" for the first enclosure (pages, ...)
    trusted: bool = False  # made by letter-pdf itself (letter, generated cover)
    inspection: Inspection | None = None  # an external part's preflight, made when it was read


@dataclass(frozen=True)
class PartPages:
    """Where a part landed in the package."""

    kind: str
    title: str
    first_page: int  # 0-based
    pages: int
    label_prefix: str | None = None


@dataclass(frozen=True)
class Assembled:
    pdf: bytes
    pages: int
    letter_page_offset: int  # pages before the letter's first page
    notes: tuple[str, ...] = ()
    pdfa: bool = False
    pdfa_level: str | None = None  # e.g. "3A", "3B"; None when the claim was removed
    parts: tuple[PartPages, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# Words used in bookmarks and page labels ("Cover", "Enclosure") and enclosure letters come from labels.py.


words = labels.table
annex_letter = labels.enclosure_letter


# ---------------------------------------------------------------------------------------------------------
# Paper names for notes.

_PAPERS = {"A4": (595.28, 841.89), "US Letter": (612, 792), "US Legal": (612, 1008), "A3": (841.89, 1190.55),
           "A5": (419.53, 595.28)}


def paper_name(width: float, height: float) -> str:
    for name, (w, h) in _PAPERS.items():
        if abs(width - w) < 3 and abs(height - h) < 3:
            return f"{name} portrait"
        if abs(width - h) < 3 and abs(height - w) < 3:
            return f"{name} landscape"
    return f"{width / 72 * 25.4:.0f} × {height / 72 * 25.4:.0f} mm"


# ---------------------------------------------------------------------------------------------------------
# The assembly.


def with_command_line(letter: Letter, cover_pdfs: Iterable[Path] = (), annexes: Iterable[Path] = ()) -> Letter:
    """``letter`` with the command line's ``--cover-pdf`` and ``--annex`` files added after the front matter's.

    A file already listed in the front matter is not added twice (its front-matter title is kept); a new
    enclosure is titled by its file name without the extension.
    """
    from dataclasses import replace

    def same(a: Path, b: Path) -> bool:
        return Path(a).resolve() == Path(b).resolve()

    covers = list(letter.cover_pdfs)
    for path in cover_pdfs:
        if not any(same(path, known) for known in covers):
            covers.append(Path(path))
    enclosures = list(letter.enclosures)
    for path in annexes:
        if not any(e.path is not None and same(path, e.path) for e in enclosures):
            enclosures.append(Annex(title=Path(path).stem, path=Path(path)))
    if covers == list(letter.cover_pdfs) and enclosures == list(letter.enclosures):
        return letter
    return replace(letter, cover_pdfs=tuple(covers), enclosures=tuple(enclosures))


def check_externals(letter: Letter) -> dict[Path, ExternalPdf]:
    """Read and preflight every external PDF of ``letter`` (cover PDFs, enclosures) once, before any
    typesetting; what is found is handed on to the cover's list of enclosures and to the merge.

    Raises the one ``AssemblyError``, or ``Problems`` with one per refused file.
    """
    return read_externals([*letter.cover_pdfs, *(e.path for e in letter.enclosures if e.path is not None)])


def read_externals(paths: Iterable[Path]) -> dict[Path, ExternalPdf]:
    """Read and preflight each of ``paths`` once (see ``check_externals``)."""
    from letter_pdf.errors import Problems

    found: dict[Path, ExternalPdf] = {}
    problems: list[AssemblyError] = []
    for path in dict.fromkeys(paths):
        try:
            found[path] = inspection.read(path)
        except AssemblyError as error:
            problems.append(error)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(list(problems))
    return found


def enclosure_entries(letter: Letter, externals: Mapping[Path, ExternalPdf] | None = None) -> list[dict]:
    """The enclosures as the cover lists them: letter (A, B, ...), title, pages (None: sent separately)."""
    externals = externals if externals is not None else check_externals(letter)
    return [
        {"letter": annex_letter(i), "title": e.title,
         "pages": externals[e.path].inspection.pages if e.path is not None else None}
        for i, e in enumerate(letter.enclosures)
    ]


def parts_for(*, letter: Letter, letter_pdf: bytes, cover_pdf: bytes | None, cover_pdfs: Iterable[Path],
              annexes: Iterable[Annex], externals: Mapping[Path, ExternalPdf]) -> list[Part]:
    """The parts of the package in order; the external files as read and checked (``externals``)."""
    w = words(letter.lang)

    def external(kind: str, title: str, path: Path, prefix: str | None = None) -> Part:
        read = externals[path]
        return Part(kind, title, read.data, source=Path(path), label_prefix=prefix, inspection=read.inspection)

    parts: list[Part] = []
    if cover_pdf is not None:
        parts.append(Part("cover", w["cover"], cover_pdf, trusted=True))
    for path in cover_pdfs:
        parts.append(external("cover-pdf", Path(path).stem, path))
    parts.append(Part("letter", letter.title, letter_pdf, source=letter.source, trusted=True))
    for i, annex in enumerate(annexes):
        if annex.path is None:
            continue  # an enclosure sent separately: listed, not merged
        parts.append(external("annex", annex.title, annex.path, annex_letter(i)))
    return parts


def assemble(
    *,
    letter: Letter,
    letter_pdf: bytes,
    cover_pdf: bytes | None,
    cover_pdfs: tuple[Path, ...],
    annexes: tuple[Annex, ...],
    attachments: tuple[Attachment, ...] = (),
    externals: Mapping[Path, ExternalPdf] | None = None,
) -> Assembled:
    """Merge the package; refuse unsafe external files with ``AssemblyError`` (nothing is written here).

    ``externals`` are the external PDFs as ``check_externals`` read them; a file not among them is read now.
    """
    paths = [*cover_pdfs, *(a.path for a in annexes if a.path is not None)]
    externals = dict(externals or {})
    externals.update(read_externals(p for p in paths if p not in externals))  # files not read before: now
    parts = parts_for(letter=letter, letter_pdf=letter_pdf, cover_pdf=cover_pdf, cover_pdfs=cover_pdfs,
                      annexes=annexes, externals=externals)
    return assemble_parts(parts, lang=letter.lang, attachments=attachments)


def assemble_parts(parts: list[Part], *, lang: str = "en", attachments: tuple[Attachment, ...] = ()) -> Assembled:
    """Merge ``parts`` with qpdf (pikepdf): the letter is the base document, opened and written once; the
    generated cover's pages and tags are copied in; external parts are cleaned with pypdf into a small document
    of their own first, whose pages are then copied in."""
    import pikepdf
    from pikepdf import Array, String

    w = words(lang)
    notes: list[str] = []
    inspections = {id(p): p.inspection or inspection.preflight(p.source or Path(p.title), p.pdf)
                   for p in parts if not p.trusted}  # a part made without its preflight gets it now
    letter_part = next(p for p in parts if p.kind == "letter")

    opened: list = []  # qpdf copies stream data lazily: every source stays open until the package is written
    try:
        pdf = pikepdf.open(io.BytesIO(letter_part.pdf))
        opened.append(pdf)
        letter_claim = pdfa.claim(pdf)
        letter_outline = outline.letter_outline(pdf, {page.obj.objgen: i for i, page in enumerate(pdf.pages)})
        for key in ("/Outlines", "/PageLabels"):
            if key in pdf.Root:
                del pdf.Root[key]
        letter_pages = len(pdf.pages)
        box = [float(v) for v in pdf.pages[0].mediabox]
        letter_size = (box[2] - box[0], box[3] - box[1])

        tagged_ok = True
        claim_problems: list[str] = []
        placed: list[tuple[Part, int, int, list]] = []  # part, first page, pages, outline
        position = 0
        for part in parts:
            if part.kind == "letter":
                placed.append((part, position, letter_pages, letter_outline))
                position += letter_pages
                continue
            if part.trusted:
                source = pikepdf.open(io.BytesIO(part.pdf))
                opened.append(source)
                n = len(source.pages)
                _insert_pages(pdf, source, position)
                new_pages = [pdf.pages[position + i] for i in range(n)]
                if not tags.graft_structure(pdf, source, new_pages):
                    tagged_ok = False
                    for page in new_pages:
                        if "/StructParents" in page.obj:
                            del page.obj["/StructParents"]
                part_outline: list[tuple[str, int | None, list]] = []
            else:
                found = inspections[id(part)]
                removed = sanitise.Removed()
                name = part.source.name if part.source else part.title
                try:
                    cleaned, n, part_outline = sanitise.clean_external(part.pdf, removed)
                    source = pikepdf.open(io.BytesIO(cleaned))
                    opened.append(source)
                    _insert_pages(pdf, source, position)
                    sanitise.point_internal_links(pdf, position, n)
                except MemoryError:
                    raise
                except Exception as exc:  # pypdf raises many kinds on odd input the preflight let through
                    raise AssemblyError(f"cannot be merged ({type(exc).__name__}: {str(exc)[:120]})",
                                        where=part.source or Path(name),
                                        hint="rebuild it, e.g. `qpdf in.pdf out.pdf`, or re-export it") from exc
                if removed.counts:
                    notes.append(f"{name}: removed {removed.text()}")
                if found.repairs:
                    notes.append(f"{name}: was damaged and repaired while reading ({found.repairs[0]}); check its pages")
                odd = sorted({paper_name(*s) for s in found.sizes if abs(s[0] - letter_size[0]) > 3 or abs(s[1] - letter_size[1]) > 3})
                if odd:
                    notes.append(f"{name}: page size {', '.join(odd)} differs from the letter's "
                                 f"({paper_name(*letter_size)}); kept as it is")
                tagged_ok = False
                if found.pdfa_problems:
                    claim_problems.append(f"{name}: {'; '.join(found.pdfa_problems)}")
            placed.append((part, position, n, part_outline))
            position += n

        total = position
        letter_offset = next(first for part, first, _n, _o in placed if part.kind == "letter")

        # Bookmarks: one per part, each part's own outline under it (the letter's items stay top-level:
        # they are the letter and its signatory list).
        items: list[tuple[str, int, list]] = []
        for part, first, _n, part_outline in placed:
            if part.kind == "letter":
                items += outline.shift_outline(letter_outline, first) or [(w["letter"], first, [])]
                continue
            title = part.title if part.kind != "annex" else f"{part.label_prefix}. {part.title}"
            items.append((title, first, outline.shift_outline(part_outline, first)))
        outline.write_outline(pdf, items)

        # Page labels: covers "Cover" (one page) or "Cover-1", "Cover-2"...; the letter 1..N; enclosures A-1...
        outline.write_page_labels(pdf, cover_word=w["cover"], letter_offset=letter_offset,
                                  annexes=[(first, part.label_prefix) for part, first, _n, _o in placed
                                           if part.kind == "annex" and part.label_prefix is not None])

        # The archival claim.
        level = letter_claim
        if level and not tagged_ok and level.endswith(("A", "U")):
            level = level[0] + "B"
        if level and claim_problems:
            notes.append("the package is not PDF/A: " + " | ".join(claim_problems)
                         + " (convert these files to PDF/A first, e.g. `ocrmypdf --output-type pdfa in.pdf out.pdf`)")
            level = None
        elif level and letter_claim and level != letter_claim:
            notes.append(f"the package is PDF/A-{level[0]}{level[1:].lower()}, not -{letter_claim[0]}{letter_claim[1:].lower()}: "
                         "merged PDFs carry no accessibility tags")
        drop_ua = not tagged_ok
        if level != letter_claim or drop_ua:
            _set_claim(pdf, level, drop_ua)

        pdfa.retag_subsets(pdf)

        # Metadata: the letter's Info and XMP stay as they are (nothing here adds a producer or a date).
        info = pdf.trailer.get("/Info")
        created = (info.get("/CreationDate") or info.get("/ModDate")) if isinstance(info, pikepdf.Dictionary) else None
        default_time = str(created) if created else "D:19700101000000+00'00'"
        embed(pdf, tuple(attachments), default_time)

        # The first file identifier comes from the inputs; qpdf derives the second from the content.
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.kind.encode() + b"\0" + hashlib.sha256(part.pdf).digest())
        for a in sorted(attachments, key=lambda x: x.name):
            digest.update(a.name.encode() + b"\0" + hashlib.sha256(a.data).digest())
        ident = String(digest.digest()[:16])
        pdf.trailer.ID = Array([ident, ident])

        written = pdfa.save(pdf)
        if level is not None and pdfa.CR_BEFORE_ENDSTREAM in written:
            notes.append("the package is not PDF/A: a stream's data ends with a carriage return, which makes "
                         "its length ambiguous (ISO 19005-2 6.1.7.1)")
            level = None
            _set_claim(pdf, None, True)
            written = pdfa.save(pdf)
        out = io.BytesIO(written)
    finally:
        for document in reversed(opened):
            document.close()
    infos = tuple(PartPages(p.kind, p.title, first, n, p.label_prefix) for p, first, n, _o in placed)
    return Assembled(pdf=out.getvalue(), pages=total, letter_page_offset=letter_offset, notes=tuple(notes),
                     pdfa=level is not None, pdfa_level=level, parts=infos)




def _set_claim(pdf, level: str | None, drop_ua: bool) -> None:
    try:
        pdfa.set_claim(pdf, level, drop_ua)
    except ValueError as exc:
        raise AssemblyError(f"{exc}: the package would make a false PDF/A claim") from exc


def _insert_pages(pdf, source, position: int) -> None:
    """Copy every page of ``source`` (another pikepdf document) into ``pdf`` from page index ``position`` on."""
    for i, page in enumerate(source.pages):
        if position + i < len(pdf.pages):
            pdf.pages.insert(position + i, page)
        else:
            pdf.pages.append(page)
