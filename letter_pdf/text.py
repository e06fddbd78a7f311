"""Checks of text that will be printed: characters that would make the page show something other than
what the user wrote (bidirectional controls, control characters), and marks of damaged text (U+FFFD,
Unicode tag characters) that deserve a warning.

Shared by the letter (front matter and body) and the signatory list.
"""

from __future__ import annotations

import re
import unicodedata

# Embeddings, overrides and isolates: they reorder the characters that follow them on the page
# ("IBAN \u202e1234 5678" prints "8765 4321"), while text extraction still shows the logical order.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE_HINT = "delete it (it is invisible in most editors: retype the text around it)"
BIDI_HINT = f"it can reorder what is printed; {INVISIBLE_HINT}"

REPLACEMENT = "\ufffd"
TAGS = range(0xE0000, 0xE0080)

# Unicode's line and paragraph separators: a line break in some programs and nothing in others (U+0085, the
# other Unicode line break, is refused with the control characters).
SEPARATORS = frozenset("\u2028\u2029")
SEPARATOR_HINT = ("it is a line break in some programs and invisible in others; replace it with a space "
                  "(or an ordinary line end where the text may have several lines)")
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SUSPECT = re.compile("[\ufffd\U000e0000-\U000e007f]")


def char_name(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'CONTROL')}"


# What ``visible`` shows as ``<U+XXXX>`` in a message: the characters above, format characters (zero-width
# spaces and joiners, soft hyphens, direction marks, tags), line and paragraph separators, tabs and line
# ends (a message is one line), and the Hangul fillers and the combining grapheme joiner, which print nothing.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\ufffd\U000e0000-\U000e007f]")


def visible(text: str, limit: int = 80) -> str:
    """The text as a message may quote it: every character that is invisible, can reorder the line or is
    a mark of damage shown as ``<U+XXXX>`` (so is a combining mark with nothing before it to sit on),
    shortened to ``limit``."""
    shown = _HIDDEN.sub(lambda m: f"<U+{ord(m[0]):04X}>", text)
    lead = _leading_marks(shown)
    shown = "".join(f"<U+{ord(ch):04X}>" for ch in lead) + shown[len(lead):]
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _leading_marks(text: str) -> str:
    end = 0
    while end < len(text) and unicodedata.category(text[end]) in ("Mn", "Me", "Mc"):
        end += 1
    return text[:end]


def refused_character(text: str) -> tuple[str, str] | None:
    """``(description, hint)`` of the first character that must not be printed, or ``None``.

    Refused: bidirectional controls, control characters other than tab and line end, and the Unicode line
    and paragraph separators."""
    match = _REFUSED.search(text)
    if match is None:
        return None
    ch = match[0]
    if ch in BIDI_CONTROLS:
        return f"an invisible bidirectional control, {char_name(ch)}", BIDI_HINT
    if ch in SEPARATORS:
        return f"a line break, {char_name(ch)}", SEPARATOR_HINT
    return f"a control character, {char_name(ch)}", INVISIBLE_HINT


def suspect_characters(text: str) -> str | None:
    """A description of damaged-text marks in ``text`` (U+FFFD, tag characters), or ``None``."""
    found = {m[0] for m in _SUSPECT.finditer(text)}
    if not found:
        return None
    parts = []
    if REPLACEMENT in found:
        parts.append("U+FFFD REPLACEMENT CHARACTER (the mark of text decoded with the wrong encoding: "
                     "a character was lost here)")
    if found - {REPLACEMENT}:
        parts.append("invisible Unicode tag characters (U+E0000–U+E007F)")
    return " and ".join(parts)
