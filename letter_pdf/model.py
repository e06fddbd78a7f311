"""The validated letter: frozen dataclasses that every later stage reads and none changes.

``letter.py`` and ``signatories.py`` build these from the user's files; nothing else constructs them
from raw input. Paths are absolute and already checked to lie inside the letter's folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["organisation", "individual"]
KINDS: tuple[str, ...] = ("organisation", "individual")
PAPERS: tuple[str, ...] = ("a4", "letter")
ORDERS: tuple[str, ...] = ("as-given", "alphabetical")
GROUPINGS: tuple[str, ...] = ("none", "kind", "country", "group")
COLUMN_COUNTS: tuple[int, ...] = (1, 2, 3)  # columns of the printed signatory list
SIGNATURE_LAYOUTS: tuple[str, ...] = ("side-by-side", "stacked")
ALIGNMENTS: tuple[str, ...] = ("left", "justify")  # body text: flush left (DIN 5008) or justified
CHANNELS: tuple[str, ...] = ("email", "post", "courier", "hand", "fax", "portal")  # how a letter is sent


@dataclass(frozen=True)
class Signatory:
    """One signatory as it will be printed. ``name`` is NFC-normalised and otherwise exactly as given."""

    name: str
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes, in the given order
    kind: Kind = "organisation"
    role: str | None = None  # e.g. "Secretary General, CIVICUS" for an individual
    group: str | None = None  # optional heading to group under
    sort_as: str | None = None  # what an individual sorts by (default: the name's last word, the family name)
    line: int | None = None  # line (CSV) or item number (YAML) in the source, for messages
    distinct_from: tuple[str, ...] = ()  # names of entries lint must not take for this one (not printed)
    written: Written | None = field(default=None, compare=False, repr=False)  # a CSV row's cells, for lint


@dataclass(frozen=True)
class Written:
    """A CSV row's name and country cells exactly as written (before NFC and trimming), so that a build
    checks the list it loaded without reading the file again."""

    name: str
    country: str


@dataclass(frozen=True)
class Party:
    """Sender or recipient: a name, postal address lines and contact lines (e-mail, phone, web)."""

    name: str
    address: tuple[str, ...] = ()
    contact: tuple[str, ...] = ()
    email: str | None = None  # the e-mail address given as ``email:`` (also one of the contact lines)


@dataclass(frozen=True)
class Signer:
    """A person who signs the letter in the signature block."""

    name: str
    role: str | None = None
    organisation: str | None = None
    signature: Path | None = None  # PNG or SVG image inside the letter's folder


@dataclass(frozen=True)
class Annex:
    """An enclosure: a title, and the PDF to append when there is one."""

    title: str
    path: Path | None = None


@dataclass(frozen=True)
class Cover:
    """Options of the generated cover page."""

    enabled: bool = True
    channel: str | None = None  # e.g. "By e-mail and registered post"
    note: str | None = None


@dataclass(frozen=True)
class Recipient:
    """One row of a recipients list: to whom one personalised copy is addressed (and e-mailed)."""

    row: int  # 1-based number of the recipient in the list (the NNN of its copy's file name)
    line: int  # line of the file (CSV/TSV) or item number (YAML), for messages
    name: str
    address: tuple[str, ...] = ()
    opening: str | None = None  # the salutation; None: the letter's
    email: str | None = None  # None: no e-mail for this copy
    lang: str | None = None
    reference: str | None = None  # this copy's reference (printed as our reference, recorded when sent)
    cc: tuple[str, ...] = ()  # e-mail addresses copied on this copy's message
    fields: tuple[tuple[str, str], ...] = ()  # every column (canonical name, text), for {{ recipient.<column> }}


@dataclass(frozen=True)
class Letter:
    """Everything needed to typeset one letter, validated."""

    source: Path  # the letter's Markdown file (absolute)
    title: str
    body: str  # Markdown
    body_line: int  # line of the letter file where the body starts (1-based)
    date: dt.date
    lang: str = "en"
    subject: str | None = None
    place: str | None = None
    sender: Party | None = None
    recipient: Party | None = None
    opening: str | None = None
    closing: str | None = None
    signatories_path: Path | None = None
    signatories: tuple[Signatory, ...] = ()
    recipients_path: Path | None = None  # ``recipients:``: a list of recipients, one personalised copy each
    message: str | None = None  # ``message:``: the cover note of each copy's e-mail
    reference: str | None = None  # our reference
    their_reference: str | None = None  # the recipient's reference, if answering
    logo: Path | None = None
    signers: tuple[Signer, ...] = ()
    signature_layout: str = "side-by-side"
    cc: tuple[str, ...] = ()
    enclosures: tuple[Annex, ...] = ()
    cover_pdfs: tuple[Path, ...] = ()
    cover: Cover = field(default_factory=Cover)
    fonts: tuple[Path, ...] = ()  # extra font files, used after the bundled ones
    keywords: tuple[str, ...] = ()
    author: str | None = None
    paper: str = "a4"
    order: str = "as-given"
    group_by: str = "none"
    columns: int = 2
    align: str = "left"

    @property
    def folder(self) -> Path:
        return self.source.parent

    @property
    def metadata_author(self) -> str:
        return self.author or (self.sender.name if self.sender else "")
