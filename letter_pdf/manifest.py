"""The manifest every built PDF carries: what letter it is, who signed it, and the hashes of its sources.

The manifest is a small JSON file embedded in the PDF as a PDF/A-3 associated file named
``letter-pdf-manifest.json`` (AFRelationship ``/Data``). ``letter-pdf archive record FILE.pdf`` reads it to
know the letter's title, date, signatories as printed and the SHA-256 of its sources without the sources at
hand. It is deterministic: sorted keys, no wall-clock time, and paths relative to the letter's folder, so the
same inputs give the same bytes on any machine.

It also carries the letter's body text (Markdown) so that two sent versions can be compared
(``archive diff``) from the PDFs alone. With ``--embed-sources`` the letter file and the signatory list as
used are embedded too (AFRelationship ``/Source``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from letter_pdf._version import __version__
from letter_pdf.arrange import Printed, printed_list
from letter_pdf.model import Letter, Party, Signatory
from letter_pdf.pdf.attachments import Attachment, read_embedded

log = logging.getLogger("letter_pdf")

MANIFEST_NAME = "letter-pdf-manifest.json"
FORMAT = "letter-pdf-manifest/1"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a manifest of 10,000 signatories is about 2 MB
MAX_MANIFEST_DEPTH = 32  # a manifest letter-pdf writes is nested 4 deep (letter, recipient, address)


class NestedTooDeeply(ValueError):
    """JSON nested deeper than its reader allows (the message says how deep it may be)."""


def load_json(data: bytes, *, max_depth: int):
    """The JSON value in ``data`` (UTF-8), nested at most ``max_depth`` arrays and objects deep.

    Raises ``UnicodeDecodeError`` or ``json.JSONDecodeError`` for bytes that are not JSON and
    ``NestedTooDeeply`` (all three are ``ValueError``) for a value nested deeper: nothing that reads it later
    recurses without bound, and text nested beyond the interpreter's recursion limit is refused the same way.
    """
    too_deep = NestedTooDeeply(f"more than {max_depth} levels")
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise too_deep from None
    stack = [(value, 1)]
    while stack:  # iterative: the value may be as deep as the parser went
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > max_depth:
            raise too_deep
        stack.extend((child, depth + 1) for child in children)
    return value


def canonical_json(value: Any) -> bytes:
    """The one byte encoding used for manifests and archive records: UTF-8, sorted keys, indent 2, final newline."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _party(party: Party | None) -> dict | None:
    if party is None:
        return None
    return {"name": party.name, "address": list(party.address), "contact": list(party.contact)}


def signatory_entry(signatory: Signatory) -> dict:
    return {
        "name": signatory.name,
        "countries": list(signatory.countries),
        "kind": signatory.kind,
        "role": signatory.role,
        "group": signatory.group,
    }


