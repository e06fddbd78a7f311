"""``archive``: record each version sent, list, show, export, compare and verify the records."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from letter_pdf.cli.runtime import counted
from letter_pdf.errors import ExitCode
from letter_pdf.model import CHANNELS

ARCHIVE_DIR_OPTION = click.option(
    "--archive-dir", type=click.Path(file_okay=False, path_type=Path),
    help="The archive folder.  [default: $LETTER_PDF_ARCHIVE, else ./archive]",
)
CHANNEL_CHOICE = click.Choice(CHANNELS)


def _open_archive(archive_dir: Path | None):
    from letter_pdf import archive as archive_module

    return archive_module.Archive(archive_module.locate(archive_dir))


def _echo_recorded(record, digest: str, root: Path) -> None:
    from letter_pdf.archive import plain

    title = record.letter.title or record.pdf.file_name
    click.echo(plain(f"recorded as number {record.number} in {root}: {title}, version {record.letter.version}, "
                     f"to {record.sending.recipient} by {record.sending.channel}"))
    for note in record.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"chain head: {digest}")


@click.group()
def archive() -> None:
    """Keep a tamper-evident record of every version sent, and read it back.

    \b
    Examples:
      letter-pdf archive record letter.pdf --to "The Minister" --via email
      letter-pdf archive list
      letter-pdf archive verify --head 3f5c...e1
    """


@archive.command("record")
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option("--to", "recipient", required=True, help="To whom it was sent.")
@click.option("--via", "channel", type=CHANNEL_CHOICE, required=True, help="How it was sent.")
@click.option("--ref", help="A reference for this sending (e.g. a registered-post number).")
@click.option("--note", help="A free note kept with the record.")
@click.option("--sent-at", help="When it was sent (ISO date or time).  [default: not given]")
@ARCHIVE_DIR_OPTION
def archive_record(pdf, recipient, channel, ref, note, sent_at, archive_dir) -> None:
    """Store PDF exactly as sent, with when, to whom and how it was sent.

    The archive is --archive-dir, else $LETTER_PDF_ARCHIVE, else archive/ beside PDF.

    \b
    Examples:
      letter-pdf archive record letter.pdf --to "President of the Russian Federation" --via post \\
          --ref "RR 1234 5678 9GB" --sent-at 2026-11-30T10:00
    """
    from letter_pdf import archive as archive_module

    store = archive_module.Archive(archive_module.locate(archive_dir, beside=pdf))
    record, digest = store.record(pdf, recipient=recipient, channel=channel, ref=ref, note=note, sent_at=sent_at)
    _echo_recorded(record, digest, store.root)


def _cut(text, width: int | None = None) -> str:
    """A cell of a table, as it may be printed (``archive.plain``), shortened to ``width``."""
    from letter_pdf.archive import plain

    return plain(text, width)


@archive.command("list")
@ARCHIVE_DIR_OPTION
def archive_list(archive_dir) -> None:
    """List the sent versions, oldest first.

    \b
    Example:
      letter-pdf archive list --archive-dir ~/letters/archive
    """
    listing = _open_archive(archive_dir).listing()
    if not listing:
        click.echo("the archive is empty", err=True)
        return
    # the column of e-mail deliveries (letter-pdf send) only when the archive has some
    emailed = any(record.delivery is not None for _, record in listing)
    table = [("No", "Sent at", "Recipient", "Via", *(("Delivery",) if emailed else ()), "Title", "Ver", "Pages",
              "Signatories", "PDF SHA-256")]
    for r, record in listing:
        delivery = record.delivery
        table.append((
            _cut(r.number), _cut(r.sent_at or f"({r.recorded_at})"), _cut(r.recipient, 28),
            _cut(r.channel),
            *((_cut(f"{delivery.status} {delivery.address}" if delivery else "-", 40),) if emailed else ()),
            _cut(r.title or "?", 36), _cut(r.version),
            "?" if r.pages is None else _cut(r.pages),
            "?" if r.signatories is None else _cut(r.signatories),
            _cut(str(r.pdf_sha256)[:12]),
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@archive.command("show")
@click.argument("number", type=click.IntRange(min=1))
@ARCHIVE_DIR_OPTION
def archive_show(number, archive_dir) -> None:
    """Show everything recorded for record NUMBER, signatories included.

    \b
    Example:
      letter-pdf archive show 3
    """
    from letter_pdf.archive import describe

    record, digest = _open_archive(archive_dir).get(number)
    for line in describe(record, digest):
        click.echo(line)


@archive.command("export")
@click.argument("number", type=click.IntRange(min=1))
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--bagit", is_flag=True, help="Make FOLDER a BagIt bag (RFC 8493) with SHA-256 and SHA-512 manifests.")
@ARCHIVE_DIR_OPTION
def archive_export(number, folder, bagit, archive_dir) -> None:
    """Copy record NUMBER's PDF and its JSON record into the new FOLDER.

    \b
    Examples:
      letter-pdf archive export 3 for-counsel/
      letter-pdf archive export 3 for-counsel/ --bagit
    """
    files = _open_archive(archive_dir).export(number, folder, bag=bagit)
    for path in files:
        click.echo(str(path))


@archive.command("diff")
@click.argument("old", type=click.IntRange(min=1))
@click.argument("new", type=click.IntRange(min=1))
@ARCHIVE_DIR_OPTION
def archive_diff(old, new, archive_dir) -> None:
    """Show what changed between records OLD and NEW: signatories and the letter's text.

    \b
    Example:
      letter-pdf archive diff 1 3
    """
    from letter_pdf.archive import plain
    from letter_pdf.text import visible

    diff = _open_archive(archive_dir).diff(old, new)
    for note in diff.notes:
        click.echo(f"note: {plain(note)}", err=True)
    for field, before, after in diff.sending:
        click.echo(plain(f"sent {field}: {before or '-'} -> {after or '-'}"))
    if diff.same:
        click.echo(f"records {old} and {new}: the same letter (text, fields and signatories)")
        return
    if not diff.differences:  # a text or a list could not be read (the notes say which): not called the same
        click.echo(f"records {old} and {new}: no difference in what could be compared")
        return
    for field, before, after in diff.fields:
        click.echo(plain(f"~ {field}: {before!r} -> {after!r}"))

    def who(s) -> str:
        details = [", ".join(s.countries), s.kind, s.role, s.group]
        return plain(f"{s.name} ({'; '.join(d for d in details if d)})")

    signatories = diff.signatories
    if signatories is not None and not signatories.empty:
        click.echo(f"Signatories: {len(signatories.added)} added, {len(signatories.removed)} removed, "
                   f"{len(signatories.changed)} changed")
        for s in signatories.added:
            click.echo(f"+ {who(s)}")
        for s in signatories.removed:
            click.echo(f"- {who(s)}")
        for change in signatories.changed:
            click.echo(f"~ {who(change.old)} -> {who(change.new)}")
    if diff.text:
        click.echo("Letter text:")
        for line in diff.text:
            click.echo(visible(line, sys.maxsize))  # the letter's lines, tabs kept; nothing reordered


@archive.command("verify")
@click.option("--head", "head", metavar="HASH", help="Also check that the archive still leads to this chain hash.")
@ARCHIVE_DIR_OPTION
def archive_verify(head, archive_dir) -> None:
    """Re-hash every stored file and the chain of records; exit 4 on any damage.

    \b
    Examples:
      letter-pdf archive verify
      letter-pdf archive verify --head 3f5c...e1
    """
    store = _open_archive(archive_dir)
    report = store.verify(head=head)
    for finding in report.findings:
        click.echo(str(finding), err=finding.level == "note")
    if report.head_checked:
        click.echo(f"head: {report.head_checked}")
    if not report.ok:
        problems, damaged = len(report.errors), len(report.damaged_records)
        summary = counted(problems, "problem", "problems")
        if damaged:  # only the records the problems are about; other problems (a stray file, --head) are in none
            of_them = "" if all(f.records for f in report.errors) else f", {_in_records(report)} of them"
            summary += f"{of_them} in {counted(damaged, 'record', 'records')}"
        click.echo(f"{store.root}: does NOT verify: {summary}")
        raise click.exceptions.Exit(ExitCode.NOT_VERIFIED)
    click.echo(f"{store.root}: verifies: {counted(report.records, 'record', 'records')}, chain head {report.head or '(empty)'}")


def _in_records(report) -> int:
    return sum(1 for f in report.errors if f.records)


@archive.command("head")
@ARCHIVE_DIR_OPTION
def archive_head(archive_dir) -> None:
    """Print the latest chain hash, to keep outside the archive (send it to a partner, print it).

    \b
    Example:
      letter-pdf archive head > archive-head-2026-11-30.txt
    """
    head = _open_archive(archive_dir).head()
    if head is None:
        click.echo("the archive is empty", err=True)
        raise click.exceptions.Exit(ExitCode.ERROR)
    click.echo(head[1])
    click.echo(f"(record {head[0]})", err=True)


@archive.command("reindex")
@ARCHIVE_DIR_OPTION
def archive_reindex(archive_dir) -> None:
    """Rebuild the archive's index from its record files (they are the truth; nothing else changes).

    \b
    Example:
      letter-pdf archive reindex
    """
    count = _open_archive(archive_dir).reindex()
    click.echo(f"index rebuilt: {counted(count, 'record', 'records')}")
