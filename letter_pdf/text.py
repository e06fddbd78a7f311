"""Checks of text that will be printed: characters that would make the page show something other than
what the user wrote (bidirectional controls, control characters), and marks of damaged text (U+FFFD,
Unicode tag characters) that deserve a warning.

Shared by the letter (front matter and body) and the signatory list.
"""

from __future__ import annotations

import functools
import itertools
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
                     "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\ufffd\U000e0000-\U000e007f"
                     "\U000e0100-\U000e01ef]")


def visible(text: str, limit: int = 80) -> str:
    """The text as a message may quote it: every character that is invisible (variation selectors too),
    can reorder the line or is a mark of damage shown as ``<U+XXXX>`` (so is a combining mark with nothing
    before it to sit on, and every mark of a stack beyond ``MAX_MARKS``), shortened to ``limit``."""
    if _may_stack(text) and _stacks().search(decomposed := unicodedata.normalize("NFD", text)):
        text = _stacks().sub(lambda m: m[0][:MAX_MARKS] + "".join(f"<U+{ord(ch):04X}>" for ch in m[0][MAX_MARKS:]),
                             decomposed)  # looks the same; the marks are counted as drawn
    shown = _HIDDEN.sub(lambda m: f"<U+{ord(m[0]):04X}>", text)
    lead = _leading_marks(shown)
    shown = "".join(f"<U+{ord(ch):04X}>" for ch in lead) + shown[len(lead):]
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _leading_marks(text: str) -> str:
    end = 0
    while end < len(text) and unicodedata.category(text[end]) in ("Mn", "Me", "Mc"):
        end += 1
    return text[:end]


# Combining marks (categories Mn and Me) stacked on one character: real scripts put at most a few on a
# letter (Vietnamese two, Thai two, Hebrew and Arabic vowels with a sign or two, Indic and Tibetan clusters
# three or four); more are drawn above or below the line, over the text around it ("Zalgo" text), and the
# page check cannot see it. Unicode's Stream-Safe Text Format allows 30, far too many to print. A zero-width
# joiner or non-joiner between the marks does not end the stack (they stay in the same cluster).
MAX_MARKS = 4
MARKS_HINT = (f"a letter carries at most {MAX_MARKS} accents or vowel signs; more are drawn over the lines around "
              "it: retype the word without the extra marks")
_JOINERS = "\u200c\u200d"


@functools.cache
def _marks_class() -> str:
    """A regular-expression class of every Mn and Me character (they lie in planes 0 and 1, and the
    variation selectors U+E0100–U+E01EF); built once, when first needed (a few hundredths of a second)."""
    codes = [cp for cp in itertools.chain(range(0x300, 0x20000), range(0xE0100, 0xE01F0))
             if unicodedata.category(chr(cp)) in ("Mn", "Me")]
    ranges = []
    for _, run in itertools.groupby(enumerate(codes), lambda pair: pair[1] - pair[0]):
        span = [cp for _, cp in run]
        ranges.append(re.escape(chr(span[0])) + (f"-{re.escape(chr(span[-1]))}" if len(span) > 1 else ""))
    return "[" + "".join(ranges) + "]"


@functools.cache
def _stacks() -> re.Pattern:
    """A run of more than ``MAX_MARKS`` combining marks (joiners between them allowed)."""
    mark = _marks_class()
    return re.compile(f"{mark}[{_JOINERS}]*(?:{mark}[{_JOINERS}]*){{{MAX_MARKS},}}")


def _may_stack(text: str) -> bool:
    # marks start at U+0300: plain ASCII and Latin-1 text needs no search
    return not text.isascii() and len(text) > MAX_MARKS and max(text) >= "\u0300"


def stacked_marks(text: str) -> str | None:
    """A description of the first character in ``text`` carrying more than ``MAX_MARKS`` combining marks
    (the character and the marks by code point), or ``None``. Marks are counted as drawn: on the text
    decomposed (NFD), so an accented letter that has one code point counts its accent too."""
    if not _may_stack(text):
        return None
    text = unicodedata.normalize("NFD", text)
    if (match := _stacks().search(text)) is None:
        return None
    marks = [ch for ch in match[0] if ch not in _JOINERS]
    base = text[match.start() - 1] if match.start() else None
    on = f"on {char_name(base)}" if base is not None else "with no character to sit on"
    shown = " ".join(f"U+{ord(ch):04X}" for ch in marks[:MAX_MARKS + 1]) + (
        f" and {len(marks) - MAX_MARKS - 1:,} more" if len(marks) > MAX_MARKS + 1 else "")
    return f"{len(marks):,} combining marks stacked {on} ({shown}; at most {MAX_MARKS})"


def refused_character(text: str) -> tuple[str, str] | None:
    """``(description, hint)`` of the first character that must not be printed, or ``None``.

    Refused: bidirectional controls, control characters other than tab and line end, the Unicode line
    and paragraph separators, and a stack of more than ``MAX_MARKS`` combining marks on one character."""
    match = _REFUSED.search(text)
    if match is None:
        if (stacked := stacked_marks(text)) is not None:
            return stacked, MARKS_HINT
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


# Characters that print nothing: spaces, format characters (zero-width space, soft hyphen, joiners, marks,
# tags...), variation selectors, the combining grapheme joiner and the Hangul fillers.
_NOTHING = re.compile("[\u034f\u115f\u1160\u3164\uffa0\u2800\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def invisible_only(text: str) -> bool:
    """True when ``text`` (not empty) prints nothing at all."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp") or _NOTHING.match(ch)
               for ch in text)


def no_base(text: str) -> bool:
    """True when ``text`` (not empty) has no letter, digit, punctuation or symbol: only invisible
    characters and combining marks, which then float on nothing ("\u0301\u0301" prints two accents)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Mc", "Me")
               or _NOTHING.match(ch) for ch in text)
