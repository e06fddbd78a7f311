"""HTML -> PDF/A-3a with WeasyPrint: only the letter's folder and the bundled assets may be read, only
the font set's fonts may be used, and every failed resource or missing glyph stops the build.

Three guards, each tested in ``tests/test_typeset.py``:

- a URL fetcher that serves ``file:`` URLs inside the letter's folder and the bundled assets (symlinks
  resolved) and small ``data:`` images, and refuses everything else by stopping the rendering;
- a fontconfig configuration that holds the font set's files and no installed font at all, so that
  fontconfig cannot fall back to a system font, and a check of the fonts WeasyPrint actually used;
- WeasyPrint's log (which reports failed images and missing glyphs instead of raising) captured during
  the build, turned into typed errors, and passed on to the ``letter_pdf`` logger at DEBUG only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from letter_pdf import assets, columns, structure
from letter_pdf._version import __version__
from letter_pdf.errors import (
    FontCoverageError,
    LetterPdfError,
    Problems,
    ResourceError,
    TypesettingError,
)
from letter_pdf.fetcher import import_weasyprint, make_fetcher, refused_error, short_url
from letter_pdf.fonts import FontSet, char_sources, describe_char
from letter_pdf.model import Letter

_LOG = logging.getLogger("letter_pdf")

PDF_VARIANT = "pdf/a-3a"
PX_TO_PT = 0.75  # 72 PDF points per inch / 96 CSS px per inch


@dataclass(frozen=True)
class Typeset:
    """The typeset letter: PDF bytes, page count, and where elements with an ``id`` landed.

    ``anchors`` maps an HTML id to ``(page index, x0, y0, x1, y1)`` in PDF points, origin at the bottom
    left of the page (first occurrence when an element is split across pages).
    """

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float, float, float]]
    read: tuple[Path, ...] = ()  # every file the URL fetcher served (stylesheets, images, fonts, SVG's images)


# --- fonts --------------------------------------------------------------------------------------

_FONT_CONFIGS: OrderedDict[tuple, object] = OrderedDict()
_FONT_CONFIGS_MAX = 4


def _isolated_font_configuration_class():
    from cffi import FFI
    from weasyprint.text import fonts as wfonts
    from weasyprint.text.ffi import ffi, fontconfig, gobject, pangoft2

    own = FFI()
    own.cdef("typedef struct _FcConfig FcConfig; FcConfig * FcConfigCreate (void);")
    lib = None
    for name in ("libfontconfig.so.1", "libfontconfig-1.dll", "libfontconfig.1.dylib", "fontconfig-1", "fontconfig"):
        with contextlib.suppress(OSError):
            lib = own.dlopen(name)
            break
    if lib is None:
        raise OSError("fontconfig library not found")

    class IsolatedFontConfiguration(wfonts.FontConfiguration):
        """A WeasyPrint font configuration that starts with no fonts: only ``@font-face`` fonts exist."""

        def __init__(self):  # replaces FontConfiguration.__init__, which loads every installed font
            raw = lib.FcConfigCreate()
            if raw == own.NULL:
                raise MemoryError("FcConfigCreate failed")
            self._config = ffi.cast("FcConfig *", int(own.cast("uintptr_t", raw)))
            self.font_map = ffi.gc(pangoft2.pango_ft2_font_map_new(), gobject.g_object_unref)
            pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), self._config)
            fontconfig.FcConfigDestroy(self._config)  # the font map keeps its own reference
            self._folder = None
            self.strut_layouts = {}
            self.font_features = {}

    return IsolatedFontConfiguration


def font_configuration(font_set: FontSet):
    """The WeasyPrint font configuration of ``font_set``, shared by builds with the same font set.

    Sharing is safe because a configuration only ever holds that set's fonts (user font families are
    named after their files' hashes); it saves re-registering eight font files on every build.
    """
    key = font_set.faces
    config = _FONT_CONFIGS.get(key)
    if config is not None:
        _FONT_CONFIGS.move_to_end(key)
        return config
    try:
        config = _isolated_font_configuration_class()()
    except (OSError, AttributeError) as exc:  # no usable fontconfig symbol: installed fonts stay visible
        _LOG.debug("cannot isolate fontconfig (%s); the used fonts are still checked after typesetting", exc)
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()
    _FONT_CONFIGS[key] = config
    while len(_FONT_CONFIGS) > _FONT_CONFIGS_MAX:
        _FONT_CONFIGS.popitem(last=False)
    return config


# --- WeasyPrint's log ---------------------------------------------------------------------------


class _Collector(logging.Handler):
    """WeasyPrint's records of one build: those logged by the thread that typesets it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return  # another build's message (letters typeset in several threads at once)
        if record.levelno >= logging.WARNING:
            self.records.append(record)
        elif record.exc_info and self.records and not hasattr(self.records[-1], "letter_pdf_cause"):
            # WeasyPrint logs "Failed to load image" as an error, then the exception behind it at DEBUG
            self.records[-1].letter_pdf_cause = record.exc_info[1]
        if not _LOG.isEnabledFor(logging.DEBUG):
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break the build
            message = str(record.msg)
        _LOG.debug("weasyprint %s: %s", record.levelname.lower(), message, exc_info=record.exc_info)


