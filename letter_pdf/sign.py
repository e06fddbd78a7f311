"""PAdES signatures with pyHanko: the last stage, an incremental update of the assembled PDF.

Baseline B-B by default; B-T with an RFC 3161 timestamp from ``timestamp_url``; a certification signature
(DocMDP "no changes allowed") with ``certify``. The signature field sits on the signature block's rectangle,
with an appearance that keeps a PDF/A file conforming (embedded bundled font, no transparency, print flag);
if the signed file would still break its PDF/A claim, the claim is removed in the same revision and the
caller is told so — never a false claim.

The key is a PKCS#12 file; its passphrase comes from ``LETTER_PDF_P12_PASSPHRASE`` or from a prompter the
caller passes (the CLI asks without echo). The passphrase is never logged.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf.errors import SigningError
from letter_pdf.files import MAX_KEY_BYTES, read_regular
from letter_pdf.pdf import pdfa

log = logging.getLogger("letter_pdf")

PASSPHRASE_ENV = "LETTER_PDF_P12_PASSPHRASE"
FIELD_NAME = "Signature"
STAMP_FONT = "NotoSans-Regular.ttf"  # bundled; covers Latin Extended and Cyrillic names of signers

FieldBox = tuple[int, float, float, float, float]


@dataclass(frozen=True)
class SignOptions:
    """How to sign. ``passphrase`` is the PKCS#12 passphrase (``None`` for an unprotected file)."""

    key: Path
    passphrase: bytes | None = field(default=None, repr=False)
    timestamp_url: str | None = None
    certify: bool = False
    visible: bool = True
    reason: str | None = None
    location: str | None = None
    contact: str | None = None
    timeout: float = 10
    # the words of the visible signature, for the letter's language: {name} is the certificate's common name,
    # {time} the signing time
    stamp_text: str = "Digitally signed by {name}, {time}"
    alt_text: str = "Digital signature of {name}"  # what a screen reader announces for the field


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    signer: str
    timestamped: bool
    pdfa_kept: bool | None  # None: the input made no PDF/A claim
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------- the key


