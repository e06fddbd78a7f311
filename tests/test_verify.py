"""``letter-pdf verify``: exit 0 only for an intact, valid signature over the entire file.

The signed files are made with the test's own CA; every tampering case (one flipped byte, bytes appended,
an incremental update) must make ``verify`` fail with exit status 4 and a reason.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from letter_pdf import sign, verify
from letter_pdf.cli import main
from letter_pdf.errors import VerificationError

import pki


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return pki.make_world(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def unsigned(world) -> Path:
    path = world.folder / "unsigned.pdf"
    path.write_bytes(pki.sample_pdf())
    return path


def _sign(world, unsigned: Path, name: str, **kwargs) -> Path:
    opts = sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE, **kwargs)
    path = world.folder / name
    path.write_bytes(sign.sign_pdf(unsigned.read_bytes(), opts, field_box=pki.SAMPLE_BOX))
    return path


@pytest.fixture(scope="module")
def signed(world, unsigned) -> Path:
    return _sign(world, unsigned, "signed.pdf")


@pytest.fixture(scope="module")
def certified(world, unsigned) -> Path:
    return _sign(world, unsigned, "certified.pdf", certify=True)


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["verify", *map(str, args)])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def fields(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def test_signed_file_verifies_and_is_trusted(signed, world, capsys):
    code, out, err = run(capsys, signed, "--trust", world.ca_pem)
    assert code == 0, err
    f = fields(out)
    assert f["signer"] == "Maria Ковальчук, Test Coalition"
    assert f["intact"] == "yes" and f["valid"] == "yes" and f["trusted"] == "yes"
    assert f["coverage"] == "entire file" and f["modification level"] == "none"
    assert f["timestamped"] == "no" and "no timestamp" in f["signing time"]
    assert out.rstrip().endswith("signature OK") and err == ""


def test_a_digital_signature_only_certificate_is_accepted(world, unsigned, capsys):
    opts = sign.SignOptions(key=world.digital_only_p12, passphrase=pki.PASSPHRASE)
    path = world.folder / "digital-only.pdf"
    path.write_bytes(sign.sign_pdf(unsigned.read_bytes(), opts, field_box=None))
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 0, err
    assert fields(out)["signer"] == "Digital Signer" and fields(out)["trusted"] == "yes"


def test_without_trust_anchor_trust_is_not_checked(signed, capsys):
    code, out, _ = run(capsys, signed)
    assert code == 0
    assert fields(out)["trusted"] == "not checked (no --trust given)"


def test_a_foreign_trust_anchor_fails(signed, world, capsys):
    code, out, err = run(capsys, signed, "--trust", world.other_ca_pem)
    assert code == 4
    assert fields(out)["trusted"] == "no" and fields(out)["intact"] == "yes"
    assert err == (f"error: {signed}: the signer's certificate does not chain to a trusted certificate "
                   "(no certificate chain found)\n")


def _flip_inside_signed_range(data: bytes) -> bytes:
    """Flip one byte in the middle of the first stream with data: inside the signed byte range, every object
    header and offset intact (only that stream's bytes differ)."""
    byte_range = [int(v) for v in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data).groups()]
    for match in re.finditer(rb"stream\r?\n", data):
        begin = match.end()
        end = data.index(b"endstream", begin)
        if end - begin >= 64 and not data[match.start() - 3:match.start()] == b"end":
            start = (begin + end) // 2
            break
    assert byte_range[0] <= start < byte_range[0] + byte_range[1]
    return data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1:]


