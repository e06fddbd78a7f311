"""The letter's folder's stylesheets print what they say: the text of a CSS string (``content: "..."``,
``quotes``, a counter's suffix) is checked like the letter's own text."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from letter_pdf import text
from letter_pdf.errors import InputError, LetterPdfError


def _read_stylesheet(sheet: Path) -> str | None:
    """The text of a stylesheet in the letter's folder, up to ``MAX_STYLESHEET_BYTES``; ``None`` for what
    is not a regular file (a FIFO, a device) or cannot be read (never waits on a pipe)."""
    import stat

    from letter_pdf.pipeline import MAX_STYLESHEET_BYTES

    try:
        fd = os.open(sheet, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return handle.read(MAX_STYLESHEET_BYTES).decode("utf-8", "replace")
        except OSError:
            return None


def problems(folder: Path) -> list[LetterPdfError]:
    """The letter's folder's stylesheets print what they say: a CSS string (``content: "..."``, ``quotes``,
    a counter's suffix) with a bidirectional control or a control character, written as is or as a CSS
    escape (``"\\202E"``), is refused like the same character in the letter, with the stylesheet and line.
    The stylesheets they ``@import`` are checked too (up to ``MAX_STYLESHEETS`` in all)."""
    from urllib.parse import unquote, urlsplit

    import tinycss2

    from letter_pdf.pipeline import MAX_STYLESHEETS

    found: list[LetterPdfError] = []
    queue = sorted(folder.glob("*.css"))
    seen: set[str] = set()
    while queue and len(seen) < MAX_STYLESHEETS:
        sheet = queue.pop(0)
        shown = os.path.normpath(os.path.relpath(sheet, folder))
        if shown in seen or (css := _read_stylesheet(sheet)) is None:
            continue
        seen.add(shown)
        stack = [iter(tinycss2.parse_stylesheet(css, skip_comments=True))]
        while stack:  # walked without recursion: blocks may be nested deeply
            token = next(stack[-1], None)
            if token is None:
                stack.pop()
                continue
            if token.type == "at-rule" and token.lower_at_keyword == "import":
                refs = [t.value for t in token.prelude if t.type in ("string", "url")] + [
                    a.value for t in token.prelude if t.type == "function" and t.lower_name == "url"
                    for a in t.arguments if a.type == "string"]
                for ref in refs:
                    with contextlib.suppress(ValueError):
                        parts = urlsplit(ref.strip())
                        if not (parts.scheme or parts.netloc) and parts.path.lower().endswith(".css"):
                            queue.append(sheet.parent / unquote(parts.path))
            if token.type == "string" and (refused := text.refused_character(token.value)) is not None:
                what, hint = refused
                found.append(InputError(f"a CSS string contains {what}", where=f"{shown}:{token.source_line}",
                                        hint=hint))
                stack.clear()  # one line per stylesheet; its imports are still read
                break
            for part in ("prelude", "content", "arguments"):
                inner = getattr(token, part, None)
                if isinstance(inner, list):
                    stack.append(iter(inner))
    return found
