"""What the archive prints: values from records made visible (never reordered or coloured), and a record
described line by line for ``archive show``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from letter_pdf.text import visible

if TYPE_CHECKING:
    from letter_pdf.archive.records import Record

LIBRARY_TEXT = 120  # at most this much of a library's own error text is quoted in a message


def detail(exc: BaseException) -> str:
    """A library's error text as it may be quoted in a message: made visible and capped."""
    return visible(str(exc) or type(exc).__name__, LIBRARY_TEXT)


def plain(value: Any, limit: int | None = None) -> str:
    """A value from a record as it may be printed: control characters, bidirectional controls, line breaks,
    tabs and marks of damaged text shown as ``<U+XXXX>`` (a record written before they were refused, or
    edited, is shown as it is, never reordered or coloured); shortened to ``limit`` characters when given."""
    text = "" if value is None else str(value)
    shown = visible(text, sys.maxsize).replace("\n", "<U+000A>").replace("\t", "<U+0009>")
    return shown if limit is None or len(shown) <= limit else shown[: limit - 1] + "…"


def records_are(numbers: list[int]) -> str:
    """``record 3 is``, ``records 3–5, 9 are`` (runs of numbers as ranges)."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)
    return f"record {text} is" if len(numbers) == 1 else f"records {text} are"


def shown(value: Any) -> str:
    """A value of the index or of a record in a message: ``nothing`` for none, else its repr."""
    return "nothing" if value is None else repr(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def describe(record: Record, digest: str) -> list[str]:
    """Everything in a record, as lines of text for ``archive show`` (made ``plain``)."""
    letter, pdf, sending = record.letter, record.pdf, record.sending
    lines = [
        f"Record:        {record.number}",
        f"Chain hash:    {digest}",
        f"Previous:      {record.previous}",
        f"Recorded at:   {record.recorded_at}",
        f"Sent at:       {sending.sent_at or 'not given'}",
        f"Recipient:     {sending.recipient}",
        f"Channel:       {sending.channel}",
        f"Sending ref:   {sending.ref or '-'}",
        f"Note:          {sending.note or '-'}",
        f"Letter:        {letter.title or 'unknown'}" + ("" if letter.known else " (letter details unknown)"),
        f"Letter date:   {letter.date or 'unknown'}",
        f"Letter ref:    {letter.reference or '-'}",
        f"Version:       {letter.version} (same letter by {letter.same_letter_by})",
        f"PDF:           {pdf.file_name}, {pdf.pages} page(s), {pdf.size} bytes",
        f"PDF SHA-256:   {pdf.sha256}",
        f"Stored as:     {pdf.object}",
    ]
    if (delivery := record.delivery) is not None:
        lines += [
            f"Delivery:      {delivery.status}, to {delivery.address}"
            + (f" (cc {', '.join(delivery.cc)})" if delivery.cc else ""),
            f"Server reply:  {delivery.reply}",
            f"Answered at:   {delivery.time}",
            f"Message-ID:    {delivery.message_id}",
            f"Message SHA-256: {delivery.message_sha256}",
        ]
    if pdf.signed:
        for number, sig in enumerate(record.signatures or (None,), start=1):
            parts = [f"{k}: {v}" for k, v in sorted(sig.to_json().items())] if sig is not None else []
            lines.append(f"Signature {number}:   " + ("; ".join(parts) or "present"))
    else:
        lines.append("Signature:     none (not digitally signed)")
    manifest = record.manifest or {}
    content = record.letter_content
    if content:
        lines.append(f"Subject:       {content.get('subject') or '-'}")
        sender = content.get("sender")
        addressee = content.get("recipient")
        addressee = addressee if isinstance(addressee, dict) else {}
        address = addressee.get("address")
        lines.append(f"Sender:        {(sender.get('name') if isinstance(sender, dict) else None) or '-'}")
        lines.append("Addressed to:  " + ", ".join([addressee.get("name") or "-",
                                                    *(address if isinstance(address, list) else [])]))
        signers = content.get("signers")
        for signer in signers if isinstance(signers, list) else []:
            if isinstance(signer, dict):
                lines.append("Signed by:     " + ", ".join(x for x in (signer.get("name"), signer.get("role"),
                                                                        signer.get("organisation")) if x))
        body = _text(content.get("body")) or ""
        lines.append(f"Letter text:   {len(body.splitlines())} line(s) of Markdown, kept in the record "
                     "('archive diff' compares them)")
        generator = manifest.get("generator")
        lines.append(f"Built with:    letter-pdf {generator.get('version') if isinstance(generator, dict) else None}")
    sources = manifest.get("sources")
    for role, info in sorted((sources if isinstance(sources, dict) else {}).items()):
        info = info if isinstance(info, dict) else {}
        lines.append(f"Source {role}: {info.get('path')}  sha256 {info.get('sha256')}")
    for stored in record.stored_sources:
        lines.append(f"Embedded source: {stored.name}  sha256 {stored.sha256}")
    for text in record.notes:
        lines.append(f"Note:          {text}")
    signatories = record.signatories
    if signatories is None:
        lines.append("Signatories:   unknown (the PDF carries no manifest)")
    else:
        lines.append(f"Signatories:   {len(signatories)}")
        for number, s in enumerate(signatories, start=1):
            countries = s.get("countries")
            countries = countries if isinstance(countries, list) else []
            extra = [", ".join(str(c) for c in countries), s.get("kind"), s.get("role"), s.get("group")]
            lines.append(f"  {number:>4}. {s.get('name')}  ({'; '.join(str(x) for x in extra if x)})")
    return [plain(line) for line in lines]  # a record's text, shown never reordered or coloured
