"""Sanitising an untrusted PDF: only its pages are copied, cleaned, into a small document of their own.

Never its catalog (so no document JavaScript, OpenAction, embedded files or form); on each page every action,
additional action, associated file, file attachment and multimedia annotation is dropped; a form field's
printed look is kept as page content; links to web pages are rebuilt as plain URI links and internal links
point at the part's own pages; what was removed is counted for the build's notes. Runs with pypdf inside
``limits.pypdf_limits``, on a file the sandboxed preflight has already read completely.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from letter_pdf.pdf import limits
from letter_pdf.pdf.outline import read_outline

_WEB_SCHEMES = ("http://", "https://", "mailto:")



# Keys never copied from an external page or anything under it: actions, additional actions, associated
# files and embedded file streams, private application data, structure references (no tags are merged).
_EXTERNAL_EXCLUDED = ("/Annots", "/AA", "/A", "/AF", "/EF", "/B", "/PieceInfo", "/StructParents",
                      "/StructParent", "/Thumb", "/Dur", "/PresSteps", "/JS", "/OpenAction")
_MULTIMEDIA = {"/Sound", "/Movie", "/Screen", "/RichMedia", "/3D", "/Projection"}
_ANNOT_EXCLUDED = ("/A", "/AA", "/AF", "/EF", "/FS", "/P", "/Popup", "/IRT", "/Parent", "/StructParent",
                   "/RichMediaContent", "/JS")


@dataclass
class Removed:
    counts: dict[str, int] = field(default_factory=dict)
    flattened: int = 0  # form fields whose printed look was kept as page content

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n

    def text(self) -> str:
        out = []
        for what, n in self.counts.items():
            details = [str(n)] if n > 1 else []
            if what == "form fields" and self.flattened:
                details.append("what was filled in stays visible" if self.flattened == n
                               else f"{self.flattened} kept visible")
            out.append(f"{what} ({', '.join(details)})" if details else what)
        return ", ".join(out)


def _catalog_removals(reader, removed: Removed) -> None:
    root = reader.trailer["/Root"]
    if "/OpenAction" in root:
        removed.add("opening action")
    if "/AA" in root:
        removed.add("document actions")
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    if "/JavaScript" in names:
        removed.add("document JavaScript")
    if "/EmbeddedFiles" in names or "/AF" in root:
        removed.add("embedded files")
    form = root.get("/AcroForm")
    if form is not None:
        form = form.get_object()
        removed.add("form" + (" with XFA" if "/XFA" in form else ""))


def _action_kind(action) -> str:
    try:
        action = action.get_object()
        return str(action.get("/S", "/unknown")).lstrip("/")
    except Exception:
        return "unknown"


def _copy_external_page(writer, reader, page, removed: Removed):
    """Append a cleaned copy of an untrusted ``page``; return the new page and its link annotations
    still to resolve (internal links are resolved once all pages of the part are in)."""
    from pypdf.generic import NameObject

    if "/AA" in page:
        removed.add("page actions")
    if "/AF" in page:
        removed.add("embedded files")
    new = writer.add_page(page, excluded_keys=_EXTERNAL_EXCLUDED)
    pending = []
    annots = page.get("/Annots")
    kept = []
    flattened: list[tuple[str, list[float]]] = []  # (XObject name, matrix) drawn over the page
    for ref in (annots.get_object() if annots is not None else []):
        annot = ref.get_object()
        subtype = annot.get("/Subtype")
        if "/AA" in annot:
            removed.add("annotation actions")
        if subtype == "/Widget" or "/FT" in annot:
            removed.add("form fields")
            if _flatten(writer, new, annot, flattened):
                removed.flattened += 1
            continue
        if subtype == "/FileAttachment":
            removed.add("embedded files")
            continue
        if subtype in _MULTIMEDIA:
            removed.add("multimedia")
            continue
        if subtype == "/Popup":
            continue
        if subtype == "/Link":
            link, dest = _clean_link(annot, removed)
            if link is not None:
                kept.append(link)
                if dest is not None:
                    pending.append((new, link, dest))
            continue
        flags = int(annot.get("/F", 0) or 0)
        if flags & (1 | 2 | 32) or "/AP" not in annot:  # invisible, hidden, no-view, or no appearance
            removed.add("hidden annotations")
            continue
        if "/A" in annot:
            removed.add(f"{_action_kind(annot['/A'])} actions")
        clone = annot.clone(writer, False, _ANNOT_EXCLUDED)
        clone[NameObject("/F")] = _number((flags | 4) & ~(1 | 2 | 32 | 256))
        kept.append(clone)
    if flattened:
        _draw_over(writer, new, flattened)
    if kept:
        from pypdf.generic import ArrayObject

        arr = ArrayObject()
        for annot in kept:
            annot[NameObject("/P")] = new.indirect_reference
            ref = getattr(annot, "indirect_reference", None)
            arr.append(ref if ref is not None else writer._add_object(annot))
        new[NameObject("/Annots")] = arr
    return new, pending


def _flatten(writer, new_page, annot, flattened: list) -> bool:
    """Keep the visible appearance of a form field as page content (PDF 32000-1 12.5.5): its normal
    appearance becomes a form XObject drawn into the annotation's rectangle. False when there is none."""
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    try:
        flags = int(annot.get("/F", 0) or 0)
        ap = annot.get("/AP")
        normal = ap.get_object().get("/N") if ap is not None else None
        if normal is None or flags & (1 | 2 | 32):
            return False
        normal = normal.get_object()
        if not isinstance(normal, StreamObject):
            state = annot.get("/AS")
            if state is None or state not in normal:
                return False
            normal = normal[state].get_object()
        if not isinstance(normal, StreamObject):
            return False
        x0, y0, x1, y1 = (float(v) for v in annot["/Rect"][:4])
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        bbox = [float(v) for v in normal.get("/BBox", [0, 0, x1 - x0, y1 - y0])[:4]]
        a, b, c, d, e, f = (float(v) for v in normal.get("/Matrix", [1, 0, 0, 1, 0, 0])[:6])
        corners = [(bx * a + by * c + e, bx * b + by * d + f) for bx in (bbox[0], bbox[2]) for by in (bbox[1], bbox[3])]
        tx0, tx1 = min(p[0] for p in corners), max(p[0] for p in corners)
        ty0, ty1 = min(p[1] for p in corners), max(p[1] for p in corners)
        if tx1 - tx0 <= 0 or ty1 - ty0 <= 0:
            return False
        sx, sy = (x1 - x0) / (tx1 - tx0), (y1 - y0) / (ty1 - ty0)
        form = normal.clone(writer, False, _ANNOT_EXCLUDED)
        form = form.get_object()  # type: ignore[assignment]  # pypdf: a dictionary's get_object() is itself
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        if "/BBox" not in form:
            from pypdf.generic import ArrayObject, FloatObject

            form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in bbox)
        resources = new_page.get("/Resources")
        if resources is None:
            resources = DictionaryObject()
            new_page[NameObject("/Resources")] = resources
        resources = resources.get_object()
        xobjects = resources.get("/XObject")
        if xobjects is None:
            xobjects = DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
        xobjects = xobjects.get_object()
        name = f"/LetterPdfField{len(flattened) + 1}"
        while name in xobjects:
            name += "x"
        xobjects[NameObject(name)] = form.indirect_reference
        flattened.append((name, [sx, 0, 0, sy, x0 - tx0 * sx, y0 - ty0 * sy]))
        return True
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return False


