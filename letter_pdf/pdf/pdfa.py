"""The PDF/A claim and what keeps it true: read in one place, written in one place.

The claim is read through parsed XMP with pikepdf (``open_metadata().pdfa_status``), whatever the form it was
written in (``pdfaid:part="3"`` attributes or ``<pdfaid:part>3</pdfaid:part>`` elements). It is rewritten or
dropped by ``rewrite_claim`` on the XMP bytes, which leaves every other byte of the metadata as it is (so a
package whose claim does not change keeps the letter's XMP byte for byte), and checks its own result with
the reader. Also here: the check that a font is embedded, the check of a signature's appearance, subset tags
derived from the subset, and writing the package with no stream whose data ends with a carriage return.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


# ---------------------------------------------------------------------------------------------------------
# Reading the claim.


def claim(pdf) -> str | None:
    """The PDF/A claim of ``pdf`` (an open pikepdf document), e.g. ``"3A"``; ``None`` when it makes none."""
    status = pdf.open_metadata().pdfa_status
    return status.upper() if status else None


def claim_in(xmp: bytes) -> str | None:
    """The PDF/A claim made by the XMP packet ``xmp`` (e.g. read from an untrusted file with pypdf)."""
    with _holding(xmp) as holder:
        return claim(holder)


@contextmanager
def _holding(xmp: bytes) -> Iterator:
    """An empty pikepdf document whose metadata is ``xmp``: pikepdf parses XMP only as a document's."""
    import pikepdf

    with pikepdf.new() as holder:
        holder.Root.Metadata = holder.make_stream(xmp)
        yield holder


