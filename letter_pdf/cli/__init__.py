"""The ``letter-pdf`` command: a thin click layer over the library, and its one error boundary.

This is the only module that imports click. Diagnostics go to stderr; results to stdout.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from pathlib import Path

import click

from letter_pdf._version import __version__
from letter_pdf.errors import ExitCode, LetterPdfError, Problems
from letter_pdf.model import CHANNELS, GROUPINGS, ORDERS, PAPERS

log = logging.getLogger("letter_pdf")

EXISTING_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
OUT_FILE = click.Path(dir_okay=False, writable=False, path_type=Path)


def _print_problem(problem: LetterPdfError) -> None:
    click.echo(f"error: {problem}", err=True)


# The reader of our standard output went away (``letter-pdf signatories stats FILE | head -1``): stop
# quietly, with the status a shell shows for any tool stopped by a closed pipe (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141


def _flush_stdout() -> None:
    stream = sys.stdout
    if stream is not None and not stream.closed:
        stream.flush()


def _quiet_stdout() -> None:
    """After a broken pipe: point standard output at /dev/null, so that nothing more (not even Python's
    final flush at exit) tries to write to the closed pipe."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # in-process (tests): a stream without a file descriptor
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def counted(n: int, one: str, other: str) -> str:
    """``n`` and its noun with the CLDR plural rules (English): ``1 row``, ``2 rows``, ``0 rows``."""
    from letter_pdf.counts import counted as plural

    return plural(n, {"one": f"{{n}} {one}", "other": f"{{n}} {other}"}, "en")


def boundary(func):
    """Turn library errors into a one-line message and an exit code; a traceback only with --verbose."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        verbose = (ctx.find_root().obj or {}).get("verbose", False)
        try:
            result = func(*args, **kwargs)
            _flush_stdout()  # a closed pipe shows here, inside the boundary, not at interpreter exit
            return result
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(EXIT_BROKEN_PIPE)
        except Problems as many:
            if verbose:
                traceback.print_exc()
            for problem in many.problems:
                _print_problem(problem)
            ctx.exit(many.exit_code)
        except LetterPdfError as error:
            if verbose:
                traceback.print_exc()
            _print_problem(error)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was written", err=True)
            ctx.exit(130)
        except click.exceptions.Exit:
            try:
                _flush_stdout()
            except BrokenPipeError:
                _quiet_stdout()
                ctx.exit(EXIT_BROKEN_PIPE)
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as error:  # a bug: say so plainly, with the traceback on request
            if verbose:
                traceback.print_exc()
            click.echo(
                f"internal error: {type(error).__name__}: {error} "
                "(please report it with the output of the same command run with --verbose)",
                err=True,
            )
            ctx.exit(ExitCode.INTERNAL)

    return wrapper


class _StderrHandler(logging.Handler):
    """Log records as ``warning: ...`` lines (like ``error: ...``) on the current stderr.

    Through ``click.echo``, so that the stream is looked up for each line: a command run in-process (tests,
    ``main(argv)``) never leaves a handler writing to a stream that has since been closed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(f"{record.levelname.lower()}: {self.format(record)}", err=True)
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


def _setup_logging(verbose: bool) -> None:
    handler = _StderrHandler()
    for name in ("letter_pdf",):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
        logger.propagate = False
    # pyHanko logs failed certificate paths with tracebacks, pypdf what it repairs in a damaged file ("EOF
    # marker not found"): the commands report such files as one line of their own instead
    for name in ("pyhanko", "pyhanko_certvalidator", "pypdf"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.CRITICAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="letter-pdf")