def resolve_passphrase(key: Path, prompter: Callable[[str], str] | None = None) -> bytes | None:
    """The passphrase for ``key``: from ``LETTER_PDF_P12_PASSPHRASE``, else ``None`` when the file needs none,
    else from ``prompter`` (an interactive no-echo prompt); without a prompter, a ``SigningError``."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env.encode("utf-8")
    data = _read_key(Path(key))
    if _opens_without_passphrase(data):
        return None
    if prompter is None:
        raise SigningError(
            "the key file is protected by a passphrase, and none was given",
            where=key,
            hint=f"set the environment variable {PASSPHRASE_ENV}, or run the command in a terminal to be asked",
        )
    answer = prompter(f"Passphrase for {Path(key).name}")
    return answer.encode("utf-8") if answer else None


def _read_key(path: Path) -> bytes:
    try:
        data = read_regular(path, limit=MAX_KEY_BYTES, what="the key file", error=SigningError,
                            hint="give the path of a .p12/.pfx file")
    except FileNotFoundError as exc:
        raise SigningError("the key file does not exist", where=path, hint="give the path of a .p12/.pfx file") from exc
    except OSError as exc:
        raise SigningError(f"cannot read the key file ({exc.strerror})", where=path) from exc
    if not _looks_like_pkcs12(data):
        raise SigningError(
            "not a PKCS#12 key file, or the file is damaged",
            where=path,
            hint="export the signing key together with its certificate as a .p12/.pfx file",
        )
    return data


def _looks_like_pkcs12(data: bytes) -> bool:
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in ("data", "signed_data")
    except Exception:  # asn1crypto raises many kinds on garbage: all mean "not PKCS#12"
        return False


def _opens_without_passphrase(data: bytes) -> bool:
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        pkcs12.load_key_and_certificates(data, None)
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class _Key:
    signer: object  # pyhanko SimpleSigner
    name: str


def load_key(options: SignOptions, *, now: dt.datetime | None = None) -> _Key:
    """Open the PKCS#12 file and check it can sign now; every failure is a one-line ``SigningError``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    path = Path(options.key)
    data = _read_key(path)
    try:
        private_key, cert, extra = pkcs12.load_key_and_certificates(data, options.passphrase)
    except Exception:  # cryptography says ValueError for both a bad MAC and an unreadable bag
        hint = f"check {PASSPHRASE_ENV} or the passphrase you typed"
        if options.passphrase is None:
            raise SigningError("the key file needs a passphrase", where=path, hint=hint) from None
        if not _opens_without_passphrase(data):
            raise SigningError("wrong passphrase for the key file (or the file is damaged)", where=path,
                               hint=hint) from None
        # a file without a passphrase, while LETTER_PDF_P12_PASSPHRASE is set for another key: not an error
        log.info("the key file has no passphrase; the one given is not needed")
        private_key, cert, extra = pkcs12.load_key_and_certificates(data, None)
    if private_key is None:
        raise SigningError("the file holds certificates but no private key", where=path,
                           hint="export the signing key together with its certificate")
    if cert is None:
        raise SigningError("the file holds a private key but no certificate", where=path,
                           hint="export the key together with its certificate (and its chain) as one .p12 file")
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(der, spki) != cert.public_key().public_bytes(der, spki):
        raise SigningError("the certificate in the file does not belong to its private key", where=path,
                           hint="export the matching key and certificate together")
    _check_key_usage(cert, path)
    now = now or dt.datetime.now(dt.UTC)
    if now > cert.not_valid_after_utc:
        raise SigningError(f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}", where=path,
                           hint="sign with a key whose certificate is still valid")
    if now < cert.not_valid_before_utc:
        raise SigningError(f"the certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
                           where=path, hint="check the computer's clock, or use another key")

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        key_info = asn1_keys.PrivateKeyInfo.load(
            private_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
    except Exception as exc:
        raise SigningError(f"unsupported kind of private key ({type(private_key).__name__})", where=path,
                           hint="use an RSA, EC or Ed25519 key") from exc
    as_asn1 = lambda c: asn1_x509.Certificate.load(c.public_bytes(der))  # noqa: E731
    signer = signers.SimpleSigner(
        signing_cert=as_asn1(cert),
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([as_asn1(c) for c in extra or ()]),
    )
    return _Key(signer=signer, name=_common_name(cert))


def _check_key_usage(cert, path: Path) -> None:
    """A certificate that restricts its key to other uses (e.g. a TLS or encryption certificate) must not
    sign: verifiers would reject the signature."""
    from cryptography import x509

    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SigningError("the certificate is not for signing (its key usage allows neither digitalSignature "
                           "nor nonRepudiation)", where=path, hint="use a document-signing certificate")


def _common_name(cert) -> str:
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


# --------------------------------------------------------------------------------------------- signing


def sign_pdf(pdf: bytes, options: SignOptions, *, field_box: FieldBox | None) -> bytes:
    """Sign ``pdf`` (the assembled package) and return the signed bytes; see ``sign``."""
    return sign(pdf, options, field_box=field_box).pdf


def sign(pdf: bytes, options: SignOptions, *, field_box: FieldBox | None, key: _Key | None = None) -> Signed:
    """Sign ``pdf`` as one incremental update; return the bytes and what the summary should say.

    ``field_box`` = (page index, x0, y0, x1, y1) in PDF points: where the visible signature goes. Without it
    (or with ``options.visible`` false) the signature is invisible.
    """
    key = key or load_key(options)
    claim = pdfa.claim_of(pdf)
    box = field_box if options.visible else None
    if options.visible and field_box is None:
        log.info("no signature block position known; the signature is invisible")
    signed = _sign_once(pdf, options, key, box, drop_pdfa=False)
    notes: list[str] = []
    pdfa_kept: bool | None = None
    if claim:
        problems = pdfa.signature_problems(signed)
        if problems:
            log.info("the signed file would not conform to PDF/A: %s", "; ".join(problems))
            signed = _sign_once(pdf, options, key, box, drop_pdfa=True)
            notes.append(f"PDF/A-{claim} claim removed: the signature's appearance does not conform "
                         f"({'; '.join(problems)})")  # every reason: one may be incidental (a stream ending in CR)
            pdfa_kept = False
        else:
            pdfa_kept = True
    kind = "certified (no changes allowed)" if options.certify else "signed"
    stamp = " with a timestamp" if options.timestamp_url else ""
    notes.insert(0, f"{kind} by {key.name}{stamp}" + ("" if box else " (invisible signature)"))
    return Signed(pdf=signed, signer=key.name, timestamped=bool(options.timestamp_url), pdfa_kept=pdfa_kept,
                  notes=tuple(notes))


def check_options(options: SignOptions) -> None:
    """Refuse options that cannot work, before any work is done."""
    url = options.timestamp_url
    if url is not None and not re.match(r"https?://[^/\s]+", url):
        raise SigningError(f"the timestamp URL must start with http:// or https:// (got {url!r})",
                           hint="give the address of an RFC 3161 timestamp server, e.g. http://tsa.example.org/tsr")
    if options.timeout <= 0:
        raise SigningError("the timestamp timeout must be positive")


def _writer_class():
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class KeepMetadataWriter(IncrementalPdfFileWriter):
        """pyHanko rewrites XMP and Info (Producer, ModDate) on every write, and not consistently (the Info
        Producer gets appended to, the XMP one replaced), which breaks PDF/A's rule that both agree. The
        signature revision leaves the assembled metadata as it is."""

        def _update_meta(self):
            pass

    return KeepMetadataWriter


def _sign_once(pdf: bytes, options: SignOptions, key: _Key, box: FieldBox | None, *, drop_pdfa: bool) -> bytes:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    try:
        writer = _writer_class()(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"the PDF to sign cannot be read ({exc})") from exc
    if writer.prev.encrypted:
        raise SigningError("the PDF to sign is encrypted")
    if drop_pdfa:
        _drop_pdfa_claim(writer)

    if box is not None:
        page, x0, y0, x1, y1 = box
        spec = fields.SigFieldSpec(FIELD_NAME, on_page=page, box=(round(x0), round(y0), round(x1), round(y1)))
    else:
        spec = fields.SigFieldSpec(FIELD_NAME)
    try:
        fields.append_signature_field(writer, spec)  # the field first, so that it can be tagged
    except (PdfError, IndexError) as exc:
        raise SigningError(f"cannot add the signature field ({exc})") from exc
    alt = options.alt_text.format(name=key.name)
    _describe_field(writer, alt)
    if box is not None:
        _tag_widget(writer, alt)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=options.certify,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=options.reason,
        location=options.location,
        contact_info=options.contact,
    )
    check_options(options)
    timestamper = None
    if options.timestamp_url:
        timestamper = _checked_timestamper(HTTPTimeStamper, TimestampRequestError)(
            options.timestamp_url, timeout=options.timeout
        )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=key.signer,  # type: ignore[arg-type]  # a pyHanko SimpleSigner (see _Key), imported lazily
        timestamper=timestamper,
        stamp_style=_stamp_style(options.stamp_text),
    )
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out)
    except TimestampRequestError as exc:
        cause = exc.__cause__
        reason = getattr(exc, "for_user", None) or (f"{type(cause).__name__}: {cause}" if cause else str(exc))
        if isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__:
            reason = f"no answer within {options.timeout:g} s"
        raise SigningError(
            f"the timestamp server {options.timestamp_url} cannot be used ({' '.join(reason.split())})",
            hint="check the URL and the network, or sign without --timestamp-url",
        ) from exc
    except PyHankoSigningError as exc:
        raise SigningError(f"pyHanko refused to sign: {exc}") from exc
    except PdfError as exc:
        raise SigningError(f"the PDF to sign cannot be processed ({exc})") from exc
    return out.getvalue()


