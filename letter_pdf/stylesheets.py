"""The letter's folder's stylesheets, read once by one walker: the files they name (``url()``, ``@import``),
which a build must never write over, and their CSS strings (``content: "..."``, ``quotes``, a counter's
suffix), checked like the letter's own text."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from letter_pdf import text
from letter_pdf.errors import InputError, LetterPdfError
from letter_pdf.files import read_regular

MAX_STYLESHEETS = 50  # stylesheets read through @import from the letter's folder's own (a real letter has one)
MAX_STYLESHEET_BYTES = 1024 * 1024
MAX_CSS_NESTING = 32  # blocks, brackets and functions inside one another (WeasyPrint recurses on them)


def _tokens(rules) -> Iterator:
    """Every token of ``rules``, nested blocks included, walked without recursion (blocks may nest deeply)."""
    for token, _depth in _nested(rules):
        yield token


def _nested(rules) -> Iterator[tuple]:
    """``(token, how deep it is nested)`` for every token of ``rules``, without recursion."""
    stack = [(iter(rules), 0)]
    while stack:
        token = next(stack[-1][0], None)
        if token is None:
            stack.pop()
            continue
        depth = stack[-1][1]
        yield token, depth
        for part in ("prelude", "content", "arguments"):
            inner = getattr(token, part, None)
            if isinstance(inner, list):
                stack.append((iter(inner), depth + 1))


def _named(token) -> list[str]:
    """What ``token`` itself names: a ``url(...)``, or an ``@import``'s string."""
    if token.type == "url":
        return [token.value]
    if token.type == "function" and token.lower_name == "url":
        return [t.value for t in token.arguments if t.type == "string"]
    if token.type == "at-rule" and token.lower_at_keyword == "import":
        return [t.value for t in token.prelude if t.type == "string"]
    return []


def _local(sheet: Path, ref: str) -> Path | None:
    """The file a reference in ``sheet`` names, when it is a local path (not a web or data address)."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(ref.strip())
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return sheet.parent / unquote(parts.path)


def sheets(folder: Path, loops: list | None = None) -> Iterator[tuple[Path, list]]:
    """``(stylesheet, its parsed rules)`` for each stylesheet of the letter's folder and those they name (up
    to ``MAX_STYLESHEETS``, each once, at most ``MAX_STYLESHEET_BYTES`` of it). What is not a regular file is
    passed over, never opened to wait on (the letter's loading refuses one beside the letter). ``loops``
    collects ``(stylesheet, line, name)`` for a name that leads back to a stylesheet importing it (through a
    link to a folder every spelling is new to WeasyPrint, which would read it again and again)."""
    import tinycss2

    queue: list[tuple[Path, tuple[Path, ...]]] = [(sheet, ()) for sheet in sorted(folder.glob("*.css"))]
    seen: set[Path] = set()
    while queue and len(seen) < MAX_STYLESHEETS:
        sheet, ancestors = queue.pop(0)
        try:
            key = sheet.resolve()
            if key in seen:
                continue
            seen.add(key)
            data = read_regular(sheet, limit=MAX_STYLESHEET_BYTES, what="the stylesheet", cut=True)
        except (OSError, RuntimeError, LetterPdfError):  # RuntimeError: a loop of links
            continue
        rules = tinycss2.parse_stylesheet(data.decode("utf-8", "replace"), skip_comments=True)
        yield sheet, rules
        for token in _tokens(rules):
            for ref in _named(token):
                target = _local(sheet, ref)
                if target is None or target.suffix.lower() != ".css" or not target.is_file():
                    continue
                with contextlib.suppress(OSError, RuntimeError):
                    if target.resolve() in (*ancestors, key) and loops is not None:
                        loops.append((sheet, token.source_line, ref))
                        continue
                queue.append((target, (*ancestors, key)))


def named_files(folder: Path) -> list[tuple[str, Path]]:
    """Every local file the folder's stylesheets name, ``(the stylesheet's file name, path)``, resolved
    against the naming stylesheet. A file named by a rule no element matches is never read by the
    typesetting, and yet it must not be written over."""
    found: list[tuple[str, Path]] = []
    for sheet, rules in sheets(folder):
        for token in _tokens(rules):
            found += [(sheet.name, target) for ref in _named(token) if (target := _local(sheet, ref)) is not None]
    return found


def problems(folder: Path) -> list[LetterPdfError]:
    """A CSS string (``content: "..."``, ``quotes``, a counter's suffix) with a bidirectional control or a
    control character, written as is or as a CSS escape (``"\\202E"``), is refused like the same character
    in the letter, with the stylesheet and line: one per stylesheet; so are blocks nested beyond
    ``MAX_CSS_NESTING`` and an ``@import`` that leads back to the stylesheet importing it."""
    found: list[LetterPdfError] = []
    loops: list[tuple[Path, int, str]] = []
    for sheet, rules in sheets(folder, loops):
        shown = os.path.normpath(os.path.relpath(sheet, folder))
        for token, depth in _nested(rules):
            if depth > MAX_CSS_NESTING:  # WeasyPrint would end in a RecursionError (an internal error)
                found.append(InputError(f"blocks and brackets are nested more than {MAX_CSS_NESTING} deep",
                                        where=f"{shown}:{token.source_line}",
                                        hint="a stylesheet needs a few levels; check for unclosed brackets"))
                break
            if token.type == "string" and (refused := text.refused_character(token.value)) is not None:
                what, hint = refused
                found.append(InputError(f"a CSS string contains {what}", where=f"{shown}:{token.source_line}",
                                        hint=hint))
                break
    for sheet, line, ref in loops:
        found.append(InputError(f"the stylesheet imports '{text.visible(ref)}', which leads back to itself",
                                where=f"{os.path.normpath(os.path.relpath(sheet, folder))}:{line}",
                                hint="remove the @import: a stylesheet that imports itself is read again and again"))
    return found
