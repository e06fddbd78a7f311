"""``send``: e-mail each copy of a batch folder over SMTP, once, and record it in the archive."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import click

from letter_pdf.cli.runtime import EXIT_INTERRUPTED, CliContext
from letter_pdf.errors import ExitCode, SendError


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """A number of messages a minute: FloatRange lets "nan" through (no comparison with it is true)."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number between 0.1 and 6000", ctx, param)
    return value


@click.command("send")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--smtp", "smtp", metavar="HOST:PORT", help="The mail server (required unless --dry-run).")
@click.option("--starttls", "security", flag_value="starttls", help="Encrypt with STARTTLS (usually port 587).")
@click.option("--ssl", "security", flag_value="ssl", help="Connect over TLS (usually port 465).")
@click.option("--cafile", type=click.Path(dir_okay=False, path_type=Path), metavar="PEM",
              help="Trust the server's certificate if it chains to one in this PEM file.")
@click.option("--user", help="Log in as USER (password from $LETTER_PDF_SMTP_PASSWORD or asked).")
@click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The archive folder.  [default: $LETTER_PDF_ARCHIVE, else archive/ beside FOLDER]")
@click.option("--dry-run", is_flag=True, help="Check the folder and list what would be sent; send nothing.")
@click.option("--per-minute", type=click.FloatRange(min=0.1, max=6000), metavar="N", callback=_finite,
              help="Send at most N messages a minute.")
@click.option("--retry-uncertain", is_flag=True,
              help="Send again the messages whose outcome is unknown (the connection was lost after sending).")
def send(folder, smtp, security, cafile, user, archive_dir, dry_run, per_minute, retry_uncertain) -> None:
    """E-mail each copy of FOLDER (written by 'build --recipients ... --eml') once, and record it.

    Every message is checked before anything is sent. FOLDER/send-log.jsonl records what happened to
    each; run the same command again after an interruption: it sends only what is left, never a message
    twice. Exit 0 only when every message was accepted; 6 when not (the summary says which and why);
    130 after Ctrl-C (the summary is printed first).

    The archive is --archive-dir, else $LETTER_PDF_ARCHIVE, else archive/ beside FOLDER.

    \b
    Examples:
      letter-pdf send letters/ --dry-run
      letter-pdf send letters/ --smtp smtp.example.org:587 --starttls --user campaigns@example.org
      letter-pdf send letters/ --smtp smtp.example.org:465 --ssl --user campaigns@example.org --per-minute 20
    """
    from letter_pdf import archive as archive_module
    from letter_pdf import send as sending
    from letter_pdf import smtp as mailserver

    if (context := click.get_current_context().find_object(CliContext)) is not None:  # Ctrl-C outside a message
        context.interrupted = (f"interrupted; {folder / sending.JOURNAL_NAME} says what was sent (if anything): run "
                               "the same command again to send the rest, never a message twice")
    server = None
    if not dry_run:
        if not smtp:
            raise click.UsageError("give the mail server with --smtp HOST:PORT (or use --dry-run)")
        host, port = mailserver.parse_server(smtp)
        server = mailserver.Server(host, port, security or "plain", cafile, user)
        mailserver.check_login(server)  # before a password is asked for
    elif smtp:
        mailserver.parse_server(smtp)
    archive = archive_module.Archive(archive_module.locate(archive_dir, beside=folder))
    if server is not None and user:
        sending.plan(folder)  # a folder that cannot be sent is refused before the password is asked
        server = mailserver.Server(host, port, server.security, cafile, user, _password())
    run = sending.Run(folder, archive, server, per_minute, retry_uncertain,
                      progress=(lambda line: click.echo(line, err=True)) if sys.stderr.isatty() else None)
    summary = run.execute()
    for line in sending.summary_lines(summary, dry_run=dry_run):
        click.echo(line)
    if summary.interrupted:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if not dry_run and not summary.ok:
        raise click.exceptions.Exit(ExitCode.NOT_ALL_SENT)


def _password() -> str:
    from letter_pdf.smtp import PASSWORD_ENV

    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    if not sys.stdin.isatty():
        raise SendError("no password", where="--user",
                        hint=f"set {PASSWORD_ENV}, or run it in a terminal to be asked for it")
    return click.prompt("SMTP password", hide_input=True, err=True)