def _draw_over(writer, page, flattened: list) -> None:
    """Draw the flattened fields over the page's own content (which is wrapped in q/Q first)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

    def stream(data: bytes):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    ops = b"".join(
        b"q " + " ".join(f"{v:.6f}".rstrip("0").rstrip(".") or "0" for v in m).encode() + b" cm " + name.encode() + b" Do Q\n"
        for name, m in flattened
    )
    contents = page.get("/Contents")
    parts = []
    if contents is not None:
        contents_obj = contents.get_object()
        parts = list(contents_obj) if isinstance(contents_obj, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([stream(b"q\n"), *parts, stream(b"\nQ\n" + ops)])


def _number(n: int):
    from pypdf.generic import NumberObject

    return NumberObject(n)


def _clean_link(annot, removed: Removed):
    """A new, plain link annotation for a web link or an internal link; ``None`` for anything else."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    rect = annot.get("/Rect")
    try:
        rect = ArrayObject(FloatObject(float(v)) for v in rect.get_object()[:4])
    except Exception:
        return None, None
    base = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): rect,
        NameObject("/Border"): ArrayObject([_number(0), _number(0), _number(0)]),
        NameObject("/F"): _number(4),
    })
    action = annot.get("/A")
    if action is not None:
        action = action.get_object()
        kind = str(action.get("/S", ""))
        if "/Next" in action:
            removed.add("chained actions")
        if kind == "/URI":
            uri = action.get("/URI")
            uri = uri.get_object() if uri is not None else None
            text = str(uri) if uri is not None else ""
            if text.lower().startswith(_WEB_SCHEMES) and len(text) < 4096 and not any(c in text for c in "\x00\r\n"):
                base[NameObject("/A")] = DictionaryObject({
                    NameObject("/Type"): NameObject("/Action"),
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject(text),
                })
                return base, None
            removed.add("links that are not web links")
            return None, None
        if kind == "/GoTo" and action.get("/D") is not None:
            return base, action.get("/D")  # resolved later, within this part
        removed.add(f"{kind.lstrip('/') or 'unknown'} actions")
        return None, None
    if annot.get("/Dest") is not None:
        return base, annot.get("/Dest")
    return None, None