def test_one_flipped_byte_fails_and_says_the_document_changed(signed, world, tmp_path, capsys):
    """The certificate is fine (trusted), the document changed: the report says that, and only that."""
    tampered = tmp_path / "flipped.pdf"
    tampered.write_bytes(_flip_inside_signed_range(signed.read_bytes()))
    code, out, err = run(capsys, tampered, "--trust", world.ca_pem)
    assert code == 4
    lines = out.splitlines()
    assert lines[3:] == [
        "intact: no (the document was changed after signing: its bytes no longer match the signature)",
        "valid: yes, but only for the document as it was signed, not for this changed file",
        "trusted: yes",
        "coverage: entire file",
        "modification level: none",
        "certification signature: no",
    ]
    assert err == f"error: {tampered}: the document was changed after signing: its bytes no longer match the signature\n"
    code, out, err = run(capsys, tampered)  # without --trust: the same reason, trust not checked
    assert code == 4 and fields(out)["trusted"] == "not checked (no --trust given)"
    assert err == f"error: {tampered}: the document was changed after signing: its bytes no longer match the signature\n"


def _flip_in_signature_value(data: bytes) -> bytes:
    """Change one hex digit near the end of the signature value (the last field of the CMS SignerInfo, just
    before the zero padding of /Contents): the document is untouched, the signature no longer verifies."""
    byte_range = [int(v) for v in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data).groups()]
    contents = data[byte_range[1] + 1:byte_range[2] - 1]  # the hex digits between < and >
    position = byte_range[1] + 1 + len(contents.rstrip(b"0")) - 6
    return data[:position] + (b"1" if data[position:position + 1] != b"1" else b"2") + data[position + 1:]


def test_a_damaged_signature_value_fails_and_trust_is_still_the_certificates(signed, world, tmp_path, capsys):
    tampered = tmp_path / "bad-signature-value.pdf"
    tampered.write_bytes(_flip_in_signature_value(signed.read_bytes()))
    code, out, err = run(capsys, tampered, "--trust", world.ca_pem)
    assert code == 4
    assert out.splitlines()[3:6] == ["intact: yes", "valid: no", "trusted: yes"]
    assert err == f"error: {tampered}: the signature does not match the signer's certificate (it is damaged or forged)\n"
    code, out, err = run(capsys, tampered, "--trust", world.other_ca_pem)
    assert code == 4 and fields(out)["trusted"] == "no"
    assert err.splitlines()[1] == (f"error: {tampered}: the signer's certificate does not chain to a trusted "
                                   "certificate (no certificate chain found)")


def test_appended_bytes_fail(signed, tmp_path, capsys):
    tampered = tmp_path / "appended.pdf"
    tampered.write_bytes(signed.read_bytes() + b"\n% appended after signing\n")
    code, out, err = run(capsys, tampered)
    assert code == 4
    f = fields(out)
    assert f["intact"] == "yes" and f["valid"] == "yes"  # what pyHanko says on its own ...
    assert f["coverage"] == "entire revision"  # ... and why it is still not the signed file
    assert f["modification level"] == "none"
    assert err == f"error: {tampered}: data was added to the end of the file after signing; the signature does not cover it\n"


def test_bytes_inserted_before_the_end_of_the_signed_revision_fail(signed, tmp_path, capsys):
    """The signed range no longer reaches the end of its revision: changed, and covering only part of it."""
    data = signed.read_bytes()
    end = data.rindex(b"startxref")
    tampered = tmp_path / "inserted.pdf"
    tampered.write_bytes(data[:end] + b"% inserted after signing\n" + data[end:])
    code, out, err = run(capsys, tampered)
    assert code == 4 and fields(out)["coverage"] == "partial"
    assert err == (f"error: {tampered}: the document was changed after signing: its bytes no longer match the "
                   f"signature\nerror: {tampered}: the signature covers only part of the file (partial)\n")


