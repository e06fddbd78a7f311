"""The URL fetcher WeasyPrint reads through while typesetting: ``file:`` URLs inside the letter's folder and
the bundled assets only (symbolic links resolved), small ``data:`` images, and every image checked against
the size limits before it is decoded (raster pixels; SVG elements and points of lines, with ``<use>`` and
markers counted as the copies they draw). Anything else is refused by stopping the rendering.
"""

from __future__ import annotations

import contextlib
import functools
import io
import mimetypes
import os
import re
import struct
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from letter_pdf.errors import ResourceError
from letter_pdf.files import read_regular

DATA_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})
MAX_DATA_URL = 5 * 1024 * 1024
# a file a stylesheet, the body or the front matter names (an image, a font): read up to this much
MAX_FILE_BYTES = 64 * 1024 * 1024
# Pixels of one raster image (width x height): 40 million is an A4 page at 600 dpi with room to spare;
# a larger image is refused before it is decoded (a small file can claim billions of pixels).
MAX_IMAGE_PIXELS = 40_000_000


def import_weasyprint():
    """WeasyPrint and its ``urls`` module, imported when first needed (half a second)."""
    # WeasyPrint warns at import when libharfbuzz-subset is missing that a future version will need it.
    # We subset with fontTools on purpose (see typeset._fonttools_only_subsetting), so the notice is silenced
    # here, once, and only that one.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
        import weasyprint  # noqa: F401  (0.5 s: imported when first needed)
        from weasyprint import urls

    return weasyprint, urls


@functools.cache
def refused_error() -> type[Any]:  # a class made at run time on WeasyPrint's (untyped) base
    """The exception our fetcher raises: a ``FatalURLFetchingError``, so WeasyPrint stops rendering."""
    _, urls = import_weasyprint()

    class Refused(urls.FatalURLFetchingError):  # type: ignore[name-defined]  # WeasyPrint imported lazily
        """A resource that must not or cannot be loaded."""

        def __init__(self, url: str, reason: str, hint: str, where: str | None = None):
            super().__init__(f"{reason}: {url}")
            self.url, self.reason, self.hint, self.where = url, reason, hint, where

    return Refused


def short_url(url: str) -> str:
    """``url`` cut to 80 characters for a message (a ``data:`` URL may be megabytes long)."""
    return url if len(url) <= 80 else url[:77] + "..."


def image_too_large(data: bytes) -> str | None:
    """Why the raster image ``data`` is refused for its size (``None``: not too large, or not a raster
    image Pillow knows). Only the header is read; Pillow's own decompression-bomb warning is turned into
    this refusal instead of reaching stderr."""
    from PIL import Image, UnidentifiedImageError

    limit = f"the limit is {MAX_IMAGE_PIXELS:,} pixels"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            return f"the image has more than {Image.MAX_IMAGE_PIXELS:,} pixels; {limit}"
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, IndexError, TypeError):
            return None  # not a raster image (SVG) or a broken one: WeasyPrint reports it
    if width * height > MAX_IMAGE_PIXELS:
        return f"the image has {width:,} x {height:,} = {width * height:,} pixels; {limit}"
    return None


# Elements an SVG image may draw, counting every `<use>` as a copy of what it refers to: a few hundred
# bytes of nested `<use>` can ask for billions (each level repeating the one below), which WeasyPrint
# draws one by one. A detailed logo draws a few thousand.
MAX_SVG_ELEMENTS = 20_000
# Points of lines WeasyPrint draws (each vertex of a path, polyline, polygon or line), plus the elements:
# a marker draws its content again at every vertex of the line that refers to it, so a few kilobytes of
# marker on a long path ask for millions (a path of 100,000 points takes WeasyPrint about two seconds).
MAX_SVG_POINTS = 200_000
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MARKER_URL = re.compile(r"marker(?:-start|-mid|-end)?\s*:\s*url\(\s*['\"]?#([^'\")\s]+)")
_URL_ID = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_MARKER_ATTRS = ("marker", "marker-start", "marker-mid", "marker-end")
_SVG_HINT = ("save the drawing again as a plain SVG (no document type declaration, no deeply repeated "
             "'use' elements) or as a PNG image")


class _SvgRefused(Exception):
    pass