def claim_of(data: bytes) -> str | None:
    """The PDF/A claim of the PDF ``data`` (one of ours: the package to sign); ``None`` when unreadable."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return claim(pdf)
    except pikepdf.PdfError:
        return None


# ---------------------------------------------------------------------------------------------------------
# Writing it.

# An element may declare its namespace (<pdfaid:part xmlns:pdfaid="...">3</pdfaid:part>).
_ELEMENT = r"<{ns}:({keys})(?:\s[^<>]*)?>[^<]*</{ns}:\1>"


def rewrite_claim(xmp: bytes, level: str | None, *, drop_ua: bool = False) -> bytes:
    """``xmp`` with its pdfaid claim set to ``level`` (e.g. "3B") or removed (``None``), and its pdfuaid
    claim removed when ``drop_ua``; nothing else changes. ``ValueError`` when the result, read back, does
    not say what was asked (an XMP form this cannot rewrite): never a false claim."""
    text = xmp.decode("utf-8")
    if level is None:
        text = re.sub(r'\s*pdfaid:(?:part|conformance|amd|rev)="[^"]*"', "", text)
        text = re.sub(r"\s*" + _ELEMENT.format(ns="pdfaid", keys="part|conformance|amd|rev"), "", text)
    else:
        for key, value in (("part", level[0]), ("conformance", level[1:])):
            text = re.sub(rf'pdfaid:{key}="[^"]*"', f'pdfaid:{key}="{value}"', text)
            text = re.sub(rf"(<pdfaid:{key}(?:\s[^<>]*)?>)[^<]*(</pdfaid:{key}>)", rf"\g<1>{value}\g<2>", text)
    if drop_ua:
        text = re.sub(r'\s*pdfuaid:(?:part|amd|rev)="[^"]*"', "", text)
        text = re.sub(r"\s*" + _ELEMENT.format(ns="pdfuaid", keys="part|amd|rev"), "", text)
    out = text.encode("utf-8")
    with _holding(out) as holder:
        # a part left without its conformance is no claim to pdfa_status, but a broken one to a validator
        part = holder.open_metadata().get("pdfaid:part")
        if claim(holder) != level or (level is None and part is not None):
            raise ValueError(f"the XMP metadata's PDF/A claim could not be "
                             f"{'removed' if level is None else 'rewritten'}")
    return out


def set_claim(pdf, level: str | None, drop_ua: bool) -> None:
    """Rewrite the PDF/A claim of ``pdf`` (an open pikepdf document) with ``rewrite_claim``."""
    import pikepdf
    from pikepdf import Name

    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return
    xmp = rewrite_claim(meta.read_bytes(), level, drop_ua=drop_ua)
    pdf.Root.Metadata = pdf.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)


# ---------------------------------------------------------------------------------------------------------
# Content checks.


def unembedded_font(font) -> str | None:
    """"font NAME is not embedded" when the font dictionary ``font`` (read with pypdf or pyHanko: a simple
    font or a CIDFont) has no font program in its descriptor (ISO 19005-2 6.2.11.4.1); ``None`` when it has."""
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else None
    if descriptor and any(key in descriptor for key in FONT_FILES):
        return None
    return f"font {str(font.get('/BaseFont', '?')).lstrip('/')} is not embedded"


CR_BEFORE_ENDSTREAM = b"\r\nendstream"


def save(pdf) -> bytes:
    """The package's bytes, with no stream whose data ends with a carriage return (if it can be helped).

    qpdf writes a line feed before ``endstream``; when the (compressed) data itself ends with CR, a reader of
    ISO 19005-2 6.1.7.1 may take CR LF for the end-of-line and find /Length one too long (page-validation
    0.11 does). Recompressing does not help (a Flate stream ends with the checksum of its content), so such a
    stream gets an ASCIIHexDecode filter in front, whose data ends with ``>`` (and qpdf is told not to
    compress streams itself, which would take that filter off again); when an object or cross-reference
    stream that qpdf makes itself ends so, the file is written with the letter's own object streams, else
    without object streams. If one remains, the caller drops the PDF/A claim."""
    import zlib

    import pikepdf
    from pikepdf import Array, Name

    def write(mode=pikepdf.ObjectStreamMode.generate, compress: bool = True) -> bytes:
        out = io.BytesIO()
        # Object streams, as WeasyPrint wrote the letter; qpdf writes only reachable objects, leaves the XMP
        # stream unfiltered (PDF/A) and keeps every other stream as it is.
        pdf.save(out, object_stream_mode=mode, compress_streams=compress,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True,
                 fix_metadata_version=False, linearize=False)
        return out.getvalue()

    data = write()
    if CR_BEFORE_ENDSTREAM not in data:
        return data
    seen: set[tuple[int, int]] = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or obj.objgen in seen or obj.get("/Type") == "/Metadata":
            continue
        seen.add(obj.objgen)
        if "/Filter" not in obj:  # what qpdf's compression would have done
            obj.write(zlib.compress(obj.read_bytes()), filter=Name.FlateDecode, type_check=False)
        raw = obj.read_raw_bytes()
        if raw.endswith(b"\r"):
            filters: object = obj.get("/Filter")
            filters = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
            parms: object = obj.get("/DecodeParms")
            parms = list(parms) if isinstance(parms, pikepdf.Array) else [parms] if parms is not None else []
            obj.write(raw.hex().upper().encode("ascii") + b">", filter=Array([Name.ASCIIHexDecode, *filters]),
                      decode_parms=Array([None, *parms]) if parms else None, type_check=False)
    data = write(compress=False)
    for mode in (pikepdf.ObjectStreamMode.preserve, pikepdf.ObjectStreamMode.disable):
        if CR_BEFORE_ENDSTREAM not in data:
            break
        data = write(mode, compress=False)  # other object streams (the letter's own), else none
    return data


_SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")


def subset_tag(program: bytes) -> str:
    """Six capital letters derived from a font program's bytes: the same subset always gets the same tag, two
    different subsets (almost surely) different ones."""
    n = int.from_bytes(hashlib.sha256(program).digest()[:8], "big")
    letters = []
    for _ in range(6):
        n, r = divmod(n, 26)
        letters.append(chr(ord("A") + r))
    return "".join(letters)


def retag_subsets(pdf) -> None:
    """Name every embedded font subset after its own content (ISO 32000-1 9.6.4: a tag per subset).

    WeasyPrint derives a subset's tag from the font, not from the glyphs kept, so the generated cover and the
    letter each bring a different ``Noto-Serif`` subset under the same tag, and a reader may use one program
    for both. Tags of merged enclosures are renamed the same way."""
    import pikepdf
    from pikepdf import Name

    new_tags: dict[tuple[int, int], str] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        name = str(obj.get("/FontName", ""))
        program = next((obj[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in obj), None)
        if not _SUBSET_TAG.match(name) or not isinstance(program, pikepdf.Stream):
            continue
        try:
            data = program.read_bytes()
        except pikepdf.PdfError:  # an undecodable program keeps its name
            continue
        tag = subset_tag(data)
        new_tags[obj.objgen] = tag
        obj.FontName = Name(f"/{tag}+{name[8:]}")
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or "/BaseFont" not in obj:
            continue
        descendants = obj.get("/DescendantFonts")
        holder = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else obj
        descriptor = holder.get("/FontDescriptor") if isinstance(holder, pikepdf.Dictionary) else None
        tag = new_tags.get(descriptor.objgen, "") if isinstance(descriptor, pikepdf.Dictionary) else ""
        base = str(obj.BaseFont)
        if tag and _SUBSET_TAG.match(base):
            obj.BaseFont = Name(f"/{tag}+{base[8:]}")


# ---------------------------------------------------------------------------------------------------------
# The signature's appearance.


def signature_problems(pdf: bytes) -> list[str]:
    """What in the signature field(s) of ``pdf`` breaks PDF/A-2/3 (ISO 19005-2 6.3, 6.2.11, 6.4): missing
    appearance, annotation flags, unembedded fonts or transparency in the appearance; and a stream whose data
    ends with CR (6.1.7.1, as read by page-validation). Empty when none."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

    reader = PdfReader(io.BytesIO(pdf))
    problems: list[str] = []
    if CR_BEFORE_ENDSTREAM in pdf:  # see ``save``: a stream whose data ends with CR has an ambiguous length
        problems.append("a stream's data ends with a carriage return (ISO 19005-2 6.1.7.1)")
    rgb_intent = False  # DeviceRGB is allowed only with an RGB PDF/A output intent (6.2.4.3)
    for intent in reader.trailer["/Root"].get("/OutputIntents") or ArrayObject():  # type: ignore[attr-defined]  # pypdf: /Root is a dict
        intent = intent.get_object()
        profile = intent.get("/DestOutputProfile")
        if intent.get("/S") == "/GTS_PDFA1" and profile is not None and int(profile.get_object().get("/N", 0)) == 3:
            rgb_intent = True
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots") or ArrayObject():
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget" or annot.get("/FT") != "/Sig":
                continue
            where = f"signature widget on page {number}"
            flags = int(annot.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32):
                problems.append(f"{where}: annotation flags {flags} (Print must be set, Hidden/NoView unset)")
            rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
            zero_area = rect[0] == rect[2] or rect[1] == rect[3]
            ap = annot.get("/AP")
            if ap is None:
                if not zero_area:
                    problems.append(f"{where}: no appearance stream")
                continue
            ap = ap.get_object()
            if set(ap.keys()) - {"/N"}:
                problems.append(f"{where}: appearance has entries other than /N")
            normal = ap.get("/N")
            normal = normal.get_object() if normal is not None else None
            if not isinstance(normal, StreamObject):
                problems.append(f"{where}: the normal appearance is not a stream")
                continue
            problems += [f"{where}: {p}" for p in _resource_problems(normal, DictionaryObject, StreamObject)]
            if not rgb_intent and re.search(rb"(?<![A-Za-z])(rg|RG)(?![A-Za-z])", normal.get_data()):
                problems.append(f"{where}: DeviceRGB colour without an RGB output intent")
    return problems


def _resource_problems(xobject, DictionaryObject, StreamObject, depth: int = 0) -> list[str]:
    problems: list[str] = []
    if depth > 8:
        return problems
    if "/SMask" in xobject or "/Group" in xobject and xobject["/Group"].get_object().get("/S") == "/Transparency":
        problems.append("transparency in the appearance")
    resources = xobject.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    for font_ref in (resources.get("/Font") or DictionaryObject()).values():
        font = font_ref.get_object()
        descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
        problems += [p for p in map(unembedded_font, descendants) if p]
        if "/ToUnicode" not in font:
            problems.append(f"font {font.get('/BaseFont')} has no ToUnicode map")
    for gs_ref in (resources.get("/ExtGState") or DictionaryObject()).values():
        gs = gs_ref.get_object()
        if float(gs.get("/CA", 1)) < 1 or float(gs.get("/ca", 1)) < 1 or gs.get("/SMask", "/None") != "/None":
            problems.append("transparency in the appearance")
    for x_ref in (resources.get("/XObject") or DictionaryObject()).values():
        x = x_ref.get_object()
        if isinstance(x, StreamObject):
            problems += _resource_problems(x, DictionaryObject, StreamObject, depth + 1)
    return problems
