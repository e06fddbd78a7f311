"""``letter-pdf send``: a batch folder e-mailed to an SMTP server on 127.0.0.1 (aiosmtpd), once per recipient,
across interruptions, and recorded in the archive."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import fcntl
import hashlib
import json
import re
import signal
import socket
import ssl
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from letter_pdf import mail
from letter_pdf.archive import Archive
from letter_pdf.archive.records import MalformedRecord, Record
from letter_pdf.errors import InputError
from letter_pdf.model import Party, Recipient
from letter_pdf.send import JOURNAL_NAME, Run
from letter_pdf.smtp import Server

from conftest import run_main, write_letter

SENDER = Party("Example Coalition", email="campaigns@coalition.example.org")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> bytes:
    """One tiny letter built by letter-pdf: every copy of the batches below is this PDF."""
    import letter_pdf

    folder = tmp_path_factory.mktemp("letter")
    return letter_pdf.build(write_letter(folder), cover=False).output.read_bytes()


def make_batch(folder: Path, pdf: bytes, n: int, *, without_email: int = 0, cc: tuple[str, ...] = ()) -> Path:
    """DIR as the batch build writes it: NNN-slug.pdf, NNN-slug.eml (recipients with an e-mail), index.csv."""
    folder.mkdir(parents=True)
    rows = []
    for k in range(1, n + without_email + 1):
        name = f"{k:03d}-person-{k}.pdf"
        email = f"person{k}@example.org" if k <= n else ""
        (folder / name).write_bytes(pdf)
        message = b""
        if email:
            recipient = Recipient(row=k, line=k + 1, name=f"Person {k}", email=email, cc=cc)
            message = mail.compose(
                cc=cc, pdf=pdf, filename=name, sender=SENDER, recipient=recipient, subject="Protect civil society",
                note=f"Dear Person {k},\n\nPlease find attached our letter.\n", date=dt.datetime.now(dt.UTC))
            (folder / name).with_suffix(".eml").write_bytes(message)
        rows.append([name, f"Person {k}", email, "1", sha(pdf), sha(message) if message else ""])
    write_index(folder, rows)
    return folder


def write_index(folder: Path, rows: list[list[str]]) -> None:
    with (folder / "index.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "recipient", "email", "pages", "sha256", "eml_sha256"])
        writer.writerows(rows)


def index_rows(folder: Path) -> list[list[str]]:
    return list(csv.reader((folder / "index.csv").open(encoding="utf-8", newline="")))[1:]


def rewrite_eml(folder: Path, name: str, change) -> None:
    """Change an .eml and its eml_sha256 in the index together (a rebuild of that message, as far as the plan
    can tell)."""
    eml = folder / name
    eml.write_bytes(change(eml.read_bytes()))
    rows = index_rows(folder)
    for row in rows:
        if row[0] == Path(name).with_suffix(".pdf").name:
            row[5] = sha(eml.read_bytes())
    write_index(folder, rows)


class Handler:
    """An SMTP server's behaviour: every message it accepted, and the answers the test asks for."""

    def __init__(self) -> None:
        self.got: list[tuple[tuple[str, ...], bytes]] = []  # (envelope recipients, content) of each DATA
        self.rcpts: Counter[str] = Counter()  # every RCPT asked for
        self.mails = 0  # every MAIL asked for
        self.defer_after: int | None = None  # answer MAIL with 421 once this many messages were received
        self.refuse: set[str] = set()  # answer RCPT with 550
        self.drop: set[str] = set()  # close the connection after the content, before answering
        self.slow = 0.0  # seconds to wait before answering the content
        self.answer: dict[str, str] = {}  # "MAIL", an address (its RCPT) or "DATA" (after the content): the reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if "MAIL" in self.answer:
            return self.answer["MAIL"]
        if self.defer_after is not None and len(self.got) >= self.defer_after:
            return "421 4.7.0 Too many messages, try again later"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts[address] += 1
        if address in self.refuse:
            return "550 5.1.1 User unknown"
        if address in self.answer:
            return self.answer[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.slow)
        if "DATA" in self.answer:
            return self.answer["DATA"]
        self.got.append((tuple(envelope.rcpt_tos), envelope.original_content))
        if set(envelope.rcpt_tos) & self.drop:
            server.transport.close()
            return "250 OK (never heard)"
        return "250 2.0.0 Ok: queued"

    def delivered(self) -> Counter[str]:
        return Counter(address for rcpts, _ in self.got for address in rcpts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """Start an SMTP server on 127.0.0.1: ``smtp(handler, **controller_options)`` -> "127.0.0.1:PORT"."""
    started = []

    def start(handler: Handler, **options) -> str:
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return f"127.0.0.1:{controller.port}"

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv("LETTER_PDF_ARCHIVE", raising=False)
    monkeypatch.delenv("LETTER_PDF_SMTP_PASSWORD", raising=False)


def send(capsys, folder: Path, server: str, *extra: str) -> tuple[int, str, str]:
    return run_main(["send", str(folder), "--smtp", server, "--archive-dir", str(folder.parent / "archive"),
                     *extra], capsys)


def journal(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / JOURNAL_NAME).read_text().splitlines()]