def _describe_field(writer, alt: str) -> None:
    """Give the signature field its user name (/TU): what assistive technology announces for a form field
    (ISO 32000-1 12.7.3.1; PDF/UA-1 7.18.1 asks for it)."""
    from pyhanko.pdf_utils import generic

    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == FIELD_NAME:
            field[generic.pdf_name("/TU")] = generic.TextStringObject(alt)
            if isinstance(ref, generic.IndirectObject):
                writer.mark_update(ref)
            return


def _tag_widget(writer, alt: str) -> None:
    """Put the visible signature's widget into the structure tree (a ``Form`` element with alternate text
    under the document element), so that the tagged letter stays fully tagged for screen readers.
    Skipped when the PDF has no structure tree or one this code does not know how to extend."""
    from pyhanko.pdf_utils import generic

    name = generic.pdf_name
    root = writer.root
    try:
        tree_ref = root.raw_get("/StructTreeRoot")
        tree = tree_ref.get_object()
        parent_tree_ref = tree.raw_get("/ParentTree")
        parent_tree = parent_tree_ref.get_object()
        if "/Nums" not in parent_tree:  # a parent tree split into /Kids: leave it alone
            log.info("signature widget not tagged: the parent tree has /Kids")
            return
        kids = tree["/K"]
        document_ref = kids.raw_get(0) if isinstance(kids, generic.ArrayObject) else tree.raw_get("/K")
        document = document_ref.get_object()
        field_ref = next(f for f in root["/AcroForm"]["/Fields"] if f.get_object().get("/T") == FIELD_NAME)
        widget = field_ref.get_object()
        page_ref = widget.raw_get("/P")
    except (KeyError, StopIteration, AttributeError, IndexError) as exc:
        log.info("signature widget not tagged: %s", exc)
        return
    nums = parent_tree["/Nums"]
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    next_key = max([int(tree.get("/ParentTreeNextKey", 0)), *(k + 1 for k in keys)])
    element = generic.DictionaryObject({
        name("/Type"): name("/StructElem"),
        name("/S"): name("/Form"),
        name("/P"): document_ref,
        name("/Pg"): page_ref,
        name("/Alt"): generic.TextStringObject(alt),
        name("/K"): generic.DictionaryObject({
            name("/Type"): name("/OBJR"), name("/Obj"): field_ref, name("/Pg"): page_ref,
        }),
    })
    element_ref = writer.add_object(element)
    document_kids = document.get("/K")
    if isinstance(document_kids, generic.ArrayObject):
        document_kids.append(element_ref)
    else:
        document[name("/K")] = generic.ArrayObject([document_kids, element_ref] if document_kids is not None
                                                    else [element_ref])
    nums.append(generic.NumberObject(next_key))
    nums.append(element_ref)
    tree[name("/ParentTreeNextKey")] = generic.NumberObject(next_key + 1)
    widget[name("/StructParent")] = generic.NumberObject(next_key)
    for ref in (document_ref, parent_tree_ref, tree_ref, field_ref):
        if isinstance(ref, generic.IndirectObject):
            writer.mark_update(ref)
    if not isinstance(tree_ref, generic.IndirectObject) or not isinstance(document_ref, generic.IndirectObject):
        writer.update_root()


