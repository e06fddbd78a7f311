"""The letter's folder's stylesheets print what they say: the text of a CSS string (``content: "..."``,
``quotes``, a counter's suffix) is checked like the letter's own text."""

from __future__ import annotations

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
    escape (``"\\202E"``), is refused like the same character in the letter, with the stylesheet and line."""
    import tinycss2

    from letter_pdf.pipeline import _stylesheet_files  # the sheets they import, followed as for the inputs

    found: list[LetterPdfError] = []
    sheets = sorted(folder.glob("*.css")) + [p for _, p in _stylesheet_files(folder) if p.suffix.lower() == ".css"]
    seen: set[str] = set()
    for sheet in sheets:
        shown = os.path.relpath(sheet, folder)
        if os.path.normpath(shown) in seen:
            continue
        seen.add(os.path.normpath(shown))
        css = _read_stylesheet(sheet)
        if css is None:
            continue
        stack = [iter(tinycss2.parse_stylesheet(css, skip_comments=True))]
        while stack:  # walked without recursion: blocks may be nested deeply
            token = next(stack[-1], None)
            if token is None:
                stack.pop()
                continue
            if token.type == "string":
                refused = text.refused_character(token.value)
                if refused is not None:
                    what, hint = refused
                    found.append(InputError(f"a CSS string contains {what}",
                                            where=f"{shown}:{token.source_line}", hint=hint))
                    break  # one line per stylesheet
            for part in ("prelude", "content", "arguments"):
                inner = getattr(token, part, None)
                if isinstance(inner, list):
                    stack.append(iter(inner))
    return found