def test_every_message_is_delivered_once_and_recorded(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 30, without_email=1)
    handler = Handler()
    server = smtp(handler)
    code, out, err = send(capsys, folder, server)
    assert code == 0, err
    assert out.splitlines()[0] == "accepted 30, already sent 0, failed 0, left 0, uncertain 0"
    assert "1 row(s) of index.csv without an e-mail: not sent" in out
    assert "[1/30]" not in err  # progress only on a terminal
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in range(1, 31)})
    for rcpts, content in handler.got:  # the exact bytes of each .eml went out, its PDF the built one
        k = int(rcpts[0][len("person"):].split("@")[0])
        eml = folder / f"{k:03d}-person-{k}.eml"
        assert sha(content) == sha(eml.read_bytes())
        assert mail.read_message(content).attachment == (folder / f"{k:03d}-person-{k}.pdf").read_bytes()
    events = journal(folder)
    assert [e["event"] for e in events if e["file"] == "007-person-7.eml"] == ["start", "data", "accepted", "recorded"]
    code, out, err = run_main(["archive", "verify", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert code == 0 and "verifies: 30 records" in out, out + err
    code, out, _ = run_main(["archive", "list", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert code == 0 and "Delivery" in out.splitlines()[0]
    assert len(re.findall(r"Person \d+ +email +accepted person\d+@example\.org", out)) == 30
    record, _ = Archive(tmp_path / "archive").get(7)
    assert record.delivery is not None and record.delivery.status == "accepted"
    k = int(record.sending.recipient.split()[1])
    eml = (folder / f"{k:03d}-person-{k}.eml").read_bytes()
    assert (record.delivery.address, record.delivery.message_sha256) == (f"person{k}@example.org", sha(eml))
    assert record.delivery.message_id == mail.read_message(eml).message_id
    assert record.delivery.reply == "250 2.0.0 Ok: queued" and record.pdf.sha256 == sha(pdf)
    code, out, _ = run_main(["archive", "show", "7", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert f"Delivery:      accepted, to person{k}@example.org" in out and "Server reply:  250 2.0.0 Ok: queued" in out
    # run again: nothing is sent twice
    code, out, _ = send(capsys, folder, server)
    assert code == 0 and out.splitlines()[0] == "accepted 0, already sent 30, failed 0, left 0, uncertain 0"
    assert len(handler.got) == 30 and len(Archive(tmp_path / "archive").list()) == 30


def test_a_421_stops_the_run_and_the_rerun_sends_the_rest_exactly_once(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 30)
    handler = Handler()
    handler.defer_after = 12
    server = smtp(handler)
    code, out, _ = send(capsys, folder, server)
    assert code == 6
    assert out.splitlines()[0] == "accepted 12, already sent 0, failed 0, left 18, uncertain 0"
    assert "stopped: the server said: 421 4.7.0 Too many messages, try again later; 18 left for the next run" in out
    assert handler.mails == 13  # the 421 stopped the run: nothing more was tried
    handler.defer_after = None
    code, out, _ = send(capsys, folder, server)
    assert code == 0 and out.splitlines()[0] == "accepted 18, already sent 12, failed 0, left 0, uncertain 0"
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in range(1, 31)})
    assert sorted(r.recipient for r in Archive(tmp_path / "archive").list()) == sorted(f"Person {k}" for k in range(1, 31))


def test_a_550_is_reported_and_recorded_and_the_others_go_through(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 30)
    handler = Handler()
    handler.refuse = {"person5@example.org"}
    server = smtp(handler)
    code, out, _ = send(capsys, folder, server)
    assert code == 6
    assert out.splitlines()[0] == "accepted 29, already sent 0, failed 1, left 0, uncertain 0"
    assert ("failed: 005-person-5.eml to person5@example.org: person5@example.org: 550 5.1.1 User unknown"
            in out.splitlines())
    assert set(handler.delivered()) == {f"person{k}@example.org" for k in range(1, 31)} - {"person5@example.org"}
    failed = [r for _, r in Archive(tmp_path / "archive").listing() if r.delivery and r.delivery.status == "failed"]
    assert [(r.sending.recipient, r.delivery.reply) for r in failed] == [
        ("Person 5", "person5@example.org: 550 5.1.1 User unknown")]
    code, out, _ = send(capsys, folder, server)  # not retried, reported again
    assert code == 6 and out.splitlines()[0] == "accepted 0, already sent 29, failed 1, left 0, uncertain 0"
    assert handler.rcpts["person5@example.org"] == 1 and len(Archive(tmp_path / "archive").list()) == 30


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1: (certificate, key) PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_with_a_throwaway_certificate_and_login(tmp_path, pdf, smtp, capsys, env, monkeypatch):
    folder = make_batch(tmp_path / "out", pdf, 3)
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"campaigns", b"s3cret"))

    handler = Handler()
    server = smtp(handler, tls_context=context, require_starttls=True, authenticator=authenticator,
                  auth_require_tls=True)
    monkeypatch.setenv("LETTER_PDF_SMTP_PASSWORD", "s3cret")
    code, out, err = send(capsys, folder, server, "--starttls", "--user", "campaigns")  # not trusted: refused
    assert code == 1 and "CERTIFICATE_VERIFY_FAILED" in err and not handler.got
    code, out, err = send(capsys, folder, server, "--starttls", "--cafile", str(cert), "--user", "campaigns")
    assert code == 0, err
    assert logins == [(b"campaigns", b"s3cret", True)]
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in range(1, 4)})
    code, out, err = run_main(["archive", "verify", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert code == 0 and "verifies: 3 records" in out


def test_a_password_is_never_sent_unencrypted_to_another_computer(tmp_path, pdf, capsys, env, monkeypatch):
    folder = make_batch(tmp_path / "out", pdf, 1)
    monkeypatch.setenv("LETTER_PDF_SMTP_PASSWORD", "s3cret")
    code, _, err = send(capsys, folder, "mail.example.org:25", "--user", "campaigns")
    assert code == 1
    assert err.strip() == ("error: --user: a password would be sent unencrypted — add --starttls (usually port "
                           "587) or --ssl (usually port 465)")
    assert not (folder / JOURNAL_NAME).exists()
    for host in ("127.evil.com", "127.0.0.1.nip.io", "localhost.example.org", "[::ffff:10.0.0.1]"):
        code, _, err = send(capsys, folder, f"{host}:587", "--user", "campaigns")
        assert code == 1 and "a password would be sent unencrypted" in err, host
    assert [Server(host, 25, user="u").local for host in ("localhost", "LOCALHOST", "127.0.0.1", "127.8.9.1", "::1")] \
        == [True] * 5


def test_an_uncertain_message_is_not_sent_again_unless_asked(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    handler.drop = {"person2@example.org"}
    server = smtp(handler)
    code, out, _ = send(capsys, folder, server)
    assert code == 6
    assert out.splitlines()[0] == "accepted 1, already sent 0, failed 0, left 1, uncertain 1"
    message_id = mail.read_message((folder / "002-person-2.eml").read_bytes()).message_id
    line = next(line for line in out.splitlines() if line.startswith("uncertain: "))
    assert line.startswith("uncertain: 002-person-2.eml to person2@example.org: the connection was lost after the "
                           "message was sent (") and line.count("connection was lost") == 1
    assert line.endswith(f"): it may have arrived. Ask the server's administrator (or look in its log) for "
                         f"Message-ID {message_id}; if it did not arrive, run again with --retry-uncertain")
    assert "stopped: the outcome of 002-person-2.eml is unknown; 1 left for the next run" in out
    assert [e["event"] for e in journal(folder) if e["file"] == "002-person-2.eml"] == ["start", "data"]
    handler.drop = set()
    code, out, _ = send(capsys, folder, server)
    assert code == 6 and out.splitlines()[0] == "accepted 1, already sent 1, failed 0, left 0, uncertain 1"
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in range(1, 4)})
    code, out, _ = send(capsys, folder, server, "--retry-uncertain")
    assert code == 0 and out.splitlines()[0] == "accepted 1, already sent 2, failed 0, left 0, uncertain 0"
    assert handler.delivered()["person2@example.org"] == 2  # asked for: sent again


@pytest.mark.parametrize(("damage", "said"), [
    (lambda d: (d / "002-person-2.pdf").write_bytes((d / "002-person-2.pdf").read_bytes() + b"\n"),
     "002-person-2.pdf: the PDF is missing or has changed since the build"),
    (lambda d: rewrite_eml(d, "002-person-2.eml", lambda b: b.replace(b"person2@example.org", b"person9@example.org")),
     "its To (person9@example.org) is not the index's e-mail"),
    (lambda d: (d / "002-person-2.eml").write_bytes(b"Bcc: boss@example.org\r\n" + (d / "002-person-2.eml").read_bytes()),
     "002-person-2.eml: the message has changed since the build (its SHA-256 is not the index's eml_sha256)"),
    (lambda d: (d / "002-person-2.eml").write_bytes((d / "002-person-2.eml").read_bytes().replace(
        b"Please find", b"Kindly find")), "002-person-2.eml: the message has changed since the build"),
    (lambda d: write_index(d, [r[:5] + ["" if r[0].startswith("002") else r[5]] for r in index_rows(d)]),
     "index.csv:3: its sha256, eml_sha256 or pages is not what"),
    (lambda d: write_index(d, [r[:5] + [""] for r in index_rows(d)]), "this folder has no e-mails (no row has an"),
    (lambda d: (d / "003-person-3.eml").unlink(), "003-person-3.eml is missing"),
    (lambda d: (d / "009-stray.eml").write_bytes((d / "001-person-1.eml").read_bytes()), "009-stray.eml is not in"),
    (lambda d: (d / "index.csv").write_text((d / "index.csv").read_text().replace(",1,", ",1,0")),
     "its sha256, eml_sha256 or pages is not what letter-pdf writes"),
    (lambda d: (d / "index.csv").write_text("file,recipient\n"), "the first line is not file,recipient,email"),
    (lambda d: (d / "index.csv").write_text("file,recipient,email,pages,sha256\n" + (d / "index.csv").read_text()
                                            .split("\n", 1)[1]),
     "the first line is not file,recipient,email,pages,sha256,eml_sha256"),
])
def test_a_folder_that_disagrees_with_itself_is_refused_before_anything_is_sent(
        tmp_path, pdf, smtp, capsys, env, damage, said):
    folder = make_batch(tmp_path / "out", pdf, 3)
    damage(folder)
    handler = Handler()
    code, _, err = send(capsys, folder, smtp(handler))
    assert code == 1 and said in err, err
    assert not handler.rcpts and not (folder / JOURNAL_NAME).exists() and not (tmp_path / "archive").exists()


def test_the_index_and_the_messages_are_read_within_limits(tmp_path, pdf, smtp, capsys, env, monkeypatch):
    from letter_pdf import send as sending

    folder = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    server = smtp(handler)
    monkeypatch.setattr(sending, "MAX_INDEX_ROWS", 2)
    code, _, err = send(capsys, folder, server)
    assert code == 1 and "index.csv: more than 2 rows" in err
    monkeypatch.setattr(sending, "MAX_INDEX_ROWS", 3)
    monkeypatch.setattr(sending, "MAX_INDEX_BYTES", 100)
    code, _, err = send(capsys, folder, server)
    assert code == 1 and "index.csv: the index is larger than 100 bytes" in err
    monkeypatch.setattr(sending, "MAX_INDEX_BYTES", 10_000)
    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", len(pdf) + 100)  # the PDF fits, its message does not
    code, _, err = send(capsys, folder, server)
    assert code == 1 and "001-person-1.eml: the message is larger than" in err and not handler.rcpts


def test_a_folder_without_any_e_mail_has_nothing_to_send(tmp_path, pdf, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 0, without_email=2)
    code, _, err = send(capsys, folder, "127.0.0.1:1")
    assert (code, err.strip()) == (1, f"error: {folder / 'index.csv'}: nothing to send: no row of index.csv has an "
                                      "e-mail")


def test_a_folder_built_without_eml_is_said_once(tmp_path, pdf, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 3, without_email=1)
    for eml in folder.glob("*.eml"):
        eml.unlink()
    write_index(folder, [row[:5] + [""] for row in index_rows(folder)])
    for extra in ((), ("--dry-run",)):
        code, _, err = send(capsys, folder, "127.0.0.1:1", *extra)
        assert (code, err.strip()) == (1, f"error: {folder / 'index.csv'}: this folder has no e-mails (no row has an "
                                          "eml_sha256): it was built without --eml — build it again with "
                                          "'letter-pdf build LETTER.md --recipients LIST -o DIR --eml'")


def test_dry_run_lists_and_sends_nothing(tmp_path, pdf, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2)
    code, out, _ = run_main(["send", str(folder), "--dry-run"], capsys)
    assert code == 0
    assert out.splitlines() == ["would send 001-person-1.eml to person1@example.org",
                                "would send 002-person-2.eml to person2@example.org",
                                "dry run: 2 to send, 0 already sent, 0 failed before, 0 uncertain"]
    assert not (folder / JOURNAL_NAME).exists() and not (tmp_path / "archive").exists()


def test_one_run_at_a_time_and_a_torn_journal_line_is_cut_off(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2)
    handler = Handler()
    server = smtp(handler)
    with (folder / JOURNAL_NAME).open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        code, _, err = send(capsys, folder, server)
        assert code == 1 and "another 'letter-pdf send' is sending this folder" in err and not handler.rcpts
    (folder / JOURNAL_NAME).write_bytes(b'{"event": "accepted", "file": "001-per')  # a crash while writing it
    code, out, _ = send(capsys, folder, server)  # that event never happened: both are sent, archive beside DIR
    assert code == 0 and out.splitlines()[0] == "accepted 2, already sent 0, failed 0, left 0, uncertain 0"
    assert len(journal(folder)) == 8 and len(Archive(tmp_path / "archive").list()) == 2


def test_a_journal_line_that_is_not_an_event_refuses_the_run(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2)
    (folder / JOURNAL_NAME).write_text('{"event": "sent?", "file": "001-person-1.eml", "message_sha256": "%s"}\n'
                                       % ("0" * 64))
    handler = Handler()
    code, _, err = send(capsys, folder, smtp(handler))
    assert code == 1 and f"{JOURNAL_NAME}:1: not an event letter-pdf wrote" in err and not handler.rcpts


def test_a_message_changed_after_it_was_sent_is_refused(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2)
    handler = Handler()
    server = smtp(handler)
    assert send(capsys, folder, server)[0] == 0
    rewrite_eml(folder, "001-person-1.eml", lambda b: b.replace(b"Dear Person 1", b"Dear Person 0"))
    code, _, err = send(capsys, folder, server)
    assert code == 1 and "001-person-1.eml has changed since it was sent" in err and len(handler.got) == 2


def test_per_minute_paces_the_messages(tmp_path, pdf, smtp, env):
    folder = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    host, port = smtp(handler).split(":")
    slept: list[float] = []
    run = Run(folder, Archive(tmp_path / "archive"), Server(host, int(port)), per_minute=20, sleep=slept.append)
    summary = run.execute()
    assert len(summary.accepted) == 3 and len(slept) == 2 and all(2.0 < s <= 3.0 for s in slept)


def test_ctrl_c_leaves_the_rest_for_the_next_run(tmp_path, pdf, smtp, env):
    folder = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    host, port = smtp(handler).split(":")

    def progress(line: str) -> None:
        if line.startswith("[2/3]"):
            raise KeyboardInterrupt

    archive = Archive(tmp_path / "archive")
    summary = Run(folder, archive, Server(host, int(port)), progress=progress).execute()
    assert summary.interrupted and [c.name for c in summary.accepted] == ["001-person-1.eml"]
    assert [c.name for c in summary.left] == ["002-person-2.eml", "003-person-3.eml"]
    summary = Run(folder, archive, Server(host, int(port))).execute()
    assert (len(summary.accepted), len(summary.already), summary.ok) == (2, 1, True)
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in range(1, 4)})


