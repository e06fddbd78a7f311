"""Verify a signed letter with pyHanko: who signed, when, and whether the file is exactly what was signed.

pyHanko alone calls a signature intact and valid even when bytes were appended after it or an incremental
update was added; only its coverage tells. So a letter passes only when its last signature is intact, valid
and covers the entire file (and chains to a given trust anchor, when ``trust`` is given). Nothing is fetched
from the network: trust comes only from the certificates the user names.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from letter_pdf.errors import InputError, VerificationError
from letter_pdf.files import MAX_KEY_BYTES, MAX_PDF_BYTES, read_regular
from letter_pdf.text import visible

log = logging.getLogger("letter_pdf")


@dataclass(frozen=True)
class VerifyReport:
    signer: str
    signing_time: dt.datetime | None  # the timestamp's time when timestamped, else the time the signer claims
    timestamped: bool
    intact: bool
    valid: bool
    trusted: bool | None  # the signer's certificate chains to a trust anchor (whatever became of the document);
    #                       None: not checked (no trust anchor given)
    coverage: str  # "entire file", "entire revision" or "partial"
    modification_level: str  # "none", "metadata", "validation data" (and metadata), "form filling",
    #                          "annotations", "other", "unknown"
    certified: bool
    signatures: int
    ok: bool
    reasons: tuple[str, ...]  # why it is not ok (empty when ok)


LIBRARY_TEXT = 120  # at most this much of a library's own error text is quoted in a message

_COVERAGE = {"ENTIRE_FILE": "entire file", "ENTIRE_REVISION": "entire revision", "CONTIGUOUS_BLOCK_FROM_START": "partial",
             "UNCLEAR": "unclear"}


def _load_trust(paths: tuple[Path, ...]):
    from asn1crypto import pem, x509

    roots = []
    for path in paths:
        try:
            data = read_regular(path, limit=MAX_KEY_BYTES, what="the trust certificate",
                                hint="give the CA certificate you trust, e.g. ca.pem")
        except OSError as exc:
            raise InputError(f"cannot read the trust certificate ({exc.strerror})", where=path) from exc
        try:
            blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certs = [x509.Certificate.load(der) for der in blobs]
            for cert in certs:
                _ = cert.native  # parse now, so a bad file fails here and not deep in validation
        except Exception as exc:
            raise InputError("not a certificate (PEM or DER)", where=path,
                             hint="give the CA certificate you trust, e.g. ca.pem") from exc
        if not certs:
            raise InputError("no certificate in the file", where=path)
        roots += certs
    return roots


def verify_pdf(path: Path, *, trust: tuple[Path, ...] = ()) -> VerifyReport:
    """Check the signatures of ``path``; raise ``VerificationError`` when it is not a PDF or is not signed."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import KeyUsageConstraints, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    path = Path(path)
    roots = _load_trust(tuple(trust))
    try:
        data = read_regular(path, limit=MAX_PDF_BYTES, what="the PDF")
    except OSError as exc:
        raise VerificationError(f"cannot read the file ({exc.strerror})", where=path) from exc
    if not data.lstrip()[:5] == b"%PDF-":
        raise VerificationError("not a PDF file", where=path)
    # a damaged file: pyHanko's reader and asn1crypto raise many kinds, some with pages of text (an integer
    # of hundreds of digits read from a changed length); the message says what it means, -v shows the rest
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as exc:
        raise _unreadable(path, exc, "the PDF is damaged or was changed: it cannot be read") from exc
    try:
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:
        from pyhanko.pdf_utils.misc import PdfError

        raise _unreadable(path, exc, "the PDF is damaged or was changed: its signatures cannot be read"
                          if isinstance(exc, PdfError) else
                          "the signature's data is damaged or the file was changed: it cannot be read") from exc
    if not signatures:
        raise VerificationError("the PDF has no signature", where=path, hint="sign it with letter-pdf build --sign KEY.p12")

    def context():
        # no fetching: trust only what the user gave; with nothing given, trust is reported as not checked
        return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")

    # like common PDF viewers, accept a signing certificate with either digitalSignature or nonRepudiation
    # (pyHanko alone insists on nonRepudiation)
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
    reasons: list[str] = []
    statuses = []
    for emb in signatures:
        try:
            status = validate_pdf_signature(emb, signer_validation_context=context(), ts_validation_context=context(),
                                            key_usage_settings=usage)
        except Exception as exc:  # a structurally broken signature is a failed verification, not a crash
            raise _unreadable(path, exc, f"the signature '{_field(emb)}' is damaged or the file was changed: "
                                         "it cannot be checked") from exc
        statuses.append((emb, status))

    # earlier signatures (e.g. a co-signer who signed the same file first) must hold too, and what came
    # after them must be allowed by a certification among them
    for emb, status in statuses[:-1]:
        name = _field(emb)
        if not status.intact:
            reasons.append(f"the document was changed after the earlier signature '{name}' was made: "
                           "its bytes no longer match that signature")
        elif not status.valid:
            reasons.append(f"the earlier signature '{name}' does not match its signer's certificate")
        if status.docmdp_ok is False:
            if emb.docmdp_level is not None:
                reasons.append(f"changes after the certification signature '{name}' are not allowed by it")
            else:
                change = _change(status.modification_level, reader, emb)
                reasons.append(f"after the earlier signature '{name}', {change}, not only signed again")

    emb, status = statuses[-1]
    signer = _signer_name(status.signing_cert)
    ts = status.timestamp_validity
    timestamped = ts is not None
    signing_time = ts.timestamp if ts is not None else status.signer_reported_dt
    coverage_name = status.coverage.name if status.coverage is not None else "UNCLEAR"
    coverage = _COVERAGE.get(coverage_name, coverage_name.lower())
    level_text = _level_text(status.modification_level, reader, emb)
    # whether the certificate chains to a trust anchor, whatever became of the document: a changed document
    # does not make the signer's certificate untrusted (pyHanko's ``trusted`` mixes both)
    trusted, why = None, None
    if roots and (status.validation_path is not None or status.trust_problem_indic is not None):
        trusted = status.trust_problem_indic is None
        why = status.trust_problem_indic.name.lower().replace("_", " ") if status.trust_problem_indic is not None else None  # type: ignore[attr-defined]  # pyHanko's are Enums
    elif roots:  # pyHanko did not judge the certificate (the signature value failed): judge it on its own
        trusted, why = _chains(status.signing_cert, emb, context())
    certified = emb.docmdp_level is not None

    if not status.intact:
        reasons.append("the document was changed after signing: its bytes no longer match the signature")
    elif not status.valid:
        reasons.append("the signature does not match the signer's certificate (it is damaged or forged)")
    if coverage_name != "ENTIRE_FILE":
        if coverage_name == "ENTIRE_REVISION":
            reasons.append(_ADDED_AFTER.get(level_text, "something was added to the file after signing") +
                           "; the signature does not cover it")
        else:
            reasons.append(f"the signature covers only part of the file ({coverage})")
    if status.docmdp_ok is False and certified:
        reasons.append("changes were made that the certification signature does not allow")
    if roots and not trusted:
        reasons.append(f"the signer's certificate does not chain to a trusted certificate ({why})")
    if ts is not None:
        if not (ts.intact and ts.valid):
            reasons.append("the timestamp is damaged: it does not match the signature")
        elif roots and not ts.trusted:
            reasons.append("the timestamp authority does not chain to a trusted certificate")
    ok = not reasons
    log.debug("verified %s: %s", path, "ok" if ok else "; ".join(reasons))
    return VerifyReport(
        signer=signer, signing_time=signing_time, timestamped=timestamped, intact=bool(status.intact),
        valid=bool(status.valid), trusted=trusted, coverage=coverage, modification_level=level_text,
        certified=certified, signatures=len(statuses), ok=ok, reasons=tuple(reasons),
    )