def _incremental_update(data: bytes) -> bytes:
    """Add a sticky note to the first page and change the title, in a new revision after the signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.trailer["/Info"]
    info[generic.pdf_name("/Title")] = generic.TextStringObject("Changed after signing")
    writer.update_container(info)
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    note = writer.add_object(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Text"),
        generic.pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (50, 50, 70, 70)]),
        generic.pdf_name("/Contents"): generic.TextStringObject("added later"),
    }))
    page[generic.pdf_name("/Annots")] = generic.ArrayObject([*page.get("/Annots", []), note])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_incremental_update_after_signing_fails(signed, tmp_path, capsys):
    """An ordinary (approval) signature: nothing about a certification it does not have."""
    tampered = tmp_path / "updated.pdf"
    tampered.write_bytes(_incremental_update(signed.read_bytes()))
    code, out, err = run(capsys, tampered)
    assert code == 4
    assert fields(out)["coverage"] == "entire revision" and fields(out)["modification level"] == "other"
    assert fields(out)["certification signature"] == "no"
    assert err == f"error: {tampered}: a later revision changed the document after signing; the signature does not cover it\n"


def _new_title(data: bytes) -> bytes:
    """Only the document's title changed, in a new revision after the signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.trailer["/Info"]
    info[generic.pdf_name("/Title")] = generic.TextStringObject("Changed after signing")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["signed", "certified"])
def test_a_changed_title_is_called_a_metadata_change(kind, request, tmp_path, capsys):
    tampered = tmp_path / "retitled.pdf"
    tampered.write_bytes(_new_title(request.getfixturevalue(kind).read_bytes()))
    code, out, err = run(capsys, tampered)
    assert code == 4
    assert fields(out)["modification level"] == "metadata"
    assert err == (f"error: {tampered}: a later revision changed the document's metadata after signing; "
                   "the signature does not cover it\n")


def test_validation_data_added_after_signing_is_named(signed, world, tmp_path, capsys):
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    buffer = io.BytesIO(signed.read_bytes())
    DocumentSecurityStore.add_dss(buffer, sig_contents=None, certs=[world.ca.asn1_cert()])
    tampered = tmp_path / "with-dss.pdf"
    tampered.write_bytes(buffer.getvalue())
    code, out, err = run(capsys, tampered)
    assert code == 4
    assert fields(out)["modification level"] == "validation data and metadata"  # pyHanko also updates ModDate
    assert err == (f"error: {tampered}: a later revision added validation data (certificates, revocation "
                   "information or a timestamp) and updated the document's metadata after signing; "
                   "the signature does not cover it\n")


def test_incremental_update_of_a_certified_file_breaks_its_certification(certified, tmp_path, capsys):
    code, out, _ = run(capsys, certified)
    assert code == 0 and fields(out)["certification signature"] == "yes"
    tampered = tmp_path / "updated-certified.pdf"
    tampered.write_bytes(_incremental_update(certified.read_bytes()))
    code, out, err = run(capsys, tampered)
    assert code == 4
    assert err == (f"error: {tampered}: a later revision changed the document after signing; the signature does not "
                   f"cover it\nerror: {tampered}: changes were made that the certification signature does not allow\n")


def test_timestamped_signature_reports_its_timestamp(world, unsigned, capsys):
    stamped_at = pki.NOW - dt.timedelta(minutes=5)  # the authority's time, not the signer's clock
    with pki.LocalTSA(world.tsa, world.ca) as tsa:
        tsa.stamper.fixed_dt = stamped_at
        path = _sign(world, unsigned, "timestamped.pdf", timestamp_url=tsa.url)
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 0, err
    f = fields(out)
    assert f["timestamped"] == "yes" and "from the RFC 3161 timestamp" in f["signing time"]
    report = verify.verify_pdf(path, trust=(world.ca_pem,))
    assert report.timestamped and report.ok and report.signing_time == stamped_at


def test_a_timestamp_from_an_untrusted_authority_fails(world, unsigned, capsys):
    """The signer chains to the trust anchor, the timestamp authority does not: not OK."""
    with pki.LocalTSA(world.other_tsa, world.other_ca) as tsa:
        path = _sign(world, unsigned, "foreign-timestamp.pdf", timestamp_url=tsa.url)
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 4
    f = fields(out)
    assert f["trusted"] == "yes" and f["timestamped"] == "yes" and f["intact"] == "yes"
    assert err == f"error: {path}: the timestamp authority does not chain to a trusted certificate\n"
    code, _, err = run(capsys, path, "--trust", world.ca_pem, "--trust", world.other_ca_pem)
    assert code == 0, err  # trusting its authority too, the same file verifies