def test_the_delivery_section_is_typed_and_absent_from_older_records(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 1)
    assert send(capsys, folder, smtp(Handler()))[0] == 0
    record, _ = Archive(tmp_path / "archive").get(1)
    value = record.to_json()
    assert Record.from_json(value) == record
    older = {k: v for k, v in value.items() if k != "delivery"}
    assert Record.from_json(older).delivery is None and "delivery" not in Record.from_json(older).to_json()
    for key, bad, said in [("status", "maybe", "status"), ("cc", ["a@example.org", 3], "cc"),
                           ("message_sha256", "abc", "message_sha256"), ("reply", 250, "reply")]:
        with pytest.raises(MalformedRecord, match=said):
            Record.from_json({**value, "delivery": {**value["delivery"], key: bad}})


def test_a_journal_that_is_a_folder_is_one_line_and_no_empty_journal_is_left(tmp_path, pdf, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2)
    (folder / JOURNAL_NAME).mkdir()
    code, out, err = send(capsys, folder, "127.0.0.1:1")
    assert (code, out) == (1, "") and err.startswith(f"error: {folder / JOURNAL_NAME}: cannot read the journal (")
    assert len(err.splitlines()) == 1
    (folder / JOURNAL_NAME).rmdir()
    code, _, err = send(capsys, folder, f"127.0.0.1:{free_port()}")  # nothing listens there
    assert code == 1 and "cannot use the mail server" in err
    assert not (folder / JOURNAL_NAME).exists()
    assert run_main(["send", str(folder), "--dry-run"], capsys)[0] == 0 and not (folder / JOURNAL_NAME).exists()


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1", "0", "1e400"])
def test_per_minute_must_be_a_positive_finite_number(tmp_path, pdf, capsys, env, value):
    folder = make_batch(tmp_path / "out", pdf, 1)
    code, out, err = run_main(["send", str(folder), "--dry-run", "--per-minute", value], capsys)
    assert code == 2 and "Invalid value for '--per-minute'" in err and not out
    with pytest.raises(InputError, match="not a positive number of messages a minute"):
        Run(folder, Archive(tmp_path / "archive"), per_minute=float(value)).execute()