# what a later revision did, by modification level (pyHanko's LTA_UPDATES is split into the two it covers)
_ADDED_AFTER = {
    "none": "data was added to the end of the file after signing",
    "metadata": "a later revision changed the document's metadata after signing",
    "validation data": "a later revision added validation data (certificates, revocation information or a "
                       "timestamp) after signing",
    "validation data and metadata": "a later revision added validation data (certificates, revocation information "
                                    "or a timestamp) and updated the document's metadata after signing",
    "form filling": "a later revision filled in form fields after signing",
    "annotations": "a later revision added or changed comments (annotations) after signing",
    "other": "a later revision changed the document after signing",
}


def _change(level, reader, emb) -> str:
    """What came after a signature, as a clause: 'the document was changed'."""
    name = level.name if level is not None else "OTHER"
    if name == "LTA_UPDATES":
        return {"metadata": "the document's metadata was changed", "validation data": "validation data was added",
                }.get(_lta_kind(reader, emb), "validation data was added and the metadata updated")
    return {"FORM_FILLING": "form fields were filled in", "ANNOTATIONS": "comments (annotations) were added or changed",
            "NONE": "data was added"}.get(name, "the document was changed")


def _level_text(level, reader, emb) -> str:
    if level is None:
        return "unknown"
    if level.name == "LTA_UPDATES":
        return _lta_kind(reader, emb)
    return level.name.lower().replace("_", " ")