def _checked_timestamper(base, request_error):
    """pyHanko's HTTP client, plus: an answer that is not an RFC 3161 response, or a refusal, is a
    ``TimestampRequestError`` (pyHanko lets the first through as a ValueError from asn1crypto)."""

    def failure(message: str):
        error = request_error(message)
        error.for_user = message
        return error

    not_a_response = "the answer is not an RFC 3161 timestamp, or the server refused the request"

    class CheckedTimeStamper(base):
        async def async_request_tsa_response(self, req):
            try:
                response = await super().async_request_tsa_response(req)
            except request_error:
                raise
            except Exception as exc:  # asn1crypto could not parse the answer
                raise failure(not_a_response) from exc
            try:
                status = response["status"]["status"].native
                if status in ("granted", "granted_with_mods"):
                    _ = response["time_stamp_token"].native  # parse it now: garbage fails here, not deep inside
            except Exception as exc:
                raise failure(not_a_response) from exc
            if status not in ("granted", "granted_with_mods"):
                text = response["status"]["status_string"].native
                raise failure(f"the server refused the request: {status}" + (f", {' '.join(text)}" if text else ""))
            return response

    return CheckedTimeStamper


def _stamp_style(text: str = SignOptions.stamp_text):
    """The visible signature's look: one small grey line at the top right of the signature block — beside
    the closing line, where the block has no ink in its single-signer and side-by-side layouts — in the
    bundled Noto Sans (embedded, as PDF/A requires), no border, no background (no transparency)."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    from letter_pdf import assets

    return TextStampStyle(
        stamp_text=text.replace("%", "%%").format(name="%(signer)s", time="%(ts)s"),
        timestamp_format="%Y-%m-%d %H:%M %Z",
        text_box_style=TextBoxStyle(
            font=_plain_cmap_factory(GlyphAccumulatorFactory)(str(assets.fonts_dir() / STAMP_FONT), font_size=7),
            font_size=7,
            leading=8,
            text_color=(0.35, 0.35, 0.35),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MAX,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins(left=0, right=0, top=2, bottom=0),
            ),
        ),
        border_width=0,
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(1),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def plain_tounicode_cmap(cid_to_unicode: dict[int, str]) -> bytes:
    """A ToUnicode CMap with one ``bfchar`` entry per glyph (at most 100 per block, as ISO 32000-1 9.10.3
    allows). pyHanko writes runs of glyphs as ``bfrange`` with an array of destinations, a form that PDF/A
    validators report as a malformed CMap; single entries say the same thing in the form every reader knows."""
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS2) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS2 def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    entries = sorted(cid_to_unicode.items())
    for start in range(0, len(entries), 100):
        block = entries[start:start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{cid:04x}> <{text.encode('utf-16be').hex()}>" for cid, text in block]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _plain_cmap_factory(base):
    """pyHanko's glyph accumulator factory, making accumulators that write ``plain_tounicode_cmap``."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

    class PlainCMapGlyphAccumulator(GlyphAccumulator):
        def _format_tounicode_cmap(self):
            stream = generic.StreamObject(stream_data=plain_tounicode_cmap(self._cid_to_unicode))
            stream.compress()
            return stream

    class PlainCMapFactory(base):
        def create_font_engine(self, writer, obj_stream=None):
            engine = super().create_font_engine(writer, obj_stream)
            engine.__class__ = PlainCMapGlyphAccumulator  # same state, one method different
            return engine

    return PlainCMapFactory


# --------------------------------------------------------------------------------------------- PDF/A


def _drop_pdfa_claim(writer) -> None:
    """Remove the PDF/A claim from the XMP (``pdfa.rewrite_claim``), in the signature's own revision."""
    from pyhanko.pdf_utils import generic

    root = writer.root
    if "/Metadata" not in root:
        return
    try:
        xmp = pdfa.rewrite_claim(root["/Metadata"].data, None)
    except ValueError as exc:
        raise SigningError(f"{exc}: the signed file would make a false PDF/A claim") from exc
    new = generic.StreamObject(
        {generic.pdf_name("/Type"): generic.pdf_name("/Metadata"),
         generic.pdf_name("/Subtype"): generic.pdf_name("/XML")},
        stream_data=xmp,
    )
    root["/Metadata"] = writer.add_object(new)
    writer.update_root()