def test_every_recipient_is_checked_as_the_archive_records_it_before_anything_is_sent(
        tmp_path, pdf, smtp, capsys, env, monkeypatch):
    from letter_pdf import send as sending

    folder = make_batch(tmp_path / "out", pdf, 4)
    rows = index_rows(folder)
    rows[1][1], rows[2][1], rows[3][1] = "Person\t2", "Person \u202e3", " "
    write_index(folder, rows)
    handler = Handler()
    server = smtp(handler)
    code, _, err = send(capsys, folder, server)
    index = folder / "index.csv"
    assert code == 1 and not handler.rcpts and not (folder / JOURNAL_NAME).exists(), err
    assert [line.split(" — ")[0] for line in err.splitlines()] == [
        f"error: {index}:3: the recipient: the value contains a control character, U+0009 CONTROL: 'Person<U+0009>2'",
        f"error: {index}:4: the recipient: the value contains an invisible bidirectional control, U+202E "
        "RIGHT-TO-LEFT OVERRIDE: 'Person <U+202E>3'",
        f"error: {index}:5: the recipient: it is empty"]
    monkeypatch.setattr(sending, "_refused_recipient", lambda recipient: None)  # the check planted away
    code, _, err = send(capsys, folder, server)
    assert code == 1 and "002-person-2.eml was accepted by the server but cannot be recorded" in err
    assert "--to" not in err and len(handler.got) == 2


