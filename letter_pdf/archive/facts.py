"""What is learnt of a PDF before it is recorded: from the file itself (``archive record FILE``: an untrusted
file, read within the limits for any untrusted PDF, its signatures examined), or from the build that has just
made it (``build --archive``: nothing read or validated again)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from letter_pdf import verify
from letter_pdf.archive.records import SignatureFacts, sha256_bytes
from letter_pdf.archive.text import LIBRARY_TEXT, detail
from letter_pdf.errors import ArchiveError, LetterPdfError
from letter_pdf.files import MAX_PDF_BYTES, read_regular
from letter_pdf.manifest import MANIFEST_NAME, examine_manifest, read_attachments
from letter_pdf.text import visible

log = logging.getLogger("letter_pdf")


@dataclasses.dataclass(frozen=True)
class PdfFacts:
    """What is known of the PDF to record before anything is written."""

    data: bytes
    sha256: str
    pages: int | None
    title: str | None
    manifest: dict | None
    manifest_note: str | None
    attachments: dict[str, bytes]  # the manifest and the sources it says are embedded, by name
    signed: bool

    @property
    def embedded_sources(self) -> list[str]:
        """The names of the sources the manifest says are embedded, and that are."""
        names = (self.manifest or {}).get("embedded_sources")
        return [n for n in names if isinstance(n, str) and n in self.attachments] if isinstance(names, list) else []


def built_facts(pdf: bytes, *, pages: int, title: str | None, attachments: Iterable[Any],
                signed: bool) -> PdfFacts:
    """The facts of a PDF the build has just made, from what it made it of: ``attachments`` are the files it
    embedded (each with ``name`` and ``data``: the manifest and the sources)."""
    embedded = {a.name: a.data for a in attachments}
    manifest, why = examine_manifest(embedded[MANIFEST_NAME]) if MANIFEST_NAME in embedded else (None, None)
    return PdfFacts(pdf, sha256_bytes(pdf), pages, title or None, manifest, _manifest_note(embedded, manifest, why),
                    embedded, signed)


def built_signature(signer: str, *, timestamped: bool, certified: bool) -> SignatureFacts:
    """The facts of the signature the build has just made: who signed, timestamped or not, certified or not
    (validation facts are not claimed: nothing validated it)."""
    return SignatureFacts(signer=signer, timestamped=timestamped, certified=certified)


def _manifest_note(attachments: dict[str, bytes], manifest: dict | None, why: str | None) -> str | None:
    if MANIFEST_NAME in attachments and manifest is None:
        return f"the PDF's {MANIFEST_NAME} is unreadable ({visible(why or 'not a manifest', LIBRARY_TEXT)}); " \
               "the letter details are unknown"
    if manifest is None:
        return "the PDF carries no letter-pdf manifest; the letter details are unknown"
    return None


def inspect_pdf(path: str | Path) -> PdfFacts:
    """Read and check the PDF to record; raise ``ArchiveError`` when it is missing or not a PDF."""
    path = Path(path)
    try:
        data = read_regular(path, limit=MAX_PDF_BYTES, what="the PDF", error=ArchiveError)
    except FileNotFoundError as exc:
        raise ArchiveError("no such file", where=path, hint="give the path of the PDF that was sent") from exc
    except IsADirectoryError as exc:
        raise ArchiveError("is a folder, not a PDF file", where=path) from exc
    except OSError as exc:
        raise ArchiveError(f"cannot read the file ({exc.strerror})", where=path) from exc
    return inspect_data(data, path)


def inspect_data(data: bytes, path: str | Path) -> PdfFacts:
    """The facts of the PDF ``data`` (an untrusted PDF, read within the limits for any), named ``path`` in
    messages; raise ``ArchiveError`` when it is not a PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from letter_pdf.pdf.limits import pypdf_limits  # the same bounds as for any other untrusted PDF

    if b"%PDF-" not in data[:1024]:
        raise ArchiveError("not a PDF file", where=path, hint="record the PDF file that was sent")
    manifest = why = None
    attachments: dict[str, bytes] = {}
    try:
        with pypdf_limits():
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                pages = None
            else:
                pages = len(reader.pages)
            title = None
            with contextlib.suppress(Exception):
                title = reader.metadata.title if reader.metadata else None
            if pages is not None:
                attachments = read_attachments(reader, [MANIFEST_NAME])
                if MANIFEST_NAME in attachments:
                    manifest, why = examine_manifest(attachments[MANIFEST_NAME])
                if manifest is not None:  # the sources embedded with --embed-sources
                    names = manifest.get("embedded_sources")
                    names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
                    attachments.update(read_attachments(reader, names))
            signed = _has_signature(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.debug("%s: %s: %s", path, type(exc).__name__, detail(exc))
        raise ArchiveError("the PDF is damaged and cannot be read", where=path,
                           hint="record the PDF file exactly as it was sent") from exc
    return PdfFacts(data, sha256_bytes(data), pages, str(title) if title else None, manifest,
                    _manifest_note(attachments, manifest, why), attachments, signed)


def _has_signature(reader) -> bool:
    with contextlib.suppress(Exception):
        for field in (reader.get_fields() or {}).values():
            if field.get("/FT") == "/Sig" and field.get("/V") is not None:
                return True
    return False


def signature_facts(path: Path) -> list[SignatureFacts]:
    """Signer and signing time of the PDF's signature, as ``letter_pdf.verify`` finds them."""
    try:
        report = verify.verify_pdf(path)
    except Exception as exc:  # noqa: BLE001 - a signature we cannot validate is still recorded as sent
        why = visible(exc.message, LIBRARY_TEXT) if isinstance(exc, LetterPdfError) else detail(exc)
        log.warning("cannot examine the signature of %s: %s", path, why)
        return [SignatureFacts(note=f"signed; the signature could not be examined ({why})")]
    signing_time = report.signing_time
    return [SignatureFacts(
        signer=str(report.signer),
        signing_time=signing_time.isoformat() if isinstance(signing_time, (dt.datetime, dt.date)) else None,
        timestamped=report.timestamped, intact=report.intact, valid=report.valid, coverage=report.coverage,
        modification_level=report.modification_level, certified=report.certified,
        signatures=report.signatures, ok=report.ok, reasons=tuple(str(r) for r in report.reasons),
    )]