def clean_external(data: bytes, removed: Removed) -> tuple[bytes, int, list]:
    """An untrusted PDF's pages, cleaned (see ``_copy_external_page``), as a small PDF of their own; its page
    count and its outline. Internal links point at page indexes of the part (see ``point_internal_links``)."""
    from pypdf import PdfReader, PdfWriter

    with limits.pypdf_limits():
        reader = PdfReader(io.BytesIO(data), strict=False)
        writer = PdfWriter()
        _catalog_removals(reader, removed)
        new_pages = []
        pending = []
        for page in reader.pages:
            new, links = _copy_external_page(writer, reader, page, removed)
            new_pages.append(new)
            pending += links
        _resolve_links(writer, reader, new_pages, pending, removed)
        try:
            outline = read_outline(reader)
        except Exception:  # pypdf raises on a damaged name tree it reads for the outline's destinations
            outline = []
            removed.add("an outline that could not be read")
        buffer = io.BytesIO()
        writer.write(buffer)
    return buffer.getvalue(), len(new_pages), outline


def point_internal_links(pdf, position: int, n: int) -> None:
    """Turn the internal links of the part copied at ``position`` (``n`` pages) from page indexes of the part
    into destinations on the package's pages. (Copied one by one, a page cannot point at a later page.)"""
    import pikepdf
    from pikepdf import Array, Name

    pages = [pdf.pages[position + i].obj for i in range(n)]
    for page in pages:
        for annot in page.get("/Annots", None) or ():
            dest = annot.get("/Dest") if isinstance(annot, pikepdf.Dictionary) else None
            if isinstance(dest, pikepdf.Array) and len(dest) == 2 and isinstance(dest[0], int):
                annot.Dest = Array([pages[dest[0]], Name.Fit]) if 0 <= dest[0] < n else Array([page, Name.Fit])


def _resolve_links(writer, reader, new_pages, pending, removed: Removed) -> None:
    """Point internal links of an external part at its own pages, by index within the part (``[i /Fit]``);
    drop those that lead elsewhere."""
    from pypdf.generic import ArrayObject, NameObject, NumberObject

    by_ref = {}
    for i, page in enumerate(reader.pages):
        by_ref[page.indirect_reference.idnum] = i
    named = None
    for page, link, dest in pending:
        target = None
        try:
            dest = dest.get_object()
            if isinstance(dest, (str, bytes)) or not isinstance(dest, list):
                if named is None:
                    named = reader.named_destinations
                d = named.get(str(dest))
                page_no = reader.get_destination_page_number(d) if d is not None else None
                target = page_no if page_no is not None and 0 <= page_no < len(new_pages) else None
            elif dest and hasattr(dest[0], "idnum"):
                target = by_ref.get(dest[0].idnum)
        except Exception:
            target = None
        if target is None:
            removed.add("links to other documents")
            annots = page["/Annots"]
            for i, ref in enumerate(list(annots)):
                if ref.get_object() is link:
                    del annots[i]
                    break
            continue
        link[NameObject("/Dest")] = ArrayObject([NumberObject(target), NameObject("/Fit")])
