"""mail.py: the e-mail of one copy, composed as RFC 5322 bytes and read back within limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from letter_pdf import labels, mail
from letter_pdf.errors import InputError
from letter_pdf.model import Letter, Party, Recipient

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
SENDER = Party("Coalition für Zivilgesellschaft", email="campaigns@coalition.example.org")
JANE = Recipient(row=7, line=8, name="Jane Doë, MP", email="jane.doe@parliament.example.org", opening="Dear Ms Doë,")
WHEN = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def compose(**changes) -> bytes:
    values = dict(pdf=PDF, filename="007-jane-doe.pdf", sender=SENDER, recipient=JANE,
                  subject="Protect civil society — Schutz der Zivilgesellschaft", note="Dear Ms Doë,\n\nSee attached.\n",
                  date=WHEN, cc=("office@parliament.example.org",))
    values.update(changes)
    return mail.compose(**values)


def test_compose_writes_the_message_as_sent_on_the_wire():
    data = compose()
    assert data.isascii()  # names and the note encoded: no 8-bit data for a server without 8BITMIME
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")  # CRLF only
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ").replace("\r\n", "\n")
    assert re.search(r"^From: .*=\?utf-8\?.*<campaigns@coalition\.example\.org>$", head, re.M)
    assert re.search(r"^To: .*=\?utf-8\?.*<jane\.doe@parliament\.example\.org>$", head, re.M)  # RFC 2047
    assert "Cc: office@parliament.example.org" in head
    assert "Date: Wed, 02 Dec 2026 10:30:00 +0100" in head
    assert re.search(r"^Message-ID: <[^@>]+@coalition\.example\.org>$", head, re.M)
    assert head.count("MIME-Version: 1.0") == 1 and data.count(b"MIME-Version") == 1
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert str(parsed["From"]) == "Coalition für Zivilgesellschaft <campaigns@coalition.example.org>"
    assert parsed["To"].addresses[0].display_name == "Jane Doë, MP"
    assert str(parsed["Subject"]) == "Protect civil society — Schutz der Zivilgesellschaft"
    note, pdf = parsed.iter_parts()
    assert (note.get_content_type(), note.get_content_charset()) == ("text/plain", "utf-8")
    assert note.get_content() == "Dear Ms Doë,\r\n\r\nSee attached.\r\n"  # the wire's line ends
    assert pdf.get_content_type() == "application/pdf" and pdf.get_filename() == "007-jane-doe.pdf"
    assert pdf.get_content() == PDF


def test_read_message_gives_back_what_was_composed():
    data = compose(filename="007-jane-doë.pdf")
    got = mail.read_message(data)
    assert got.from_addr == "campaigns@coalition.example.org"
    assert got.to_addrs == ("jane.doe@parliament.example.org",)
    assert got.cc_addrs == ("office@parliament.example.org",)
    assert got.subject == "Protect civil society — Schutz der Zivilgesellschaft"
    assert got.date == WHEN
    assert got.attachment_name == "007-jane-doë.pdf"
    assert hashlib.sha256(got.attachment).digest() == hashlib.sha256(PDF).digest()
    assert got.message_id in data.decode("ascii")


def test_two_messages_have_different_message_ids():
    assert mail.read_message(compose()).message_id != mail.read_message(compose()).message_id


@pytest.mark.parametrize(("change", "said"), [
    ({"sender": Party("Coalition")}, "sender, field 'email': the e-mail address is missing"),
    ({"sender": Party("Coalition", email="campaigns@coalition")}, "not an e-mail address"),
    ({"recipient": Recipient(row=3, line=4, name="No Mail")}, "recipient 3, field 'email'"),
    ({"recipient": Recipient(row=3, line=4, name="X", email="x@example.org\r\nBcc: all@example.org")},
     "not an e-mail address"),
    ({"subject": "Protect\r\nBcc: everyone@example.org"}, "the subject: contains U+000D"),
    ({"subject": "Protect\nX-Injected: 1"}, "the subject: contains U+000A"),
    ({"sender": Party("Coalition\nBcc: x@example.org", email="c@example.org")}, "sender, field 'name': contains"),
    ({"recipient": Recipient(row=3, line=4, name="Jane\r", email="j@example.org")}, "recipient 3, field 'name'"),
    ({"cc": ("a@example.org", "b@example.org\nBcc: c@example.org")}, "recipient 7, field 'cc'"),
    ({"filename": "x\r\n.pdf"}, "the attachment's file name"),
    ({"filename": "../x.pdf"}, "not a file name"),
    ({"note": "Hello\x00"}, "the cover note contains U+0000"),
    ({"subject": " "}, "the e-mail's subject is empty"),
])
def test_compose_refuses(change, said):
    with pytest.raises(InputError) as caught:
        compose(**change)
    assert said in str(caught.value)


def test_compose_refuses_a_message_over_25_mb():
    for size in (19 * 1024 * 1024, 19_400_000):  # refused before encoding; refused once encoded (base64: +37%)
        with pytest.raises(InputError, match=r"would be 2\d\.\d MB, more than mail servers accept \(25 MB\)"):
            compose(pdf=b"%PDF" + b"\0" * size)
    assert len(compose(pdf=b"%PDF" + b"\0" * (18 * 1024 * 1024))) < mail.MAX_MESSAGE_BYTES


def _letter(**changes) -> Letter:
    values = dict(source=Path("/tmp/letter.md"), title="Joint letter", body="", body_line=1,
                  date=dt.date(2026, 12, 2), subject="Protect civil society", opening="Dear Sir or Madam,",
                  closing="Yours sincerely,", sender=Party("Example Coalition", email="c@example.org"))
    values.update(changes)
    return Letter(**values)


def test_note_text_default_in_the_letters_language():
    assert mail.note_text(_letter(), JANE) == (
        "Dear Ms Doë,\n\nPlease find attached our letter “Protect civil society”.\n\nYours sincerely,\n"
        "Example Coalition\n")
    no_opening = Recipient(row=1, line=2, name="X", email="x@example.org")
    assert mail.note_text(_letter(lang="de", opening="Sehr geehrte Damen und Herren,", closing="Mit freundlichen "
                                  "Grüßen"), no_opening) == (
        "Sehr geehrte Damen und Herren,\n\nAnbei erhalten Sie unser Schreiben „Protect civil society“.\n\n"
        "Mit freundlichen Grüßen\nExample Coalition\n")
    assert mail.note_text(_letter(lang="fr", subject=None), no_opening).splitlines()[2] == \
        "Veuillez trouver ci-joint notre lettre «\u00a0Joint letter\u00a0»."


def test_note_text_is_the_letters_message_when_given():
    assert mail.note_text(_letter(message="Bonjour,\n\nvoir la pièce jointe.\n"), JANE) == \
        "Bonjour,\n\nvoir la pièce jointe.\n"


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es", "pl", "ru", "uk", "fi"])
def test_every_language_has_its_sentence(lang):
    text = labels.LABELS[lang]["find_attached"]
    assert "{subject}" in text and labels.label("find_attached", lang, subject="§").count("§") == 1
    assert lang == "en" or text != labels.LABELS["en"]["find_attached"]


# ------------------------------------------------------------------------------------------ reading back


def _with_two_pdfs(data: bytes) -> bytes:
    head, boundary = data.split(b'boundary="', 1)
    boundary = boundary.split(b'"', 1)[0]
    parts = data.split(b"--" + boundary)
    return data.replace(b"--" + boundary + b"--", b"--" + boundary + parts[2] + b"--" + boundary + b"--")


@pytest.mark.parametrize(("damage", "said"), [
    (lambda d: d + b"\0" * mail.MAX_MESSAGE_BYTES, "over 25 MB"),
    (lambda d: b"X-Pad: " + b"a" * 70_000 + b"\r\n" + d, "no header section"),
    (_with_two_pdfs, "2 PDF attachments"),
    (lambda d: d.replace(b"Content-Type: application/pdf", b"Content-Type: application/octet-stream"),
     "0 PDF attachments"),
    (lambda d: re.sub(rb"Message-ID: [^\r]+\r\n", b"", d), "no 'Message-ID' header"),
    (lambda d: d.replace(b"Subject:", b"Subject: again\r\nSubject:"), "2 'Subject' headers"),
    (lambda d: re.sub(rb"^From: .*?>", b"From: a@example.org, b@example.org", d, flags=re.S), "not one From"),
    (lambda d: re.sub(rb"^From: .*?>", b"From: nobody", d, flags=re.S), "the 'From' header is damaged"),
    (lambda d: re.sub(rb"^From: .*?>", b"From: <x@localhost>", d, flags=re.S), "header 'From': not an e-mail"),
    (lambda d: d.replace(b"Date: Wed, 02 Dec 2026 10:30:00 +0100", b"Date: yesterday"), "Date"),
    (lambda d: d.replace(b"JVBERi0", b"J!!!Ri0", 1), "the PDF's encoding is damaged"),
    (lambda d: d.replace(b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: 8bit"),
     "not base64-encoded"),
    (lambda d: b"not a message at all", "no header section"),
])
def test_read_message_refuses(damage, said):
    with pytest.raises(InputError) as caught:
        mail.read_message(damage(compose()), where="001-x.eml")
    assert said in str(caught.value) and str(caught.value).startswith("001-x.eml")
