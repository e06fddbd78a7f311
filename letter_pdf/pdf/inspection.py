"""Preflight of an external (untrusted) PDF: read once, checked completely in the sandbox, carried forward.

``read(path)`` refuses what is not a regular file, too large, not a PDF or truncated, then has the sandboxed
child (``sandbox``) parse every object reachable from the pages and decode every stream within the limits
(``limits``). The result, an ``ExternalPdf``, holds the bytes and their ``Inspection``; later stages (the
cover's list of enclosures, the merge) use it instead of reading or checking the file again.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf.errors import AssemblyError
from letter_pdf.pdf import limits, pdfa
from letter_pdf.pdf.sandbox import Refused, refuse, run


@dataclass(frozen=True)
class Inspection:
    """What the sandboxed preflight learned about an external PDF."""

    pages: int
    sizes: tuple[tuple[float, float], ...]  # width, height in points of each page (as displayed)
    version: str
    pdfa: str | None  # the file's own claim, e.g. "2B"
    pdfa_problems: tuple[str, ...]  # why its content would break the package's PDF/A claim
    repairs: tuple[str, ...]  # what pypdf had to repair while reading
    tagged: bool


@dataclass(frozen=True)
class ExternalPdf:
    """An external PDF read once: where it came from, its bytes, and what the preflight found."""

    path: Path
    data: bytes = field(repr=False)
    inspection: Inspection


def read(path: Path) -> ExternalPdf:
    """Read and preflight the external PDF at ``path``; ``AssemblyError`` when it is refused."""
    data = read_external(path)
    return ExternalPdf(Path(path), data, preflight(path, data))


def _bad_file(path: Path, reason: str, hint: str | None = None) -> AssemblyError:
    """A file that cannot be merged for an ordinary reason (missing, not a PDF, cut short): bad input, exit 1;
    the sandbox's refusals are ``UnsafePdfError`` (exit 5)."""
    return AssemblyError(reason, where=path, hint=hint)


