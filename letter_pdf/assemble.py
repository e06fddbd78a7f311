"""The delivery package: cover(s), the letter and its signatory list, and enclosures merged into one PDF.

The letter's own PDF (PDF/A-3a, tagged, from ``typeset``) is the base document: its catalog, structure tree,
XMP and Info metadata, output intent and language stay as they are. The generated cover (ours, tagged too) is
inserted before it with its structure tree grafted into the letter's, so the package stays PDF/A-3a when it
has no external files. External PDFs (``cover_pdfs``, enclosures) are untrusted:

* each one is first read completely in a child process under a memory limit, a CPU limit and a wall-clock
  timeout, with a cap on pages, objects and decompressed bytes (``preflight``); a file that is not a PDF, is
  truncated or damaged beyond repair, is encrypted, or exceeds a limit is refused with ``AssemblyError``;
* only its pages are copied, never its catalog (so no document JavaScript, OpenAction, embedded files or
  form), and on each page every action, additional action, associated file, form field, file attachment and
  multimedia annotation is dropped; links to web pages are rebuilt as plain URI links.

External pages carry no tags into the package (pypdf cannot merge structure trees of foreign documents and
we do not try), so with any external file the claim becomes PDF/A-3b — and only if every external file
itself claims PDF/A and passes our checks (fonts embedded, no device CMYK against the letter's sRGB output
intent, no LZW, no PostScript, no transfer functions, PDF 1.7 or older). Otherwise the PDF/A claim is
removed from the XMP metadata, and ``notes`` says why. A PDF/UA claim is removed as soon as any untagged
page is added.

The merge runs in qpdf (pikepdf): the letter, by far the largest part, is opened and written once, never
parsed in Python. The generated cover's pages and tags are copied in with qpdf; an external file's pages are
first cleaned with pypdf into a small document of their own, whose pages are then copied in.

The result is reproducible: the file identifier is derived from the inputs, and no time is written other
than the letter's own creation date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf import labels
from letter_pdf.errors import AssemblyError
from letter_pdf.model import Annex, Letter

log = logging.getLogger("letter_pdf")

# Limits for external PDFs. A legitimate enclosure (a report, a translation, a scanned letterhead) is far
# below each of them; a file above any of them is refused with the limit named in the message.
MAX_FILE_BYTES = 100 * 1024 * 1024  # on disk
MAX_PAGES = 2000  # per file
MAX_OBJECTS = 500_000  # indirect objects reachable from the pages
MAX_STREAM_BYTES = 64 * 1024 * 1024  # one decompressed stream
MAX_DECODED_BYTES = 1024 * 1024 * 1024  # all decompressed streams of one file
MAX_RATIO = 500  # decompressed/compressed for a stream above 16 MiB: a decompression bomb
CPU_SECONDS = 30  # CPU time of the child process that reads one file
WALL_SECONDS = 60  # wall-clock time of the same
MEMORY_BYTES = 1536 * 1024 * 1024  # address space of the same

KINDS = ("cover", "cover-pdf", "letter", "annex")
RELATIONSHIPS = ("Source", "Data", "Alternative", "Supplement", "Unspecified")

_WEB_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Attachment:
    """A file embedded as a PDF/A-3 associated file of the whole document (catalog ``/AF``)."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"
    description: str = ""
    relationship: str = "Data"  # AFRelationship: Source, Data, Alternative, Supplement, Unspecified
    modified: dt.datetime | None = None  # default: the letter's creation date


@dataclass(frozen=True)
class Part:
    """One part of the package, in order. ``label_prefix`` is ``None`` for the letter (labelled 1..N)."""

    kind: str  # 'cover' | 'cover-pdf' | 'letter' | 'annex'
    title: str
    pdf: bytes
    source: Path | None = None
    label_prefix: str | None = None  # "A" for the first enclosure (pages, ...)
    trusted: bool = False  # made by letter-pdf itself (letter, generated cover)


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


# ---------------------------------------------------------------------------------------------------------
# Words used in bookmarks and page labels ("Cover", "Enclosure") and enclosure letters come from labels.py.


words = labels.table
annex_letter = labels.enclosure_letter


# ---------------------------------------------------------------------------------------------------------
# Preflight of an untrusted PDF, in a child process with limits.


def _refuse(path: Path, reason: str, hint: str | None = None) -> AssemblyError:
    return AssemblyError(reason, where=path, hint=hint)


