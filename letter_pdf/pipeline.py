"""The order of the stages, written once: load -> validate -> render -> typeset -> assemble -> sign -> write.

Every other module does one stage and knows nothing of the others' order; ``letter_pdf.cli`` and the Python API
call ``build`` and ``check`` here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from letter_pdf import (
    arrange,
    assemble,
    fonts,
    labels,
    lint,
    output,
    pagecheck,
    personalise,
    render,
    stylesheets,
    typeset,
)
from letter_pdf import letter as letter_module
from letter_pdf.errors import InputError, LetterPdfError, Problems
from letter_pdf.model import GROUPINGS, ORDERS, PAPERS, Letter


@dataclass(frozen=True)
class BuildOptions:
    """Options of one build; ``None`` means "as the letter's front matter says"."""

    output: Path | None = None
    stream: BinaryIO | None = None  # write the PDF to this binary stream instead of a file (the CLI's -o -)
    paper: str | None = None
    order: str | None = None  # signatory list: as-given | alphabetical
    group_by: str | None = None  # signatory list: none | kind | country | group
    # signing: always the last step before the write
    sign: Path | None = None  # PKCS#12 key file (.p12/.pfx) with its certificate
    timestamp_url: str | None = None  # RFC 3161 server: PAdES B-T instead of B-B
    certify: bool = False  # certification signature: no changes allowed after signing
    invisible_signature: bool = False
    passphrase_prompt: Callable[[str], str] | None = None  # asks for the key's passphrase (the CLI: no echo)
    # the delivery package: cover page, cover PDFs, enclosures
    cover: bool | None = None  # False: no generated cover page (--no-cover); None: as the front matter says
    cover_pdfs: tuple[Path, ...] = ()  # --cover-pdf, placed after the front matter's cover_pdfs
    annexes: tuple[Path, ...] = ()  # --annex, appended after the front matter's enclosures
    # the manifest and the archive of sent versions
    embed_sources: bool = False  # also embed the letter file and its signatory list (PDF/A-3, /Source)
    archive: bool = False  # record the written PDF in the archive (needs ``to`` and ``via``)
    archive_dir: Path | None = None  # default: $LETTER_PDF_ARCHIVE, else archive/ beside the letter
    to: str | None = None  # recipient, as recorded
    via: str | None = None  # channel: email, post, courier, hand, fax, portal
    ref: str | None = None
    note: str | None = None
    sent_at: str | None = None  # ISO date or time


@dataclass(frozen=True)
class BuildResult:
    output: Path | None  # None: written to BuildOptions.stream
    pages: int
    signatories: int
    notes: tuple[str, ...] = field(default=())  # summary lines: what was removed, converted or dropped
    archived: tuple[int, str, Path] | None = None  # with --archive: (record number, chain hash, archive folder)
    warnings: tuple[str, ...] = field(default=())  # each warning logged during the build, once, in order


@dataclass(frozen=True)
class Prepared:
    """A letter made ready once and handed on to every stage: the letter with the command line's choices
    applied, its fonts, the signatory list as printed with its counts (the letter, the cover and the manifest
    show these), the preflight's findings, and the external PDFs read and inspected before any typesetting."""

    letter: Letter
    font_set: fonts.FontSet
    printed: arrange.Printed
    findings: tuple[LetterPdfError, ...] = ()
    externals: Mapping[Path, Any] | None = None  # assemble.check_externals: path -> inspection; None: not read
    copy: Mapping[str, Any] | None = None  # a copy for a recipients list: the manifest's ``copy`` section


class _Warnings(logging.Filter):
    """Collects the warnings logged to ``letter_pdf`` and lets each distinct one through once (a file read
    twice in one command, e.g. by the loader and by the list checks, warns once)."""

    def __init__(self, rewrite: Callable[[str], str] | None = None, quiet: bool = False) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.rewrite = rewrite
        self.quiet = quiet  # collect only, emit none
        self.thread = threading.get_ident()  # builds in other threads keep their own warnings

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or record.thread != self.thread:
            return True
        message = record.getMessage()
        if self.rewrite is not None:
            message = self.rewrite(message)
            record.msg, record.args = message, None
        if message in self.messages:
            return False
        self.messages.append(message)
        return not self.quiet