def read_external(path: Path) -> bytes:
    """Read an external PDF's bytes, refusing files that are missing, not regular files or too large."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _bad_file(path, f"cannot read the file ({exc.strerror})", "check the path") from exc
    if not path.is_file():
        raise _bad_file(path, "is not a file")
    if size > limits.MAX_FILE_BYTES:
        raise refuse(
            path,
            f"is {size / 1048576:.0f} MiB; the limit for a merged PDF is {limits.MAX_FILE_BYTES // 1048576} MiB",
            "reduce it (e.g. `qpdf --compress-streams=y` or a lower image resolution) or send it separately",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _bad_file(path, f"cannot read the file ({exc.strerror})") from exc
    _check_envelope(path, data)
    return data


def _check_envelope(path: Path, data: bytes) -> None:
    """Cheap checks before any parsing: a PDF header, and an end-of-file marker (else: truncated)."""
    if b"%PDF-" not in data[:1024]:
        start = data[:8]
        kind = _guess_kind(start)
        raise _bad_file(path, f"is not a PDF file{f' (it looks like {kind})' if kind else ''}",
                      "export or print it to PDF first")
    if b"%%EOF" not in data[-2048:]:
        raise _bad_file(path, "is truncated (no end-of-file marker): the copy or download was cut short",
                      "get the complete file again")


def _guess_kind(start: bytes) -> str | None:
    for magic, kind in ((b"PK\x03\x04", "a ZIP or Office document"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
                        (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"{\\rtf", "an RTF document"),
                        (b"<", "an HTML or XML file")):
        if start.startswith(magic):
            return kind
    return None


def preflight(path: Path, data: bytes) -> Inspection:
    """Read ``data`` completely in a child process with limits; refuse it or return what it contains."""
    report = run(Path(path), data)
    return Inspection(
        pages=report["pages"],
        sizes=tuple(tuple(s) for s in report["sizes"]),
        version=report["version"],
        pdfa=report["pdfa"],
        pdfa_problems=tuple(report["pdfa_problems"]),
        repairs=tuple(report["repairs"]),
        tagged=report["tagged"],
    )


class _RepairLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if len(self.messages) < 20:
            self.messages.append(record.getMessage()[:200])


_CMYK_OP = re.compile(rb"(?:^|[\s\]])(?:[-+]?[\d.]+\s+){4}[kK](?=[\s\[/]|$)")
_INLINE_CMYK = re.compile(rb"/(?:CS|ColorSpace)\s*/(?:CMYK|DeviceCMYK)\b")
_FONT_SUBTYPES = ("/Type1", "/MMType1", "/TrueType", "/CIDFontType0", "/CIDFontType2")
_STANDARD_BLEND = {"/Normal", "/Compatible", "/Multiply", "/Screen", "/Overlay", "/Darken", "/Lighten",
                   "/ColorDodge", "/ColorBurn", "/HardLight", "/SoftLight", "/Difference", "/Exclusion",
                   "/Hue", "/Saturation", "/Color", "/Luminosity"}


def inspect_data(data: bytes) -> dict:
    """Parse every object reachable from the pages and decode every stream, within the limits."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

    handler = _RepairLog()
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(handler)
    pypdf_log.setLevel(logging.WARNING)
    try:
        with limits.pypdf_limits():
            try:
                reader = PdfReader(io.BytesIO(data), strict=False)
                if reader.is_encrypted:
                    raise Refused("is encrypted (password-protected)",
                                   "remove the password first, e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`")
                pages = list(reader.pages)
            except Refused:
                raise
            except FileNotDecryptedError as exc:
                raise Refused("is encrypted (password-protected)",
                               "remove the password first, e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`") from exc
            except LimitReachedError as exc:
                raise Refused(f"exceeds a safety limit while reading ({exc})", "rebuild it, e.g. `qpdf in.pdf out.pdf`") from exc
            except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
                raise Refused(f"is damaged and cannot be repaired ({type(exc).__name__}: {str(exc)[:120]})",
                               "re-export it from the program that made it") from exc
            if not pages:
                raise Refused("has no pages")
            if len(pages) > limits.MAX_PAGES:
                raise Refused(f"has {len(pages)} pages; the limit is {limits.MAX_PAGES}", "split it into several enclosures")

            problems: set[str] = set()
            sizes = []
            decoded_total = 0
            seen: set[tuple[int, int]] = set()
            try:
                version = reader.pdf_header.replace("%PDF-", "")[:3]
                if version > "1.7":
                    problems.add(f"it is PDF {version}, newer than PDF/A-3 allows")
                for page in pages:
                    box = page.mediabox
                    w, h = float(box.width), float(box.height)
                    if int(page.get("/Rotate", 0) or 0) % 180:
                        w, h = h, w
                    sizes.append((round(w, 2), round(h, 2)))
                stack: list[tuple[str, object]] = [("/Page", p) for p in pages]
                while stack:
                    key, obj = stack.pop()
                    if isinstance(obj, IndirectObject):
                        ref = (obj.idnum, obj.generation)
                        if ref in seen:
                            continue
                        seen.add(ref)
                        if len(seen) > limits.MAX_OBJECTS:
                            raise Refused(f"has more than {limits.MAX_OBJECTS} objects on its pages", "rebuild it or leave it out")
                        obj = obj.get_object()
                    if isinstance(obj, DictionaryObject):
                        _check_dict(obj, problems)
                        if isinstance(obj, StreamObject):
                            filters = obj.get("/Filter")
                            names = [str(f) for f in filters] if isinstance(filters, ArrayObject) else [str(filters)] if filters else []
                            if "/LZWDecode" in names:
                                problems.add("it uses LZW compression")
                            if not names or any(n in ("/FlateDecode", "/LZWDecode", "/RunLengthDecode", "/ASCIIHexDecode", "/ASCII85Decode") for n in names) and not any(
                                n in ("/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode") for n in names
                            ):
                                raw = len(obj._data) if getattr(obj, "_data", None) is not None else 0
                                content = obj.get_data()
                                decoded_total += len(content)
                                if decoded_total > limits.MAX_DECODED_BYTES:
                                    raise Refused(
                                        f"expands to more than {limits.MAX_DECODED_BYTES // 1048576} MiB when decompressed (a decompression bomb?)",
                                        "rebuild it or leave it out")
                                if len(content) > 16 * 1048576 and raw and len(content) / raw > limits.MAX_RATIO:
                                    raise Refused(
                                        f"has a stream that expands {len(content) // raw}-fold to {len(content) // 1048576} MiB (a decompression bomb)",
                                        "rebuild it or leave it out")
                                if key == "/Contents" or obj.get("/Subtype") == "/Form" or "/PatternType" in obj:
                                    if _CMYK_OP.search(content) or _INLINE_CMYK.search(content):
                                        problems.add("it paints in device CMYK, which the letter's sRGB output intent does not cover")
                                del content
                        for k, v in obj.items():
                            if k in ("/Parent", "/P", "/Pg", "/Dest", "/D") and key != "/Page" or k == "/Parent":
                                continue
                            stack.append((k, v))
                    elif isinstance(obj, ArrayObject):
                        stack.extend((key, v) for v in obj)
                    elif isinstance(obj, NameObject) and obj == "/DeviceCMYK" and key not in ("/DefaultCMYK",):
                        problems.add("it paints in device CMYK, which the letter's sRGB output intent does not cover")
                claim = _pdfa_claim(reader)
                root: DictionaryObject = reader.trailer["/Root"]  # type: ignore[assignment]  # _pdfa_claim read it as one
                tagged = "/StructTreeRoot" in root
                if "/OCProperties" in root:
                    problems.add("it has optional content (layers)")
                outline_ok = reader.outline is not None  # parse it now, under the limits
            except Refused:
                raise
            except LimitReachedError as exc:
                if "decompress" in str(exc).lower():
                    raise Refused(f"has a stream that expands beyond {limits.MAX_STREAM_BYTES // 1048576} MiB when decompressed "
                                   "(a decompression bomb)", "rebuild it or leave it out") from exc
                raise Refused(f"exceeds a safety limit while reading ({exc})", "rebuild it or leave it out") from exc
            except MemoryError:
                raise
            except Exception as exc:  # pypdf raises many kinds on broken input
                raise Refused(f"is damaged and cannot be repaired ({type(exc).__name__}: {str(exc)[:120]})",
                               "re-export it from the program that made it") from exc
    finally:
        pypdf_log.removeHandler(handler)
    del outline_ok
    if claim is None:
        problems.add("it does not claim PDF/A itself")
    return {
        "pages": len(pages),
        "sizes": sizes,
        "version": version,
        "pdfa": claim,
        "pdfa_problems": sorted(problems),
        "repairs": handler.messages,
        "tagged": tagged,
    }