# The "weasyprint" logger is shared by every build in the process: the first build to start stops its
# propagation (its messages and tracebacks never reach the user's stderr) and the last one to finish
# restores it, so that builds in several threads neither leak messages nor leave the logger changed.
_LOG_STATE_LOCK = threading.Lock()
_log_users = 0
_log_saved: tuple[int, bool] = (logging.NOTSET, True)


@contextlib.contextmanager
def _captured_log():
    global _log_users, _log_saved
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    with _LOG_STATE_LOCK:
        if _log_users == 0:
            _log_saved = (logger.level, logger.propagate)
            logger.propagate = False
            logger.setLevel(logging.DEBUG)  # the exceptions behind failed images are logged at DEBUG
        _log_users += 1
        logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        with _LOG_STATE_LOCK:
            logger.removeHandler(collector)
            _log_users -= 1
            if _log_users == 0:
                logger.setLevel(_log_saved[0])
                logger.propagate = _log_saved[1]


_NOTDEF = ".notdef glyph rendered"


def _notdef_chars(record: logging.LogRecord) -> list[str]:
    """The character of a WeasyPrint ``.notdef glyph rendered for ... "%s" (U+%04X)`` record.

    Its arguments are the character and its code point as an int: the character is taken from the int
    (never from the digits of its text form), or from a one-character string argument."""
    args = record.args if isinstance(record.args, tuple) else ()
    points = [chr(arg) for arg in args if isinstance(arg, int) and 0 <= arg <= 0x10FFFF]
    if points:
        return points
    return [arg for arg in args if isinstance(arg, str) and len(arg) == 1]


_TEMPLATE_SOURCE = "the template, its labels or its stylesheet (e.g. a list marker)"


def _coverage_errors(missing: list[str], letter: Letter | None) -> list[FontCoverageError]:
    """One error per place the missing characters come from (``letter.md:14``, ``logo.svg``, the template)."""
    chars = [c for c in missing if not c.isspace()]
    if not chars:
        return []
    sources = char_sources(letter, chars) if letter is not None else dict.fromkeys(chars)
    by_source: dict[str | None, list[str]] = {}
    for char in chars:
        by_source.setdefault(sources.get(char), []).append(char)
    errors = []
    for where, group in by_source.items():
        listed = ", ".join(describe_char(c) for c in group)
        them = "them" if len(group) > 1 else "it"
        errors.append(
            FontCoverageError(
                f"no font in use has a glyph for {listed} (in {where or _TEMPLATE_SOURCE})",
                where=where,
                hint=(
                    f"add a font covering {them} with the letter's 'fonts:' key, or change the text"
                    if where
                    else f"add a font covering {them} with the letter's 'fonts:' key, or change the template"
                ),
            )
        )
    return errors