@contextlib.contextmanager
def collect_warnings(rewrite: Callable[[str], str] | None = None, *, quiet: bool = False) -> Iterator[list[str]]:
    """Within the block, each distinct warning logged to ``letter_pdf`` is emitted once and appended to
    the list yielded (an enclosing collector sees them too); ``rewrite`` changes each message first; with
    ``quiet``, none is emitted (a copy's build: its caller reports them)."""
    logger = logging.getLogger("letter_pdf")
    collector = _Warnings(rewrite, quiet)
    if quiet:  # first: an enclosing collector must not take for said what this one keeps quiet
        logger.filters.insert(0, collector)
    else:
        logger.addFilter(collector)
    try:
        yield collector.messages
    finally:
        logger.removeFilter(collector)


def as_typed(letter_path: Path) -> Callable[[str], str]:
    """A function that writes the letter's folder as the user typed it (``letters/sig.csv``) where a text
    names it as an absolute path (``/home/me/letters/sig.csv``): messages name files as the user gave them."""
    typed = Path(letter_path).parent
    prefix = "" if str(typed) == "." else str(typed) + os.sep
    absolute = {str(Path(letter_path).absolute().parent), str(Path(letter_path).resolve().parent)}
    if str(typed) in absolute:  # the user typed an absolute path
        return lambda text: text
    folders = sorted(absolute, key=len, reverse=True)
    whole = re.compile("|".join(re.escape(f) for f in folders) + r"(?=$|[\s'\")\],;])")

    def rewrite(text: str) -> str:
        for folder in folders:
            text = text.replace(folder + os.sep, prefix)
        return whole.sub(lambda _: str(typed), text)

    return rewrite


def _typed_problem(error: LetterPdfError, rewrite: Callable[[str], str]) -> LetterPdfError:
    """``error`` (each of several) with absolute paths in the letter's folder written as the user typed them."""
    for problem in (error.problems if isinstance(error, Problems) else [error]):
        problem.message = rewrite(problem.message)
        problem.args = (problem.message, *problem.args[1:])
        problem.where = rewrite(problem.where) if problem.where else problem.where
        problem.hint = rewrite(problem.hint) if problem.hint else problem.hint
    if isinstance(error, Problems):
        first = error.problems[0] if error.problems else None
        error.message = f"{len(error.problems)} problem(s) found; the first: {first}" if first else "no problems"
    return error


def creation_time(letter: Letter) -> dt.datetime:
    """The PDF's creation date: ``SOURCE_DATE_EPOCH`` when set, else the letter's date at 00:00 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError) as exc:
            raise InputError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time", hint="set it to whole seconds since 1970"
            ) from exc
    return dt.datetime.combine(letter.date, dt.time(0, 0), tzinfo=dt.UTC)


def _validate_options(options: BuildOptions) -> None:
    if options.paper is not None and options.paper not in PAPERS:
        raise InputError(f"unknown paper size '{options.paper}'", hint=f"use one of: {', '.join(PAPERS)}")
    if options.order is not None and options.order not in ORDERS:
        raise InputError(f"unknown order '{options.order}'", hint=f"use one of: {', '.join(ORDERS)}")
    if options.group_by is not None and options.group_by not in GROUPINGS:
        raise InputError(f"unknown grouping '{options.group_by}'", hint=f"use one of: {', '.join(GROUPINGS)}")


def _prepare_signing(options: BuildOptions):
    """Check the signing options and open the key before any work, so a wrong passphrase fails fast."""
    if options.sign is None:
        for name in ("timestamp_url", "certify", "invisible_signature"):
            if getattr(options, name):
                flag = "--" + name.replace("_", "-")
                raise InputError(f"{flag} needs a key to sign with", hint="add --sign KEY.p12")
        return None
    from letter_pdf import sign

    key_path = Path(options.sign)
    sign_options = sign.SignOptions(
        key=key_path,
        passphrase=sign.resolve_passphrase(key_path, options.passphrase_prompt),
        timestamp_url=options.timestamp_url,
        certify=options.certify,
        visible=not options.invisible_signature,
    )
    sign.check_options(sign_options)
    return sign_options, sign.load_key(sign_options)


def _sign_last(pdf: bytes, signing, *, letter: Letter, field_box) -> tuple[bytes, tuple[str, ...]]:
    """Sign the final package (the last stage); return the signed bytes and the summary notes."""
    if signing is None:
        return pdf, ()
    from dataclasses import replace

    from letter_pdf import sign

    sign_options, key = signing
    sign_options = replace(sign_options, location=letter.place or None,
                           stamp_text=labels.template("digitally_signed", letter.lang),
                           alt_text=labels.template("signature_alt", letter.lang))
    signed = sign.sign(pdf, sign_options, field_box=field_box, key=key)
    return signed.pdf, signed.notes


def _signature_box(typeset_result, page_offset: int = 0):
    """The signature block's rectangle in the final PDF: (page, x0, y0, x1, y1), or None when unknown."""
    box = (getattr(typeset_result, "anchors", None) or {}).get("signature-block")
    if box is None:
        return None
    page, *rect = box
    return (page + page_offset, *rect)


