"""The mail server of ``letter-pdf send``: where and how to connect (``Server``), and one connection that
sends a message step by step (``Session.deliver``: MAIL, each RCPT, DATA), so that the caller can note the one
moment after which the outcome is unknown until the server answers: the content going out after DATA's 354."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf.errors import InputError, SendError
from letter_pdf.text import visible

TIMEOUT = 60.0  # seconds for the server to answer one command
PASSWORD_ENV = "LETTER_PDF_SMTP_PASSWORD"
_REPLY_LIMIT = 300

@dataclass(frozen=True)
class Server:
    """Where and how to connect: ``security`` is plain | starttls | ssl."""

    host: str
    port: int
    security: str = "plain"
    cafile: Path | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never shown in a traceback or log

    @property
    def local(self) -> bool:
        """This computer: ``localhost`` or a literal loopback address (never a name that only looks like one,
        such as ``127.evil.com``)."""
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_server(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT``) -> (host, port)."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536 or any(c.isspace() for c in host):
        raise InputError(f"not HOST:PORT: '{visible(text)}'", where="--smtp",
                         hint="e.g. --smtp smtp.example.org:587 --starttls, or --smtp smtp.example.org:465 --ssl")
    return host, int(port)


def check_login(server: Server) -> None:
    """Refuse to send a password over an unencrypted connection to anything but this computer."""
    if server.user and server.security == "plain" and not server.local:
        raise SendError("a password would be sent unencrypted", where="--user",
                        hint="add --starttls (usually port 587) or --ssl (usually port 465)")


@dataclass(frozen=True)
class Outcome:
    """What became of one message. ``kind``: accepted | deferred (4xx, or the connection lost before the content
    went out: send it again) | failed (the To address refused for good: ``address_refused``) | refused (the
    server refuses every message: a 5xx to MAIL, a policy or relay refusal) | held (any other 5xx: about this
    message or the server, not the address, e.g. 552 at DATA); refused and held deliver nothing and stop the
    run, the message is sent again by the next one | uncertain."""

    kind: str
    reply: str
    refused_cc: tuple[str, ...] = ()  # "address: reply" of each Cc address the server refused (the To accepted)


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return visible(f"{code} {' '.join(said.split())}".strip(), _REPLY_LIMIT)


_POLICY = re.compile(r"5\.7\.\d{1,3}(?!\S)")  # enhanced status 5.7.x: security or policy (RFC 3463)


def server_wide(code: int, text: bytes | str) -> bool:
    """A refusal of any message we would send, not of one address: 530 (authentication required), 554
    (transaction failed, relay denied) or an enhanced status 5.7.x (policy), whatever the code."""
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return code in (530, 554) or (500 <= code < 600 and _POLICY.match(said.lstrip()) is not None)


_STATUS = re.compile(r"5\.(\d{1,3})\.(\d{1,3})(?!\S)")  # an enhanced status code at the start of the text


def address_refused(code: int, text: bytes | str) -> bool:
    """A 5xx to RCPT about that address itself (it fails for good): an enhanced status 5.1.x (addressing) or
    5.2.1/5.2.2 (mailbox disabled or full), else without one (or 5.0.0) the code 550, 551 or 553. Any other 5xx
    (552 5.3.4 message too big, 500 syntax error) is about the message or the server."""
    if server_wide(code, text):
        return False
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if (status := _STATUS.match(said.lstrip())) is not None and status.groups() != ("0", "0"):
        return status[1] == "1" or (status[1] == "2" and status[2] in ("1", "2"))
    return code in (550, 551, 553)


def _kind(code: int, text: bytes | str, rcpt: bool = False) -> str:
    if 500 <= code < 600:
        return "refused" if server_wide(code, text) else "failed" if rcpt and address_refused(code, text) else "held"
    return "deferred"


class Session:
    """One SMTP connection, opened for the run."""

    def __init__(self, server: Server):
        self.server = server
        self.conn: smtplib.SMTP | None = None

    def open(self) -> None:
        server = self.server
        check_login(server)
        try:
            context = ssl.create_default_context(cafile=str(server.cafile) if server.cafile else None)
        except (OSError, ssl.SSLError) as exc:
            raise SendError(f"cannot read the CA certificates ({exc})", where="--cafile") from exc
        where = f"{server.host}:{server.port}"
        try:
            if server.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
            else:
                conn = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
            self.conn = conn
            conn.ehlo()
            if server.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise SendError("the server does not offer STARTTLS", where=where,
                                    hint="use --ssl (usually port 465), or ask the server's administrator")
                conn.starttls(context=context)
                conn.ehlo()
            if server.user:
                conn.login(server.user, server.password or "")
        except SendError:
            self.close()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise SendError(f"the server refused the login ({_reply(exc.smtp_code, exc.smtp_error)})",
                            where=where, hint=f"check --user and {PASSWORD_ENV}") from exc
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            self.close()
            raise SendError(f"cannot use the mail server ({visible(str(exc) or type(exc).__name__, 160)})",
                            where=where, hint="check --smtp, --starttls/--ssl and --cafile") from exc

    def deliver(self, data: bytes, sender: str, recipients: tuple[str, ...], on_data: Callable[[], None]) -> Outcome:
        """Send one message: MAIL, each RCPT, DATA; ``on_data`` runs after the 354, just before the content."""
        conn = self.conn
        assert conn is not None
        refused_cc: list[str] = []
        try:
            code, text = conn.mail(sender)
            if code != 250:  # a 5xx to our sender refuses every message
                return self._refused(code, text, kind="refused" if 500 <= code < 600 else None)
            for number, address in enumerate(recipients):
                code, text = conn.rcpt(address)
                if code in (250, 251):
                    continue
                if number and address_refused(code, text):  # a Cc refused: sent without it
                    refused_cc.append(f"{address}: {_reply(code, text)}")
                    continue
                return self._refused(code, text, address, rcpt=True)
            conn.putcmd("data")
            code, text = conn.getreply()
            if code != 354:
                return self._refused(code, text)
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome("deferred", f"the connection was lost before the message was sent ({visible(str(exc))})")
        on_data()
        try:
            content = re.sub(rb"(?m)^\.", b"..", re.sub(rb"\r?\n|\r", b"\r\n", data))
            conn.send(content + (b"" if content.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            code, text = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome("uncertain", f"the connection was lost after the message was sent ({visible(str(exc))})")
        if code == 250:
            return Outcome("accepted", _reply(code, text), tuple(refused_cc))
        if 400 <= code < 600:  # a 5xx after the content is never the address's (that was RCPT): held or refused
            return Outcome(_kind(code, text), _reply(code, text))
        return Outcome("uncertain", f"the server answered '{_reply(code, text)}' after the message was sent, "
                                    "neither 250 (accepted) nor a refusal")

    def _refused(self, code: int, text: bytes, address: str | None = None, kind: str | None = None,
                 rcpt: bool = False) -> Outcome:
        reply = _reply(code, text)
        if 500 <= code < 600 and self.conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.conn.rset()
        return Outcome(kind or _kind(code, text, rcpt), f"{address}: {reply}" if address else reply)

    def abort(self) -> None:
        """Close the connection at once, without QUIT (Ctrl-C: a slow server is not waited for)."""
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.conn.quit()
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None