@click.option("-v", "--verbose", is_flag=True, help="Show details and, on errors, the traceback.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Typeset a formal joint letter and its signatories as an archive-grade PDF.

    \b
    Examples:
      letter-pdf build examples/joint-letter/letter.md
      letter-pdf check letter.md
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    _setup_logging(verbose)


def _record_options(func):
    """``build``'s options for the manifest and the archive (issue 6), passed on to ``BuildOptions``."""
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
    """``build``'s options for the delivery package (issue 4), passed on to ``BuildOptions``."""
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


@cli.command()
@click.argument("letter", type=EXISTING_FILE)
@click.option("-o", "--output", type=OUT_FILE,
              help="Where to write the PDF; '-' for standard output.  [default: beside LETTER, same name]")
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
@boundary
def build(letter: Path, output: Path | None, paper: str | None, order: str | None, group_by: str | None,
          sign_key: Path | None, timestamp_url: str | None,
          certify: bool, invisible_signature: bool, **record_options) -> None:
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
    """
    from letter_pdf import pipeline

    stream = None
    if output is not None and str(output) == "-":  # the PDF to standard output, the summary to stderr
        stream = click.open_file("-", "wb")  # click's convention: "-" is standard output, here in binary
        if stream.isatty():
            raise click.UsageError("-o - writes the PDF to standard output, which is a terminal here; "
                                   "redirect it (-o - > letter.pdf) or name a file (-o letter.pdf)")
        output = None
    result = pipeline.build(letter, pipeline.BuildOptions(
        output=output, stream=stream, paper=paper, order=order, group_by=group_by,
        sign=sign_key, timestamp_url=timestamp_url, certify=certify, invisible_signature=invisible_signature,
        passphrase_prompt=_ask_passphrase if sys.stdin.isatty() else None,
        **record_options,
    ))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{result.output or 'standard output'}  ({counted(result.pages, 'page', 'pages')}, "
               f"{counted(result.signatories, 'signatory', 'signatories')})", err=stream is not None)
    if result.archived:
        number, digest, root = result.archived
        click.echo(f"recorded as number {number} in {root}; chain head: {digest}")


@cli.command()
@click.argument("letter", type=EXISTING_FILE)
@boundary
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
        _print_problem(problem)
    warned = counted(len(warnings), "warning", "warnings")
    if problems:
        click.echo(f"{letter}: {counted(len(problems), 'error', 'errors')}, {warned}", err=True)
        raise click.exceptions.Exit(ExitCode.ERROR)
    click.echo(f"{letter}: no errors, {warned}")


@cli.command()
@click.argument("pdf", type=EXISTING_FILE)
@click.option("-o", "--output", type=OUT_FILE, help="PNG file to write.  [default: beside PDF, -pageN.png]")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page to render (1 = first).")
@click.option("--dpi", type=click.IntRange(36, 600), default=100, show_default=True, help="Resolution.")
@boundary
def preview(pdf: Path, output: Path | None, page: int, dpi: int) -> None:
    """Render one page of PDF to a PNG picture (to look at it, or for a README).

    \b
    Example:
      letter-pdf preview letter.pdf --page 1 -o page1.png
    """
    from letter_pdf.preview import write_preview

    from letter_pdf.output import refuse_input

    target = output or pdf.with_name(f"{pdf.stem}-page{page}.png")
    refuse_input(target, [("the PDF", str(pdf))])
    click.echo(str(write_preview(pdf, target, page=page, dpi=dpi)))


def _ask_passphrase(prompt: str) -> str:
    """Ask for the key's passphrase on the terminal, without echo (never from the command line)."""
    return click.prompt(prompt, hide_input=True, default="", show_default=False, err=True)


@cli.command("verify")
@click.argument("pdf", type=EXISTING_FILE)
@click.option("--trust", type=EXISTING_FILE, multiple=True, metavar="CA.pem",
              help="A CA certificate (PEM or DER) to trust; repeat for several.")
@boundary
def verify_command(pdf: Path, trust: tuple[Path, ...]) -> None:
    """Verify the signature of a signed PDF.

    Prints the signer, the signing time (and whether it is timestamped), whether the signature is intact,
    valid and trusted, whether it covers the entire file, and the modification level. Exit status 0 only when the signature is intact, valid, covers the entire file (nothing was added
    after signing) and, with --trust, chains to one of the given certificates.

    \b
    Examples:
      letter-pdf verify letter.pdf
      letter-pdf verify letter.pdf --trust our-ca.pem
    """
    from letter_pdf import verify

    report = verify.verify_pdf(pdf, trust=tuple(trust))
    for line in verify.describe(report):
        click.echo(line)
    if not report.ok:
        for reason in report.reasons:
            click.echo(f"error: {pdf}: {reason}", err=True)
        raise click.exceptions.Exit(ExitCode.ERROR)
    click.echo(f"{pdf}: signature OK")


# ------------------------------------------------------------------------------------------- archive

ARCHIVE_DIR_OPTION = click.option(
    "--archive-dir", type=click.Path(file_okay=False, path_type=Path),
    help="The archive folder.  [default: $LETTER_PDF_ARCHIVE, else ./archive]",
)
CHANNEL_CHOICE = click.Choice(CHANNELS)


def _open_archive(archive_dir: Path | None):
    from letter_pdf import archive as archive_module

    return archive_module.Archive(archive_module.locate(archive_dir))


def _echo_recorded(record: dict, digest: str, root: Path) -> None:
    from letter_pdf.archive import plain

    letter = record["letter"]
    title = letter.get("title") or record["pdf"]["file_name"]
    click.echo(plain(f"recorded as number {record['number']} in {root}: {title}, version {letter['version']}, "
                     f"to {record['recipient']} by {record['channel']}"))
    for note in record.get("notes") or []:
        click.echo(f"note: {note}", err=True)
    click.echo(f"chain head: {digest}")


@cli.group()
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
@boundary
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
@boundary
def archive_list(archive_dir) -> None:
    """List the sent versions, oldest first.

    \b
    Example:
      letter-pdf archive list --archive-dir ~/letters/archive
    """
    rows = _open_archive(archive_dir).list()
    if not rows:
        click.echo("the archive is empty", err=True)
        return
    table = [("No", "Sent at", "Recipient", "Via", "Title", "Ver", "Pages", "Signatories", "PDF SHA-256")]
    for r in rows:
        table.append((
            _cut(r["number"]), _cut(r["sent_at"] or f"({r['recorded_at']})"), _cut(r["recipient"], 28),
            _cut(r["channel"]), _cut(r["title"] or "?", 36), _cut(r["version"]),
            "?" if r["pages"] is None else _cut(r["pages"]),
            "?" if r["signatories"] is None else _cut(r["signatories"]),
            _cut(str(r["pdf_sha256"])[:12]),
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@archive.command("show")
@click.argument("number", type=click.IntRange(min=1))
@ARCHIVE_DIR_OPTION
@boundary
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
@boundary
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
@boundary
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
    for field, before, after in diff.fields:
        click.echo(plain(f"~ {field}: {before!r} -> {after!r}"))

    def who(s: dict) -> str:
        details = [", ".join(s.get("countries") or []), s.get("kind"), s.get("role"), s.get("group")]
        return plain(f"{s['name']} ({'; '.join(d for d in details if d)})")

    if diff.added or diff.removed or diff.changed:
        click.echo(f"Signatories: {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed")
    for s in diff.added:
        click.echo(f"+ {who(s)}")
    for s in diff.removed:
        click.echo(f"- {who(s)}")
    for before, after in diff.changed:
        click.echo(f"~ {who(before)} -> {who(after)}")
    if diff.text:
        click.echo("Letter text:")
        for line in diff.text:
            click.echo(visible(line, sys.maxsize))  # the letter's lines, tabs kept; nothing reordered


@archive.command("verify")
@click.option("--head", "head", metavar="HASH", help="Also check that the archive still leads to this chain hash.")
@ARCHIVE_DIR_OPTION
@boundary
def archive_verify(head, archive_dir) -> None:
    """Re-hash every stored file and the chain of records; exit 1 on any damage.

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
        click.echo(f"{store.root}: does NOT verify: {counted(len(report.errors), 'problem', 'problems')} in "
                   f"{counted(report.records, 'record', 'records')}")
        raise click.exceptions.Exit(ExitCode.ERROR)
    click.echo(f"{store.root}: verifies: {counted(report.records, 'record', 'records')}, chain head {report.head or '(empty)'}")


@archive.command("head")
@ARCHIVE_DIR_OPTION
@boundary
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
@boundary
def archive_reindex(archive_dir) -> None:
    """Rebuild the archive's index from its record files (they are the truth; nothing else changes).

    \b
    Example:
      letter-pdf archive reindex
    """
    count = _open_archive(archive_dir).reindex()
    click.echo(f"index rebuilt: {counted(count, 'record', 'records')}")


# --- signatories -------------------------------------------------------------------------------------

LANG_OPTION = click.option("--lang", default="en", show_default=True, metavar="LANG",
                           help="Language of country names, headings and plurals (BCP 47, e.g. fr, pt-BR).")


def _write_csv(target: Path, text: str, *, source: Path, force: bool) -> None:
    """Write a signatory CSV; never over the input, and never over an existing file without --force."""
    from letter_pdf.errors import OutputError
    from letter_pdf.output import refuse_input, write_atomic

    refuse_input(target, [("the input", str(source))], hint="choose another file with -o")
    if not force and (target.exists() or target.is_symlink()):
        raise OutputError("the file exists and was left as it is", where=target,
                          hint="give another file with -o, or add --force to replace it")
    # with a BOM, so that Excel opens the UTF-8 file with the right characters
    write_atomic(target, ("\ufeff" + text).encode("utf-8"))


FORCE_OPTION = click.option("--force", is_flag=True, help="Replace the output file if it exists.")


@cli.group()
def signatories() -> None:
    """Import, check, count and compare signatory lists.

    \b
    Examples:
      letter-pdf signatories import pasted.txt -o signatories.csv
      letter-pdf signatories lint signatories.csv
      letter-pdf signatories stats signatories.csv --lang fr
      letter-pdf signatories diff old.csv new.csv
    """


@signatories.command("import")
@click.argument("source", metavar="INPUT", type=EXISTING_FILE)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV file to write, or - for standard output.  [default: signatories.csv beside INPUT]")
@FORCE_OPTION
@boundary
def signatories_import(source: Path, output: Path | None, force: bool) -> None:
    """Turn a pasted list (bullets, numbers, several per line, countries in parentheses) or a table
    with other column names into a signatory CSV; print what it was unsure about.

    \b
    Examples:
      letter-pdf signatories import pasted.txt
      letter-pdf signatories import from-the-web.txt -o signatories.csv
      letter-pdf signatories import export.tsv -o -
    """
    from letter_pdf import importer, signatories as signatory_files

    result = importer.import_file(source)
    text = signatory_files.to_csv(result.signatories)
    target = output if output is not None else source.parent / "signatories.csv"
    if str(target) == "-":
        click.echo(text, nl=False)
    else:
        _write_csv(target, text, source=source, force=force)
    sigs = result.signatories
    individuals = sum(1 for s in sigs if s.kind == "individual")
    click.echo(f"{source}: {counted(len(sigs), 'row', 'rows')} "
               f"({counted(len(sigs) - individuals, 'organisation', 'organisations')}, "
               f"{counted(individuals, 'individual', 'individuals')})"
               f" read as a {result.mode}"
               + (f" (columns: {', '.join(f'{k} = {v!r}' for k, v in result.columns.items())})" if result.columns else ""),
               err=True)
    codes = result.country_codes
    click.echo(f"countries recognised for {result.with_country} of {counted(len(sigs), 'row', 'rows')}"
               + (f" ({counted(len(codes), 'country', 'countries')}: {', '.join(codes)})" if codes else "")
               + f"; {len(sigs) - result.with_country} without a country", err=True)
    info = [n for n in result.notes if not n.check]
    unsure = [n for n in result.notes if n.check]
    for note in info:
        click.echo(f"  {source}:{note.line}: {note.message}", err=True)
    if unsure:
        click.echo(f"{counted(len(unsure), 'entry', 'entries')} to check:", err=True)
        for note in unsure:
            click.echo(f"  {source}:{note.line}: {note.message}", err=True)
    if str(target) != "-":
        click.echo(f"wrote {target}", err=True)


@signatories.command("lint")
@click.argument("file", type=EXISTING_FILE)
@LANG_OPTION
@click.option("--fix", is_flag=True, help="Write the safe fixes (trim, normalise, split merged entries, ISO codes) to a new file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --fix writes.  [default: FILE's name + .fixed.csv]")
@FORCE_OPTION
@boundary
def signatories_lint(file: Path, lang: str, fix: bool, output: Path | None, force: bool) -> None:
    """Check FILE for duplicates, probable duplicates, merged entries, invisible characters and
    unknown countries; exit 1 when there is an error (warnings do not stop a build).

    \b
    Examples:
      letter-pdf signatories lint signatories.csv
      letter-pdf signatories lint signatories.csv --fix -o cleaned.csv
    """
    from letter_pdf import lint, pipeline

    with pipeline.collect_warnings() as logged:  # e.g. "not UTF-8; read as cp1251": printed once, counted
        report = lint.lint_file(file, lang=lang)
        for finding in report.findings:
            click.echo(str(finding))
        click.echo(f"{file}: {counted(len(report.signatories), 'signatory', 'signatories')}, "
                   f"{counted(report.errors, 'error', 'errors')}, "
                   f"{counted(report.warnings + len(logged), 'warning', 'warnings')}", err=True)
        if fix:
            text, changes = lint.fix_file(file)
    if fix:
        target = output or file.with_name(file.stem + ".fixed.csv")
        if changes:
            _write_csv(target, text, source=file, force=force)
            for change in changes:
                click.echo(f"fixed {change}", err=True)
            click.echo(f"wrote {counted(len(changes), 'fix', 'fixes')} to {target} ({file} is unchanged)", err=True)
        else:
            click.echo("nothing to fix safely; no file written", err=True)
    if report.errors:
        raise click.exceptions.Exit(ExitCode.ERROR)


@signatories.command("stats")
@click.argument("file", type=EXISTING_FILE)
@LANG_OPTION
@boundary
def signatories_stats(file: Path, lang: str) -> None:
    """Count the signatories of FILE: organisations, individuals, countries, as the letter prints them.

    \b
    Examples:
      letter-pdf signatories stats signatories.csv
      letter-pdf signatories stats signatories.csv --lang ru
    """
    from collections import Counter

    from letter_pdf import countries, counts
    from letter_pdf.signatories import load_signatories

    sigs = load_signatories(file)
    numbers = counts.Counts.of(sigs)
    click.echo(counts.summary(numbers, lang))
    click.echo(counts.on_behalf(numbers, lang))
    per_country = Counter(code for s in sigs for code in s.countries)
    for code, n in sorted(per_country.items(), key=lambda item: (-item[1], countries.display_name(item[0], lang))):
        click.echo(f"  {n:5d}  {countries.display_name(code, lang)} ({code})")
    without = sum(1 for s in sigs if not s.countries)
    if without:
        click.echo(f"  {without:5d}  (no country given)")


@signatories.command("diff")
@click.argument("old", type=EXISTING_FILE)
@click.argument("new", type=EXISTING_FILE)
@boundary
def signatories_diff(old: Path, new: Path) -> None:
    """List the signatories added, removed and changed from OLD to NEW (a rename is one change).

    \b
    Example:
      letter-pdf signatories diff signatories-monday.csv signatories.csv
    """
    from letter_pdf import compare
    from letter_pdf.signatories import load_signatories

    diff = compare.compare(load_signatories(old), load_signatories(new))
    for line in compare.lines(diff):
        click.echo(line)
    click.echo(f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed, "
               f"{diff.unchanged} unchanged", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``letter-pdf`` and ``python -m letter_pdf``; ``argv`` lets tests drive it in-process."""
    cli.main(args=argv, prog_name="letter-pdf")