def read_external(path: Path) -> bytes:
    """Read an external PDF's bytes, refusing files that are missing, not regular files or too large."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror})", "check the path") from exc
    if not path.is_file():
        raise _refuse(path, "is not a file")
    if size > MAX_FILE_BYTES:
        raise _refuse(
            path,
            f"is {size / 1048576:.0f} MiB; the limit for a merged PDF is {MAX_FILE_BYTES // 1048576} MiB",
            "reduce it (e.g. `qpdf --compress-streams=y` or a lower image resolution) or send it separately",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror})") from exc
    _check_envelope(path, data)
    return data


def _check_envelope(path: Path, data: bytes) -> None:
    """Cheap checks before any parsing: a PDF header, and an end-of-file marker (else: truncated)."""
    if b"%PDF-" not in data[:1024]:
        start = data[:8]
        kind = _guess_kind(start)
        raise _refuse(path, f"is not a PDF file{f' (it looks like {kind})' if kind else ''}",
                      "export or print it to PDF first")
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(path, "is truncated (no end-of-file marker): the copy or download was cut short",
                      "get the complete file again")


def _guess_kind(start: bytes) -> str | None:
    for magic, kind in ((b"PK\x03\x04", "a ZIP or Office document"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
                        (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"{\\rtf", "an RTF document"),
                        (b"<", "an HTML or XML file")):
        if start.startswith(magic):
            return kind
    return None


def _limit_child() -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    os.setsid()


def preflight(path: Path, data: bytes) -> Inspection:
    """Read ``data`` completely in a child process with limits; refuse it or return what it contains."""
    limits = tuple(globals()[name] for name in (*_CHILD_LIMITS, "CPU_SECONDS", "WALL_SECONDS", "MEMORY_BYTES"))
    key = (str(path), hashlib.sha256(data).hexdigest(), limits)
    if key not in _INSPECTED:
        if len(_INSPECTED) >= 64:
            _INSPECTED.pop(next(iter(_INSPECTED)))
        _INSPECTED[key] = _preflight_child(Path(path), data)
    return _INSPECTED[key]


_INSPECTED: dict[tuple, Inspection] = {}  # the same file is read once per process (pipeline + assemble)


def _preflight_child(path: Path, data: bytes) -> Inspection:
    limits = {name: globals()[name] for name in _CHILD_LIMITS}
    cmd = [sys.executable, "-c", "from letter_pdf.assemble import _preflight_main; _preflight_main()", json.dumps(limits)]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")}
    try:
        proc = subprocess.run(
            cmd, input=data, capture_output=True, timeout=WALL_SECONDS, env=env,
            preexec_fn=_limit_child if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired as exc:
        raise _refuse(path, f"takes more than {WALL_SECONDS} s to read (malformed or hostile)",
                      "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out") from exc
    if proc.returncode != 0:
        if proc.returncode in (-getattr(signal, "SIGXCPU", 24), -getattr(signal, "SIGKILL", 9)):
            raise _refuse(path, f"takes more than {CPU_SECONDS} s of computing to read (malformed or hostile)",
                          "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out")
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        if "MemoryError" in tail[0] or proc.returncode in (-signal.SIGSEGV, -signal.SIGABRT, -getattr(signal, "SIGBUS", 7)):
            raise _refuse(path, f"needs more than {MEMORY_BYTES // 1048576} MiB of memory to read (malformed or hostile)",
                          "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out")
        raise _refuse(path, f"cannot be read safely ({tail[0][:200]})")
    try:
        report = json.loads(proc.stdout)
    except ValueError as exc:
        raise _refuse(path, "cannot be read safely (no report from the reader)") from exc
    if report.get("error"):
        raise _refuse(path, report["error"], report.get("hint"))
    return Inspection(
        pages=report["pages"],
        sizes=tuple(tuple(s) for s in report["sizes"]),
        version=report["version"],
        pdfa=report["pdfa"],
        pdfa_problems=tuple(report["pdfa_problems"]),
        repairs=tuple(report["repairs"]),
        tagged=report["tagged"],
    )


def _preflight_main() -> None:
    """Child process: read a PDF from stdin, write a JSON report to stdout (exit 0 unless killed)."""
    globals().update({k: int(v) for k, v in json.loads(sys.argv[1]).items() if k in _CHILD_LIMITS})
    data = sys.stdin.buffer.read()
    try:
        report = _inspect(data)
    except _Refused as refused:
        report = {"error": refused.args[0], "hint": refused.args[1] if len(refused.args) > 1 else None}
    sys.stdout.write(json.dumps(report))


_CHILD_LIMITS = ("MAX_PAGES", "MAX_OBJECTS", "MAX_STREAM_BYTES", "MAX_DECODED_BYTES", "MAX_RATIO")


class _Refused(Exception):
    pass


class _RepairLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if len(self.messages) < 20:
            self.messages.append(record.getMessage()[:200])


def _pypdf_limits():
    import pypdf

    return pypdf.apply_configuration(
        maximum_declared_stream_length=MAX_STREAM_BYTES,
        zlib_maximum_output_length=MAX_STREAM_BYTES,
        lzw_maximum_output_length=MAX_STREAM_BYTES,
        run_length_maximum_output_length=MAX_STREAM_BYTES,
        jbig2_maximum_output_length=MAX_STREAM_BYTES,
        brotli_maximum_output_length=MAX_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_STREAM_BYTES,
        image_maximum_buffer_size=MAX_STREAM_BYTES,
        page_tree_maximum_entries=MAX_PAGES * 4,
        outline_maximum_entries=10_000,
    )


pypdf_limits = _pypdf_limits  # for other readers of untrusted PDFs (archive.py)

_CMYK_OP = re.compile(rb"(?:^|[\s\]])(?:[-+]?[\d.]+\s+){4}[kK](?=[\s\[/]|$)")
_INLINE_CMYK = re.compile(rb"/(?:CS|ColorSpace)\s*/(?:CMYK|DeviceCMYK)\b")
_FONT_SUBTYPES = ("/Type1", "/MMType1", "/TrueType", "/CIDFontType0", "/CIDFontType2")
_STANDARD_BLEND = {"/Normal", "/Compatible", "/Multiply", "/Screen", "/Overlay", "/Darken", "/Lighten",
                   "/ColorDodge", "/ColorBurn", "/HardLight", "/SoftLight", "/Difference", "/Exclusion",
                   "/Hue", "/Saturation", "/Color", "/Luminosity"}


def _inspect(data: bytes) -> dict:
    """Parse every object reachable from the pages and decode every stream, within the limits."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

    handler = _RepairLog()
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(handler)
    pypdf_log.setLevel(logging.WARNING)
    try:
        with _pypdf_limits():
            try:
                reader = PdfReader(io.BytesIO(data), strict=False)
                if reader.is_encrypted:
                    raise _Refused("is encrypted (password-protected)",
                                   "remove the password first, e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`")
                pages = list(reader.pages)
            except _Refused:
                raise
            except FileNotDecryptedError as exc:
                raise _Refused("is encrypted (password-protected)",
                               "remove the password first, e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`") from exc
            except LimitReachedError as exc:
                raise _Refused(f"exceeds a safety limit while reading ({exc})", "rebuild it, e.g. `qpdf in.pdf out.pdf`") from exc
            except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
                raise _Refused(f"is damaged and cannot be repaired ({type(exc).__name__}: {str(exc)[:120]})",
                               "re-export it from the program that made it") from exc
            if not pages:
                raise _Refused("has no pages")
            if len(pages) > MAX_PAGES:
                raise _Refused(f"has {len(pages)} pages; the limit is {MAX_PAGES}", "split it into several enclosures")

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
                        if len(seen) > MAX_OBJECTS:
                            raise _Refused(f"has more than {MAX_OBJECTS} objects on its pages", "rebuild it or leave it out")
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
                                if decoded_total > MAX_DECODED_BYTES:
                                    raise _Refused(
                                        f"expands to more than {MAX_DECODED_BYTES // 1048576} MiB when decompressed (a decompression bomb?)",
                                        "rebuild it or leave it out")
                                if len(content) > 16 * 1048576 and raw and len(content) / raw > MAX_RATIO:
                                    raise _Refused(
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
                root = reader.trailer["/Root"]
                tagged = "/StructTreeRoot" in root
                if "/OCProperties" in root:
                    problems.add("it has optional content (layers)")
                outline_ok = reader.outline is not None  # parse it now, under the limits
            except _Refused:
                raise
            except LimitReachedError as exc:
                if "decompress" in str(exc).lower():
                    raise _Refused(f"has a stream that expands beyond {MAX_STREAM_BYTES // 1048576} MiB when decompressed "
                                   "(a decompression bomb)", "rebuild it or leave it out") from exc
                raise _Refused(f"exceeds a safety limit while reading ({exc})", "rebuild it or leave it out") from exc
            except MemoryError:
                raise
            except Exception as exc:  # pypdf raises many kinds on broken input
                raise _Refused(f"is damaged and cannot be repaired ({type(exc).__name__}: {str(exc)[:120]})",
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
    if obj.get("/Type") == "/Font" or subtype in _FONT_SUBTYPES:
        if subtype in _FONT_SUBTYPES:
            descriptor = obj.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else None
            if not descriptor or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                name = str(obj.get("/BaseFont", "?")).lstrip("/")
                problems.add(f"font {name} is not embedded")
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


# As an attribute (pdfaid:part="3") or an element, which may declare its namespace (<pdfaid:part xmlns:...>3<).
_PDFAID_PART = re.compile(rb"pdfaid:part(?:\s*=\s*[\"']|(?:\s[^<>]*)?>)\s*(\d)")
_PDFAID_CONF = re.compile(rb"pdfaid:conformance(?:\s*=\s*[\"']|(?:\s[^<>]*)?>)\s*([A-Za-z])")


def _pdfa_claim(reader) -> str | None:
    """The PDF/A claim (e.g. "3A") of a document read with pypdf."""
    meta = reader.trailer["/Root"].get("/Metadata")
    return _claim_in(meta.get_object().get_data()) if meta is not None else None


def _xmp_claim(pdf) -> str | None:
    """The PDF/A claim of a document opened with pikepdf."""
    import pikepdf

    meta = pdf.Root.get("/Metadata")
    return _claim_in(meta.read_bytes()) if isinstance(meta, pikepdf.Stream) else None


def _claim_in(xmp: bytes) -> str | None:
    part = _PDFAID_PART.search(xmp)
    if not part:
        return None
    conf = _PDFAID_CONF.search(xmp)
    return part.group(1).decode() + (conf.group(1).decode().upper() if conf else "")


# ---------------------------------------------------------------------------------------------------------
# Copying pages: trusted parts as they are, untrusted parts cleaned.

# Keys never copied from an external page or anything under it: actions, additional actions, associated
# files and embedded file streams, private application data, structure references (no tags are merged).
_EXTERNAL_EXCLUDED = ("/Annots", "/AA", "/A", "/AF", "/EF", "/B", "/PieceInfo", "/StructParents",
                      "/StructParent", "/Thumb", "/Dur", "/PresSteps", "/JS", "/OpenAction")
_MULTIMEDIA = {"/Sound", "/Movie", "/Screen", "/RichMedia", "/3D", "/Projection"}
_ANNOT_EXCLUDED = ("/A", "/AA", "/AF", "/EF", "/FS", "/P", "/Popup", "/IRT", "/Parent", "/StructParent",
                   "/RichMediaContent", "/JS")


@dataclass
class _Removed:
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


def _catalog_removals(reader, removed: _Removed) -> None:
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


def _copy_external_page(writer, reader, page, removed: _Removed):
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
        form = form.get_object()
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


def _clean_link(annot, removed: _Removed):
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


# ---------------------------------------------------------------------------------------------------------
# Outlines.


def _read_outline(reader, items=None, depth=0) -> list[tuple[str, int | None, list]]:
    """The outline of ``reader`` as (title, page index, children), without any actions."""
    out = []
    if depth > 20:
        return out
    items = reader.outline if items is None else items
    last = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                last[2].extend(_read_outline(reader, item, depth + 1))
            continue
        try:
            page = reader.get_destination_page_number(item)
        except Exception:
            page = None
        title = " ".join(str(getattr(item, "title", "") or "").split())[:300]
        last = (title, page, [])
        out.append(last)
    return out


def _letter_outline(pdf, page_index: dict) -> list[tuple[str, int | None, list]]:
    """The outline of the letter (a pikepdf document) as (title, page index, children), without any actions."""
    import pikepdf

    root = pdf.Root.get("/Outlines")
    if not isinstance(root, pikepdf.Dictionary):
        return []
    named: dict | None = None
    seen: set = set()

    def named_dests() -> dict:
        nonlocal named
        if named is None:
            named = {}
            dests = pdf.Root.get("/Dests")
            if isinstance(dests, pikepdf.Dictionary):
                named.update((str(k), v) for k, v in dests.items())
            names = pdf.Root.get("/Names")
            if isinstance(names, pikepdf.Dictionary):
                entries: list = []
                _tree_entries(names.get("/Dests"), "/Names", entries)
                named.update((str(k), v) for k, v in entries)
        return named

    def page_of(item) -> int | None:
        dest = item.get("/Dest")
        if dest is None:
            action = item.get("/A")
            if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
                dest = action.get("/D")
        if isinstance(dest, (pikepdf.Name, pikepdf.String)):
            dest = named_dests().get(str(dest))
        if isinstance(dest, pikepdf.Dictionary):
            dest = dest.get("/D")
        if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], pikepdf.Dictionary):
            return page_index.get(dest[0].objgen)
        return None

    def walk(item, depth: int) -> list:
        out = []
        while isinstance(item, pikepdf.Dictionary) and depth <= 20 and len(seen) < 10_000:
            key = item.objgen if item.is_indirect else id(item)
            if key in seen:
                break
            seen.add(key)
            title = " ".join(str(item.get("/Title", "")).split())[:300]
            out.append((title, page_of(item), walk(item.get("/First"), depth + 1)))
            item = item.get("/Next")
        return out

    return walk(root.get("/First"), 0)


