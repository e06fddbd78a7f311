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

from letter_pdf import __version__
from letter_pdf.errors import ExitCode, LetterPdfError, Problems

log = logging.getLogger("letter_pdf")

EXISTING_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
OUT_FILE = click.Path(dir_okay=False, writable=False, path_type=Path)


def _print_problem(problem: LetterPdfError) -> None:
    click.echo(f"error: {problem}", err=True)


def boundary(func):
    """Turn library errors into a one-line message and an exit code; a traceback only with --verbose."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        verbose = (ctx.find_root().obj or {}).get("verbose", False)
        try:
            return func(*args, **kwargs)
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
        except (click.exceptions.Exit, click.ClickException, click.Abort):
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


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    for name in ("letter_pdf",):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
        logger.propagate = False


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


@cli.command()
@click.argument("letter", type=EXISTING_FILE)
@click.option("-o", "--output", type=OUT_FILE, help="Where to write the PDF.  [default: beside LETTER, same name]")
@click.option("--paper", type=click.Choice(["a4", "letter"]), help="Paper size.  [default: the letter's, else a4]")
@boundary
def build(letter: Path, output: Path | None, paper: str | None) -> None:
    """Build LETTER (Markdown with front matter) into a PDF.

    \b
    Examples:
      letter-pdf build letter.md
      letter-pdf build letter.md -o out/letter.pdf --paper letter
    """
    from letter_pdf import pipeline

    result = pipeline.build(letter, pipeline.BuildOptions(output=output, paper=paper))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{result.output}  ({result.pages} page(s), {result.signatories} signatories)")


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

    problems = pipeline.check(letter)
    for problem in problems:
        _print_problem(problem)
    if problems:
        raise click.exceptions.Exit(ExitCode.ERROR)
    click.echo(f"{letter}: no problems found")


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

    target = output or pdf.with_name(f"{pdf.stem}-page{page}.png")
    click.echo(str(write_preview(pdf, target, page=page, dpi=dpi)))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``letter-pdf`` and ``python -m letter_pdf``; ``argv`` lets tests drive it in-process."""
    cli.main(args=argv, prog_name="letter-pdf")