def test_report_fields(signed, world):
    report = verify.verify_pdf(signed, trust=(world.ca_pem,))
    assert (report.intact, report.valid, report.trusted, report.ok) == (True, True, True, True)
    assert report.coverage == "entire file" and report.modification_level == "none"
    assert report.signatures == 1 and report.reasons == () and not report.certified


def test_unsigned_pdf_is_an_error(unsigned, capsys):
    code, _, err = run(capsys, unsigned)
    assert code == 4 and "the PDF has no signature" in err
    with pytest.raises(VerificationError):
        verify.verify_pdf(unsigned)


def test_not_a_pdf_is_an_error(world, capsys):
    code, _, err = run(capsys, world.ca_pem)
    assert code == 4 and "not a PDF file" in err and err.count("\n") == 1


def test_a_bad_trust_file_is_an_error(signed, world, capsys):
    code, _, err = run(capsys, signed, "--trust", signed)
    assert code == 1 and "not a certificate" in err


def _hand_made_pdf(catalog: bytes) -> bytes:
    """A one-page unsigned PDF written byte by byte (with its cross-reference table), to hold what no
    PDF library writes (a repeated key)."""
    objects = [catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _refusal(path: Path) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verify.verify_pdf(path)
    assert caught.value.exit_code == 4 and caught.value.where == str(path)
    return caught.value


def test_a_leniently_readable_unsigned_pdf_is_read_and_said_to_have_no_signature(tmp_path):
    """A repeated key (which strict parsing refuses) does not stop the check: the answer is about the
    signature, with the hint to sign it."""
    path = tmp_path / "repeated-key.pdf"
    path.write_bytes(_hand_made_pdf(b"<< /Type /Catalog /Pages 2 0 R /Type /Catalog >>"))
    assert str(_refusal(path)) == f"{path}: the PDF has no signature — sign it with letter-pdf build --sign KEY.p12"


def test_a_pdf_header_after_blank_space_is_left_to_the_pdf_reader(tmp_path):
    """Not called 'not a PDF file' (it is one, shifted): the reader says what is wrong with it."""
    path = tmp_path / "leading-space.pdf"
    path.write_bytes(b" \n" + _hand_made_pdf(b"<< /Type /Catalog /Pages 2 0 R >>") + b"\n\n")
    assert str(_refusal(path)) == (f"{path}: the PDF is damaged or was changed: it cannot be read — compare it with "
                                   "the file as it was sent or signed")


def test_not_a_pdf_and_an_unreadable_file_are_errors_naming_them(tmp_path):
    text = tmp_path / "letter.txt"
    text.write_bytes(b"Dear Minister, %PDF-1.7 is not at the start\n")
    assert str(_refusal(text)) == f"{text}: not a PDF file"
    assert str(_refusal(tmp_path)) == f"{tmp_path}: cannot read the file (Is a directory)"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnothing a reader can use\n")
    error = _refusal(broken)  # the reader's own words only in the debug log (-v), never a raw library line
    assert error.message == "the PDF is damaged or was changed: it cannot be read"
    assert error.hint == "compare it with the file as it was sent or signed"


def test_truncated_file_fails(signed, tmp_path, capsys):
    tampered = tmp_path / "truncated.pdf"
    tampered.write_bytes(signed.read_bytes()[:-2000])
    code, _, err = run(capsys, tampered)
    assert code == 4 and err.startswith("error: ") and "internal error" not in err


def _sign_again(data: bytes, world, field: str) -> bytes:
    """A second approval signature in a new revision (as a co-signer's tool would add it)."""
    from pyhanko.sign import fields as pyhanko_fields
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(world.p12), passphrase=pki.PASSPHRASE)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field, subfilter=pyhanko_fields.SigSeedSubFilter.PADES),
        signer=signer, new_field_spec=pyhanko_fields.SigFieldSpec(field),
    ).sign_pdf(writer, output=out)
    return out.getvalue()