def _write_outline(pdf, items: list[tuple[str, int, list]]) -> None:
    """Replace the outline of ``pdf`` by ``items`` (title, page index in the package, children), all open."""
    from pikepdf import Array, Dictionary, Name, String

    pages = [page.obj for page in pdf.pages]

    def add(parent, entries) -> int:
        nodes = [(pdf.make_indirect(Dictionary(Title=String(title or "—"), Parent=parent,
                                               Dest=Array([pages[page], Name.Fit]))), children)
                 for title, page, children in entries]
        count = 0
        for i, (node, children) in enumerate(nodes):
            if i:
                node.Prev = nodes[i - 1][0]
            if i + 1 < len(nodes):
                node.Next = nodes[i + 1][0]
            count += 1
            if children:
                below = add(node, children)
                node.Count = below
                count += below
        if nodes:
            parent.First = nodes[0][0]
            parent.Last = nodes[-1][0]
        return count

    root = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    root.Count = add(root, items)
    pdf.Root.Outlines = root


def _shift_outline(items, offset: int) -> list[tuple[str, int, list]]:
    """A part's outline with its page indexes moved to where the part starts (no page: the part's first)."""
    return [(title, offset + page if page is not None and page >= 0 else offset, _shift_outline(children, offset))
            for title, page, children in items]


