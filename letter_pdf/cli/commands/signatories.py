"""``signatories``: import, lint, count and compare signatory lists."""

from __future__ import annotations

from pathlib import Path

import click

from letter_pdf.cli.runtime import EXISTING_FILE, OUT_FILE, counted
from letter_pdf.errors import ExitCode

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


@click.group()
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
@click.option("-o", "--output", type=OUT_FILE,
              help="CSV file to write, or - for standard output.  [default: signatories.csv beside INPUT]")
@FORCE_OPTION
def signatories_import(source: Path, output: Path | None, force: bool) -> None:
    """Turn a pasted list (bullets, numbers, several per line, countries in parentheses) or a table
    with other column names into a signatory CSV; print what it was unsure about.

    \b
    Examples:
      letter-pdf signatories import pasted.txt
      letter-pdf signatories import from-the-web.txt -o signatories.csv
      letter-pdf signatories import export.tsv -o -
    """
    from letter_pdf import importer
    from letter_pdf import signatories as signatory_files
    from letter_pdf.counts import Counts

    result = importer.import_file(source)
    text = signatory_files.to_csv(result.signatories)
    target = output if output is not None else source.parent / "signatories.csv"
    if str(target) == "-":
        click.echo(text, nl=False)
    else:
        _write_csv(target, text, source=source, force=force)
    numbers = Counts.of(result.signatories)
    click.echo(f"{source}: {counted(numbers.total, 'row', 'rows')} "
               f"({counted(numbers.organisations, 'organisation', 'organisations')}, "
               f"{counted(numbers.individuals, 'individual', 'individuals')})"
               f" read as a {result.mode}"
               + (f" (columns: {', '.join(f'{k} = {v!r}' for k, v in result.columns.items())})" if result.columns else ""),
               err=True)
    codes = result.country_codes
    click.echo(f"countries recognised for {numbers.total - numbers.without_country} of "
               f"{counted(numbers.total, 'row', 'rows')}"
               + (f" ({counted(len(codes), 'country', 'countries')}: {', '.join(codes)})" if codes else "")
               + f"; {numbers.without_country} without a country", err=True)
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
@click.option("-o", "--output", type=OUT_FILE,
              help="Where --fix writes.  [default: FILE's name + .fixed.csv]")
@FORCE_OPTION
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
def signatories_stats(file: Path, lang: str) -> None:
    """Count the signatories of FILE: organisations, individuals, countries, as the letter prints them.

    \b
    Examples:
      letter-pdf signatories stats signatories.csv
      letter-pdf signatories stats signatories.csv --lang ru
    """
    from letter_pdf import countries, counts
    from letter_pdf.signatories import load_signatories

    numbers = counts.Counts.of(load_signatories(file))
    click.echo(counts.summary(numbers, lang))
    click.echo(counts.on_behalf(numbers, lang))
    for code, n in sorted(numbers.by_country, key=lambda item: (-item[1], countries.display_name(item[0], lang))):
        click.echo(f"  {n:5d}  {countries.display_name(code, lang)} ({code})")
    if numbers.without_country:
        click.echo(f"  {numbers.without_country:5d}  (no country given)")


@signatories.command("diff")
@click.argument("old", type=EXISTING_FILE)
@click.argument("new", type=EXISTING_FILE)
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
