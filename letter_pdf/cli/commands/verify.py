"""``verify``: check the signature of a signed PDF and print what it says."""

from __future__ import annotations

from pathlib import Path

import click

from letter_pdf.cli.runtime import EXISTING_FILE
from letter_pdf.errors import ExitCode


@click.command("verify")
@click.argument("pdf", type=EXISTING_FILE)
@click.option("--trust", type=EXISTING_FILE, multiple=True, metavar="CA.pem",
              help="A CA certificate (PEM or DER) to trust; repeat for several.")
def verify_command(pdf: Path, trust: tuple[Path, ...]) -> None:
    """Verify the signature of a signed PDF.

    Prints the signer, the signing time (and whether it is timestamped), whether the signature is intact,
    valid and trusted, whether it covers the entire file, and the modification level. Exit status 0 only
    when the signature is intact, valid, covers the entire file (nothing was added after signing) and, with
    --trust, chains to one of the given certificates; 4 when it does not verify.

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
        raise click.exceptions.Exit(ExitCode.NOT_VERIFIED)
    click.echo(f"{pdf}: signature OK")