def test_a_second_signature_after_an_approval_signature_verifies(signed, world, tmp_path, capsys):
    path = tmp_path / "two-signatures.pdf"
    path.write_bytes(_sign_again(signed.read_bytes(), world, "CoSigner"))
    report = verify.verify_pdf(path, trust=(world.ca_pem,))
    assert report.signatures == 2 and report.ok, report.reasons
    assert verify.describe(report)[-1].startswith("signatures: 2 ")


def test_a_broken_earlier_signature_fails(signed, world, tmp_path, capsys):
    """The first signature no longer matches (a byte changed), the second was made over the changed file and
    holds: the file still fails, because of the first one."""
    path = tmp_path / "broken-first.pdf"
    path.write_bytes(_sign_again(_flip_inside_signed_range(signed.read_bytes()), world, "CoSigner"))
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 4
    f = fields(out)
    assert f["intact"] == "yes" and f["coverage"] == "entire file"  # the last signature is fine
    assert f["signatures"].startswith("2 ")
    assert err == (f"error: {path}: the document was changed after the earlier signature 'Signature' was made: "
                   "its bytes no longer match that signature\n")


def test_a_nonrepudiation_only_certificate_is_accepted(world, unsigned, capsys):
    opts = sign.SignOptions(key=pki.write_p12(world.folder / "commitment.p12", pki.issue(world.ca, "Commitment Signer",
                                              usage="commitment"), ca=world.ca, passphrase=pki.PASSPHRASE),
                            passphrase=pki.PASSPHRASE)
    path = world.folder / "commitment-only.pdf"
    path.write_bytes(sign.sign_pdf(unsigned.read_bytes(), opts, field_box=None))
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 0, err
    assert fields(out)["signer"] == "Commitment Signer" and fields(out)["trusted"] == "yes"


def test_nothing_is_fetched_from_the_network_for_a_certificate_that_names_its_revocation_servers(
        world, unsigned, capsys):
    """The signer's certificate names an OCSP responder and a CRL on 127.0.0.1: verify asks neither."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked = []

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            asked.append(self.path)
            self.send_error(404)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/status"
        who = pki.issue(world.ca, "Networked Signer", revocation_url=url)
        key = pki.write_p12(world.folder / "networked.p12", who, ca=world.ca, passphrase=pki.PASSPHRASE)
        path = world.folder / "networked.pdf"
        path.write_bytes(sign.sign_pdf(unsigned.read_bytes(), sign.SignOptions(key=key, passphrase=pki.PASSPHRASE),
                                       field_box=None))
        asked.clear()  # only what verify does counts
        code, out, err = run(capsys, path, "--trust", world.ca_pem)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert code == 0, err
    assert fields(out)["signer"] == "Networked Signer" and fields(out)["trusted"] == "yes"
    assert asked == []


def test_a_damaged_earlier_signature_value_fails(signed, world, tmp_path, capsys):
    """The first signature's value no longer verifies (its bytes are untouched), the second holds."""
    path = tmp_path / "forged-first.pdf"
    path.write_bytes(_sign_again(_flip_in_signature_value(signed.read_bytes()), world, "CoSigner"))
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 4 and fields(out)["intact"] == "yes" and fields(out)["valid"] == "yes"
    assert err == f"error: {path}: the earlier signature 'Signature' does not match its signer's certificate\n"


def test_a_change_between_two_approval_signatures_fails(signed, world, tmp_path, capsys):
    """A sticky note and a new title added after the first signature, then a second signature over it all."""
    path = tmp_path / "changed-then-signed.pdf"
    path.write_bytes(_sign_again(_incremental_update(signed.read_bytes()), world, "CoSigner"))
    code, out, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 4 and fields(out)["coverage"] == "entire file"  # the last signature is fine
    assert err == (f"error: {path}: after the earlier signature 'Signature', the document was changed, not only "
                   "signed again\n")