# ---------------------------------------------------------------------------------------------------------
# Structure tree grafting for our own tagged cover.


def _tree_entries(node, key: str, out: list, depth: int = 0) -> None:
    """The (key, value) leaves of a number tree (``key`` "/Nums") or name tree ("/Names") read with pikepdf."""
    import pikepdf

    if not isinstance(node, pikepdf.Dictionary):
        return
    leaf = node.get(key)
    if isinstance(leaf, pikepdf.Array):
        items = list(leaf)
        out.extend((items[i], items[i + 1]) for i in range(0, len(items) - 1, 2))
    if depth < 20:
        for kid in node.get("/Kids", None) or ():
            _tree_entries(kid, key, out, depth + 1)


def _graft_structure(pdf, source, new_pages) -> bool:
    """Move the structure tree of ``source`` (the generated cover, whose pages were copied into ``pdf`` as
    ``new_pages``) into the tree of ``pdf``, in front of the letter's own content. Return False (and change
    nothing) when either tree is not of the simple shape we know (one root element)."""
    import pikepdf
    from pikepdf import Array, Dictionary

    try:
        target_tree = pdf.Root.StructTreeRoot
        source_tree = source.Root.StructTreeRoot
        target_kids = [*target_tree.K] if isinstance(target_tree.K, Array) else [target_tree.K]
        source_kids = [*source_tree.K] if isinstance(source_tree.K, Array) else [source_tree.K]
        if len(target_kids) != 1 or len(source_kids) != 1:
            return False
        if any(key in source_tree for key in ("/RoleMap", "/ClassMap", "/IDTree")):
            return False
        target_doc, source_doc = target_kids[0], source_kids[0]
        if not all(isinstance(d, Dictionary) and d.is_indirect for d in (target_doc, source_doc)):
            return False
        source_entries: list = []
        _tree_entries(source_tree.ParentTree, "/Nums", source_entries)
        target_entries: list = []
        _tree_entries(target_tree.ParentTree, "/Nums", target_entries)
        source_parents = {int(k): v for k, v in source_entries}
        target_parents = {int(k): v for k, v in target_entries}
    except (KeyError, AttributeError, TypeError, ValueError):
        return False
    doc_og = source_doc.objgen

    def bring(obj):
        """``obj`` of the cover copied into ``pdf``; the cover's root element becomes the letter's."""
        if not isinstance(obj, pikepdf.Object):
            return obj
        if obj.is_indirect:
            return target_doc if obj.objgen == doc_og else pdf.copy_foreign(obj)
        if isinstance(obj, Array):
            return Array([bring(x) for x in obj])
        if isinstance(obj, Dictionary):
            return Dictionary({k: bring(v) for k, v in obj.items()})
        return obj

    # The cover's top elements are re-parented to the letter's root element: cut their link to the cover's
    # root first, so that copying them does not bring the cover's root and tree along.
    source_top = source_doc.get("/K")
    source_top = [*source_top] if isinstance(source_top, Array) else [] if source_top is None else [source_top]
    parented = []
    for kid in source_top:
        if isinstance(kid, Dictionary) and "/P" in kid:
            del kid["/P"]
            parented.append(True)
        else:
            parented.append(False)
    next_key = max(target_parents, default=-1) + 1
    remap: dict[int, int] = {}
    for old_key in sorted(source_parents):
        target_parents[next_key] = bring(source_parents[old_key])
        remap[old_key] = next_key
        next_key += 1
    new_children = [bring(kid) for kid in source_top]
    for child, has_parent in zip(new_children, parented):
        if has_parent:
            child.P = target_doc
    doc_kids = target_doc.get("/K")
    doc_kids = [*doc_kids] if isinstance(doc_kids, Array) else [] if doc_kids is None else [doc_kids]
    target_doc.K = Array([*new_children, *doc_kids])
    for page in new_pages:  # their keys into the parent tree; a key the cover's tree lacked is dropped
        holders = [page.obj, *(a for a in page.obj.get("/Annots", None) or () if isinstance(a, Dictionary))]
        for holder, key in ((holders[0], "/StructParents"), *((a, "/StructParent") for a in holders[1:])):
            if key in holder:
                old_key = holder[key]
                if isinstance(old_key, int) and old_key in remap:
                    holder[key] = remap[old_key]
                else:
                    del holder[key]
    nums = Array()
    for key in sorted(target_parents):
        nums.append(key)
        nums.append(target_parents[key])
    target_tree.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    target_tree.ParentTreeNextKey = next_key
    return True