@pytest.mark.parametrize(("step", "reply"), [
    ("MAIL", "530 5.7.0 Authentication required"),
    ("MAIL", "553 5.1.8 Sender address rejected"),
    ("person1@example.org", "554 5.7.1 Relay access denied"),
    ("person1@example.org", "550 5.7.1 Relaying denied"),
    ("DATA", "554 5.7.1 Message rejected as spam"),
    ("DATA", "552 5.3.4 Message size exceeds fixed maximum message size"),  # the message's fault, not the address's
    ("DATA", "550 5.6.0 Message content rejected"),
    ("DATA", "551 Message refused"),
    ("person1@example.org", "552 5.3.4 Message too big for system"),
    ("person1@example.org", "550 5.2.3 Message length exceeds administrative limit"),
    ("person1@example.org", "500 Syntax error"),
])
def test_a_refusal_of_every_message_stops_the_run_and_fails_none(tmp_path, pdf, smtp, capsys, env, step, reply):
    folder = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    handler.answer[step] = reply
    server = smtp(handler)
    code, out, _ = send(capsys, folder, server)
    why = ("the server refuses every message" if reply[:3] in ("530", "554") or " 5.7." in reply or step == "MAIL"
           else "the server refused 001-person-1.eml (not its address)")
    assert code == 6 and out.splitlines() == [
        "accepted 0, already sent 0, failed 0, left 3, uncertain 0",
        f"stopped: {why}: {'person1@example.org: ' * ('@' in step)}{reply}; 3 left for "
        "the next run (run the same command again)"]
    assert handler.mails == 1 and not handler.got and not (tmp_path / "archive").exists()
    assert [e["event"] for e in journal(folder)] == (["start", "data", "deferred"] if step == "DATA"
                                                     else ["start", "deferred"])
    handler.answer.clear()
    code, out, _ = send(capsys, folder, server)  # the next run sends them all
    assert code == 0 and out.splitlines()[0] == "accepted 3, already sent 0, failed 0, left 0, uncertain 0"
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in range(1, 4)})


