"""The root ``letter-pdf`` group, its typed context and the one error boundary every command runs in.

The boundary is the root group's ``invoke``: click runs every subcommand (and every subgroup's commands)
inside it, so a library error, a closed pipe or a bug is reported the same way whichever command raised it.
Diagnostics go to stderr; results to stdout.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

import click

from letter_pdf._version import __version__
from letter_pdf.errors import ExitCode, LetterPdfError, OutputError, Problems
from letter_pdf.output import refuse_folder_name


class _OutputPath(click.Path):
    """An output file; a name ending with a slash (``-o newname/``) names a folder and is refused (a
    ``Path`` would drop the slash)."""

    def convert(self, value, param, ctx):
        converted = super().convert(value, param, ctx)
        if isinstance(value, str):
            refuse_folder_name(value)
        return converted


EXISTING_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
OUT_FILE = _OutputPath(dir_okay=False, writable=False, path_type=Path)

# The reader of our standard output went away (``letter-pdf signatories stats FILE | head -1``): stop
# quietly, with the status a shell shows for any tool stopped by a closed pipe (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141
# Ctrl-C: the status a shell shows for a tool stopped by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


@dataclass
class CliContext:
    """What the root group hands to every command (``ctx.obj``)."""

    verbose: bool = False
    # What Ctrl-C leaves behind, said when it stops a command; a command that writes as it goes says what it did
    interrupted: str = "interrupted; nothing was written"


def print_problem(problem: LetterPdfError) -> None:
    click.echo(f"error: {problem}", err=True)


def counted(n: int, one: str, other: str) -> str:
    """``n`` and its noun with the CLDR plural rules (English): ``1 row``, ``2 rows``, ``0 rows``."""
    from letter_pdf.counts import counted as plural

    return plural(n, {"one": f"{{n}} {one}", "other": f"{{n}} {other}"}, "en")


def _flush_stdout() -> None:
    stream = sys.stdout
    if stream is not None and not stream.closed:
        stream.flush()


def stdout_failure(error: OSError) -> OutputError | None:
    """``error`` as a one-line ``OutputError`` when it was raised writing to standard output (a full disk
    behind ``> file``, a quota, an I/O error): by ``click.echo`` to stdout, by ``StdoutWriter`` (a PDF to
    ``-o -``) or by the last flush; None for any other ``OSError`` (a bug: nothing else may leak one)."""
    if isinstance(error, BrokenPipeError):
        return None
    frame = error.__traceback__
    while frame is not None:
        code = frame.tb_frame.f_code
        if (code is _ECHO_CODE and frame.tb_frame.f_locals.get("err") is False) or code in _STDOUT_CODES:
            reason = error.strerror or type(error).__name__
            return OutputError(f"cannot write to standard output ({reason})")
        frame = frame.tb_next
    return None


class StdoutWriter:
    """The binary standard output a command writes a file to (``build -o -``), as a file object; an error
    writing it is reported as one about standard output (``stdout_failure``)."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def write(self, data: bytes) -> int:
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


_ECHO_CODE = click.echo.__code__
_STDOUT_CODES = frozenset({_flush_stdout.__code__, StdoutWriter.write.__code__, StdoutWriter.flush.__code__})


def _quiet_stdout() -> None:
    """After a broken pipe: point standard output at /dev/null, so that nothing more (not even Python's
    final flush at exit) tries to write to the closed pipe."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # in-process (tests): a stream without a file descriptor
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class BoundaryGroup(click.Group):
    """The root group. Its ``invoke`` runs the chosen command and is the one error boundary: library
    errors become one line each and their exit code, a bug one ``internal error`` line (exit 3); a
    traceback only with --verbose."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        """Parse the root's options; ``--help`` and ``--version`` print here, before ``invoke``."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except OSError as error:
            if (failure := stdout_failure(error)) is None:
                raise
            _stdout_failed(failure)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            _flush_stdout()  # a closed pipe shows here, inside the boundary, not at interpreter exit
            return result
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(EXIT_BROKEN_PIPE) from None
        except Problems as many:
            _traceback(ctx)
            for problem in many.problems:
                print_problem(problem)
            raise click.exceptions.Exit(many.exit_code) from None
        except LetterPdfError as error:
            _traceback(ctx)
            print_problem(error)
            raise click.exceptions.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            click.echo(ctx.obj.interrupted if isinstance(ctx.obj, CliContext) else CliContext.interrupted, err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except click.exceptions.Exit:
            try:
                _flush_stdout()
            except BrokenPipeError:
                _quiet_stdout()
                raise click.exceptions.Exit(EXIT_BROKEN_PIPE) from None
            except OSError as error:
                if (failure := stdout_failure(error)) is None:
                    raise
                _stdout_failed(failure)
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as error:  # a bug: say so plainly, with the traceback on request
            _traceback(ctx)
            if isinstance(error, OSError) and (failure := stdout_failure(error)) is not None:
                _stdout_failed(failure)
            click.echo(
                f"internal error: {type(error).__name__}: {error} "
                "(please report it with the output of the same command run with --verbose)",
                err=True,
            )
            raise click.exceptions.Exit(ExitCode.INTERNAL) from None


def _stdout_failed(failure: OutputError) -> NoReturn:
    """Standard output cannot be written: one line on stderr, exit 1."""
    print_problem(failure)
    raise click.exceptions.Exit(failure.exit_code) from None


def _traceback(ctx: click.Context) -> None:
    if isinstance(ctx.obj, CliContext) and ctx.obj.verbose:
        traceback.print_exc()


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


@click.group(cls=BoundaryGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    ctx.obj = CliContext(verbose=verbose)
    _setup_logging(verbose)
