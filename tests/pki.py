"""A throw-away PKI for the signing tests: a CA, signer certificates, PKCS#12 files and a local RFC 3161 TSA.

Everything is made in memory at test time with ``cryptography``; no key is checked in and nothing touches the
network except a timestamp server on 127.0.0.1 that the tests start and stop themselves.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "letter-pdf test PKI"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ca(common_name: str = "letter-pdf Test Root CA") -> Identity:
    key = _key()
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(key, cert)


def make_intermediate(root: Identity, common_name: str = "letter-pdf Test Intermediate CA") -> Identity:
    """A CA certificate issued by ``root`` (path length 0: it issues only end-entity certificates)."""
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=20))
        .not_valid_after(NOW + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), critical=False)
        .sign(root.key, hashes.SHA256())
    )
    return Identity(key, cert)


def issue(
    ca: Identity,
    common_name: str,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    tsa: bool = False,
    usage: str = "sign",
    revocation_url: str | None = None,
) -> Identity:
    """A leaf certificate signed by ``ca``: a document signer, or a timestamping unit with ``tsa=True``.

    ``usage``: "sign" (digitalSignature + nonRepudiation), "digital" (digitalSignature only), "commitment"
    (nonRepudiation only) or "encipher" (keyEncipherment only: a certificate not meant for signing).
    ``revocation_url``: where the certificate says its revocation status (OCSP) and its CRL are found."""
    key = _key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=usage in ("sign", "digital"),
                content_commitment=usage in ("sign", "commitment") and not tsa,
                key_encipherment=usage == "encipher", data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if revocation_url:
        from cryptography.x509.oid import AuthorityInformationAccessOID

        where = x509.UniformResourceIdentifier(revocation_url)
        builder = builder.add_extension(
            x509.AuthorityInformationAccess([x509.AccessDescription(AuthorityInformationAccessOID.OCSP, where)]),
            critical=False,
        ).add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint([where], None, None, None)]), critical=False
        )
    return Identity(key, builder.sign(ca.key, hashes.SHA256()))


def write_p12(
    path: Path, who: Identity | None, *, ca: Identity | tuple[Identity, ...] | None, passphrase: bytes | None,
    key_only: rsa.RSAPrivateKey | None = None
) -> Path:
    """Write a PKCS#12 file with the signer's key, certificate and the CA (or CAs: a tuple, e.g. only an
    intermediate); ``key_only`` writes a key without any certificate."""
    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    if key_only is not None:
        data = pkcs12.serialize_key_and_certificates(b"key", key_only, None, None, encryption)
    else:
        assert who is not None
        cas = [c.cert for c in (ca if isinstance(ca, tuple) else (ca,) if ca else ())] or None
        data = pkcs12.serialize_key_and_certificates(b"signer", who.key, who.cert, cas, encryption)
    path.write_bytes(data)
    return path


class _LoopbackHTTP:
    """An HTTP server on 127.0.0.1 in a thread, answering POSTs with ``self.answer(body) -> (status, type, bytes)``.

    Use as a context manager; ``url`` is where it listens.
    """

    def __init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, content_type, payload = owner.answer(body)
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, body: bytes) -> tuple[int, str | None, bytes]:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


class LocalTSA(_LoopbackHTTP):
    """An RFC 3161 time-stamping server on 127.0.0.1 (pyHanko's ``DummyTimeStamper`` behind ``http.server``).

    Use as a context manager; ``url`` is where it listens, ``requests`` counts the tokens it issued.
    """

    def __init__(self, tsa: Identity, ca: Identity):
        from pyhanko.sign.timestamps import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        self.stamper = DummyTimeStamper(
            tsa_cert=tsa.asn1_cert(),
            tsa_key=tsa.asn1_key(),
            certs_to_embed=SimpleCertificateStore.from_certs([ca.asn1_cert()]),
        )
        self.requests = 0
        super().__init__()

    def answer(self, body: bytes) -> tuple[int, str | None, bytes]:
        try:
            response = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        except Exception:  # a malformed request: answer like a TSA would, not with a crash
            return 400, None, b""
        self.requests += 1
        return 200, "application/timestamp-reply", response


class RefusingPort:
    """A port on 127.0.0.1 that refuses every connection at once, for as long as the context lasts.

    The socket is bound but never listens: the kernel answers each connection attempt with a reset
    (connection refused), and no other process can take the port while it is held — unlike a port that
    is bound, released and then assumed to stay free.
    """

    def __init__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/tsa"

    def __enter__(self) -> RefusingPort:
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()


PASSPHRASE = b"correct horse battery staple"


@dataclass(frozen=True)
class World:
    """Everything the signing tests need, made once per test module in a temporary folder."""

    folder: Path
    ca: Identity
    signer: Identity
    tsa: Identity
    p12: Path  # the signer's key, certificate and CA, protected by PASSPHRASE
    p12_open: Path  # the same without a passphrase
    ca_pem: Path
    other_ca_pem: Path  # a CA that issued only other_tsa
    other_ca: Identity
    other_tsa: Identity  # a timestamping unit that does not chain to ca
    expired_p12: Path
    not_yet_valid_p12: Path
    key_only_p12: Path
    digital_only_p12: Path  # digitalSignature without nonRepudiation: still a signing certificate
    encipher_p12: Path  # keyEncipherment only: not a signing certificate


def make_world(folder: Path, signer_name: str = "Maria Ковальчук, Test Coalition") -> World:
    folder.mkdir(parents=True, exist_ok=True)
    ca = make_ca()
    other = make_ca("Some Other CA")
    signer = issue(ca, signer_name)
    tsa = issue(ca, "letter-pdf Test TSA", tsa=True)
    expired = issue(ca, "Expired Signer", not_before=NOW - dt.timedelta(days=400),
                    not_after=NOW - dt.timedelta(days=35))
    future = issue(ca, "Future Signer", not_before=NOW + dt.timedelta(days=10), not_after=NOW + dt.timedelta(days=400))
    (folder / "ca.pem").write_bytes(ca.cert_pem())
    (folder / "other-ca.pem").write_bytes(other.cert_pem())
    return World(
        folder=folder, ca=ca, signer=signer, tsa=tsa, other_ca=other,
        other_tsa=issue(other, "Some Other TSA", tsa=True),
        p12=write_p12(folder / "signer.p12", signer, ca=ca, passphrase=PASSPHRASE),
        p12_open=write_p12(folder / "signer-open.p12", signer, ca=ca, passphrase=None),
        ca_pem=folder / "ca.pem", other_ca_pem=folder / "other-ca.pem",
        expired_p12=write_p12(folder / "expired.p12", expired, ca=ca, passphrase=PASSPHRASE),
        not_yet_valid_p12=write_p12(folder / "future.p12", future, ca=ca, passphrase=PASSPHRASE),
        key_only_p12=write_p12(folder / "key-only.p12", None, ca=None, passphrase=PASSPHRASE, key_only=signer.key),
        digital_only_p12=write_p12(folder / "digital-only.p12", issue(ca, "Digital Signer", usage="digital"), ca=ca,
                                   passphrase=PASSPHRASE),
        encipher_p12=write_p12(folder / "encipher.p12", issue(ca, "TLS Server", usage="encipher"), ca=ca,
                               passphrase=PASSPHRASE),
    )


SAMPLE_HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signed test letter</title>
<style>@page {{ size: A4; margin: 2cm }} body {{ font-family: 'Test Sans'; font-size: 11pt }}
@font-face {{ font-family: 'Test Sans'; src: url('{font}') }}</style></head>
<body><h1>Test letter</h1><p>We, the undersigned, write about a test.</p>
<p style="break-before: page">Yours sincerely,</p><div style="height: 80pt">Signature block</div></body></html>"""


@functools.cache
def sample_pdf() -> bytes:
    """A small two-page PDF/A-3a made by WeasyPrint with the bundled Noto Sans (what typeset produces)."""
    import weasyprint

    font = Path(__file__).resolve().parents[1] / "fonts" / "NotoSans-Regular.ttf"
    html = SAMPLE_HTML.format(font=font.as_uri())
    return weasyprint.HTML(string=html, base_url=str(font.parent)).write_pdf(pdf_variant="pdf/a-3a")


# The signature block on the sample's second page, in PDF points (page index, x0, y0, x1, y1).
SAMPLE_BOX = (1, 56.7, 640.0, 300.0, 700.0)


class FixedAnswerServer(_LoopbackHTTP):
    """A bad timestamp server on 127.0.0.1: answers every POST with the same status, type and body."""

    def __init__(self, status: int, content_type: str, body: bytes):
        self.fixed = (status, content_type, body)
        super().__init__()

    def answer(self, body: bytes) -> tuple[int, str | None, bytes]:
        return self.fixed


def rejection_response() -> bytes:
    """A TimeStampResp that refuses the request (status only, no token), DER."""
    status = tsp.PKIStatusInfo({"status": tsp.PKIStatus("rejection")}).dump()
    return b"\x30" + bytes([len(status)]) + status


class SilentServer:
    """A socket on 127.0.0.1 that accepts connections and never answers (a hung timestamp server)."""

    def __init__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/tsa"

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()