_IMAGE_FAILURES = ("Failed to load image", "Failed to render SVG image")


def _shown_url(url: str, letter: Letter | None) -> str:
    """A ``file:`` URL as a path relative to the letter's folder (else as it is)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return short_url(url)
    path = Path(url2pathname(unquote(parts.path)))
    if letter is not None:
        with contextlib.suppress(ValueError):
            return str(Path(os.path.realpath(path)).relative_to(os.path.realpath(letter.folder)))
    return str(path)


def _image_error(url: str, cause: BaseException | None, letter: Letter | None) -> ResourceError:
    """A failed image, saying what was refused inside it (an SVG's own URL) or why it cannot be read."""
    shown = _shown_url(url, letter)
    root = cause.__cause__ if cause is not None and cause.__cause__ is not None else cause
    if isinstance(root, refused_error()):
        return ResourceError(
            f"the image '{shown}' refers to '{root.url}': {root.reason}",
            where=shown,
            hint="an SVG image may only refer to images in the letter's folder; " + root.hint,
        )
    if root is not None:
        reason = re.sub(r" ?<[^>]*>", "", str(root)).strip() or "no details"
        return ResourceError(
            f"the image '{shown}' cannot be used: {type(root).__name__}: {reason}",
            where=shown,
            hint="use a valid PNG, JPEG or SVG file (an SVG without entities, scripts or external stylesheets)",
        )
    return ResourceError(
        f"the image '{shown}' cannot be used",
        where=shown,
        hint="check the image it names (a valid PNG, JPEG or SVG in the letter's folder)",
    )


def _problems_from_log(records: list[logging.LogRecord], letter: Letter | None = None) -> list[LetterPdfError]:
    problems: list[LetterPdfError] = []
    missing: dict[str, None] = {}
    for record in records:
        msg = str(record.msg)
        if msg.startswith(_NOTDEF):
            for char in _notdef_chars(record):
                missing.setdefault(char, None)
        elif msg.startswith("Font-face") and "cannot be loaded" in msg:
            problems.append(
                ResourceError(
                    f"a font could not be loaded ({record.getMessage()})",
                    hint="check the files named in the 'fonts:' key",
                )
            )
        elif record.levelno >= logging.ERROR and msg.startswith(_IMAGE_FAILURES) and isinstance(record.args, tuple) and record.args:
            problems.append(_image_error(str(record.args[0]), getattr(record, "letter_pdf_cause", None), letter))
        elif record.levelno >= logging.ERROR:
            # WeasyPrint logs unreachable or unusable resources (images, stylesheets) as errors.
            text = record.getMessage()
            kind = ResourceError if ("load" in text or "image" in text.lower() or "SVG" in text) else TypesettingError
            problems.append(
                kind(
                    f"WeasyPrint: {text}",
                    hint="check the image or stylesheet it names (a valid PNG, JPEG or SVG in the letter's folder)",
                )
            )
    return [*_coverage_errors(list(missing), letter), *problems]


def _raise(problems: list[LetterPdfError]) -> None:
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)


# --- typesetting --------------------------------------------------------------------------------


