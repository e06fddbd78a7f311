"""One letter, many recipients: a personalised copy per recipient, built in one run.

The order for the set: the output folder checked -> the signing key opened -> the letter and its recipients
loaded -> every copy's letter made and preflighted (nothing is typeset while any copy has a problem) ->
the external PDFs inspected once -> each copy through ``pipeline.make_pdf`` (the same stages and checks as a
single build), spread over the machine's cores by forked workers that share the work done once (imports,
fonts, the printed signatory list, the inspected PDFs) -> ``index.csv`` and, with ``eml``, one e-mail per
copy -> the whole set moved into place. A failure leaves no partial set: the copies are written into a
temporary folder beside the output, moved in only when all are built.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import hashlib
import io
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from letter_pdf import arrange, assemble, columns_cache, output, personalise, pipeline, typeset
from letter_pdf.copyset import INDEX, INDEX_HEADER, MAX_INDEX_BYTES, SEND_LOG
from letter_pdf.errors import InputError, LetterPdfError, OutputError, Problems
from letter_pdf.model import Letter, Recipient

log = logging.getLogger("letter_pdf")


@dataclass(frozen=True)
class BatchOptions:
    recipients: Path | None = None  # None: the letter's ``recipients:``
    folder: Path | None = None  # None: <letter's stem>-copies beside the letter
    eml: bool = False
    force: bool = False
    jobs: int | None = None  # worker processes; None: the machine's cores
    progress: Callable[[int, int], None] | None = None  # (copies built, copies) after each copy


@dataclass(frozen=True)
class Copy:
    file: str  # NNN-slug.pdf
    recipient: Recipient
    pages: int
    sha256: str
    eml: str | None = None  # NNN-slug.eml, when written
    eml_sha256: str = ""  # the SHA-256 of the .eml's bytes, when written


@dataclass(frozen=True)
class BatchResult:
    folder: Path
    copies: tuple[Copy, ...]
    signatories: int
    notes: tuple[str, ...] = field(default=())  # each distinct note once, with how many copies it concerns
    warnings: tuple[str, ...] = field(default=())
    without_email: tuple[Recipient, ...] = field(default=())  # with eml: the recipients who got no .eml


def has_recipients(letter_path: Path) -> bool:
    """Whether the letter's front matter names a recipients list (``recipients:``): read from the front matter
    alone, quietly (the letter and its lists are loaded, and their problems reported, by the build)."""
    from letter_pdf.frontmatter import canonical_key, parse_front_matter, read_text, split_front_matter

    try:
        front, _body, _line = split_front_matter(read_text(Path(letter_path)), Path(letter_path))
        data, _lines, _twice = parse_front_matter(front, Path(letter_path))
    except (LetterPdfError, OSError, ValueError):
        return False
    return any(canonical_key(key) == "recipients" and value for key, value in data.items())


def default_folder(letter_path: Path) -> Path:
    return Path(letter_path).with_name(Path(letter_path).stem + "-copies")


def build_copies(letter_path: Path, options: BatchOptions, build: pipeline.BuildOptions | None = None) -> BatchResult:
    """Build one copy of the letter per recipient into a folder; return what was written."""
    rewrite = pipeline.as_typed(Path(letter_path))
    with pipeline.collect_warnings(rewrite) as warnings:
        try:
            result = _build_copies(Path(letter_path), options, build or pipeline.BuildOptions())
        except LetterPdfError as error:
            raise pipeline._typed_problem(error, rewrite) from error.__cause__
    return dataclasses.replace(result, warnings=tuple(warnings))


def _no_list(letter_path: Path) -> InputError:
    return InputError("the letter has no recipients list", where=str(letter_path),
                      hint="add 'recipients: FILE' to the front matter or --recipients FILE")


def _refuse_single_options(build: pipeline.BuildOptions) -> None:
    if build.stream is not None:
        raise InputError("copies for a recipients list are written to a folder, not to standard output",
                         hint="name the folder with -o DIR")
    if build.archive:
        raise InputError("--archive records one PDF; copies for a recipients list are recorded when they are sent",
                         hint="send them with 'letter-pdf send DIR', or record each with 'letter-pdf archive record'")
    for name in ("to", "via", "ref", "note", "sent_at", "archive_dir"):
        if getattr(build, name):
            raise InputError(f"--{name.replace('_', '-')} is for recording one letter, not copies for a list")


def check_folder(folder: Path, *, force: bool, inputs: list[tuple[str, str]]) -> None:
    """The output folder may be written: its parent exists and is writable; it is neither an input nor a
    folder holding one; an existing folder is replaced only with ``force`` and only when it is a set of
    copies letter-pdf wrote that was never sent."""
    folder = Path(folder)
    shown = str(folder)
    parent = folder.absolute().parent
    if not parent.is_dir():
        raise OutputError("the folder to write the copies in is in a folder that does not exist", where=shown,
                          hint=f"create {parent} first")
    if not os.access(parent, os.W_OK):
        raise OutputError("the copies cannot be written here: the folder is read-only", where=str(parent))
    resolved = folder.resolve()
    for what, path in inputs:
        target = Path(path).resolve()
        if target == resolved or resolved in target.parents:
            raise OutputError(f"the output folder holds {what} ({path}); the copies would replace it", where=shown,
                              hint="choose a new folder for the copies with -o DIR")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputError("the output for copies must be a folder; this is a file or a link", where=shown,
                          hint="choose a new folder with -o DIR")
    if not folder.exists():
        return
    if not force:
        raise OutputError("the folder exists", where=shown,
                          hint="add --force to replace the copies in it, or choose a new folder with -o DIR")
    entries = set(os.listdir(folder))
    written = _listed(folder / INDEX)
    strays = sorted(entries - written - {INDEX, SEND_LOG}) if written is not None else []
    if written is None or strays or any((folder / name).is_dir() or (folder / name).is_symlink() for name in entries):
        what = f" ({', '.join(strays[:3])}{', ...' if len(strays) > 3 else ''} not among its copies)" if strays else ""
        raise OutputError(f"the folder is not a set of copies letter-pdf wrote{what}; --force replaces only those",
                          where=shown, hint="choose a new folder with -o DIR, or move your own files out of it")
    log_file = folder / SEND_LOG
    if log_file.exists() and (not log_file.is_file() or log_file.stat().st_size > 0):
        raise OutputError("copies in this folder were sent (its send-log.jsonl says so); replacing them would "
                          "lose what was sent to whom", where=shown,
                          hint="build the new copies into a new folder with -o DIR")


def _listed(index: Path) -> set[str] | None:
    """The files an ``index.csv`` letter-pdf wrote lists (each PDF and its .eml); None when it is not one."""
    try:
        if not index.is_file() or index.is_symlink() or index.stat().st_size > MAX_INDEX_BYTES:
            return None
        with index.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not rows or tuple(rows[0]) != INDEX_HEADER or any(len(row) != len(INDEX_HEADER) for row in rows[1:]):
        return None
    names = {row[0] for row in rows[1:]}
    if any(not name.endswith(".pdf") or "/" in name or os.sep in name or name.startswith(".") for name in names):
        return None
    return names | {name[:-4] + ".eml" for name in names}


@dataclass
class _Work:
    """What every worker shares (inherited by the forked processes, never pickled)."""

    copies: list[Letter]
    recipients: tuple[Recipient, ...]
    prepared: pipeline.Prepared
    build: pipeline.BuildOptions
    signing: Any
    stems: list[str]
    temporary: Path
    eml: bool
    created: Any
    sections: list[dict]  # each copy's ``copy`` section of the manifest


_WORK: _Work | None = None


def _build_copies(letter_path: Path, options: BatchOptions, build: pipeline.BuildOptions) -> BatchResult:
    pipeline._validate_options(build)
    _refuse_single_options(build)
    if options.recipients is None and not has_recipients(letter_path):
        raise _no_list(letter_path)
    folder = Path(options.folder) if options.folder else default_folder(letter_path)
    if folder.suffix.lower() in (".pdf", ".eml", ".csv") and not folder.is_dir():
        raise OutputError(f"the copies go in a folder; '{folder.name}' looks like a file's name", where=str(folder),
                          hint=f"name a folder, e.g. -o {folder.with_suffix('')}/")
    check_folder(folder, force=options.force, inputs=pipeline._early_inputs(letter_path, build))
    signing = pipeline._prepare_signing(build)
    letter, font_set = pipeline._load(letter_path, build)
    source = Path(options.recipients) if options.recipients else letter.recipients_path
    if source is None:
        raise _no_list(letter_path)
    inputs = pipeline.build_inputs(letter, letter_path, build) + [("the recipients list", str(source))]
    check_folder(folder, force=options.force, inputs=inputs)
    recipients, copies, problems = copies_of(letter, font_set, source)
    if options.eml and (letter.sender is None or not letter.sender.email):
        problems.append(InputError("--eml needs the sender's e-mail address", where=str(letter_path),
                                   hint="add 'email: ...' under 'sender:' in the front matter"))
    pipeline._raise(problems)
    externals = assemble.check_externals(letter)  # once for every copy
    prepared = pipeline.Prepared(letter, font_set, arrange.printed_list(letter), (), externals)
    stems = [personalise.file_stem(recipient, len(recipients)) for recipient in recipients]
    copy_sections = _copy_sections(prepared, recipients, source)
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.absolute().parent))
    umask = os.umask(0)
    os.umask(umask)
    temporary.chmod(0o777 & ~umask)  # a folder as mkdir makes it (mkdtemp makes it private)
    restore = _stop_on_signals()
    try:
        work = _Work(copies, recipients, prepared, build, signing, stems, temporary, options.eml, _message_date(),
                     copy_sections)
        # the signatory list planned once for copies that start it alike; font subsets made once per glyph set
        with columns_cache.shared(), typeset.shared_subsets():
            results = _run(work, options)
        failures = [result for result in results if isinstance(result, LetterPdfError)]
        if failures:
            raise failures[0] if len(failures) == 1 else Problems(failures)
        made = [result for result in results if isinstance(result, tuple)]
        copies_written = tuple(copy for copy, _notes, _warnings in made)
        (temporary / INDEX).write_bytes(index_csv(copies_written))
        _move_into_place(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        restore()
    notes = _counted([note for _copy, notes, _warnings in made for note in notes], len(made))
    # the copies' warnings, kept quiet in each copy's build: said here, each once with how many copies it concerns
    for warning in _counted([warning for _copy, _notes, warnings in made for warning in warnings], len(made)):
        log.warning("%s", warning)
    without = tuple(r for r in recipients if options.eml and not r.email)
    return BatchResult(folder=folder, copies=copies_written, signatories=prepared.printed.counts.total, notes=notes,
                       without_email=without)


def copies_of(letter: Letter, font_set, source: Path) -> tuple[tuple[Recipient, ...], list[Letter], list[LetterPdfError]]:
    """The recipients of ``source``, the letter addressed to each, and every problem of the letter and the
    copies found before typesetting (the letter's preflight, the placeholders, each copy's glyphs and limits)."""
    from letter_pdf import recipients as recipient_list

    recipients = recipient_list.load_recipients(source, letter_lang=letter.lang)
    if not recipients:
        raise InputError("the recipients list has nobody in it", where=str(source),
                         hint="add one row per recipient under the header (name, address, opening, email)")
    columns = {name for recipient in recipients for name, _ in recipient.fields}
    body = personalise.parse_body(letter, columns)
    problems = pipeline._preflight(letter, font_set) + personalise.unfilled(letter, fields_only=True)
    copies = [personalise.copy_for(letter, recipient, body) for recipient in recipients]
    problems += _preflight_copies(letter, copies, recipients, font_set)
    return recipients, copies, problems


def _copy_sections(prepared: pipeline.Prepared, recipients: tuple[Recipient, ...], source: Path) -> list[dict]:
    """Each copy's ``copy`` section of its manifest: its row, how many copies, the list it comes from, and the
    edition: the SHA-256 of the letter's own manifest (its text, sources and list as printed) and the choices
    that change the pages, the same for every copy of this build and new when the letter or a list changes."""
    from letter_pdf import manifest

    letter = prepared.letter
    own = manifest.build_manifest(letter, sources=manifest.collect_sources(letter), printed=prepared.printed)
    choices = {"paper": letter.paper, "columns": letter.columns, "align": letter.align, "cover": letter.cover.enabled}
    edition = hashlib.sha256(manifest.canonical_json({"letter": own, "choices": choices})).hexdigest()
    digest, _size = manifest.sha256_file(source)
    listed = {"path": manifest.display_path(source, letter.folder), "sha256": digest}
    base = {"title": letter.title, "reference": letter.reference}
    return [{"edition": edition, "letter": base, "row": recipient.row, "of": len(recipients), "recipients": listed}
            for recipient in recipients]


def _preflight_copies(letter: Letter, copies: list[Letter], recipients: tuple[Recipient, ...],
                      font_set) -> list[LetterPdfError]:
    """Each copy's own text (its recipient's fields, its body when placeholders made it) has every glyph and
    stays within the body's limits; each problem names the recipient."""
    from letter_pdf import body, fonts

    problems: list[LetterPdfError] = []
    for copy, recipient in zip(copies, recipients, strict=True):
        # only what differs from the letter: its signatories, and its body when the copy's is the same, were
        # checked once with the letter
        own_body = copy.body != letter.body
        probe = dataclasses.replace(copy, signatories=(), signers=(), enclosures=(), body=copy.body if own_body else "")
        found: list[LetterPdfError] = []
        try:
            if own_body:
                body.check_limits(copy.body, source=copy.source, first_line=copy.body_line)
        except LetterPdfError as error:
            found.append(error)
        found += fonts.check_coverage(probe, font_set)
        for problem in found:
            problem.message = f"recipient {recipient.row} ({recipient.name}): {problem.message}"
            problems.append(problem)
    return problems


