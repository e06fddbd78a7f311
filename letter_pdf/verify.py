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

from letter_pdf.errors import VerificationError

log = logging.getLogger("letter_pdf")


@dataclass(frozen=True)
class VerifyReport:
    signer: str
    signing_time: dt.datetime | None  # the timestamp's time when timestamped, else the time the signer claims
    timestamped: bool
    intact: bool
    valid: bool
    trusted: bool | None  # None: not checked (no trust anchor given)
    coverage: str  # "entire file", "entire revision" or "partial"
    modification_level: str  # "none", "form filling", "annotations", "other", "unknown"
    certified: bool
    signatures: int
    ok: bool
    reasons: tuple[str, ...]  # why it is not ok (empty when ok)


_COVERAGE = {"ENTIRE_FILE": "entire file", "ENTIRE_REVISION": "entire revision", "CONTIGUOUS_BLOCK_FROM_START": "partial",
             "UNCLEAR": "unclear"}


def _load_trust(paths: tuple[Path, ...]):
    from asn1crypto import pem, x509

    roots = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise VerificationError(f"cannot read the trust certificate ({exc.strerror})", where=path) from exc
        try:
            blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certs = [x509.Certificate.load(der) for der in blobs]
            for cert in certs:
                cert.native  # parse now, so a bad file fails here and not deep in validation
        except Exception as exc:
            raise VerificationError("not a certificate (PEM or DER)", where=path,
                                    hint="give the CA certificate you trust, e.g. ca.pem") from exc
        if not certs:
            raise VerificationError("no certificate in the file", where=path)
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
        data = path.read_bytes()
    except OSError as exc:
        raise VerificationError(f"cannot read the file ({exc.strerror})", where=path) from exc
    if not data.lstrip()[:5] == b"%PDF-":
        raise VerificationError("not a PDF file", where=path)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:  # a damaged file: pyHanko's reader raises several kinds
        raise VerificationError(f"the PDF cannot be read ({type(exc).__name__}: {exc})", where=path,
                                hint="the file is damaged or was changed after signing") from exc
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
            raise VerificationError(f"the signature '{emb.field_name}' cannot be checked "
                                    f"({type(exc).__name__}: {exc})", where=path) from exc
        statuses.append((emb, status))

    # earlier signatures (e.g. a co-signer who signed the same file first) must hold too, and what came
    # after them must be allowed by a certification among them
    for emb, status in statuses[:-1]:
        if not (status.intact and status.valid):
            reasons.append(f"the earlier signature '{emb.field_name}' is broken")
        if status.docmdp_ok is False:
            reasons.append(f"changes after the certification signature '{emb.field_name}' are not allowed by it")

    emb, status = statuses[-1]
    signer = _signer_name(status.signing_cert)
    ts = status.timestamp_validity
    timestamped = ts is not None
    signing_time = ts.timestamp if ts is not None else status.signer_reported_dt
    coverage_name = status.coverage.name if status.coverage is not None else "UNCLEAR"
    coverage = _COVERAGE.get(coverage_name, coverage_name.lower())
    level = status.modification_level
    level_text = level.name.lower().replace("_", " ") if level is not None else "unknown"
    trusted = bool(status.trusted) if roots else None
    certified = emb.docmdp_level is not None

    if not status.intact:
        reasons.append("the signed content was changed (the document digest does not match)")
    if not status.valid:
        reasons.append("the signature value does not match the signer's certificate")
    if coverage_name != "ENTIRE_FILE":
        if coverage_name == "ENTIRE_REVISION":
            reasons.append("the signature does not cover the entire file: something was added after signing "
                           f"(modification level: {level_text})")
        else:
            reasons.append(f"the signature covers only part of the file ({coverage})")
    if status.docmdp_ok is False:
        reasons.append("changes were made that the certification signature does not allow")
    if roots and not trusted:
        why = status.trust_problem_indic.name.lower().replace("_", " ") if status.trust_problem_indic else "no path"
        reasons.append(f"the signer's certificate does not chain to a trusted certificate ({why})")
    if ts is not None:
        if not (ts.intact and ts.valid):
            reasons.append("the timestamp is broken")
        elif roots and not ts.trusted:
            reasons.append("the timestamp authority does not chain to a trusted certificate")
    ok = not reasons
    log.debug("verified %s: %s", path, "ok" if ok else "; ".join(reasons))
    return VerifyReport(
        signer=signer, signing_time=signing_time, timestamped=timestamped, intact=bool(status.intact),
        valid=bool(status.valid), trusted=trusted, coverage=coverage, modification_level=level_text,
        certified=certified, signatures=len(statuses), ok=ok, reasons=tuple(reasons),
    )


def _signer_name(cert) -> str:
    subject = cert.subject.native
    return subject.get("common_name") or cert.subject.human_friendly


def describe(report: VerifyReport) -> list[str]:
    """The report as ``label: value`` lines for people (the CLI prints them)."""
    yes_no = lambda v: "yes" if v else "no"  # noqa: E731
    when = report.signing_time.isoformat(timespec="seconds") if report.signing_time else "unknown"
    lines = [
        f"signer: {report.signer}",
        f"signing time: {when} ({'from the RFC 3161 timestamp' if report.timestamped else 'as claimed by the signer, no timestamp'})",
        f"timestamped: {yes_no(report.timestamped)}",
        f"intact: {yes_no(report.intact)}",
        f"valid: {yes_no(report.valid)}",
        f"trusted: {'not checked (no --trust given)' if report.trusted is None else yes_no(report.trusted)}",
        f"coverage: {report.coverage}",
        f"modification level: {report.modification_level}",
        f"certification signature: {yes_no(report.certified)}",
    ]
    if report.signatures > 1:
        lines.append(f"signatures: {report.signatures} (the last one is reported above; the earlier ones were checked)")
    return lines