# ---------------------------------------------------------------------------------------------------------
# Metadata.


def _set_xmp_claim(pdf, level: str | None, drop_ua: bool) -> None:
    """Rewrite the XMP's pdfaid claim to ``level`` (e.g. "3B") or remove it (None); remove pdfuaid if asked."""
    import pikepdf
    from pikepdf import Name

    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return
    xmp = meta.read_bytes().decode("utf-8")
    if level is None:
        xmp = re.sub(r'\s*pdfaid:(?:part|conformance|amd|rev)="[^"]*"', "", xmp)
        xmp = re.sub(r"\s*<pdfaid:(part|conformance|amd|rev)>[^<]*</pdfaid:\1>", "", xmp)
    else:
        xmp = re.sub(r'pdfaid:part="[^"]*"', f'pdfaid:part="{level[0]}"', xmp)
        xmp = re.sub(r"<pdfaid:part>[^<]*</pdfaid:part>", f"<pdfaid:part>{level[0]}</pdfaid:part>", xmp)
        xmp = re.sub(r'pdfaid:conformance="[^"]*"', f'pdfaid:conformance="{level[1:]}"', xmp)
        xmp = re.sub(r"<pdfaid:conformance>[^<]*</pdfaid:conformance>",
                     f"<pdfaid:conformance>{level[1:]}</pdfaid:conformance>", xmp)
    if drop_ua:
        xmp = re.sub(r'\s*pdfuaid:(?:part|amd|rev)="[^"]*"', "", xmp)
        xmp = re.sub(r"\s*<pdfuaid:(part|amd|rev)>[^<]*</pdfuaid:\1>", "", xmp)
    pdf.Root.Metadata = pdf.make_stream(xmp.encode("utf-8"), Type=Name.Metadata, Subtype=Name.XML)