def _prepare_archive(options: BuildOptions, letter_path: Path):
    """With ``archive``, check the sending details and the archive before any work; else refuse stray options."""
    from letter_pdf.errors import ArchiveError

    if not options.archive:
        for name in ("to", "via", "ref", "note", "sent_at", "archive_dir"):
            if getattr(options, name):
                raise ArchiveError(f"--{name.replace('_', '-')} is for recording the letter", hint="add --archive")
        return None
    from letter_pdf import archive

    if not options.to or not options.via:
        raise ArchiveError("--archive needs --to and --via", hint='e.g. --to "The Minister" --via email')
    store = archive.Archive(archive.locate(options.archive_dir, beside=letter_path))
    store.preflight(recipient=options.to, channel=options.via, sent_at=options.sent_at, ref=options.ref,
                    note=options.note)
    return store


def _record(store, target: Path, options: BuildOptions, pdf: bytes, pages: int, letter: Letter, attachments,
            signing) -> tuple[int, str, Path] | None:
    """Record the PDF just written (the step after the write) from what the build knows; ``None`` without
    ``archive``."""
    if store is None:
        return None
    from letter_pdf import archive
    from letter_pdf.errors import ArchiveError

    facts = archive.built_facts(pdf, pages=pages, title=letter.title, attachments=attachments,
                                signed=signing is not None)
    signatures = [] if signing is None else [archive.built_signature(
        signing[1].name, timestamped=bool(signing[0].timestamp_url), certified=signing[0].certify)]
    try:
        record, digest = store.record(target, recipient=options.to, channel=options.via, ref=options.ref,
                                      note=options.note, sent_at=options.sent_at, facts=facts, signatures=signatures)
    except ArchiveError as error:
        raise ArchiveError(f"the PDF was written to {target} but not recorded: {error.message}", where=error.where,
                           hint=error.hint or f"record it with 'letter-pdf archive record {target}'") from error
    return record.number, digest, store.root


def default_output(letter_path: Path) -> Path:
    return Path(letter_path).with_suffix(".pdf")


def _load(letter_path: Path, options: BuildOptions) -> tuple[Letter, fonts.FontSet]:
    """Read the letter, apply the command line's choices to it, and collect its fonts."""
    from letter_pdf import body

    letter = letter_module.load_letter(Path(letter_path))
    labels.warn_fallback(letter.lang)  # once per build or check: English words for a language without its own
    # a body beyond the limits is refused before anything parses or typesets it (bounded work)
    body.check_limits(letter.body, source=letter_path, first_line=letter.body_line)
    letter = assemble.with_command_line(letter, options.cover_pdfs, options.annexes)
    letter = dataclasses.replace(
        letter,
        paper=options.paper or letter.paper,
        order=options.order or letter.order,
        group_by=options.group_by or letter.group_by,
        cover=letter.cover if options.cover is None else dataclasses.replace(letter.cover, enabled=options.cover),
    )
    return letter, fonts.FontSet.for_letter(letter)