def _counted(items: list[str], copies: int) -> tuple[str, ...]:
    """Each distinct line once, followed by how many of the copies it concerns when not all."""
    seen: dict[str, int] = {}
    for item in items:
        seen[item] = seen.get(item, 0) + 1
    return tuple(text if count >= copies else f"{text} (in {count} of {copies} copies)" for text, count in seen.items())


def _run(work: _Work, options: BatchOptions) -> list[Any]:
    """Every copy built, in order: (Copy, notes, warnings) or the copy's error. The riskiest copies are built
    here first (``riskiest``: a failure among them stops the build at once), warming the caches (fonts,
    subsets, plans) that forked workers then share."""
    global _WORK
    _WORK = work
    count = len(work.copies)
    jobs = max(1, min(options.jobs or os.cpu_count() or 1, count))
    results: list[Any] = [None] * count
    done = 0

    def finished(index: int, result: Any) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if options.progress is not None:
            options.progress(done, count)

    first = riskiest(work.copies)
    try:
        for index in first:  # the copies most likely to fail, here: a failure is reported before the rest is built
            finished(index, _build_one(index))
            if isinstance(results[index], LetterPdfError):
                return results
        rest = [index for index in range(count) if index not in first]
        if jobs == 1 or not rest or sys.platform == "win32":
            for index in rest:
                finished(index, _build_one(index))
            return results
        import multiprocessing

        gc.freeze()  # the shared objects stay out of the workers' collections: their pages stay shared
        pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_started)
        try:
            for index, result in pool.imap_unordered(_numbered, rest):
                finished(index, result)
            pool.close()
        except BaseException:  # Ctrl-C or a bug: the copies being built are stopped at once, not finished
            pool.terminate()
            raise
        finally:
            pool.join()
        return results
    finally:
        _WORK = None
        gc.unfreeze()