def display_path(path: Path, folder: Path) -> str:
    """A source's path as recorded: relative to the letter's folder, else only its file name (no machine paths)."""
    try:
        return Path(path).resolve().relative_to(Path(folder).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def collect_sources(
    letter: Letter,
    *,
    cover_pdfs: Iterable[Path] | None = None,
    annexes: Iterable[Path] | None = None,
    extra: Mapping[str, Path] | None = None,
) -> dict[str, Path]:
    """Every file the build reads for this letter, by role: ``letter``, ``signatories``, ``logo``,
    ``signature-1``..., ``font-1``..., ``cover-pdf-1``..., ``annex-1``.... ``cover_pdfs`` and ``annexes``
    (the PDFs actually merged, front matter and command line together) replace the letter's own lists when
    given; ``extra`` adds files under the roles given."""
    sources: dict[str, Path] = {"letter": letter.source}
    if letter.signatories_path is not None:
        sources["signatories"] = letter.signatories_path
    if letter.logo is not None:
        sources["logo"] = letter.logo
    for number, signature in enumerate((s.signature for s in letter.signers if s.signature), start=1):
        sources[f"signature-{number}"] = signature
    for number, font in enumerate(letter.fonts, start=1):
        sources[f"font-{number}"] = font
    covers = letter.cover_pdfs if cover_pdfs is None else tuple(cover_pdfs)
    for number, cover in enumerate(covers, start=1):
        sources[f"cover-pdf-{number}"] = Path(cover)
    annex_paths = tuple(a.path for a in letter.enclosures if a.path) if annexes is None else tuple(annexes)
    for number, annex in enumerate(annex_paths, start=1):
        sources[f"annex-{number}"] = Path(annex)
    for role, path in (extra or {}).items():
        sources[role] = Path(path)
    return sources


def attachments_for(
    letter: Letter,
    *,
    embed_sources: bool = False,
    cover_pdfs: Iterable[Path] | None = None,
    annexes: Iterable[Path] | None = None,
    printed: Printed | None = None,
    copy: Mapping[str, Any] | None = None,
) -> tuple:
    """What ``pipeline.build`` hands to ``assemble``: the manifest (``Data``) and, with ``embed_sources``,
    the letter file and its signatory list (``Source``)."""
    sources = source_attachments(letter) if embed_sources else []
    manifest = build_manifest(
        letter,
        sources=collect_sources(letter, cover_pdfs=cover_pdfs, annexes=annexes),
        embedded=[a.name for a in sources],
        printed=printed,
    )
    if copy is not None:  # one copy of a letter built for a recipients list (batch.py): which edition, which row
        manifest["copy"] = dict(copy)
    return (to_attachment(manifest), *sources)


def build_manifest(letter: Letter, *, sources: Mapping[str, Path], embedded: Iterable[str] = (),
                   printed: Printed | None = None) -> dict:
    """The manifest of ``letter`` built from ``sources`` (role -> file). Deterministic: no clock, no absolute paths.

    ``embedded`` lists the names of the source files embedded in the PDF (``--embed-sources``); ``printed``:
    the printed signatory list with its counts (``arrange.printed_list``, computed here when not given).
    """
    printed = printed if printed is not None else printed_list(letter)
    files = {}
    for role, path in sorted(sources.items()):
        digest, size = sha256_file(path)
        files[role] = {"path": display_path(path, letter.folder), "sha256": digest, "size": size}
    counts = {"organisation": printed.counts.organisations, "individual": printed.counts.individuals}
    return {
        "format": FORMAT,
        "generator": {"name": "letter-pdf", "version": __version__},
        "letter": {
            "title": letter.title,
            "subject": letter.subject,
            "date": letter.date.isoformat(),
            "place": letter.place,
            "lang": letter.lang,
            "reference": letter.reference,
            "their_reference": letter.their_reference,
            "sender": _party(letter.sender),
            "recipient": _party(letter.recipient),
            "opening": letter.opening,
            "closing": letter.closing,
            "body": letter.body,
            "signers": [
                {"name": s.name, "role": s.role, "organisation": s.organisation} for s in letter.signers
            ],
            "cc": list(letter.cc),
            "enclosures": [a.title for a in letter.enclosures],
        },
        "signatories": [signatory_entry(s) for s in printed.signatories],
        "sections": [{"heading": section.heading, "count": section.count} for section in printed.sections],
        "counts": counts,
        "sources": files,
        "embedded_sources": sorted(embedded),
    }


def to_attachment(manifest: dict):
    """The manifest as an ``Attachment`` (PDF/A-3 associated file, relationship ``Data``)."""
    return Attachment(
        name=MANIFEST_NAME,
        data=canonical_json(manifest),
        mime="application/json",
        description="letter-pdf manifest: letter, signatories as printed, SHA-256 of the sources",
        relationship="Data",
    )


def source_attachments(letter: Letter):
    """The letter file and its signatory list as embedded sources (relationship ``Source``), for ``--embed-sources``."""
    mimes = {".md": "text/markdown", ".csv": "text/csv", ".tsv": "text/tab-separated-values",
             ".yaml": "application/yaml", ".yml": "application/yaml", ".txt": "text/plain"}
    out = []
    paths = [("letter", letter.source)]
    if letter.signatories_path is not None:
        paths.append(("signatory list", letter.signatories_path))
    seen: set[str] = set()
    for role, path in paths:
        name = path.name if path.name not in seen else f"signatories-{path.name}"
        seen.add(name)
        out.append(
            Attachment(
                name=name,
                data=path.read_bytes(),
                mime=mimes.get(path.suffix.lower(), "application/octet-stream"),
                description=f"source: the {role} as used for this PDF",
                relationship="Source",
            )
        )
    return out


def read_attachments(pdf, names: Iterable[str] | None = None) -> dict[str, bytes]:
    """The embedded files of ``pdf`` (a path, bytes or an open ``PdfReader``) by name (the first one of a
    name); only those in ``names`` when given. Read under the PDF layer's limits (``attachments.read_embedded``):
    the PDF may come from anywhere."""
    return read_embedded(pdf, names)


def examine_manifest(data: bytes) -> tuple[dict | None, str | None]:
    """A manifest from its JSON bytes and, when they are not a letter-pdf manifest, ``(None, why)``."""
    if len(data) > MAX_MANIFEST_BYTES:
        return None, f"the embedded manifest is too large: {len(data)} bytes, at most {MAX_MANIFEST_BYTES}"
    try:
        value = load_json(data, max_depth=MAX_MANIFEST_DEPTH)
    except NestedTooDeeply as exc:
        return None, f"the embedded manifest is nested too deeply: {exc}"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"the embedded manifest is not valid JSON: {str(exc)[:120]}"
    if not isinstance(value, dict) or not str(value.get("format", "")).startswith("letter-pdf-manifest/"):
        return None, f"the embedded {MANIFEST_NAME} is not a letter-pdf manifest"
    return value, None


def parse_manifest(data: bytes) -> dict | None:
    """A manifest from its JSON bytes; ``None`` when it is not a letter-pdf manifest (logged: why)."""
    manifest, why = examine_manifest(data)
    if why is not None:
        log.info("%s; ignored", why)
    return manifest


def read_manifest(pdf) -> dict | None:
    """The manifest embedded in ``pdf`` (a path, bytes or a ``PdfReader``), or ``None`` when it has none.

    A damaged or foreign manifest counts as none (logged at info level).
    """
    data = read_attachments(pdf, [MANIFEST_NAME]).get(MANIFEST_NAME)
    return None if data is None else parse_manifest(data)