def test_a_signature_pyhanko_cannot_check_is_a_failed_verification(signed, monkeypatch):
    from pyhanko.sign import validation

    def broken(*args, **kwargs):
        raise ValueError("unexpected structure")

    monkeypatch.setattr(validation, "validate_pdf_signature", broken)
    with pytest.raises(VerificationError) as caught:
        verify.verify_pdf(signed)
    assert str(caught.value) == (f"{signed}: the signature 'Signature' is damaged or the file was changed: it cannot be "
                                 "checked — compare it with the file as it was sent or signed")
    assert caught.value.exit_code == 4


def test_a_second_signature_after_a_certification_fails(certified, world, tmp_path, capsys, monkeypatch):
    from pyhanko.sign.signers import pdf_signer

    # pyHanko itself refuses to sign a document certified with "no changes"; a careless tool might not
    monkeypatch.setattr(pdf_signer.PdfSigner, "_enforce_certification_constraints", lambda self, reader: None)
    path = tmp_path / "certified-then-signed.pdf"
    path.write_bytes(_sign_again(certified.read_bytes(), world, "CoSigner"))
    code, _, err = run(capsys, path, "--trust", world.ca_pem)
    assert code == 4
    assert "changes after the certification signature 'Signature' are not allowed" in err


# ------------------------------------------------------------------------ damaged files: one plain line

UNREADABLE_HINT = "compare it with the file as it was sent or signed"


def _contents(data: bytes) -> re.Match:
    return re.search(rb"/Contents\s*<([0-9A-Fa-f]+)>", data)


def _huge_signature_length(data: bytes) -> bytes:
    """The signature container's DER length made 127 bytes long: asn1crypto then reports 'Insufficient data'
    with an integer of some 300 digits."""
    start = _contents(data).start(1)
    assert data[start:start + 4] == b"3082"  # a SEQUENCE with a two-byte length
    return data[:start] + b"30ff" + data[start + 4:]


def _changed_signing_certificate_hash(data: bytes) -> bytes:
    """One hex digit of the signed attribute naming the signer's certificate (its SHA-256) changed."""
    import pyhanko.sign.general  # noqa: F401 - registers the signing-certificate-v2 attribute with asn1crypto
    from asn1crypto import cms

    match = _contents(data)
    info = cms.ContentInfo.load(bytes.fromhex(match.group(1).decode()))
    (attribute,) = [a for a in info["content"]["signer_infos"][0]["signed_attrs"]
                    if a["type"].native == "signing_certificate_v2"]
    digest = attribute["values"][0]["certs"][0]["cert_hash"].native.hex().upper().encode()
    position = data.index(digest, match.start(1)) + 10
    return data[:position] + (b"0" if data[position:position + 1] != b"0" else b"1") + data[position + 1:]


@pytest.mark.parametrize("damage, message", [
    (_huge_signature_length, "the signature's data is damaged or the file was changed: it cannot be read"),
    (_changed_signing_certificate_hash,
     "the signature 'Signature' is damaged or the file was changed: it cannot be checked"),
    (lambda data: b"%PDF-1.7\n" + b"garbage\n" * 20, "the PDF is damaged or was changed: it cannot be read"),
])
def test_a_damaged_signature_or_file_is_one_plain_line(signed, tmp_path, capsys, damage, message):
    """Never the library's own text (a 300-digit integer, a certificate's whole subject): what it means."""
    tampered = tmp_path / "damaged.pdf"
    tampered.write_bytes(damage(signed.read_bytes()))
    code, out, err = run(capsys, tampered)
    assert code == 4 and out == ""
    assert err == f"error: {tampered}: {message} — {UNREADABLE_HINT}\n"


def test_the_librarys_text_is_in_the_debug_log_capped(signed, tmp_path, caplog):
    tampered = tmp_path / "damaged.pdf"
    tampered.write_bytes(_huge_signature_length(signed.read_bytes()))
    with caplog.at_level("DEBUG", logger="letter_pdf"), pytest.raises(VerificationError):
        verify.verify_pdf(tampered)
    (said,) = [r.getMessage() for r in caplog.records if "Insufficient data" in r.getMessage()]
    assert said.startswith(f"{tampered}: ValueError: Insufficient data - ")
    assert len(said) == len(f"{tampered}: ValueError: ") + verify.LIBRARY_TEXT and said.endswith("…")