def _stop_on_signals() -> Callable[[], None]:
    """While the copies are built: SIGTERM and SIGHUP end the build as Ctrl-C does (the temporary folder removed,
    the workers stopped), with the shell's status for the signal; returns what puts the handlers back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    signals = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])

    def stop(number: int, _frame) -> None:
        raise SystemExit(128 + number)

    previous = {number: signal.signal(number, stop) for number in signals}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def riskiest(copies: list[Letter]) -> list[int]:
    """The copies whose recipient is the hardest to fit (the longest line of name, address or opening, and the
    most address lines), built first: a name too long for the window fails in seconds, not after the rest."""
    def longest(letter: Letter) -> int:
        party = letter.recipient
        lines = [party.name, *party.address] if party else []
        return max((len(line) for line in [*lines, letter.opening or ""]), default=0)

    def lines(letter: Letter) -> int:
        return len(letter.recipient.address) if letter.recipient else 0

    by_line = max(range(len(copies)), key=lambda i: longest(copies[i]))
    by_lines = max(range(len(copies)), key=lambda i: lines(copies[i]))
    return list(dict.fromkeys([by_line, by_lines]))


def _worker_started() -> None:
    """A worker leaves Ctrl-C to the parent, which stops the workers (else each finishes its copy first)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _numbered(index: int) -> tuple[int, Any]:
    return index, _build_one(index)