def _preflight(letter: Letter, font_set: fonts.FontSet) -> list[LetterPdfError]:
    """Every character has a glyph; the signatory list has no errors (its warnings are logged); the
    stylesheets print no bidirectional or control character; the return line is not beyond any window."""
    return [*fonts.check_coverage(letter, font_set), *lint.letter_problems(letter),
            *stylesheets.problems(letter.folder), *pagecheck.return_line_problems(letter)]


def _raise(problems: list[LetterPdfError]) -> None:
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)


def prepare(letter_path: Path, options: BuildOptions | None = None) -> Prepared:
    """Load and validate everything and preflight the fonts; raise every problem found. The external PDFs
    are not read here (``externals`` is None)."""
    letter, font_set = _load(letter_path, options or BuildOptions())
    findings = _preflight(letter, font_set)
    _raise(findings)
    return Prepared(letter, font_set, arrange.printed_list(letter), tuple(findings))


def check(letter_path: Path, options: BuildOptions | None = None) -> list[LetterPdfError]:
    """Every validation and preflight step of ``build``, without typesetting or writing; all problems found."""
    rewrite = as_typed(Path(letter_path))
    with collect_warnings(rewrite):
        problems = _check(letter_path, options)
    return [_typed_problem(problem, rewrite) for problem in problems]


def _check(letter_path: Path, options: BuildOptions | None) -> list[LetterPdfError]:
    try:
        letter, font_set = _load(letter_path, options or BuildOptions())
    except Problems as many:
        return many.problems
    except LetterPdfError as one:
        return [one]
    if letter.recipients_path is not None:  # the copies' problems, and the page check of the first copy
        from letter_pdf import batch

        try:
            recipients, copies, problems = batch.copies_of(letter, font_set, letter.recipients_path)
        except Problems as many:
            return many.problems
        except LetterPdfError as one:
            return [one]
        hardest = batch.riskiest(copies)[0]  # the page check on the copy hardest to fit
        letter, who = copies[hardest], f"recipient {recipients[hardest].row} ({recipients[hardest].name}): "
    else:
        problems, who = _preflight(letter, font_set) + personalise.unfilled(letter), ""
    found = len(problems)
    prepared = Prepared(letter, font_set, arrange.printed_list(letter), findings=tuple(problems))
    externals: list = []
    steps = (
        lambda: render.render_letter(letter, paper=letter.paper, font_set=font_set, printed=prepared.printed),
        lambda: externals.append(assemble.check_externals(letter)),  # cover PDFs and enclosures: safe, limited
        # the page check on the laid-out pages (window, cover, overlaps), without writing a PDF
        lambda: problems or _typeset_letter(prepared, write=False),
        lambda: problems or not letter.cover.enabled or _typeset_cover(
            dataclasses.replace(prepared, externals=externals[0]), write=False),
    )
    for step in steps:
        try:
            step()
        except Problems as many:
            problems += many.problems
        except LetterPdfError as one:
            problems.append(one)
    for problem in problems[found:]:  # a copy's page check names its recipient
        problem.message = who + problem.message
    return problems


def shown_path(path: Path, letter_path: Path, folder: Path) -> str:
    """``path`` as the user would write it: beside the letter as typed (``letters/sig.csv``) when it is in
    the letter's folder, else as it is."""
    try:
        relative = Path(path).resolve().relative_to(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError):
        return str(path)
    return str(Path(letter_path).parent / relative)


def _body_images(letter: Letter) -> list[Path]:
    """The local image files the body refers to (those inside the letter's folder; others are refused later)."""
    from urllib.parse import unquote, urlsplit

    from letter_pdf import body

    found: list[Path] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type == "image":
                parts = urlsplit(str(token.attrGet("src") or ""))
                if not parts.scheme and not parts.netloc and parts.path:
                    target = body._inside(letter.folder, unquote(parts.path))
                    if target is not None:
                        found.append(target)
            if token.children:
                walk(token.children)

    walk(body._parser().parse(letter.body))
    return found


def _early_inputs(letter_path: Path, options: BuildOptions) -> list[tuple[str, str]]:
    """The inputs known from the command line alone (checked before a passphrase is asked for)."""
    inputs = [("the letter", str(letter_path))]
    if options.sign is not None:
        inputs.append(("the signing key", str(options.sign)))
    inputs += [("the cover PDF", str(p)) for p in options.cover_pdfs]
    inputs += [("the enclosure", str(p)) for p in options.annexes]
    return inputs


