"""The ``letter-pdf`` command: a thin click layer over the library.

This package is the only part of letter-pdf that imports click. Every command is registered here, on the
root group of ``runtime``, whose ``invoke`` is the one error boundary; each topic's commands, and the
formatting of what they print, live in ``commands/``. Diagnostics go to stderr; results to stdout.
"""

from __future__ import annotations

from letter_pdf.cli.commands.archive import archive
from letter_pdf.cli.commands.build import build, check, preview
from letter_pdf.cli.commands.send import send
from letter_pdf.cli.commands.signatories import signatories
from letter_pdf.cli.commands.verify import verify_command
from letter_pdf.cli.runtime import cli

for _command in (build, check, preview, verify_command, signatories, archive, send):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``letter-pdf`` and ``python -m letter_pdf``; ``argv`` lets tests drive it in-process."""
    cli.main(args=argv, prog_name="letter-pdf")