def svg_refusal(data: bytes) -> str | None:
    """Why the SVG image ``data`` is refused before WeasyPrint parses it, or ``None``.

    Read with the standard library's expat parser (the one WeasyPrint uses), refusing a document type
    declaration (entities could expand or read files); then the elements it draws are counted, each
    ``<use>`` as a copy of the element it refers to (memoised per id), and a ``<use>`` that refers to
    itself through others is refused. ``None`` too for what is not XML at all: WeasyPrint reports it.
    """
    from xml.parsers import expat

    head = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (head.startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff")):
        return None  # not XML: a raster image, a font, a stylesheet
    limit, point_limit = MAX_SVG_ELEMENTS, MAX_SVG_POINTS
    parent: list[int] = []
    refers: list[str | None] = []  # per element: the id a <use> refers to
    points: list[int] = []  # per element: the vertices of the line it draws
    markers: list[list[str]] = []  # per element: the ids of the markers it draws at its vertices
    in_marker: list[bool] = []  # per element: inside a <marker> (a style sheet's markers count outside)
    styles: list[str] = []  # the text of <style> elements: a marker set there applies to any line
    ids: dict[str, list[int]] = {}
    open_: list[int] = []

    def local(name: str) -> str:
        return name.rsplit(":", 1)[-1]

    def doctype(*_args):
        raise _SvgRefused("the SVG has a document type declaration (DOCTYPE), which may define entities")

    def element(name, attrs):
        if len(parent) >= limit:
            raise _SvgRefused(f"the SVG has more than {limit:,} elements; the limit is {limit:,}")
        index = len(parent)
        parent.append(open_[-1] if open_ else -1)
        target = None
        if local(name) == "use":
            href = next((v for k, v in attrs.items() if local(k) == "href"), "")
            target = href.split("#", 1)[1] if "#" in href else None
        refers.append(target)
        kind = local(name)
        if kind == "line":
            points.append(2)
        elif kind in ("path", "polyline", "polygon"):
            coordinates = attrs.get("d" if kind == "path" else "points", "")
            points.append(sum(1 for _ in _NUMBER.finditer(coordinates.encode())) // 2 + 1)
        else:
            points.append(0)
        marks = [m.group(1) for k, v in attrs.items() if local(k) in _MARKER_ATTRS for m in _URL_ID.finditer(v)]
        marks += [m.group(1) for m in _MARKER_URL.finditer(attrs.get("style", ""))]
        markers.append(marks)
        in_marker.append(kind == "marker" or (bool(open_) and in_marker[open_[-1]]))
        if kind == "style":
            styles.append("")
        if "id" in attrs:
            ids.setdefault(attrs["id"], []).append(index)
        open_.append(index)

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype

    def text(data):
        if local_names[-1:] == ["style"]:
            styles[-1] += data

    local_names: list[str] = []

    def start(name, attrs):
        element(name, attrs)
        local_names.append(local(name))

    def end(_name):
        open_.pop()
        local_names.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _SvgRefused as exc:
        return str(exc)
    except (expat.ExpatError, ValueError):
        return None  # not well-formed: WeasyPrint's parser (the same) says where
    if not parent:
        return None

    # drawn[i]: what element i draws (itself, its children, and for a <use> what it refers to); the
    # nodes after the elements stand for the ids (the largest of the elements with that id)
    n = len(parent)
    names = list(ids)
    id_node = {name: n + k for k, name in enumerate(names)}
    edges: list[list[int]] = [[] for _ in range(n + len(names))]
    for i, p in enumerate(parent):
        if p >= 0:
            edges[p].append(i)
        if (target := refers[i]) is not None and target in id_node:
            edges[i].append(id_node[target])
    for name, k in id_node.items():
        edges[k] = ids[name]
    # marks[i]: the markers element i draws at each of its points[i] vertices (style sheets: at any line)
    everywhere = [m.group(1) for css in styles for m in _MARKER_URL.finditer(css)]
    marks = [[id_node[m] for m in (markers[i] + everywhere if points[i] and not in_marker[i] else markers[i])
              if m in id_node] for i in range(n)] + [[] for _ in names]
    cycle = (f"the SVG has a 'use' element{' or marker' if any(marks) else ''} that refers to itself "
             "(directly or through others)")
    work: list[int] = [0] * len(edges)  # what node draws, counting the points of its lines
    drawn: list[int | None] = [None] * len(edges)
    busy = [False] * len(edges)
    for root in (i for i, p in enumerate(parent) if p < 0):
        todo = [(root, 0)]
        while todo:
            node, at = todo.pop()
            if at == 0:
                if drawn[node] is not None:
                    continue
                if busy[node]:
                    return cycle
                busy[node] = True
            if at < len(edges[node]) + len(marks[node]):
                todo.append((node, at + 1))
                todo.append(((edges[node] + marks[node])[at], 0))
                continue
            kids = [drawn[e] for e in edges[node] + marks[node]]
            if any(k is None for k in kids):  # a kid still busy: a cycle
                return cycle
            counts = [k for k in kids[:len(edges[node])] if k is not None]
            total = max(counts, default=0) if node >= n else 1 + sum(counts)
            drawn[node] = min(total, limit + 1)
            kid_work = [work[e] for e in edges[node]]
            if node >= n:
                work[node] = max(kid_work, default=0)
            else:
                marked = sum(work[m] for m in marks[node])
                work[node] = min(1 + points[node] * (1 + marked) + sum(kid_work), point_limit + 1)
            busy[node] = False
        if (drawn[root] or 0) > limit:  # set above for every root
            return (f"the SVG would draw more than {limit:,} elements ('use' elements repeat others; "
                    f"it has {n:,}); the limit is {limit:,}")
        if work[root] > point_limit:
            return (f"the SVG would draw more than {point_limit:,} points of lines (markers repeat their "
                    f"drawing at every point); the limit is {point_limit:,}")
    return None


_SMALLER_HINT = "save the image at a lower resolution (for a logo or signature, 1000 pixels wide is plenty)"


def make_fetcher(folder: Path, *, roots: tuple[Path, ...] = (), files: tuple[Path, ...] = ()):
    """A WeasyPrint ``URLFetcher`` that reads only inside ``folder`` and ``roots`` (or exactly ``files``)."""
    _, urls = import_weasyprint()
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

    class RestrictedURLFetcher(urls.URLFetcher):  # type: ignore[name-defined]  # WeasyPrint imported lazily
        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)
            self.refusals: list[BaseException] = []  # every refusal, even one WeasyPrint would swallow
            self.served: dict[Path, None] = {}  # every file read, in order (the build's output must be none)

        def fetch(self, url, headers=None):
            try:
                response = self._fetch(url)
            except Refused as exc:
                self.refusals.append(exc)
                raise
            if url.split(":", 1)[0].lower() == "file":
                self.served[Path(os.path.realpath(url2pathname(unquote(urlsplit(url).path))))] = None
            return response

        def _fetch(self, url):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return self._data(url)
            if scheme != "file":
                raise Refused(
                    short_url(url),
                    f"'{scheme or url}' resources are not allowed (no network access)",
                    outside_hint,
                )
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise Refused(short_url(url), "files on other hosts are not allowed", outside_hint)
            path = Path(url2pathname(unquote(parts.path)))
            real = Path(os.path.realpath(path))
            inside = real in allowed_files or any(real == r or r in real.parents for r in allowed_roots)
            if not inside:
                why = "it is outside the letter's folder"
                if path.is_symlink() or any(p.is_symlink() for p in path.parents if p != p.parent):
                    why += f" (a symbolic link to {real})"
                raise Refused(str(path), f"refused to load a file: {why}", outside_hint, where=str(path))
            try:
                data = read_regular(real, limit=MAX_FILE_BYTES, what="the file", error=ResourceError)
            except ResourceError as exc:  # a FIFO, a device, a socket, or beyond the limit
                raise Refused(str(path), exc.message, exc.hint or "", where=shown(real)) from None
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
            if too_large := image_too_large(data):
                raise Refused(str(path), f"refused to load the image: {too_large}", _SMALLER_HINT, where=shown(real))
            if svg_refused := svg_refusal(data):
                raise Refused(str(path), f"refused to load the image: {svg_refused}", _SVG_HINT, where=shown(real))
            mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(url, data, {"Content-Type": mime})

        def _data(self, url):
            head = url[5:].split(",", 1)[0]
            media_type = (head.split(";", 1)[0] or "text/plain").strip().lower()
            if media_type not in DATA_MEDIA_TYPES:
                raise Refused(short_url(url), f"'data:' resources of type '{media_type}' are not allowed", outside_hint)
            if len(url) > MAX_DATA_URL:
                raise Refused(short_url(url), "the 'data:' image is too large", outside_hint)
            response = super().fetch(url)
            data = response.read()
            if too_large := image_too_large(data):
                raise Refused(short_url(url), f"refused to load the 'data:' image: {too_large}", _SMALLER_HINT)
            if svg_refused := svg_refusal(data):
                raise Refused(short_url(url), f"refused to load the 'data:' image: {svg_refused}", _SVG_HINT)
            return urls.URLFetcherResponse(url, data, response.headers)

    return RestrictedURLFetcher()


__all__ = [
    "MAX_IMAGE_PIXELS", "MAX_SVG_ELEMENTS", "MAX_SVG_POINTS", "image_too_large", "import_weasyprint", "make_fetcher",
    "refused_error", "short_url", "svg_refusal",
]
