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
import threading
import datetime as dt
import functools
import logging
import mimetypes
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from letter_pdf import __version__, assets, columns
from letter_pdf.errors import (
    FontCoverageError,
    LetterPdfError,
    Problems,
    ResourceError,
    TypesettingError,
)
from letter_pdf.fonts import FontSet, describe_char
from letter_pdf.model import Letter

_LOG = logging.getLogger("letter_pdf")

PDF_VARIANT = "pdf/a-3a"
PX_TO_PT = 0.75  # 72 PDF points per inch / 96 CSS px per inch
DATA_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})
MAX_DATA_URL = 5 * 1024 * 1024


@dataclass(frozen=True)
class Typeset:
    """The typeset letter: PDF bytes, page count, and where elements with an ``id`` landed.

    ``anchors`` maps an HTML id to ``(page index, x0, y0, x1, y1)`` in PDF points, origin at the bottom
    left of the page (first occurrence when an element is split across pages).
    """

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float, float, float]]


# --- the URL fetcher ----------------------------------------------------------------------------


def _weasyprint():
    import weasyprint  # noqa: F401  (0.5 s: imported when first needed)
    from weasyprint import urls

    return weasyprint, urls


@functools.cache
def refused_error() -> type:
    """The exception our fetcher raises: a ``FatalURLFetchingError``, so WeasyPrint stops rendering."""
    _, urls = _weasyprint()

    class Refused(urls.FatalURLFetchingError):
        """A resource that must not or cannot be loaded."""

        def __init__(self, url: str, reason: str, hint: str, where: str | None = None):
            super().__init__(f"{reason}: {url}")
            self.url, self.reason, self.hint, self.where = url, reason, hint, where

    return Refused


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


