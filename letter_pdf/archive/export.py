"""``archive export``: a record's PDF, its record file (the exact bytes) and its stored sources copied into a
new folder, optionally as a BagIt bag (RFC 8493), written whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from letter_pdf.archive.records import Record
from letter_pdf.archive.store import TMP_PREFIX, Store
from letter_pdf.archive.text import detail, plain
from letter_pdf.errors import ArchiveError

BAGIT_DECLARATION = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"  # RFC 8493, section 2.1.1


def readme(record: Record, digest: str, stem: str) -> str:
    """The export's README.txt: values from the record made ``plain``, as ``list`` and ``show`` print them."""
    letter, pdf, sending = record.letter, record.pdf, record.sending
    return "\n".join(plain(line) for line in f"""\
Record {record.number} of a letter-pdf archive of sent letters.

  {stem + '.pdf':<20} the PDF exactly as sent: {letter.title or pdf.file_name}, version {letter.version},
  {'':<20} sent to {sending.recipient} by {sending.channel}, at {sending.sent_at or 'a time not given'}
  {'':<20} (recorded {record.recorded_at})
  {stem + '.json':<20} the record, byte for byte as stored in the archive

Check them:
  sha256sum {stem}.pdf    must print {pdf.sha256}
  sha256sum {stem}.json   must print {digest}
The second is the record's chain hash: the archive's next record carries it as "previous", and
'letter-pdf archive verify --head {digest}' run on the archive checks that the archive still leads to it.
""".split("\n"))


def bag_info(record: Record, digest: str) -> dict[str, str]:
    """The bag's ``bag-info.txt`` fields (made ``plain``: one line each, nothing reordered)."""
    sender = record.letter_content.get("sender")
    letter, sending = record.letter, record.sending
    return {name: plain(value) for name, value in {
        "Source-Organization": (sender.get("name") if isinstance(sender, dict) else None) or "unknown",
        "External-Identifier": f"letter-pdf archive record {record.number}, chain hash {digest}",
        "External-Description": f"{letter.title or record.pdf.file_name}, version {letter.version}, sent to "
                                f"{sending.recipient} by {sending.channel} at {sending.sent_at or 'unknown time'}",
        "Bag-Group-Identifier": f"letter {letter.key}",
    }.items()}


def export(store: Store, record: Record, digest: str, record_bytes: bytes, dest: str | Path, *,
           bag: bool = False) -> list[Path]:
    """Write ``record``'s PDF, its record file's bytes and stored sources into the new folder ``dest``; with
    ``bag``, as a BagIt bag (RFC 8493). Return the files written (payload)."""
    number = record.number
    pdf = store.read_object(record.pdf.object)
    sources = [(s.name, store.read_object(s.object)) for s in record.stored_sources]
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ArchiveError("the export folder exists and is not empty", where=dest, hint="give a new folder name")
    parent = dest.resolve().parent
    if not parent.is_dir():
        raise ArchiveError("the folder to export into does not exist", where=parent)
    try:
        work = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=parent))
    except OSError as exc:
        raise ArchiveError(f"cannot write here ({exc.strerror})", where=parent) from exc
    try:
        stem = f"record-{number}"
        files = {f"{stem}.pdf": pdf, f"{stem}.json": record_bytes,
                 "README.txt": readme(record, digest, stem).encode("utf-8")}
        for name, data in sources:
            files[f"{stem}-sources/{Path(name).name}"] = data
        for name, data in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes(data)
        if bag:
            _make_bag(work, bag_info(record, digest), dest)
        os.chmod(work, 0o755)
        if dest.is_dir():
            dest.rmdir()
        os.rename(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    base = dest / "data" if bag else dest
    return [base / name for name in files]


def _make_bag(work: Path, info: dict[str, str], dest: Path) -> None:
    import bagit

    try:
        bagit.make_bag(str(work), bag_info=info, checksums=["sha256", "sha512"])
        # bagit-python (1.9) still declares the 0.97 draft; the bag meets RFC 8493 (every payload
        # file in every manifest, UTF-8 tag files), so declare 1.0 and re-hash the tag files
        (work / "bagit.txt").write_bytes(BAGIT_DECLARATION)
        bagit.Bag(str(work)).save()
        made = bagit.Bag(str(work))
        made.validate()
        if made.version_info != (1, 0):
            raise bagit.BagError(f"it declares BagIt {made.tags.get('BagIt-Version')}, not 1.0")
    except (bagit.BagError, OSError) as exc:
        raise ArchiveError(f"cannot make the BagIt bag ({detail(exc)})", where=dest) from exc
