"""``build``, ``check`` and ``preview``: a letter into a PDF, its checks without a PDF, a page as a PNG."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, cast

import click

from letter_pdf.cli.runtime import EXISTING_FILE, OUT_FILE, StdoutWriter, counted, print_problem
from letter_pdf.errors import exit_code_of
from letter_pdf.model import CHANNELS, GROUPINGS, ORDERS, PAPERS


def _record_options(func):
    """``build``'s options for the manifest and the archive, passed on to ``BuildOptions``."""
    options = [
        click.option("--embed-sources", is_flag=True,
                     help="Embed the letter file and its signatory list in the PDF (PDF/A-3 attachments)."),
        click.option("--archive", is_flag=True, help="Record the PDF in the archive of sent versions (needs --to, --via)."),
        click.option("--to", help="With --archive: to whom it is sent."),
        click.option("--via", type=click.Choice(CHANNELS),
                     help="With --archive: how it is sent."),
        click.option("--ref", help="With --archive: a reference for this sending."),
        click.option("--note", help="With --archive: a note kept with the record."),
        click.option("--sent-at", help="With --archive: when it was sent (ISO date or time)."),
        click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="With --archive: the archive folder.  [default: $LETTER_PDF_ARCHIVE, else archive/ beside LETTER]"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _package_options(func):
    """``build``'s options for the delivery package, passed on to ``BuildOptions``."""
    options = [
        click.option("--cover/--no-cover", "cover", default=None,
                     help="Put a generated cover page first (recipient, subject, date, counts, enclosures).  "
                          "[default: yes, unless the front matter says 'cover: false']"),
        click.option("--cover-pdf", "cover_pdfs", type=EXISTING_FILE, multiple=True, metavar="FILE",
                     help="Put this PDF before the letter, e.g. your letterhead page; repeatable."),
        click.option("--annex", "annexes", type=EXISTING_FILE, multiple=True, metavar="FILE",
                     help="Append this PDF as an enclosure, titled by its file name; repeatable."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _copies_options(func):
    """``build``'s options for one copy per recipient of a list."""
    options = [
        click.option("--recipients", type=EXISTING_FILE, metavar="FILE",
                     help="Build one personalised copy per recipient of this list (CSV, TSV or YAML) into a folder.  "
                          "[default: the letter's 'recipients', if any]"),
        click.option("--eml", is_flag=True,
                     help="With a recipients list: also write each copy as an e-mail (.eml) for 'letter-pdf send'."),
        click.option("--force", is_flag=True,
                     help="With a recipients list: replace the copies of an earlier build in the output folder."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _build_copies(letter: Path, output: str | None, recipients: Path | None, eml: bool, force: bool,
                  options) -> None:
    """One copy per recipient: the folder, then a line per note and a summary."""
    from letter_pdf import batch

    if output == "-":
        raise click.UsageError("copies for a recipients list are written to a folder; name it with -o DIR")
    progress = None
    if sys.stderr.isatty():
        def progress(done: int, count: int) -> None:
            click.echo(f"\rbuilt {done} of {count} copies", err=True, nl=done == count)
    result = batch.build_copies(letter, batch.BatchOptions(
        recipients=recipients, folder=Path(output) if output else None, eml=eml, force=force, progress=progress),
        options)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for recipient in result.without_email:
        click.echo(f"note: no e-mail for recipient {recipient.row} ({recipient.name}): no .eml written", err=True)
    emls = sum(1 for copy in result.copies if copy.eml)
    click.echo(f"{result.folder}  ({counted(len(result.copies), 'copy', 'copies')}, "
               f"{counted(result.signatories, 'signatory', 'signatories')}"
               + (f", {counted(emls, 'e-mail', 'e-mails')}" if eml else "") + "; index.csv lists them)")


@click.command()
@click.argument("letter", type=EXISTING_FILE)
@click.option("-o", "--output", metavar="PATH",
              help="Where to write the PDF; '-' for standard output; with a recipients list, the folder of the "
                   "copies.  [default: beside LETTER, same name; copies: LETTER's name + '-copies']")
@click.option("--paper", type=click.Choice(PAPERS), help="Paper size.  [default: the letter's, else a4]")
@click.option("--order", type=click.Choice(ORDERS),
              help="Order of the signatory list.  [default: the letter's 'order', else as-given]")
@click.option("--group-by", type=click.Choice(GROUPINGS),
              help="Group the signatory list under headings.  [default: the letter's 'group-by', else none]")
@click.option("--sign", "sign_key", type=EXISTING_FILE, metavar="KEY.p12",
              help="Sign the finished PDF (PAdES) with this PKCS#12 key; passphrase from "
                   "LETTER_PDF_P12_PASSPHRASE or asked for.")
@click.option("--timestamp-url", metavar="URL", help="Add an RFC 3161 timestamp from this server (PAdES B-T).")
@click.option("--certify", is_flag=True, help="Certify the PDF: no changes allowed after signing.")
@click.option("--invisible-signature", is_flag=True, help="Sign without a visible field on the signature block.")
@_record_options
@_package_options
@_copies_options
def build(letter: Path, output: str | None, paper: str | None, order: str | None, group_by: str | None,
          sign_key: Path | None, timestamp_url: str | None,
          certify: bool, invisible_signature: bool, recipients: Path | None, eml: bool, force: bool,
          **record_options) -> None:
    """Build LETTER (Markdown with front matter) into a PDF.

    \b
    Examples:
      letter-pdf build letter.md
      letter-pdf build letter.md -o out/letter.pdf --paper letter
      letter-pdf build letter.md -o - > letter.pdf
      letter-pdf build letter.md --order alphabetical --group-by country
      letter-pdf build letter.md --sign key.p12
      letter-pdf build letter.md --sign key.p12 --timestamp-url http://tsa.example/tsr --certify
      letter-pdf build letter.md --archive --to "The Minister" --via email --embed-sources
      letter-pdf build letter.md --cover-pdf letterhead.pdf --annex translation.pdf --annex report.pdf
      letter-pdf build letter.md --no-cover
      letter-pdf build letter.md --recipients deputies.csv -o deputies/ --eml
    """
    from letter_pdf import batch, pipeline

    options = dict(paper=paper, order=order, group_by=group_by, sign=sign_key, timestamp_url=timestamp_url,
                   certify=certify, invisible_signature=invisible_signature,
                   passphrase_prompt=_ask_passphrase if sys.stdin.isatty() else None, **record_options)
    if recipients is not None or eml or force or batch.has_recipients(letter):  # the copies say what is missing
        _build_copies(letter, output, recipients, eml, force, pipeline.BuildOptions(**options))
        return
    context = click.get_current_context()
    stream: BinaryIO | None = None
    if output is not None and output != "-":
        output = OUT_FILE.convert(output, None, context)
    if output is not None and str(output) == "-":  # the PDF to standard output, the summary to stderr
        # click's convention: "-" is standard output, here in binary
        stream = cast(BinaryIO, StdoutWriter(cast(BinaryIO, click.open_file("-", "wb"))))  # a full disk: one line, exit 1
        if stream.isatty():
            raise click.UsageError("-o - writes the PDF to standard output, which is a terminal here; "
                                   "redirect it (-o - > letter.pdf) or name a file (-o letter.pdf)")
        output = None
    result = pipeline.build(letter, pipeline.BuildOptions(output=cast(Path | None, output), stream=stream, **options))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{result.output or 'standard output'}  ({counted(result.pages, 'page', 'pages')}, "
               f"{counted(result.signatories, 'signatory', 'signatories')})", err=stream is not None)
    if result.archived:
        number, digest, root = result.archived
        click.echo(f"recorded as number {number} in {root}; chain head: {digest}")


@click.command()
@click.argument("letter", type=EXISTING_FILE)
def check(letter: Path) -> None:
    """Check LETTER and its signatories without writing a PDF; report every problem.

    \b
    Example:
      letter-pdf check letter.md
    """
    from letter_pdf import pipeline

    with pipeline.collect_warnings() as warnings:  # each warning is printed (once) as it is logged
        problems = pipeline.check(letter)
    for problem in problems:
        print_problem(problem)
    warned = counted(len(warnings), "warning", "warnings")
    if problems:
        click.echo(f"{letter}: {counted(len(problems), 'error', 'errors')}, {warned}", err=True)
        raise click.exceptions.Exit(exit_code_of(problems))
    click.echo(f"{letter}: no errors, {warned}")


@click.command()
@click.argument("pdf", type=EXISTING_FILE)
@click.option("-o", "--output", type=OUT_FILE, help="PNG file to write.  [default: beside PDF, -pageN.png]")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page to render (1 = first).")
@click.option("--dpi", type=click.IntRange(36, 600), default=100, show_default=True, help="Resolution.")
def preview(pdf: Path, output: Path | None, page: int, dpi: int) -> None:
    """Render one page of PDF to a PNG picture (to look at it, or for a README).

    \b
    Example:
      letter-pdf preview letter.pdf --page 1 -o page1.png
    """
    from letter_pdf.output import refuse_input
    from letter_pdf.preview import write_preview

    target = output or pdf.with_name(f"{pdf.stem}-page{page}.png")
    refuse_input(target, [("the PDF", str(pdf))])
    click.echo(str(write_preview(pdf, target, page=page, dpi=dpi)))


def _ask_passphrase(prompt: str) -> str:
    """Ask for the key's passphrase on the terminal, without echo (never from the command line)."""
    return click.prompt(prompt, hide_input=True, default="", show_default=False, err=True)