def _build_one(index: int) -> Any:
    """Build copy ``index`` into the temporary folder: (Copy, notes, warnings), or its error (with the
    recipient named) — an error is returned, not raised, so that every copy's problem is reported."""
    work = _WORK
    assert work is not None
    recipient = work.recipients[index]
    with pipeline.collect_warnings(quiet=True) as warnings:
        return _build_copy(work, index, recipient, warnings)


def _build_copy(work: _Work, index: int, recipient: Recipient, warnings: list[str]) -> Any:
    try:
        prepared = dataclasses.replace(work.prepared, letter=work.copies[index], copy=work.sections[index])
        made = pipeline.make_pdf(prepared, work.build, work.signing)
        name = work.stems[index] + ".pdf"
        output.write_atomic(work.temporary / name, made.pdf)
        eml, eml_sha256 = None, ""
        if work.eml and recipient.email:
            eml = work.stems[index] + ".eml"
            message = _message(work, index, made.pdf, name)
            output.write_atomic(work.temporary / eml, message)
            eml_sha256 = hashlib.sha256(message).hexdigest()
        copy = Copy(file=name, recipient=recipient, pages=made.pages, sha256=hashlib.sha256(made.pdf).hexdigest(),
                    eml=eml, eml_sha256=eml_sha256)
        return copy, made.notes, tuple(warnings)
    except LetterPdfError as error:
        return _for_recipient(error, recipient)