def _w3c(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Writing a PDF swaps WeasyPrint's font subsetter (process-wide): one write at a time, so that threads
# building letters side by side each get the whole of it.
_WRITE_LOCK = threading.Lock()


_subsets: dict[tuple, bytes] | None = None  # in a batch of copies (``shared_subsets``): inputs -> subset font
MAX_SUBSETS = 64  # subset fonts kept (a few faces per copy; all forgotten when one more comes)
subsets_reused = 0


@contextlib.contextmanager
def shared_subsets():
    """While the block runs (a batch of copies), a font subset made for the same font, face, glyphs and
    options is the one made before (``_lean_fonttools_subset`` is a function of these), not made again."""
    global _subsets, subsets_reused
    previous, _subsets, subsets_reused = _subsets, {}, 0
    try:
        yield
    finally:
        _subsets = previous


def _lean_fonttools_subset(self, to_unicode, hinting):
    """WeasyPrint 70's ``Font._fonttools_subset``, minus the layout tables before subsetting.

    WeasyPrint drops GSUB and GPOS from embedded fonts anyway (shaping is done; the PDF holds positioned
    glyphs), but recent fontTools decompiles GDEF/GSUB/GPOS before honouring ``drop_tables``: ~0.8 s
    per Noto face, most of a short letter's build. Deleting the (still undecoded) tables first gives the
    same glyphs in a fraction of the time. The font's own 'head' dates are kept (``recalcTimestamp=False``;
    fontTools would otherwise write the current time into every subset font, and two builds a second apart
    would differ).
    """

    global subsets_reused
    key = None
    if _subsets is not None:
        key = (hashlib.sha256(self.file_content).digest(), self.index, tuple(sorted(to_unicode)), bool(hinting),
               bool(self.missing))
        if key in _subsets:
            subsets_reused += 1
            self.file_content = _subsets[key]
            return
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    options = subset.Options(
        retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True, hinting=hinting,
        desubroutinize=True, notdef_outline=bool(self.missing),
    )
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=to_unicode)
    try:
        ttfont = TTFont(io.BytesIO(self.file_content), fontNumber=self.index, recalcTimestamp=False)
        for tag in ("GSUB", "GPOS", "GDEF"):
            if tag in ttfont:
                del ttfont[tag]
        subsetter.subset(ttfont)
        out = io.BytesIO()
        ttfont.save(out)
    except TTLibError as exc:  # as WeasyPrint does: keep the whole font
        _LOG.debug("cannot subset font %s: %s", self.family, exc)
        return
    self.file_content = out.getvalue()
    if key is not None and _subsets is not None:
        if len(_subsets) >= MAX_SUBSETS:
            _subsets.clear()
        _subsets[key] = self.file_content


def _fonttools_subset_always(self, to_unicode, hinting):
    """``Font.subset`` of WeasyPrint 70, except that it always subsets with ``_lean_fonttools_subset``.

    WeasyPrint picks HarfBuzz-subset when ``libharfbuzz-subset`` happens to be installed and fontTools
    otherwise; the two write different font programs (HarfBuzz keeps the GDEF table), so the same letter
    would give different bytes on two machines. WeasyPrint 70 has no option to choose, so the choice is
    made here: fontTools, a Python dependency of WeasyPrint and of this project, on every machine.
    """
    if not to_unicode:
        return
    _lean_fonttools_subset(self, to_unicode, hinting)


@contextlib.contextmanager
def _fonttools_only_subsetting():
    """While one PDF is written: every embedded font is subset by ``_fonttools_subset_always``.

    This swaps the method on WeasyPrint's ``Font`` class (not its files) and restores it afterwards; the
    caller holds ``_WRITE_LOCK`` so that no other write sees the swap half done.
    """
    from weasyprint.pdf import fonts as pdf_fonts

    original = pdf_fonts.Font.subset
    pdf_fonts.Font.subset = _fonttools_subset_always
    try:
        yield
    finally:
        pdf_fonts.Font.subset = original


def _set_metadata(document, letter: Letter, created: dt.datetime) -> None:
    """Title, author, subject, keywords, language and dates, set once so that Info and XMP agree."""
    meta = document.metadata
    meta.title = letter.title
    meta.authors = [letter.metadata_author] if letter.metadata_author else []
    meta.description = letter.subject or None
    meta.keywords = list(letter.keywords)
    meta.lang = letter.lang
    meta.generator = f"letter-pdf {__version__}"
    meta.created = meta.modified = _w3c(created)
    meta.attachments = []  # nothing is attached to the letter from its HTML
    meta.custom = {}