def _pdf_date(when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC)
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


def _embed(pdf, attachments: tuple[Attachment, ...], default_time: str) -> None:
    """Embed ``attachments`` as PDF/A-3 associated files: name tree, catalog /AF, /AFRelationship, /Params."""
    import zlib

    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    if not attachments:
        return
    names = [a.name for a in attachments]
    if len(set(names)) != len(names):
        raise AssemblyError("two embedded files have the same name", where=", ".join(sorted(names)))
    af = Array()
    tree = Array()
    for a in sorted(attachments, key=lambda x: x.name):
        if a.relationship not in RELATIONSHIPS:
            raise AssemblyError(f"unknown AFRelationship '{a.relationship}'", where=a.name,
                                hint=f"use one of: {', '.join(RELATIONSHIPS)}")
        stream = pdf.make_stream(b"")
        stream.write(zlib.compress(a.data, 9), filter=Name.FlateDecode)
        stream.Type = Name.EmbeddedFile
        stream.Subtype = Name("/" + _name_escape(a.mime))
        stream.Params = Dictionary(
            ModDate=String(_pdf_date(a.modified) if a.modified else default_time),
            Size=len(a.data),
            CheckSum=String(hashlib.md5(a.data).digest()),  # noqa: S324 (PDF spec)
        )
        spec = pdf.make_indirect(Dictionary(
            Type=Name.Filespec, F=String(a.name), UF=String(a.name), Desc=String(a.description or a.name),
            AFRelationship=Name("/" + a.relationship), EF=Dictionary(F=stream, UF=stream),
        ))
        af.append(spec)
        tree.extend([String(a.name), spec])
    names_dict = pdf.Root.get("/Names")
    if not isinstance(names_dict, pikepdf.Dictionary):
        names_dict = pdf.make_indirect(Dictionary())
        pdf.Root.Names = names_dict
    names_dict.EmbeddedFiles = pdf.make_indirect(Dictionary(Names=tree))
    pdf.Root.AF = af