def _lta_kind(reader, emb) -> str:
    """pyHanko's 'LTA updates' after a signature are validation data (a DSS, a document timestamp) and
    metadata (the document information, XMP): 'metadata', 'validation data' or 'validation data and metadata'."""
    metadata = _changed_after(reader, emb, lambda trailer, root: ((trailer, "/Info"), (root, "/Metadata")))
    validation = _changed_after(reader, emb, lambda trailer, root: ((root, "/DSS"),))
    try:
        validation |= any(ts.signed_revision > emb.signed_revision for ts in reader.embedded_timestamp_signatures)
    except Exception:  # noqa: BLE001 - only the wording depends on it; the verdict does not
        pass
    if metadata and not validation:
        return "metadata"
    return "validation data and metadata" if metadata else "validation data"


def _changed_after(reader, emb, places) -> bool:
    """Whether a revision after the signature replaced or changed the objects at ``places(trailer, root)``."""
    try:
        def refs(handler):
            trailer = handler.trailer_view
            return tuple(getattr(where.raw_get(key), "reference", None) if key in where else None
                         for where, key in places(trailer, trailer["/Root"]))

        after = refs(reader)
        if refs(reader.get_historical_resolver(emb.signed_revision)) != after:
            return True
        touched = set()
        for revision in range(emb.signed_revision + 1, reader.xrefs.total_revisions):
            touched |= set(reader.xrefs.explicit_refs_in_revision(revision))
        return any(ref is not None and ref in touched for ref in after)
    except Exception:  # noqa: BLE001 - only the wording depends on it; the verdict does not
        return False


def _chains(cert, emb, context) -> tuple[bool, str]:
    """(whether ``cert`` chains to a trust anchor of ``context``, why not), with the signature's certificates
    as intermediates."""
    import asyncio

    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import PathBuildingError

    try:
        others = [c.chosen for c in emb.signed_data["certificates"] if c.name == "certificate"]
    except Exception:  # noqa: BLE001 - no embedded certificates: the trust anchors alone
        others = []
    try:
        asyncio.run(CertificateValidator(cert, intermediate_certs=others, validation_context=context)
                    .async_validate_path())
    except PathBuildingError:
        return False, "no certificate chain found"
    except Exception as exc:  # noqa: BLE001 - a path that does not validate (expired, revoked, ...)
        return False, f"the certificate chain is not valid: {visible(str(exc), LIBRARY_TEXT)}"
    return True, ""


def _unreadable(path: Path, exc: Exception, message: str) -> VerificationError:
    """The error for a file or signature the libraries cannot read: a plain message; their own text (capped)
    only in the debug log, which -v shows."""
    log.debug("%s: %s: %s", path, type(exc).__name__, visible(str(exc), LIBRARY_TEXT))
    return VerificationError(message, where=path, hint="compare it with the file as it was sent or signed")


def _field(emb) -> str:
    """The signature field's name, as it may be printed (it comes from the file)."""
    try:
        return visible(str(emb.field_name), 60)
    except Exception:  # noqa: BLE001 - a name that cannot be read is no reason to stop
        return "?"


def _signer_name(cert) -> str:
    subject = cert.subject.native
    return subject.get("common_name") or cert.subject.human_friendly


def describe(report: VerifyReport) -> list[str]:
    """The report as ``label: value`` lines for people (the CLI prints them)."""
    yes_no = lambda v: "yes" if v else "no"  # noqa: E731
    when = report.signing_time.isoformat(timespec="seconds") if report.signing_time else "unknown"
    if not report.intact:
        intact = "no (the document was changed after signing: its bytes no longer match the signature)"
        valid = ("yes, but only for the document as it was signed, not for this changed file" if report.valid
                 else "no")
    else:
        intact, valid = "yes", yes_no(report.valid)
    lines = [
        f"signer: {visible(report.signer, 200)}",  # from the certificate: shown, never reordered
        f"signing time: {when} ({'from the RFC 3161 timestamp' if report.timestamped else 'as claimed by the signer, no timestamp'})",
        f"timestamped: {yes_no(report.timestamped)}",
        f"intact: {intact}",
        f"valid: {valid}",
        f"trusted: {'not checked (no --trust given)' if report.trusted is None else yes_no(report.trusted)}",
        f"coverage: {report.coverage}",
        f"modification level: {report.modification_level}",
        f"certification signature: {yes_no(report.certified)}",
    ]
    if report.signatures > 1:
        lines.append(f"signatures: {report.signatures} (the last one is reported above; the earlier ones were checked)")
    return lines