def _anchors(document) -> dict[str, tuple[int, float, float, float, float]]:
    result: dict[str, tuple[int, float, float, float, float]] = {}
    for index, page in enumerate(document.pages):
        height = page.height
        for name, (x1, y1, x2, y2) in page.anchors.items():
            if name not in result:
                result[name] = (
                    index,
                    x1 * PX_TO_PT,
                    (height - y2) * PX_TO_PT,
                    x2 * PX_TO_PT,
                    (height - y1) * PX_TO_PT,
                )
    return result


def _foreign_fonts(document, font_set: FontSet) -> list[str]:
    allowed = set(font_set.families)
    return sorted({font.family for font in document.fonts.values()} - allowed)


def typeset(html: str, *, letter: Letter, font_set: FontSet, created: dt.datetime, inspect=None,
            fit=None, printed=None) -> Typeset:
    """Typeset ``html`` (from ``render.py``) into PDF/A-3a bytes with ``font_set``'s fonts only.

    ``inspect``, when given, is called with the laid-out WeasyPrint document before the PDF is written
    (the page check, ``pagecheck.py``); whatever it raises stops typesetting. ``fit`` (a ``render.Fit``)
    and ``printed`` (``arrange.printed_list``) are what ``html`` was rendered with: the letter is rendered
    again with them and a planned signatory list (``columns.context``), so the page check's adjustments stay.

    Raises ``ResourceError`` for a refused, missing or unreadable resource, ``FontCoverageError`` for a
    character no font covers, ``TypesettingError`` for anything else WeasyPrint reports as an error.
    """
    weasyprint, urls = import_weasyprint()
    Refused = refused_error()
    fetcher = make_fetcher(letter.folder, roots=assets.asset_roots(), files=font_set.paths)
    font_config = font_configuration(font_set)
    with _captured_log() as records:
        try:
            fonts_css = weasyprint.CSS(string=font_set.css(), font_config=font_config, url_fetcher=fetcher)

            def render_html(source: str):
                return weasyprint.HTML(string=source, base_url=str(letter.folder), url_fetcher=fetcher).render(
                    font_config=font_config, stylesheets=[fonts_css], pdf_variant=PDF_VARIANT
                )

            # the signatory list is laid out in columns here (measured, planned, typeset, checked)
            document = columns.typeset_document(html, letter=letter, font_set=font_set, render_html=render_html,
                                                fit=fit, printed=printed)
            _raise(_problems_from_log(records, letter))
            if inspect is not None:
                inspect(document)
            _set_metadata(document, letter, created)
            with _WRITE_LOCK, _fonttools_only_subsetting(), structure.joined_tags():
                pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
        except Refused as exc:
            raise ResourceError(exc.reason, where=exc.where or exc.url, hint=exc.hint) from None
        except urls.FatalURLFetchingError as exc:  # our fetcher failed in an unexpected way
            cause = exc.__cause__ or exc
            raise ResourceError(f"{exc} ({cause})", hint="check the resources the letter uses") from None
        _raise(_problems_from_log(records, letter))
    if fetcher.refusals:  # refused, and yet WeasyPrint went on without the resource
        first = fetcher.refusals[0]
        raise ResourceError(first.reason, where=first.where or first.url, hint=first.hint)
    foreign = _foreign_fonts(document, font_set)
    if foreign:
        raise TypesettingError(
            f"an installed font was used instead of the letter's fonts: {', '.join(foreign)}",
            hint="please report this as a bug in letter-pdf",
        )
    return Typeset(pdf=pdf, pages=len(document.pages), anchors=_anchors(document), read=tuple(fetcher.served))


__all__ = ["PDF_VARIANT", "Typeset", "font_configuration", "make_fetcher", "typeset"]