def build_inputs(letter: Letter, letter_path: Path, options: BuildOptions | None = None) -> list[tuple[str, str]]:
    """Every file a build of ``letter`` reads, as (what it is, path as shown to the user): the letter, its
    signatory list, images, fonts, templates (the letter's folder's and the bundled ones), cover PDFs,
    enclosures, the signing key, and every file the letter's folder's stylesheets name (url(), @import)."""
    from letter_pdf import assets

    folder = letter.folder

    def show(path: Path) -> str:
        return shown_path(path, letter_path, folder)

    inputs = _early_inputs(letter_path, options or BuildOptions())
    if letter.signatories_path is not None:
        inputs.append(("the signatory list", show(letter.signatories_path)))
    if letter.logo is not None:
        inputs.append(("the logo", show(letter.logo)))
    inputs += [("the signature image", show(s.signature)) for s in letter.signers if s.signature is not None]
    inputs += [("the image", show(p)) for p in _body_images(letter)]
    inputs += [("the font", show(p)) for p in letter.fonts]
    inputs += [("the cover PDF", show(p)) for p in letter.cover_pdfs]
    inputs += [("the enclosure", show(a.path)) for a in letter.enclosures if a.path is not None]
    for pattern in ("*.j2", "*.css"):  # a letter's own templates and stylesheets override the bundled ones
        inputs += [("the template", show(p)) for p in sorted(folder.glob(pattern))]
    inputs += [(f"the file named in {sheet}", show(p)) for sheet, p in stylesheets.named_files(folder)]
    for root in assets.asset_roots():
        inputs += [("the bundled file", str(p)) for p in sorted(root.rglob("*")) if p.is_file()]
    return inputs


def _typeset_letter(prepared: Prepared, *, write: bool = True) -> pagecheck.Fitted:
    """Render and typeset the letter through the page check: each rendering carries the page check's
    adjustments ``fit`` and the printed list, and so does the signatory list's re-rendering in columns."""
    letter, font_set, printed = prepared.letter, prepared.font_set, prepared.printed
    created = creation_time(letter)

    def typeset_fitted(fit: render.Fit, inspect) -> typeset.Typeset:
        html = render.render_letter(letter, paper=letter.paper, font_set=font_set, fit=fit, printed=printed)
        return typeset.typeset(html, letter=letter, font_set=font_set, created=created, inspect=inspect, fit=fit,
                               printed=printed)

    return pagecheck.fit_letter(letter, typeset_fitted, write=write)


def _typeset_cover(prepared: Prepared, *, write: bool = True) -> pagecheck.Fitted:
    """Render and typeset the cover page through the page check, listing the inspected external PDFs."""
    letter, font_set = prepared.letter, prepared.font_set
    created = creation_time(letter)
    enclosures = assemble.enclosure_entries(letter, prepared.externals)

    def typeset_fitted(fit: render.Fit, inspect) -> typeset.Typeset:
        html = render.render_cover(letter, paper=letter.paper, font_set=font_set, enclosures=enclosures,
                                   printed=prepared.printed, fit=fit)
        return typeset.typeset(html, letter=letter, font_set=font_set, created=created, inspect=inspect)

    return pagecheck.fit_cover(letter, typeset_fitted, write=write)


def build(letter_path: Path, options: BuildOptions | None = None) -> BuildResult:
    """Build the letter into a PDF and write it atomically; return what was written.

    The output path is checked first: one of the build's inputs is never overwritten.
    """
    rewrite = as_typed(Path(letter_path))
    with collect_warnings(rewrite) as warnings:
        try:
            result = _build(letter_path, options or BuildOptions())
        except LetterPdfError as error:
            raise _typed_problem(error, rewrite) from error.__cause__
    return dataclasses.replace(result, warnings=tuple(warnings))