def make_fetcher(folder: Path, *, roots: tuple[Path, ...] = (), files: tuple[Path, ...] = ()):
    """A WeasyPrint ``URLFetcher`` that reads only inside ``folder`` and ``roots`` (or exactly ``files``)."""
    _, urls = _weasyprint()
    Refused = refused_error()
    folder_real = Path(os.path.realpath(folder))
    allowed_roots = tuple(dict.fromkeys([folder_real, *(Path(os.path.realpath(r)) for r in roots)]))
    allowed_files = frozenset(Path(os.path.realpath(f)) for f in files)
    outside_hint = (
        f"put the file in the letter's folder ({folder_real}) and refer to it by a relative path "
        "such as 'images/logo.png'"
    )

    def shown(path: Path) -> str:
        with contextlib.suppress(ValueError):
            return str(path.relative_to(folder_real))
        return str(path)

    class RestrictedURLFetcher(urls.URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return self._data(url)
            if scheme != "file":
                raise Refused(
                    _short(url),
                    f"'{scheme or url}' resources are not allowed (no network access)",
                    outside_hint,
                )
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise Refused(_short(url), "files on other hosts are not allowed", outside_hint)
            path = Path(url2pathname(unquote(parts.path)))
            real = Path(os.path.realpath(path))
            inside = real in allowed_files or any(real == r or r in real.parents for r in allowed_roots)
            if not inside:
                why = "it is outside the letter's folder"
                if path.is_symlink() or any(p.is_symlink() for p in path.parents if p != p.parent):
                    why += f" (a symbolic link to {real})"
                raise Refused(str(path), f"refused to load a file: {why}", outside_hint, where=str(path))
            try:
                data = real.read_bytes()
            except FileNotFoundError:
                raise Refused(
                    str(path), "the file does not exist", "check the file name and that it is in the letter's folder",
                    where=shown(real),
                ) from None
            except OSError as exc:
                raise Refused(
                    str(path), f"cannot read the file ({exc.strerror})", "check that the file is readable",
                    where=shown(real),
                ) from None
            mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(url, data, {"Content-Type": mime})

        def _data(self, url):
            head = url[5:].split(",", 1)[0]
            media_type = (head.split(";", 1)[0] or "text/plain").strip().lower()
            if media_type not in DATA_MEDIA_TYPES:
                raise Refused(_short(url), f"'data:' resources of type '{media_type}' are not allowed", outside_hint)
            if len(url) > MAX_DATA_URL:
                raise Refused(_short(url), "the 'data:' image is too large", outside_hint)
            return super().fetch(url)

    return RestrictedURLFetcher()


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
            logger.setLevel(logging.DEBUG if _LOG.isEnabledFor(logging.DEBUG) else logging.WARNING)
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


def _problems_from_log(records: list[logging.LogRecord]) -> list[LetterPdfError]:
    problems: list[LetterPdfError] = []
    missing: dict[str, None] = {}
    for record in records:
        msg = str(record.msg)
        if msg.startswith(_NOTDEF):
            for arg in record.args or ():
                for char in str(arg):
                    missing.setdefault(char, None)
        elif msg.startswith("Font-face") and "cannot be loaded" in msg:
            problems.append(
                ResourceError(
                    f"a font could not be loaded ({record.getMessage()})",
                    hint="check the files named in the 'fonts:' key",
                )
            )
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
    if missing:
        chars = [c for c in missing if not c.isspace()]
        listed = ", ".join(describe_char(c) for c in chars) or "some characters"
        problems.insert(
            0,
            FontCoverageError(
                f"no font in use has a glyph for {listed} (text of the template or its labels)",
                hint="add a font covering it with the letter's 'fonts:' key, or change the template text",
            ),
        )
    return problems


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


def _lean_fonttools_subset(self, to_unicode, hinting):
    """WeasyPrint 70's ``Font._fonttools_subset``, minus the layout tables before subsetting.

    WeasyPrint drops GSUB and GPOS from embedded fonts anyway (shaping is done; the PDF holds positioned
    glyphs), but recent fontTools decompiles GDEF/GSUB/GPOS before honouring ``drop_tables``: ~0.8 s
    per Noto face, most of a short letter's build. Deleting the (still undecoded) tables first gives the
    same glyphs in a fraction of the time. The font's own 'head' dates are kept (``recalcTimestamp=False``;
    fontTools would otherwise write the current time into every subset font, and two builds a second apart
    would differ).
    """
    import io

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


@contextlib.contextmanager
def _lean_font_subsetting():
    """Use ``_lean_fonttools_subset`` while writing one PDF (when HarfBuzz-subset is not installed)."""
    from weasyprint.pdf import fonts as pdf_fonts

    original = pdf_fonts.Font._fonttools_subset
    pdf_fonts.Font._fonttools_subset = _lean_fonttools_subset
    try:
        yield
    finally:
        pdf_fonts.Font._fonttools_subset = original


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


def typeset(html: str, *, letter: Letter, font_set: FontSet, created: dt.datetime) -> Typeset:
    """Typeset ``html`` (from ``render.py``) into PDF/A-3a bytes with ``font_set``'s fonts only.

    Raises ``ResourceError`` for a refused, missing or unreadable resource, ``FontCoverageError`` for a
    character no font covers, ``TypesettingError`` for anything else WeasyPrint reports as an error.
    """
    weasyprint, urls = _weasyprint()
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
            document = columns.typeset_document(html, letter=letter, font_set=font_set, render_html=render_html)
            _raise(_problems_from_log(records))
            _set_metadata(document, letter, created)
            with _WRITE_LOCK, _lean_font_subsetting():
                pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
        except Refused as exc:
            raise ResourceError(exc.reason, where=exc.where or exc.url, hint=exc.hint) from None
        except urls.FatalURLFetchingError as exc:  # our fetcher failed in an unexpected way
            cause = exc.__cause__ or exc
            raise ResourceError(f"{exc} ({cause})", hint="check the resources the letter uses") from None
        _raise(_problems_from_log(records))
    foreign = _foreign_fonts(document, font_set)
    if foreign:
        raise TypesettingError(
            f"an installed font was used instead of the letter's fonts: {', '.join(foreign)}",
            hint="please report this as a bug in letter-pdf",
        )
    return Typeset(pdf=pdf, pages=len(document.pages), anchors=_anchors(document))


__all__ = ["PDF_VARIANT", "Typeset", "font_configuration", "make_fetcher", "typeset"]