def _check_dict(obj, problems: set[str]) -> None:
    subtype = obj.get("/Subtype")
    if subtype in _FONT_SUBTYPES:  # a Type0 font's descendant is reached (and checked) on its own
        problem = pdfa.unembedded_font(obj)
        if problem:
            problems.add(problem)
    if subtype == "/PS" or obj.get("/Subtype2") == "/PS":
        problems.add("it contains PostScript")
    if "/OPI" in obj or ("/Ref" in obj and subtype == "/Form"):
        problems.add("it references content outside the file")
    if subtype == "/Image":
        if "/Alternates" in obj:
            problems.add("an image has alternates")
        if obj.get("/Interpolate") is True or str(obj.get("/Interpolate")) == "True":
            problems.add("an image asks for interpolation")
    if obj.get("/Type") == "/ExtGState" or any(k in obj for k in ("/TR", "/TR2", "/HTP")):
        if "/TR" in obj or obj.get("/TR2", "/Default") != "/Default" or "/HTP" in obj:
            problems.add("it uses transfer functions")
        bm = obj.get("/BM")
        if bm is not None:
            modes = [str(m) for m in bm] if isinstance(bm, list) else [str(bm)]
            if any(m not in _STANDARD_BLEND for m in modes):
                problems.add("it uses a non-standard blend mode")


def _pdfa_claim(reader) -> str | None:
    """The PDF/A claim (e.g. "3A") of a document read with pypdf (inside the limits)."""
    meta = reader.trailer["/Root"].get("/Metadata")
    return pdfa.claim_in(meta.get_object().get_data()) if meta is not None else None