def _build(letter_path: Path, options: BuildOptions) -> BuildResult:
    _validate_options(options)
    letter_path = Path(letter_path)
    if options.stream is not None:  # no file is written: nothing to check it against, nothing to record
        if options.output is not None:
            raise InputError("the PDF goes either to a file or to a stream, not both")
        if options.archive:
            raise InputError("--archive records a file, not a PDF written to standard output",
                             hint="write it to a file with -o FILE")
    target = Path(options.output) if options.output else default_output(letter_path)
    if options.stream is None:
        output.check_target(target)  # a missing or read-only folder fails now, not after a minute of work
        output.refuse_input(target, _early_inputs(letter_path, options))  # before the passphrase is asked for
    signing = _prepare_signing(options)  # a wrong passphrase or a bad archive fails before any work
    archive_store = _prepare_archive(options, letter_path)
    letter, font_set = _load(letter_path, options)
    if options.stream is None:
        output.refuse_input(target, build_inputs(letter, letter_path, options))
    findings = _preflight(letter, font_set) + personalise.unfilled(letter)
    _raise(findings)
    externals = assemble.check_externals(letter)  # refuse unsafe PDFs before any typesetting
    prepared = Prepared(letter, font_set, arrange.printed_list(letter), tuple(findings), externals)
    made = make_pdf(prepared, options, signing)
    if options.stream is None:  # again, with what typesetting read: a stylesheet's or an SVG's image
        output.refuse_input(target, build_inputs(letter, letter_path, options)
                            + _read_inputs(list(made.read), letter, letter_path))
    if options.stream is not None:
        options.stream.write(made.pdf)
        options.stream.flush()
        return BuildResult(output=None, pages=made.pages, signatories=prepared.printed.counts.total, notes=made.notes)
    output.write_atomic(target, made.pdf)
    archived = _record(archive_store, target, options, made.pdf, made.pages, letter, made.attachments, signing)
    return BuildResult(output=target, pages=made.pages, signatories=prepared.printed.counts.total, notes=made.notes,
                       archived=archived)


@dataclass(frozen=True)
class Made:
    """One letter's finished PDF (signed when asked), before it is written."""

    pdf: bytes
    pages: int
    notes: tuple[str, ...]
    read: tuple[Path, ...]  # the files typesetting read (stylesheets' images, fonts)
    attachments: Any  # the manifest and sources embedded, as the archive records them


def make_pdf(prepared: Prepared, options: BuildOptions, signing) -> Made:
    """The stages of one PDF, in order: render and typeset the letter through the page check, the manifest,
    the cover page, the package (covers, letter, enclosures), the signature last."""
    from letter_pdf import manifest

    letter = prepared.letter
    checked = _typeset_letter(prepared)  # render, typeset, page check (fit or refuse)
    result = checked.typeset
    # the manifest (and, with embed_sources, the sources) rides in the PDF as PDF/A-3 associated files
    attachments = manifest.attachments_for(letter, embed_sources=options.embed_sources, printed=prepared.printed,
                                           copy=prepared.copy)
    cover = _typeset_cover(prepared) if letter.cover.enabled else None
    package = assemble.assemble(letter=letter, letter_pdf=result.pdf,
                                cover_pdf=cover.typeset.pdf if cover is not None else None,
                                cover_pdfs=letter.cover_pdfs, annexes=letter.enclosures, attachments=attachments,
                                externals=prepared.externals)
    read = tuple(result.read) + (tuple(cover.typeset.read) if cover else ())
    pdf, sign_notes = _sign_last(package.pdf, signing, letter=letter,
                                 field_box=_signature_box(result, package.letter_page_offset))
    notes = checked.notes + (cover.notes if cover else ()) + package.notes + sign_notes
    return Made(pdf=pdf, pages=package.pages, notes=notes, read=read, attachments=attachments)


def _read_inputs(read: list[Path], letter: Letter, letter_path: Path) -> list[tuple[str, str]]:
    """The files typesetting read (``Typeset.read``) as inputs: (what it is, path as shown to the user)."""
    import mimetypes

    def what(path: Path) -> str:
        if path.suffix.lower() == ".css":
            return "the stylesheet"
        if path.suffix.lower() in (".ttf", ".otf", ".woff", ".woff2", ".ttc"):
            return "the font"
        return "the image" if (mimetypes.guess_type(path.name)[0] or "").startswith("image/") else "the file"

    return [(what(path), shown_path(path, letter_path, letter.folder)) for path in read]

