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

Limits, far beyond any real letter and checked before the body is typeset (``check_limits``): the body's
size, lists and block quotes nested inside each other, the number of paragraphs (and other blocks), of
emphasised or linked passages, and the cells of its tables. Past them, typesetting would take minutes;
and markdown-it stops reading at its ``maxNesting`` and silently drops what lies deeper, so the nesting
limit keeps below the parser's own.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from letter_pdf.errors import InputError, LetterPdfError, ResourceError
from letter_pdf.text import visible

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})
WEB_SCHEMES = frozenset({"http", "https", "mailto"})
HEADING_SHIFT = 1

MAX_BODY_BYTES = 200 * 1024  # UTF-8 bytes of the Markdown body (about 30,000 words, some 60 pages)
# Lists and block quotes inside each other. markdown-it (commonmark preset) stops reading at 20 nested
# tokens (``maxNesting``) and silently drops what lies deeper; a list costs two (list, item), a table in
# the deepest item four more: at 8 levels everything is still read (tested), at 10 the deepest text is lost.
MAX_NESTING = 8
MAX_TABLE_CELLS = 1_000  # cells of all the body's tables together
MAX_BLOCKS = 1_000  # paragraphs, headings, list items, code blocks and rules
MAX_SPANS = 1_000  # emphasis, strong, struck-through, code, links and images in the text
# Characters in a run without a space (a "word"; a long web address still fits). A word cannot be broken
# across lines, and typesetting one grows far faster than its length: a 25 KB word took 21 s to check,
# a 175 KB one over 90 s to build.
MAX_WORD = 500
# A no-break space (and the narrow and figure ones) does not end a word on the page.
_WORD = re.compile(r"(?:[^\s]|[\u00a0\u2007\u202f])+")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Every URL reaches the token stream, where _check_url decides (and can say where it is): the
    # default validator would silently turn a file: image into text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # markdown-it-py's documented override
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
    linkify = _parser().linkify
    assert linkify is not None  # linkify-it-py is a dependency (markdown-it-py[linkify])
    matches = linkify.match(stripped) or []
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


_BLOCKS = frozenset({"paragraph_open", "heading_open", "list_item_open", "code_block", "fence", "hr"})
_SPANS = frozenset({"em_open", "strong_open", "s_open", "link_open", "code_inline", "image"})


def _limit_error(message: str, *, source: Path | str, line: int, hint: str) -> InputError:
    return InputError(message, where=LetterPdfError.location(source, line), hint=hint)


def check_limits(text: str, *, source: Path | str, first_line: int) -> list:
    """Refuse a body beyond the limits (``MAX_BODY_BYTES``, ``MAX_WORD``, ``MAX_NESTING``, ``MAX_BLOCKS``,
    ``MAX_SPANS``, ``MAX_TABLE_CELLS``) with an
    ``InputError`` naming the line where the limit is passed; return the parsed tokens otherwise.

    The size and the longest word are checked before anything is parsed, so that the parse itself stays short.
    """
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        line = first_line + data.count(b"\n", 0, MAX_BODY_BYTES)
        raise _limit_error(
            f"the letter's text is longer than {MAX_BODY_BYTES // 1024} KB ({len(data) // 1024:,} KB)",
            source=source, line=line, hint="a longer text belongs in an enclosure (a PDF named under 'enclosures:')")
    for match in _WORD.finditer(text):
        if len(match[0]) > MAX_WORD:
            raise _limit_error(
                f"the letter's text has a word longer than {MAX_WORD} characters ({len(match[0]):,} characters "
                f"without a space): '{visible(match[0], 40)}'", source=source,
                line=first_line + text.count("\n", 0, match.start()),
                hint="a word this long cannot be set on a line: put spaces in it")
    tokens = _parser().parse(text)
    depth = cells = blocks = spans = 0
    line = first_line
    for token in tokens:
        if token.map:
            line = first_line + token.map[0]
        span_line = line
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                span_line += 1
            elif child.type in _SPANS:
                spans += 1
                if spans > MAX_SPANS:
                    raise _limit_error(
                        f"the letter's text has more than {MAX_SPANS:,} emphasised, linked or coded passages "
                        "and images", source=source, line=span_line,
                        hint="keep emphasis and links for what matters; a longer text belongs in an enclosure")
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            depth += 1
            if depth > MAX_NESTING:
                raise _limit_error(
                    f"lists and block quotes are nested more than {MAX_NESTING} levels deep",
                    source=source, line=line, hint="indent less: a list inside a list inside a list is plenty")
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            depth -= 1
        elif token.type in _BLOCKS and not token.hidden:
            blocks += 1
            if blocks > MAX_BLOCKS:
                raise _limit_error(
                    f"the letter's text has more than {MAX_BLOCKS:,} paragraphs, headings and list items",
                    source=source, line=line, hint="a longer text belongs in an enclosure (a PDF named under "
                                                   "'enclosures:')")
        elif token.type in ("th_open", "td_open"):
            cells += 1
            if cells > MAX_TABLE_CELLS:
                raise _limit_error(
                    f"the tables have more than {MAX_TABLE_CELLS:,} cells",
                    source=source, line=line, hint="a larger table belongs in an enclosure (a PDF named under "
                                                   "'enclosures:')")
    return tokens


def markdown_to_html(text: str, *, source: Path, first_line: int) -> Markup:
    """Render the body ``text`` (which starts at line ``first_line`` of ``source``) to safe HTML.

    Raises ``ResourceError`` naming ``letter.md:LINE`` for an image or link that is refused, and
    ``InputError`` for a body beyond the limits (``check_limits``).
    """
    md = _parser()
    folder = Path(source).parent
    tokens = check_limits(text, source=Path(source).name, first_line=first_line)
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
