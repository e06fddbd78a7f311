"""The letter's Markdown body -> safe HTML: no raw HTML, only local images inside the letter's folder.

Markdown is rendered with markdown-it-py (CommonMark, plus tables and strikethrough) with raw HTML
switched off, so ``<b>`` in the body prints as the characters ``<b>``. Every image and link is checked
here, before typesetting, so that a refused one names ``letter.md:LINE``:

- images: a relative path to an existing image file inside the letter's folder; anything else (``http:``,
  ``file:``, ``data:``, an absolute path, a ``../`` escape, a symlink out of the folder) is an error;
- links: ``http(s):`` and ``mailto:`` stay clickable (nothing is fetched), and so do web and e-mail
  addresses written in the text (``https://...``, ``www....``, ``name@example.org``); a relative link to a file inside
  the folder and a link with any other scheme print as their text only; a link that points out of the
  folder (``file:``, an absolute path, ``../``) is an error.

Headings are shifted one level down (``#`` -> ``<h2>``): the letter's subject is its only ``<h1>``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from letter_pdf.errors import ResourceError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})
WEB_SCHEMES = frozenset({"http", "https", "mailto"})
HEADING_SHIFT = 1


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Every URL reaches the token stream, where _check_url decides (and can say where it is): the
    # default validator would silently turn a file: image into text.
    md.validateLink = lambda url: True
    return md


def _inside(folder: Path, relative: str) -> Path | None:
    """The resolved path of ``relative`` if it stays inside ``folder`` (symlinks followed), else None."""
    root = folder.resolve()
    target = (root / relative).resolve()
    try:
        target.relative_to(root)
    except ValueError:
        return None
    return target


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or PurePosixPath(path).is_absolute() or (len(path) > 1 and path[1] == ":")


def _check_image(url: str, *, folder: Path, where: str) -> Path:
    parts = urlsplit(url)
    shown = url if len(url) <= 80 else url[:77] + "..."
    if parts.scheme or parts.netloc:
        raise ResourceError(
            f"image '{shown}' is refused: only image files in the letter's folder can be used",
            where=where,
            hint="save the image beside the letter and write its file name, e.g. ![Logo](logo.png)",
        )
    path = unquote(parts.path)
    if not path or _is_absolute(path):
        raise ResourceError(
            f"image '{shown}' is refused: an absolute path points outside the letter's folder",
            where=where,
            hint="copy the image into the letter's folder and write a relative path, e.g. ![Map](map.png)",
        )
    target = _inside(folder, path)
    if target is None:
        raise ResourceError(
            f"image '{shown}' is outside the letter's folder",
            where=where,
            hint="copy the image into the letter's folder (or a subfolder) and refer to it from there",
        )
    if not target.is_file():
        raise ResourceError(
            f"image '{shown}' does not exist",
            where=where,
            hint="check the file name; it is looked for relative to the letter's folder",
        )
    if target.suffix.lower() not in IMAGE_SUFFIXES:
        raise ResourceError(
            f"'{shown}' is not an image this tool can place",
            where=where,
            hint="use a PNG, JPEG, GIF, WebP or SVG file",
        )
    return target


def _link_action(url: str, *, folder: Path, where: str) -> str:
    """``"keep"`` a web link, print it as ``"text"`` only, or raise when it points out of the folder."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES:
        return "keep"
    if scheme == "file" or (not scheme and parts.netloc):
        raise ResourceError(
            f"link '{url}' points to a file outside the letter",
            where=where,
            hint="link to a web page (https://...) or write the file's name as text",
        )
    if scheme:
        return "text"  # javascript:, data:, ftp:, tel:, ...: shown as text, never a live link
    path = unquote(parts.path)
    if path and (_is_absolute(path) or _inside(folder, path) is None):
        raise ResourceError(
            f"link '{url}' points outside the letter's folder",
            where=where,
            hint="link to a web page (https://...) or write the file's name as text",
        )
    return "text"  # a local file or #fragment means nothing to the reader of a sent PDF


def _printed_address(link_open: Token, following: Token | None) -> bool:
    """Whether an address found in the text (linkify) is written as one: with its scheme, starting with
    ``www.``, or an e-mail address. A bare name with a dot (``letter.md``, ``example.org``) stays text."""
    text = following.content.lower() if following is not None and following.type == "text" else ""
    if str(link_open.attrGet("href") or "").startswith("mailto:"):
        return "@" in text
    return text.startswith(("http://", "https://", "www."))


def address_link(text: str) -> Markup:
    """A contact line as HTML: a link when the whole line is one web or e-mail address, written as the body's
    addresses must be to become links (see ``_printed_address``); otherwise the escaped text."""
    from markupsafe import escape

    stripped = str(text).strip()
    matches = _parser().linkify.match(stripped) or []
    if len(matches) == 1 and matches[0].index == 0 and matches[0].last_index == len(stripped):
        url = matches[0].url
        shown = stripped.lower()
        if (url.startswith("mailto:") and "@" in shown) or (
                urlsplit(url).scheme in ("http", "https") and shown.startswith(("http://", "https://", "www."))):
            return Markup('<a href="{}">{}</a>').format(url, stripped)
    return escape(text)


def _process_inline(children: list[Token], *, folder: Path, name: str, line: int) -> list[Token]:
    out: list[Token] = []
    dropped: list[bool] = []  # one entry per open link: was its link_open dropped?
    for index, token in enumerate(children):
        where = f"{name}:{line}"
        if token.type in ("softbreak", "hardbreak"):
            line += 1
        elif token.type == "image":
            target = _check_image(str(token.attrGet("src") or ""), folder=folder, where=where)
            token.attrSet("src", target.as_uri())
            token.attrSet("class", "body-image")
        elif token.type == "link_open":
            action = _link_action(str(token.attrGet("href") or ""), folder=folder, where=where)
            following = children[index + 1] if index + 1 < len(children) else None
            if token.markup == "linkify" and not _printed_address(token, following):
                action = "text"
            dropped.append(action != "keep")
            if action != "keep":
                continue
        elif token.type == "link_close":
            if dropped and dropped.pop():
                continue
        if token.children:
            token.children = _process_inline(token.children, folder=folder, name=name, line=line)
        out.append(token)
    return out


def markdown_to_html(text: str, *, source: Path, first_line: int) -> Markup:
    """Render the body ``text`` (which starts at line ``first_line`` of ``source``) to safe HTML.

    Raises ``ResourceError`` naming ``letter.md:LINE`` for an image or link that is refused.
    """
    md = _parser()
    folder = Path(source).parent
    tokens = md.parse(text)
    line = first_line
    for token in tokens:
        if token.map:
            line = first_line + token.map[0]
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"
        if token.type == "inline" and token.children:
            token.children = _process_inline(token.children, folder=folder, name=str(source), line=line)
    html = md.renderer.render(tokens, md.options, {})
    return Markup(html)  # markdown-it escaped every text and attribute; raw HTML is off