def _for_recipient(error: LetterPdfError, recipient: Recipient) -> LetterPdfError:
    """``error`` as a plain (picklable) error of its class naming the recipient."""
    problems = error.problems if isinstance(error, Problems) else [error]
    first = problems[0]
    named = type(first).__new__(type(first))
    LetterPdfError.__init__(named, f"recipient {recipient.row} ({recipient.name}): {first.message}",
                            where=first.where, hint=first.hint)
    return named


def _message(work: _Work, index: int, pdf: bytes, name: str) -> bytes:
    from letter_pdf import mail

    letter, recipient = work.copies[index], work.recipients[index]
    assert letter.sender is not None
    return mail.compose(pdf=pdf, filename=name, sender=letter.sender, recipient=recipient,
                        subject=letter.subject or letter.title, note=mail.note_text(letter, recipient),
                        date=work.created, cc=recipient.cc)


def _message_date():
    """The e-mails' Date: now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def index_csv(copies: tuple[Copy, ...]) -> bytes:
    """``index.csv``: one row per copy (file, recipient, email, pages, sha256 of the PDF, sha256 of the .eml),
    UTF-8."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(INDEX_HEADER)
    for copy in copies:
        writer.writerow((copy.file, copy.recipient.name, copy.recipient.email or "", copy.pages, copy.sha256,
                         copy.eml_sha256))
    return text.getvalue().encode("utf-8")


def _move_into_place(temporary: Path, folder: Path) -> None:
    """The temporary folder becomes ``folder``; an earlier set there (``force``, checked) is removed only
    once the new one is in place."""
    if not folder.exists():
        os.rename(temporary, folder)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.absolute().parent))
    os.rename(folder, old / "set")
    try:
        os.rename(temporary, folder)
    except OSError:
        os.rename(old / "set", folder)
        raise
    shutil.rmtree(old, ignore_errors=True)
