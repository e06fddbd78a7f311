"""The e-mail of one copy: composed as RFC 5322 bytes (stdlib ``email``, CRLF line ends, as sent on the wire)
and read back, within limits, by ``letter-pdf send`` before anything is sent.

A message is a ``multipart/mixed`` of two parts: the plain-text cover note (UTF-8, quoted-printable when not
ASCII) and the PDF (``application/pdf``, base64). Names that are not ASCII are RFC 2047-encoded by the
``SMTP`` policy; addresses must be ASCII (an internationalised domain in its ``xn--`` form).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

from letter_pdf import labels
from letter_pdf.errors import InputError
from letter_pdf.model import Letter, Party, Recipient
from letter_pdf.text import char_name, visible

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what most mail servers accept (a PDF of about 18 MB, base64-encoded)
MAX_HEADER_BYTES = 64 * 1024  # the header section of a message read back (ours is well under 2 KB)
MAX_PARTS = 8  # top-level parts of a message read back (ours has two)
MAX_ADDRESS = 254  # RFC 5321's limit on a path
# One address as letter-pdf sends it: ASCII, no spaces, no quotes or brackets, a dot in the domain.
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
# What no header value may hold: line ends (header injection), other control characters, Unicode line breaks.
_HEADER_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NOTE_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # the note keeps its line ends and tabs


@dataclass(frozen=True)
class ParsedMessage:
    """A message read back: who it is from and to, and its one PDF."""

    from_addr: str
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    subject: str
    message_id: str
    date: dt.datetime
    attachment_name: str
    attachment: bytes


def check_address(address: str | None, where: str) -> str:
    """``address`` as it goes into a message, or ``InputError`` (missing, not ASCII, not one address)."""
    if not address or not address.strip():
        raise InputError("the e-mail address is missing", where=where, hint="give an address like name@example.org")
    address = address.strip()
    if _HEADER_REFUSED.search(address) or len(address) > MAX_ADDRESS or not ADDRESS.fullmatch(address):
        raise InputError(f"not an e-mail address letter-pdf can send to: '{visible(address)}'", where=where,
                         hint="one address like name@example.org, in ASCII (an internationalised domain in its "
                              "xn-- form), without a name or angle brackets")
    return address


def _check_header(value: str, where: str) -> str:
    if (found := _HEADER_REFUSED.search(value)) is not None:
        raise InputError(f"contains {char_name(found[0])}, which no e-mail header may hold: '{visible(value)}'",
                         where=where, hint="write it on one line, without control characters")
    return value


def compose(*, pdf: bytes, filename: str, sender: Party, recipient: Recipient, subject: str, note: str,
            date: dt.datetime, cc: tuple[str, ...] = ()) -> bytes:
    """The message (RFC 5322 bytes, CRLF) sending ``pdf`` as ``filename`` from ``sender`` to ``recipient``.

    ``date`` without a time zone is this computer's local time. Raises ``InputError`` for a sender or
    recipient without a valid e-mail address, a header value with a line end or control character (header
    injection), and a message over ``MAX_MESSAGE_BYTES``."""
    where = f"recipient {recipient.row}"
    from_addr = check_address(sender.email, "sender, field 'email'")
    to_addr = check_address(recipient.email, f"{where}, field 'email'")
    cc_addrs = tuple(check_address(a, f"{where}, field 'cc'") for a in cc)
    for value, field in ((sender.name, "sender, field 'name'"), (recipient.name, f"{where}, field 'name'"),
                         (subject, "the subject"), (filename, "the attachment's file name")):
        _check_header(value, field)
    if not subject.strip():
        raise InputError("the e-mail's subject is empty", where="subject", hint="give the letter a subject or title")
    if not filename.strip() or "/" in filename or "\\" in filename:
        raise InputError(f"not a file name: '{visible(filename)}'", where="the attachment's file name")
    if (found := _NOTE_REFUSED.search(note)) is not None:
        raise InputError(f"the cover note contains {char_name(found[0])}", where="message",
                         hint="delete it (retype the text around it)")
    if len(pdf) > MAX_MESSAGE_BYTES * 3 // 4:  # base64 makes it a third bigger: refused before encoding
        raise _too_big(len(pdf) * 4 // 3, filename)
    moment = date if date.tzinfo is not None else date.astimezone()
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(display_name=sender.name, addr_spec=from_addr)
    message["To"] = Address(display_name=recipient.name, addr_spec=to_addr)
    if cc_addrs:
        message["Cc"] = ", ".join(cc_addrs)
    message["Subject"] = subject
    message["Date"] = format_datetime(moment)
    message["Message-ID"] = make_msgid(domain=from_addr.rpartition("@")[2])
    message["MIME-Version"] = "1.0"
    text = "\n".join(note.replace("\r\n", "\n").replace("\r", "\n").split("\n")).rstrip("\n") + "\n"
    message.set_content(text, subtype="plain", charset="utf-8",
                        cte="7bit" if text.isascii() and max(map(len, text.split("\n"))) <= 78 else "quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    for part in message.iter_parts():  # the stdlib gives each part a MIME-Version of its own: the message's only
        del part["MIME-Version"]
    data = message.as_bytes(policy=policy.SMTP)
    if len(data) > MAX_MESSAGE_BYTES:
        raise _too_big(len(data), filename)
    return data


def _too_big(size: int, filename: str) -> InputError:
    return InputError(f"the e-mail would be {size / 1e6:.1f} MB, more than mail servers accept "
                      f"({MAX_MESSAGE_BYTES // (1024 * 1024)} MB)", where=visible(filename),
                      hint="make the PDF smaller (fewer or smaller images, enclosures sent separately)")


def note_text(letter: Letter, recipient: Recipient) -> str:
    """The plain-text cover note of ``recipient``'s e-mail: the letter's ``message:`` when it has one, else
    the opening, one sentence naming the letter, the closing and the sender's name, in the letter's language."""
    if letter.message:
        return letter.message
    lang = recipient.lang or letter.lang
    lines = []
    if opening := (recipient.opening or letter.opening):
        lines += [opening, ""]
    lines.append(labels.label("find_attached", lang, subject=letter.subject or letter.title))
    if letter.closing:
        lines += ["", letter.closing]
    if sender := (letter.sender.name if letter.sender else letter.author):
        lines += ([] if letter.closing else [""]) + [sender]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------- reading back


def _malformed(what: str, where: str | None) -> InputError:
    return InputError(f"not a message letter-pdf wrote: {what}", where=where,
                      hint="build the copies again with --eml (do not edit the .eml files)")


def _one(message: EmailMessage, name: str, where: str | None, required: bool = True):
    values = message.get_all(name) or []
    if len(values) > 1:
        raise _malformed(f"{len(values)} '{name}' headers", where)
    if not values:
        if required:
            raise _malformed(f"no '{name}' header", where)
        return None
    if getattr(values[0], "defects", None):
        raise _malformed(f"the '{name}' header is damaged ({values[0].defects[0].__class__.__name__})", where)
    return values[0]


def _addresses(message: EmailMessage, name: str, where: str | None, required: bool = True) -> tuple[str, ...]:
    header = _one(message, name, where, required)
    if header is None:
        return ()
    try:
        found = tuple(a.addr_spec for a in header.addresses)
    except (AttributeError, ValueError, IndexError) as exc:
        raise _malformed(f"the '{name}' header is not a list of addresses", where) from exc
    if required and not found:
        raise _malformed(f"the '{name}' header names no address", where)
    for address in found:
        check_address(address, f"{where}, header '{name}'" if where else f"header '{name}'")
    return found


def read_message(data: bytes, where: str | None = None) -> ParsedMessage:
    """The message in ``data`` (as ``compose`` writes them), or ``InputError`` for anything else: over the size
    limit, headers missing, repeated or damaged, not one From address, no PDF or more than one, a damaged
    encoding. ``where`` names the file in messages."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise _malformed(f"it is over {MAX_MESSAGE_BYTES // (1024 * 1024)} MB", where)
    head_end = min((i for i in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if i >= 0), default=-1)
    if head_end < 0 or head_end > MAX_HEADER_BYTES:
        raise _malformed("no header section of a message (or one over 64 KB)", where)
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not isinstance(message, EmailMessage):
            raise _malformed("not a message", where)
        senders = _addresses(message, "From", where)
        if len(senders) != 1:
            raise _malformed("not one From address", where)
        to_addrs = _addresses(message, "To", where)
        cc_addrs = _addresses(message, "Cc", where, required=False)
        subject = str(_one(message, "Subject", where))
        message_id = str(_one(message, "Message-ID", where)).strip()
        date = _one(message, "Date", where).datetime
        if not isinstance(date, dt.datetime) or date.tzinfo is None:
            raise _malformed("the Date header is not a date with its time zone", where)
        if message.get_content_type() != "multipart/mixed" or message.defects:
            raise _malformed("not a multipart/mixed message" if not message.defects else
                             f"damaged ({message.defects[0].__class__.__name__})", where)
        parts = list(message.iter_parts())
        if len(parts) > MAX_PARTS or any(p.is_multipart() for p in parts):
            raise _malformed("more parts than a letter and its note", where)
        pdfs = [p for p in parts if p.get_content_type() == "application/pdf"]
        if len(pdfs) != 1:
            raise _malformed(f"{len(pdfs)} PDF attachments (one is expected)", where)
        part = pdfs[0]
        if part.get("Content-Transfer-Encoding", "").strip().lower() != "base64":
            raise _malformed("the PDF is not base64-encoded", where)
        attachment = part.get_payload(decode=True)
        if part.defects or not isinstance(attachment, bytes):
            raise _malformed("the PDF's encoding is damaged", where)
        name = part.get_filename()
    except InputError:
        raise
    except (ValueError, TypeError, AttributeError, IndexError, LookupError, RecursionError) as exc:
        raise _malformed(f"it cannot be read ({type(exc).__name__})", where) from exc
    if not name or _HEADER_REFUSED.search(name) or "/" in name or "\\" in name:
        raise _malformed("the PDF has no plain file name", where)
    if _HEADER_REFUSED.search(subject) or not message_id.startswith("<") or not message_id.endswith(">"):
        raise _malformed("the Subject or Message-ID is damaged", where)
    return ParsedMessage(senders[0], to_addrs, cc_addrs, subject, message_id, date, name, attachment)