def test_a_refused_cc_is_reported_and_the_message_goes_to_the_others(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2, cc=("office@coalition.example.org", "gone@example.org"))
    handler = Handler()
    handler.refuse = {"gone@example.org"}
    code, out, _ = send(capsys, folder, smtp(handler))
    assert code == 0 and out.splitlines()[0] == "accepted 2, already sent 0, failed 0, left 0, uncertain 0"
    assert "Cc refused: 001-person-1.eml to person1@example.org (sent without this Cc): gone@example.org: 550 " \
        "5.1.1 User unknown" in out.splitlines()
    assert [rcpts for rcpts, _ in handler.got] == [("person1@example.org", "office@coalition.example.org"),
                                                   ("person2@example.org", "office@coalition.example.org")]
    record, _ = Archive(tmp_path / "archive").get(1)
    assert record.delivery is not None and record.delivery.status == "accepted"
    assert record.delivery.reply == "250 2.0.0 Ok: queued; Cc refused: gone@example.org: 550 5.1.1 User unknown"
    assert record.delivery.cc == ("office@coalition.example.org", "gone@example.org")


def test_an_answer_that_is_neither_250_nor_a_refusal_is_uncertain_and_said_so(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 1)
    handler = Handler()
    handler.answer["DATA"] = "299 what"
    code, out, _ = send(capsys, folder, smtp(handler))
    assert code == 6 and out.splitlines()[0] == "accepted 0, already sent 0, failed 0, left 0, uncertain 1"
    assert out.splitlines()[1].startswith("uncertain: 001-person-1.eml to person1@example.org: the server answered "
                                          "'299 what' after the message was sent, neither 250 (accepted) nor a "
                                          "refusal: it may have arrived.")
    assert "connection" not in out