def test_a_signers_name_from_the_certificate_is_printed_visibly(tmp_path, unsigned, capsys):
    """The signer's name comes from the certificate in the file: a bidirectional control in it is shown."""
    rogue = pki.make_world(tmp_path / "pki", signer_name="Evil\u202eYX")
    path = _sign(rogue, unsigned, "rogue.pdf")
    code, out, err = run(capsys, path, "--trust", rogue.ca_pem)
    assert code == 0, err
    assert out.splitlines()[0] == "signer: Evil<U+202E>YX"


# ------------------------------------------------------------------------ the timestamp token damaged


def _flip_in_timestamp_signature(data: bytes) -> bytes:
    """Change one hex digit in the middle of the timestamp authority's signature value, inside the token
    that is an unsigned attribute of the signature: the document and the signature itself are untouched."""
    import pyhanko.sign.general  # noqa: F401 - registers the timestamp-token attribute with asn1crypto
    from asn1crypto import cms

    match = _contents(data)
    info = cms.ContentInfo.load(bytes.fromhex(match.group(1).decode()))
    (attribute,) = info["content"]["signer_infos"][0]["unsigned_attrs"]
    assert attribute["type"].native == "signature_time_stamp_token"
    value = attribute["values"][0]["content"]["signer_infos"][0]["signature"].native.hex().upper().encode()
    position = data.index(value, match.start(1)) + len(value) // 2
    return data[:position] + (b"0" if data[position:position + 1] != b"0" else b"1") + data[position + 1:]


def test_a_damaged_timestamp_token_fails(world, unsigned, tmp_path, capsys):
    with pki.LocalTSA(world.tsa, world.ca) as tsa:
        path = _sign(world, unsigned, "timestamped-then-damaged.pdf", timestamp_url=tsa.url)
    assert verify.verify_pdf(path, trust=(world.ca_pem,)).ok  # as made, it verifies
    tampered = tmp_path / "damaged-timestamp.pdf"
    tampered.write_bytes(_flip_in_timestamp_signature(path.read_bytes()))
    report = verify.verify_pdf(tampered, trust=(world.ca_pem,))
    assert (report.timestamped, report.intact, report.valid, report.trusted, report.coverage) == (
        True, True, True, True, "entire file")  # the signature itself holds
    assert report.reasons == ("the timestamp is damaged: it does not match the signature",)
    code, _, err = run(capsys, tampered)  # without --trust too
    assert code == 4
    assert err == f"error: {tampered}: the timestamp is damaged: it does not match the signature\n"


# ------------------------------------------------------------------------ a signer under an intermediate CA


@pytest.fixture(scope="module")
def under_intermediate(world, unsigned) -> Path:
    """Signed by a signer whose issuer, an intermediate CA, is carried only in the signature: the trust
    anchor given is the root alone."""
    intermediate = pki.make_intermediate(world.ca)
    who = pki.issue(intermediate, "Intermediate Signer")
    key = pki.write_p12(world.folder / "intermediate-signer.p12", who, ca=(intermediate,), passphrase=pki.PASSPHRASE)
    path = world.folder / "under-intermediate.pdf"
    path.write_bytes(sign.sign_pdf(unsigned.read_bytes(), sign.SignOptions(key=key, passphrase=pki.PASSPHRASE),
                                   field_box=None))
    return path


def _embedded_certificates(data: bytes) -> list[str]:
    from asn1crypto import cms

    info = cms.ContentInfo.load(bytes.fromhex(_contents(data).group(1).decode()))
    return sorted(c.chosen.subject.native["common_name"] for c in info["content"]["certificates"])


def test_a_signer_under_an_intermediate_ca_chains_through_the_signatures_certificates(under_intermediate, world):
    assert _embedded_certificates(under_intermediate.read_bytes()) == [
        "Intermediate Signer", "letter-pdf Test Intermediate CA"]  # the root is not in the file
    report = verify.verify_pdf(under_intermediate, trust=(world.ca_pem,))
    assert (report.signer, report.trusted, report.ok) == ("Intermediate Signer", True, True)


