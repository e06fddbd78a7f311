"""``archive diff``: what changed between two records — the sending, the letter's fields, its text, and its
signatories, matched by the same comparison as ``signatories diff`` (``letter_pdf.compare``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from letter_pdf import compare
from letter_pdf.archive.records import Record
from letter_pdf.archive.text import detail
from letter_pdf.model import Signatory

LETTER_FIELDS = ("title", "subject", "date", "place", "reference", "opening", "closing", "recipient", "sender",
                 "signers", "cc", "enclosures")
SENDING_FIELDS = ("recipient", "channel", "sent_at", "ref")


@dataclass(frozen=True)
class RecordDiff:
    """What changed from record ``old`` to record ``new``."""

    old: int
    new: int
    fields: list[tuple[str, Any, Any]]  # the letter's fields (from the manifests): (name, before, after)
    signatories: compare.Diff | None  # None: a record without manifest (its signatories are unknown)
    text: list[str]  # unified diff lines of the letter's text
    notes: list[str]
    sending: list[tuple[str, Any, Any]] = field(default_factory=list)  # to whom, how, when
    unknown: bool = False  # a text or a list of signatories could not be read: nothing may be called the same

    @property
    def differences(self) -> bool:
        return bool(self.fields or (self.signatories is not None and not self.signatories.empty) or self.text)

    @property
    def same(self) -> bool:
        return not self.differences and not self.unknown


def signatory(entry: dict, position: int) -> Signatory:
    """A recorded signatory (an entry of the manifest) as the comparison takes it; ``line``: its position."""
    countries = entry.get("countries")
    kind = entry.get("kind")
    return Signatory(name=str(entry.get("name", "")),
                     countries=tuple(str(c) for c in countries) if isinstance(countries, list) else (),
                     kind=kind if kind in ("organisation", "individual") else "organisation",
                     role=entry.get("role") if isinstance(entry.get("role"), str) else None,
                     group=entry.get("group") if isinstance(entry.get("group"), str) else None, line=position)


def compare_signatories(old: list[dict], new: list[dict]) -> compare.Diff:
    """The recorded lists compared as ``signatories diff`` compares two lists."""
    return compare.compare([signatory(e, n) for n, e in enumerate(old, start=1)],
                           [signatory(e, n) for n, e in enumerate(new, start=1)])


def text_of(record: Record, read_object: Callable[[str], bytes]) -> tuple[str | None, str | None]:
    """(letter text, note): the Markdown body from the manifest, else the text extracted from the PDF."""
    body = record.letter_content.get("body")
    if isinstance(body, str):
        return body, None
    from letter_pdf.pdf.limits import untrusted_reader

    try:  # a stored PDF came from outside (archive record FILE): read it within the limits of any untrusted PDF
        with untrusted_reader(read_object(record.pdf.object)) as reader:
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # noqa: BLE001 - a PDF we cannot read gives no text, not a crash
        return None, f"record {record.number}: the PDF's text cannot be read ({detail(exc)})"
    return text, f"record {record.number} has no manifest: its text is the text extracted from the PDF"


def diff(a: Record, b: Record, read_object: Callable[[str], bytes]) -> RecordDiff:
    notes = []
    la, lb = a.letter_content, b.letter_content
    fields = [(key, la.get(key), lb.get(key)) for key in LETTER_FIELDS if la.get(key) != lb.get(key) and (la or lb)]
    sending = [(key.replace("_", " "), getattr(a.sending, key), getattr(b.sending, key)) for key in SENDING_FIELDS
               if getattr(a.sending, key) != getattr(b.sending, key)]
    sa, sb = a.signatories, b.signatories
    signatories = None
    if sa is None or sb is None:
        for record, entries in ((a, sa), (b, sb)):
            if entries is None:
                notes.append(f"record {record.number} has no manifest: its signatories are unknown")
    else:  # the same matching as 'signatories diff': a rename of a probable duplicate is a change
        signatories = compare_signatories(sa, sb)
    ta, na = text_of(a, read_object)
    tb, nb = text_of(b, read_object)
    notes += [n for n in (na, nb) if n]
    text = []
    if ta is not None and tb is not None and ta != tb:
        text = list(difflib.unified_diff(ta.splitlines(), tb.splitlines(), f"record {a.number}",
                                         f"record {b.number}", lineterm="", n=1))
    unknown = signatories is None or ta is None or tb is None
    return RecordDiff(a.number, b.number, fields, signatories, text, notes, sending, unknown)