def _name_escape(mime: str) -> str:
    """A MIME type as a PDF name body (pypdf writes '/' inside a name as #2F)."""
    if not re.fullmatch(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+", mime):
        raise AssemblyError(f"'{mime}' is not a MIME type", hint="use e.g. application/json")
    return mime


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


def check_externals(letter: Letter) -> dict[Path, Inspection]:
    """Read and preflight every external PDF of ``letter`` (cover PDFs, enclosures) before any typesetting.

    Raises the one ``AssemblyError``, or ``Problems`` with one per refused file.
    """
    from letter_pdf.errors import Problems

    found: dict[Path, Inspection] = {}
    problems: list[AssemblyError] = []
    paths = [*letter.cover_pdfs, *(e.path for e in letter.enclosures if e.path is not None)]
    for path in dict.fromkeys(paths):
        try:
            found[path] = preflight(path, read_external(path))
        except AssemblyError as error:
            problems.append(error)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(problems)
    return found


def enclosure_entries(letter: Letter, inspections: dict[Path, Inspection] | None = None) -> list[dict]:
    """The enclosures as the cover lists them: letter (A, B, ...), title, pages (None: sent separately)."""
    inspections = inspections if inspections is not None else check_externals(letter)
    return [
        {"letter": annex_letter(i), "title": e.title, "pages": inspections[e.path].pages if e.path is not None else None}
        for i, e in enumerate(letter.enclosures)
    ]


def parts_for(*, letter: Letter, letter_pdf: bytes, cover_pdf: bytes | None, cover_pdfs: Iterable[Path],
              annexes: Iterable[Annex]) -> list[Part]:
    """The parts of the package in order, reading (and checking) the external files."""
    w = words(letter.lang)
    parts: list[Part] = []
    if cover_pdf is not None:
        parts.append(Part("cover", w["cover"], cover_pdf, trusted=True))
    for path in cover_pdfs:
        parts.append(Part("cover-pdf", Path(path).stem, read_external(Path(path)), source=Path(path)))
    parts.append(Part("letter", letter.title, letter_pdf, source=letter.source, trusted=True))
    for i, annex in enumerate(annexes):
        if annex.path is None:
            continue  # an enclosure sent separately: listed, not merged
        parts.append(Part("annex", annex.title, read_external(annex.path), source=annex.path,
                          label_prefix=annex_letter(i)))
    return parts


def assemble(
    *,
    letter: Letter,
    letter_pdf: bytes,
    cover_pdf: bytes | None,
    cover_pdfs: tuple[Path, ...],
    annexes: tuple[Annex, ...],
    attachments: tuple[Attachment, ...] = (),
) -> Assembled:
    """Merge the package; refuse unsafe external files with ``AssemblyError`` (nothing is written here)."""
    parts = parts_for(letter=letter, letter_pdf=letter_pdf, cover_pdf=cover_pdf, cover_pdfs=cover_pdfs,
                      annexes=annexes)
    return assemble_parts(parts, lang=letter.lang, attachments=attachments)


def assemble_parts(parts: list[Part], *, lang: str = "en", attachments: tuple[Attachment, ...] = ()) -> Assembled:
    """Merge ``parts`` with qpdf (pikepdf): the letter is the base document, opened and written once; the
    generated cover's pages and tags are copied in; external parts are cleaned with pypdf into a small document
    of their own first, whose pages are then copied in."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    w = words(lang)
    notes: list[str] = []
    inspections = {id(p): preflight(p.source or Path(p.title), p.pdf) for p in parts if not p.trusted}
    letter_part = next(p for p in parts if p.kind == "letter")

    opened: list = []  # qpdf copies stream data lazily: every source stays open until the package is written
    try:
        pdf = pikepdf.open(io.BytesIO(letter_part.pdf))
        opened.append(pdf)
        letter_claim = _xmp_claim(pdf)
        letter_outline = _letter_outline(pdf, {page.obj.objgen: i for i, page in enumerate(pdf.pages)})
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
                if not _graft_structure(pdf, source, new_pages):
                    tagged_ok = False
                    for page in new_pages:
                        if "/StructParents" in page.obj:
                            del page.obj["/StructParents"]
                outline = []
            else:
                inspection = inspections[id(part)]
                removed = _Removed()
                name = part.source.name if part.source else part.title
                try:
                    cleaned, n, outline = _clean_external(part.pdf, removed)
                    source = pikepdf.open(io.BytesIO(cleaned))
                    opened.append(source)
                    _insert_pages(pdf, source, position)
                    _point_internal_links(pdf, position, n)
                except MemoryError:
                    raise
                except Exception as exc:  # pypdf raises many kinds on odd input the preflight let through
                    raise _refuse(part.source or Path(name), f"cannot be merged ({type(exc).__name__}: {str(exc)[:120]})",
                                  "rebuild it, e.g. `qpdf in.pdf out.pdf`, or re-export it") from exc
                if removed.counts:
                    notes.append(f"{name}: removed {removed.text()}")
                if inspection.repairs:
                    notes.append(f"{name}: was damaged and repaired while reading ({inspection.repairs[0]}); check its pages")
                odd = sorted({paper_name(*s) for s in inspection.sizes if abs(s[0] - letter_size[0]) > 3 or abs(s[1] - letter_size[1]) > 3})
                if odd:
                    notes.append(f"{name}: page size {', '.join(odd)} differs from the letter's "
                                 f"({paper_name(*letter_size)}); kept as it is")
                tagged_ok = False
                if inspection.pdfa_problems:
                    claim_problems.append(f"{name}: {'; '.join(inspection.pdfa_problems)}")
            placed.append((part, position, n, outline))
            position += n

        total = position
        letter_offset = next(first for part, first, _n, _o in placed if part.kind == "letter")

        # Bookmarks: one per part, each part's own outline under it (the letter's items stay top-level:
        # they are the letter and its signatory list).
        items: list[tuple[str, int, list]] = []
        for part, first, n, outline in placed:
            if part.kind == "letter":
                items += _shift_outline(letter_outline, first) or [(w["letter"], first, [])]
                continue
            title = part.title if part.kind != "annex" else f"{part.label_prefix}. {part.title}"
            items.append((title, first, _shift_outline(outline, first)))
        _write_outline(pdf, items)

        # Page labels: covers "Cover" (one page) or "Cover-1", "Cover-2"...; the letter 1..N; enclosures A-1...
        ranges: list[tuple[int, Dictionary]] = []
        cover_pages = letter_offset
        if cover_pages == 1:
            ranges.append((0, Dictionary(P=String(w["cover"]))))
        elif cover_pages > 1:
            ranges.append((0, Dictionary(S=Name.D, P=String(f"{w['cover']}-"), St=1)))
        ranges.append((letter_offset, Dictionary(S=Name.D, St=1)))
        for part, first, n, _outline in placed:
            if part.kind == "annex":
                ranges.append((first, Dictionary(S=Name.D, P=String(f"{part.label_prefix}-"), St=1)))
        nums = Array()
        for first, label in sorted(ranges, key=lambda r: r[0]):
            nums.extend([first, label])
        pdf.Root.PageLabels = pdf.make_indirect(Dictionary(Nums=nums))

        # The archival claim.
        level = letter_claim
        if level and not tagged_ok and level.endswith(("A", "U")):
            level = level[0] + "B"
        if level and claim_problems:
            notes.append("the package is not PDF/A: " + " | ".join(claim_problems)
                         + " (convert these files to PDF/A first, e.g. `ocrmypdf --output-type pdfa in.pdf out.pdf`)")
            level = None
        elif level and level != letter_claim:
            notes.append(f"the package is PDF/A-{level[0]}{level[1:].lower()}, not -{letter_claim[0]}{letter_claim[1:].lower()}: "
                         "merged PDFs carry no accessibility tags")
        drop_ua = not tagged_ok
        if level != letter_claim or drop_ua:
            _set_xmp_claim(pdf, level, drop_ua)

        _retag_subsets(pdf)

        # Metadata: the letter's Info and XMP stay as they are (nothing here adds a producer or a date).
        info = pdf.trailer.get("/Info")
        created = (info.get("/CreationDate") or info.get("/ModDate")) if isinstance(info, pikepdf.Dictionary) else None
        default_time = str(created) if created else "D:19700101000000+00'00'"
        _embed(pdf, tuple(attachments), default_time)

        # The first file identifier comes from the inputs; qpdf derives the second from the content.
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.kind.encode() + b"\0" + hashlib.sha256(part.pdf).digest())
        for a in sorted(attachments, key=lambda x: x.name):
            digest.update(a.name.encode() + b"\0" + hashlib.sha256(a.data).digest())
        ident = String(digest.digest()[:16])
        pdf.trailer.ID = Array([ident, ident])

        written = _save(pdf)
        if level is not None and _CR_BEFORE_ENDSTREAM in written:
            notes.append(f"the package is not PDF/A: a stream's data ends with a carriage return, which makes "
                         f"its length ambiguous (ISO 19005-2 6.1.7.1)")
            level = None
            _set_xmp_claim(pdf, None, True)
            written = _save(pdf)
        out = io.BytesIO(written)
    finally:
        for document in reversed(opened):
            document.close()
    infos = tuple(PartPages(p.kind, p.title, first, n, p.label_prefix) for p, first, n, _o in placed)
    return Assembled(pdf=out.getvalue(), pages=total, letter_page_offset=letter_offset, notes=tuple(notes),
                     pdfa=level is not None, pdfa_level=level, parts=infos)


_CR_BEFORE_ENDSTREAM = b"\r\nendstream"


def _save(pdf) -> bytes:
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

    def save(mode=pikepdf.ObjectStreamMode.generate, compress: bool = True) -> bytes:
        out = io.BytesIO()
        # Object streams, as WeasyPrint wrote the letter; qpdf writes only reachable objects, leaves the XMP
        # stream unfiltered (PDF/A) and keeps every other stream as it is.
        pdf.save(out, object_stream_mode=mode, compress_streams=compress,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True,
                 fix_metadata_version=False, linearize=False)
        return out.getvalue()

    data = save()
    if _CR_BEFORE_ENDSTREAM not in data:
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
            filters = obj.get("/Filter")
            filters = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
            parms = obj.get("/DecodeParms")
            parms = list(parms) if isinstance(parms, pikepdf.Array) else [parms] if parms is not None else []
            obj.write(raw.hex().upper().encode("ascii") + b">", filter=Array([Name.ASCIIHexDecode, *filters]),
                      decode_parms=Array([None, *parms]) if parms else None, type_check=False)
    data = save(compress=False)
    for mode in (pikepdf.ObjectStreamMode.preserve, pikepdf.ObjectStreamMode.disable):
        if _CR_BEFORE_ENDSTREAM not in data:
            break
        data = save(mode, compress=False)  # other object streams (the letter's own), else none
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


def _retag_subsets(pdf) -> None:
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
        tag = new_tags.get(descriptor.objgen) if isinstance(descriptor, pikepdf.Dictionary) else None
        base = str(obj.BaseFont)
        if tag and _SUBSET_TAG.match(base):
            obj.BaseFont = Name(f"/{tag}+{base[8:]}")


def _insert_pages(pdf, source, position: int) -> None:
    """Copy every page of ``source`` (another pikepdf document) into ``pdf`` from page index ``position`` on."""
    for i, page in enumerate(source.pages):
        if position + i < len(pdf.pages):
            pdf.pages.insert(position + i, page)
        else:
            pdf.pages.append(page)


def _clean_external(data: bytes, removed: _Removed) -> tuple[bytes, int, list]:
    """An untrusted PDF's pages, cleaned (see ``_copy_external_page``), as a small PDF of their own; its page
    count and its outline. Internal links point at page indexes of the part (see ``_point_internal_links``)."""
    from pypdf import PdfReader, PdfWriter

    with _pypdf_limits():
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
            outline = _read_outline(reader)
        except Exception:  # pypdf raises on a damaged name tree it reads for the outline's destinations
            outline = []
            removed.add("an outline that could not be read")
        buffer = io.BytesIO()
        writer.write(buffer)
    return buffer.getvalue(), len(new_pages), outline


def _point_internal_links(pdf, position: int, n: int) -> None:
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


def _resolve_links(writer, reader, new_pages, pending, removed: _Removed) -> None:
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
