"""Typed errors of letter-pdf: what went wrong, where, and how to fix it.

The library raises these and never calls ``sys.exit``; the CLI has one boundary that turns them into a
one-line message and an exit code (``letter_pdf/cli/runtime.py``). Each class carries its exit code;
several kinds of failure share one code:

====  =========================================================================================
code  error classes
====  =========================================================================================
0     (success)
1     InputError, SignatoryError, FontCoverageError, ResourceError, TypesettingError, LayoutError,
      AssemblyError, SigningError, ArchiveError, OutputError, SendError; a failed ``check`` or
      ``signatories lint``
2     (click: a bad command line)
3     anything else: a bug
4     VerificationError; ``verify`` or ``archive verify`` finding a signature or archive that does
      not verify
5     UnsafePdfError: an external PDF (cover, enclosure) refused by the sandbox
6     ``send``: not every message was accepted (failed, left for the next run, or uncertain)
====  =========================================================================================

``Problems`` (several at once, as ``check`` reports them) takes the highest code among its problems.
"""

from __future__ import annotations

import re
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes, as documented in the README."""

    OK = 0
    ERROR = 1  # bad input, refused resource, failed check: the user can fix the input
    USAGE = 2  # bad command line (click's own code)
    INTERNAL = 3  # a bug in letter-pdf or a library: please report it
    NOT_VERIFIED = 4  # a signature or an archive that does not verify (damaged, changed, unsigned)
    UNSAFE = 5  # an external PDF refused as unsafe or damaged (a safety limit, unreadable, encrypted)
    NOT_ALL_SENT = 6  # send: not every message was accepted (refused, left for the next run, or uncertain)


_LINE_BREAKS = re.compile(r"\s*[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]\s*")


class LetterPdfError(Exception):
    """Base of every error letter-pdf raises on purpose.

    ``where`` says where the problem is (a file, ``file:line``, a field or a signatory); ``hint`` says how
    to fix it. ``str(error)`` is the one-line message the CLI prints.
    """

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, where: str | Path | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = str(where) if where is not None else None
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text} — {self.hint}"
        # one line, whatever the parts contain; other spaces are kept, so a quoted name reads as written
        return _LINE_BREAKS.sub(" ", text).strip()

    @staticmethod
    def location(path: str | Path, line: int | None = None, field: str | None = None) -> str:
        """Format ``file[:line][, field 'x']`` for ``where``."""
        text = str(path)
        if line is not None:
            text += f":{line}"
        if field:
            text += f", field '{field}'"
        return text


class InputError(LetterPdfError):
    """The letter file (front matter, body) cannot be read or is not valid."""


class SignatoryError(LetterPdfError):
    """The signatory list cannot be read, or a row in it is not valid."""


class FontCoverageError(LetterPdfError):
    """A character in the letter has no glyph in the fonts in use."""


class ResourceError(LetterPdfError):
    """A resource (image, stylesheet, font, PDF to merge) is refused, missing or unreadable."""


class TypesettingError(LetterPdfError):
    """WeasyPrint could not typeset the letter."""


class LayoutError(LetterPdfError):
    """The typeset pages do not hold: the recipient outside the envelope's window, a two-page cover,
    text over text or in the margin (``pagecheck.py``)."""


class AssemblyError(LetterPdfError):
    """Covers or enclosures cannot be merged: missing, not a PDF, truncated; the package cannot be made."""


class UnsafePdfError(AssemblyError):
    """An external PDF (cover, enclosure) refused by the sandbox: over a safety limit (size, pages, objects,
    decompression, time, memory), damaged beyond repair, or holding what cannot be made safe."""

    exit_code = ExitCode.UNSAFE


class SigningError(LetterPdfError):
    """The letter cannot be signed (key, passphrase, certificate, timestamp server)."""


class VerificationError(LetterPdfError):
    """A signature or an archive does not verify."""

    exit_code = ExitCode.NOT_VERIFIED


class ArchiveError(LetterPdfError):
    """The archive cannot be read or written, or a record is not valid."""


class OutputError(LetterPdfError):
    """The output file cannot be written."""


class SendError(LetterPdfError):
    """The mail server cannot be used: not reached, TLS or login refused (``letter-pdf send``)."""


class Problems(LetterPdfError):
    """Several problems found at once (``letter-pdf check`` reports all of them)."""

    def __init__(self, problems: list[LetterPdfError]):
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(
            f"{len(self.problems)} problem(s) found; the first: {first}" if first else "no problems",
        )

    @property
    def exit_code(self) -> ExitCode:  # type: ignore[override]
        """The highest code among the problems: an unsafe file (5) outranks a signature that does not
        verify (4), which outranks bad input (1)."""
        return exit_code_of(self.problems)


def exit_code_of(problems: list[LetterPdfError]) -> ExitCode:
    """The exit code for all of ``problems`` reported at once (``ERROR`` when there are none)."""
    return max((ExitCode(p.exit_code) for p in problems), default=ExitCode.ERROR)