def test_a_dry_run_while_another_run_sends_is_refused(tmp_path, pdf, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 1)
    (folder / JOURNAL_NAME).write_text(json.dumps({"event": "data", "file": "001-person-1.eml",
                                                   "message_sha256": sha((folder / "001-person-1.eml").read_bytes())})
                                       + "\n")
    with (folder / JOURNAL_NAME).open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        code, out, err = run_main(["send", str(folder), "--dry-run"], capsys)
        assert (code, out) == (1, "") and "another 'letter-pdf send' is sending this folder" in err
    code, out, _ = run_main(["send", str(folder), "--dry-run"], capsys)  # finished without an answer: uncertain
    assert code == 0 and out.splitlines()[1].startswith("uncertain: 001-person-1.eml to person1@example.org: an "
                                                        "earlier run sent the message and never heard")


def test_ctrl_c_while_the_server_answers_stops_at_once_and_says_what_was_done(
        tmp_path, pdf, smtp, capsys, env, monkeypatch):
    from letter_pdf import send as sending
    from letter_pdf import smtp as mailserver

    folder = make_batch(tmp_path / "out", pdf, 2)
    handler = Handler()
    handler.slow = 6.0
    server = smtp(handler)
    monkeypatch.setattr(mailserver, "TIMEOUT", 4.0)  # QUIT to a server still busy would wait this long

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)  # the first message is out, its answer 5 s away
        start = time.monotonic()
        code, out, err = send(capsys, folder, server)
        elapsed = time.monotonic() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert code == 130 and elapsed < 2.5, (elapsed, err)
    assert out.splitlines()[:2] == [
        "accepted 0, already sent 0, failed 0, left 1, uncertain 1",
        "uncertain: 001-person-1.eml to person1@example.org: interrupted after the message was sent: it may have "
        f"arrived. Ask the server's administrator (or look in its log) for Message-ID "
        f"{mail.read_message((folder / '001-person-1.eml').read_bytes()).message_id}; if it did not arrive, run "
        "again with --retry-uncertain"]
    assert [e["event"] for e in journal(folder)] == ["start", "data"]

    def ctrl_c(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(sending, "plan", ctrl_c)  # Ctrl-C outside a message: the journal has the facts
    code, out, err = send(capsys, folder, server)
    assert (code, out, err) == (130, "", f"interrupted; {folder / JOURNAL_NAME} says what was sent (if anything): "
                                         "run the same command again to send the rest, never a message twice\n")


def test_a_message_in_the_archive_is_never_sent_again_journal_lost_or_folder_copied(tmp_path, pdf, smtp, capsys, env):
    import shutil

    folder = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    server = smtp(handler)
    assert send(capsys, folder, server)[0] == 0
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / JOURNAL_NAME).unlink()  # copied without its journal; one message rebuilt with its Message-ID
    rewrite_eml(copy, "002-person-2.eml", lambda b: b.replace(b"Dear Person 2", b"Dear Ms Person 2"))
    (folder / JOURNAL_NAME).write_text("".join(line + "\n" for line in (folder / JOURNAL_NAME).read_text()
                                               .splitlines() if '"recorded"' not in line))  # a crash before each
    code, out, _ = run_main(["send", str(copy), "--dry-run", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert code == 0 and out.splitlines() == [
        "dry run: 0 to send, 3 already sent, 0 failed before, 0 uncertain",
        "already in the archive as sent (not in this folder's journal), not sent again: 001-person-1.eml, "
        "002-person-2.eml, 003-person-3.eml"]
    code, out, _ = send(capsys, copy, server)
    assert code == 0 and out.splitlines() == [
        "accepted 0, already sent 3, failed 0, left 0, uncertain 0",
        "already in the archive as sent (not in this folder's journal), not sent again: 001-person-1.eml, "
        "002-person-2.eml, 003-person-3.eml"]
    records = {r.delivery.message_id: r.number for _, r in Archive(tmp_path / "archive").listing() if r.delivery}
    events = [(e["event"], e.get("record"), e.get("reply")) for e in journal(copy) if e["file"] == "002-person-2.eml"]
    message_id = mail.read_message((copy / "002-person-2.eml").read_bytes()).message_id
    assert events == [("accepted", None, "250 2.0.0 Ok: queued"), ("recorded", records[message_id], None)]
    code, out, _ = send(capsys, folder, server)  # the journal's recorded events lost: not recorded twice
    assert code == 0 and out.splitlines() == ["accepted 0, already sent 3, failed 0, left 0, uncertain 0"]
    assert [e["event"] for e in journal(folder)][-3:] == ["recorded"] * 3
    assert len(handler.got) == 3 and len(Archive(tmp_path / "archive").list()) == 3


@pytest.mark.parametrize(("reply", "own"), [
    ("550 5.1.1 User unknown", True), ("551 User not local", True), ("553 5.1.3 Bad address syntax", True),
    ("550 User unknown", True), ("550 5.0.0 User unknown", True), ("552 5.2.2 Mailbox full", True),
    ("450 4.2.1 Try later", False), ("552 5.3.4 Message too big", False), ("552 Too many recipients", False),
    ("550 5.2.3 Message too long", False), ("550 5.7.1 Relaying denied", False), ("501 5.5.4 Syntax", False),
    ("554 5.1.1 Transaction failed", False),
])
def test_only_the_address_own_refusal_fails_a_message_for_good(reply, own):
    from letter_pdf.smtp import address_refused

    assert address_refused(int(reply[:3]), reply[4:].encode()) is own


def test_a_cc_refused_for_the_message_not_its_address_stops_the_run(tmp_path, pdf, smtp, capsys, env):
    folder = make_batch(tmp_path / "out", pdf, 2, cc=("board@example.org",))
    handler = Handler()
    handler.answer["board@example.org"] = "552 5.3.4 Message too big for system"
    code, out, _ = send(capsys, folder, smtp(handler))
    assert code == 6 and out.splitlines()[1] == (
        "stopped: the server refused 001-person-1.eml (not its address): board@example.org: 552 5.3.4 Message too "
        "big for system; 2 left for the next run (run the same command again)")
    assert not handler.got and [e["event"] for e in journal(folder)] == ["start", "deferred"]


def test_the_same_copies_built_again_into_a_new_folder_are_not_sent_again(tmp_path, pdf, smtp, capsys, env):
    first = make_batch(tmp_path / "out", pdf, 3)
    handler = Handler()
    handler.refuse = {"person3@example.org"}  # failed, not accepted: the rebuilt copy is sent again
    server = smtp(handler)
    assert send(capsys, first, server)[0] == 6
    records = {r.delivery.address: r.number for _, r in Archive(tmp_path / "archive").listing() if r.delivery}
    again = make_batch(tmp_path / "again", pdf, 4)  # new Message-IDs, the same PDFs; one address in capitals
    rewrite_eml(again, "002-person-2.eml", lambda b: b.replace(b"person2@example.org", b"Person2@Example.ORG"))
    write_index(again, [[*r[:2], r[2].replace("person2@example.org", "Person2@Example.ORG"), *r[3:]]
                        for r in index_rows(again)])
    assert {mail.read_message((again / f"00{k}-person-{k}.eml").read_bytes()).message_id for k in (1, 2)}.isdisjoint(
        r.delivery.message_id for _, r in Archive(tmp_path / "archive").listing())
    note = [f"already sent: 00{k}-person-{k}.eml to {a}: the same PDF was accepted at this address (archive record "
            f"{records[f'person{k}@example.org']}), not sent again" for k, a in ((1, "person1@example.org"),
                                                                                 (2, "Person2@Example.ORG"))]
    code, out, _ = run_main(["send", str(again), "--dry-run", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert (code, out.splitlines()) == (0, ["would send 003-person-3.eml to person3@example.org",
                                            "would send 004-person-4.eml to person4@example.org",
                                            "dry run: 2 to send, 2 already sent, 0 failed before, 0 uncertain", *note])
    other = make_batch(tmp_path / "other", pdf + b"\n", 1)  # another PDF to the same address: sent
    code, out, _ = run_main(["send", str(other), "--dry-run", "--archive-dir", str(tmp_path / "archive")], capsys)
    assert (code, out.splitlines()[0]) == (0, "would send 001-person-1.eml to person1@example.org")
    handler.refuse.clear()
    code, out, _ = send(capsys, again, server)
    assert (code, out.splitlines()) == (0, ["accepted 2, already sent 2, failed 0, left 0, uncertain 0", *note])
    assert handler.delivered() == Counter({f"person{k}@example.org": 1 for k in (1, 2, 3, 4)})
    events = [(e["file"], e["event"], e.get("record")) for e in journal(again) if e["file"] < "003"]
    assert events == [(f"00{k}-person-{k}.eml", event, records[f"person{k}@example.org"] if number else None)
                      for k in (1, 2) for number, event in enumerate(("accepted", "recorded"))]
    code, out, _ = send(capsys, again, server)  # the journal says so now
    assert (code, out.splitlines()) == (0, ["accepted 0, already sent 4, failed 0, left 0, uncertain 0"])
    assert len(handler.got) == 4 and len(Archive(tmp_path / "archive").list()) == 5