def test_a_damaged_signature_under_an_intermediate_ca_is_still_judged_trusted(under_intermediate, world, tmp_path):
    """pyHanko does not judge the certificate of a signature whose value fails; verify judges it itself, with
    the signature's own certificates as the intermediates."""
    tampered = tmp_path / "intermediate-bad-value.pdf"
    tampered.write_bytes(_flip_in_signature_value(under_intermediate.read_bytes()))
    report = verify.verify_pdf(tampered, trust=(world.ca_pem,))
    assert (report.intact, report.valid, report.trusted) == (True, False, True)
    assert report.reasons == ("the signature does not match the signer's certificate (it is damaged or forged)",)
    report = verify.verify_pdf(tampered, trust=(world.other_ca_pem,))
    assert report.trusted is False and report.reasons[1] == (
        "the signer's certificate does not chain to a trusted certificate (no certificate chain found)")


# ------------------------------------------------------------------------ a later revision pyHanko does not grade


def test_a_later_revision_without_a_modification_level_is_still_named(signed, tmp_path, monkeypatch):
    """pyHanko gives no modification level for a signature that does not cover the whole file only when its
    difference analysis did not run (``skip_diff``; verify never asks for that): the file must still fail,
    with a reason in plain words."""
    from pyhanko.sign import validation

    real = validation.validate_pdf_signature
    monkeypatch.setattr(validation, "validate_pdf_signature", lambda *a, **k: real(*a, **k, skip_diff=True))
    tampered = tmp_path / "appended.pdf"
    tampered.write_bytes(signed.read_bytes() + b"\n% appended after signing\n")
    report = verify.verify_pdf(tampered)
    assert (report.coverage, report.modification_level, report.ok) == ("entire revision", "unknown", False)
    assert report.reasons == ("something was added to the file after signing; the signature does not cover it",)


# ------------------------------------------------------------------------ a form filled between two signatures


def _with_empty_text_field(data: bytes) -> bytes:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    page = pdf.pages[0].obj
    field = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx, T=pikepdf.String("Reference"),
        Rect=[50, 50, 200, 70], F=4, P=page, DA=pikepdf.String("/Helv 10 Tf 0 g")))
    page.Annots = pdf.make_indirect(pikepdf.Array([*page.get("/Annots", []), field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field], DA=pikepdf.String("/Helv 10 Tf 0 g"))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _fill_text_field(data: bytes, value: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    (field,) = [ref.get_object() for ref in writer.root["/AcroForm"]["/Fields"] if ref.get_object()["/FT"] == "/Tx"]
    field[generic.pdf_name("/V")] = generic.TextStringObject(value)
    writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_form_filled_after_signing_is_named_and_allowed_before_a_second_signature(world, tmp_path):
    """Filling a form field is what an approval signature allows after it (pyHanko grades it 'form filling'
    and calls it compatible): alone it is a revision the signature does not cover; signed again, the second
    signer signed the filled form and the file verifies. (So an earlier approval signature is reported
    changed only for a change pyHanko grades 'other'.)"""
    form = tmp_path / "form.pdf"
    form.write_bytes(_with_empty_text_field(pki.sample_pdf()))
    signed_form = sign.sign_pdf(form.read_bytes(), sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE),
                                field_box=None)
    filled = tmp_path / "filled.pdf"
    filled.write_bytes(_fill_text_field(signed_form, "REF-42"))
    report = verify.verify_pdf(filled, trust=(world.ca_pem,))
    assert (report.coverage, report.modification_level) == ("entire revision", "form filling")
    assert report.reasons == ("a later revision filled in form fields after signing; the signature does not cover it",)
    both = tmp_path / "filled-then-signed.pdf"
    both.write_bytes(_sign_again(filled.read_bytes(), world, "CoSigner"))
    report = verify.verify_pdf(both, trust=(world.ca_pem,))
    assert (report.signatures, report.ok, report.reasons) == (2, True, ())
