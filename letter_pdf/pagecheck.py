"""The page check: after layout and before the PDF is written, measure the laid-out pages, fit what can be
fitted, and refuse what cannot.

Measured on WeasyPrint's layout tree (each page's line boxes and the text in them, in mm from the page's
top left corner), never on the HTML:

- the recipient lies inside the window of the paper's standard envelope (``WINDOWS``); when it does not,
  its leading and then its size are made smaller, down to ``RECIPIENT_STEPS[-1]``; beyond that the build
  is refused, saying how many lines fit;
- the sender's return line above it is one line inside the window's width: a shorter separator, then
  smaller type (down to ``RETURN_FLOOR``), else without its last address line when that is a country;
- the cover is one page: tighter spacing, long enclosure lists in two columns, smaller type; else refused
  naming its longest part;
- no line of text overlaps another, none leaves the page's text area (page-margin boxes aside);
- no word is hyphenated across a page break, before a paragraph's last line, or on more than two lines in a
  row (such a paragraph is set without hyphenation).

Fitting sets CSS custom properties and template choices (``render.Fit``) and typesets again: the first
layout is measured, and a second one is made only when something must change (at most ``MAX_LAYOUTS``).
The pipeline hands in one function that renders with a given ``Fit`` and typesets, so that this module knows
no stage order. The lines are measured by ``measure.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from letter_pdf import countries
from letter_pdf.errors import LayoutError, LetterPdfError, Problems
from letter_pdf.measure import Layout, Line, measure
from letter_pdf.model import Letter
from letter_pdf.render import Fit

_LOG = logging.getLogger("letter_pdf")

PT_MM = 25.4 / 72
TOLERANCE = 0.1  # mm: rounding in the layout; two lines touching do not overlap
MAX_LAYOUTS = 6


@dataclass(frozen=True)
class Window:
    """Where an envelope's window lies on the first page, in mm from the sheet's top left corner."""

    envelope: str
    left: float
    right: float
    top: float  # the recipient's zone
    bottom: float
    return_top: float  # the return line's zone: from here to return_bottom, and above the recipient
    return_bottom: float


WINDOWS = {
    # DIN 5008 form B: address field 45-90 mm from the top, 20-105 mm from the left; the recipient's zone
    # is 62.7-90 mm (DL and C6/5 windows are 90 x 45 mm, 20 mm from the left).
    "a4": Window("a DL or C6/5 envelope (DIN 5008 form B)", 20, 105, 62.7, 90, 45, 62.7),
    # #10 envelope (4 1/8 x 9 1/2 in), window 4 1/2 x 1 1/8 in, 7/8 in from the left and 1/2 in from the
    # bottom; a tri-folded letter resting on its fold shows 51.8-80.4 mm from its top.
    "letter": Window("a #10 envelope", 0.875 * 25.4, 5.375 * 25.4, 51.8, 80.4, 51.8, 80.4),
}

# (size in pt, leading): the bundled letter.css's, then smaller leading, then smaller type down to a floor.
RECIPIENT_STEPS: tuple[tuple[float, float], ...] = (
    (10, 1.3), (10, 1.2), (10, 1.15), (9.5, 1.15), (9, 1.15), (8.5, 1.15), (8, 1.15))
RETURN_FLOOR = 6.0  # pt
# No return line of more characters fits a window even in 6 pt without its country (a window is at most
# 100 mm wide; the narrowest letters are about 0.5 mm there): longer is refused before any typesetting,
# which would lay out the long lines for many seconds only to refuse them.
RETURN_MAX_CHARS = 400
RETURN_SEPARATORS = {" · ": 1.0, ", ": 0.6}  # separator -> its width relative to " · " (an estimate)
COVER_FLOOR = 8.0  # pt
COVER_LONG_LIST = 4  # enclosures: from this many on, two columns are tried
# (spacing factor, enclosure columns, type scale)
COVER_STEPS: tuple[tuple[float, int, float], ...] = ((1, 1, 1), (0.5, 1, 1), (0.5, 2, 1), (0.5, 2, 0.92), (0.4, 2, 0.85))


# --- what the checks decide ----------------------------------------------------------------------


@dataclass
class _Verdict:
    fit: Fit
    errors: list[LetterPdfError] = field(default_factory=list)
    refit: bool = False


def _field(letter: Letter, name: str) -> str:
    return LetterPdfError.location(letter.source, field=name)


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _variables(fit: Fit, **values: str) -> tuple[tuple[str, str], ...]:
    current = dict(fit.variables)
    current.update({"--" + k.replace("_", "-"): v for k, v in values.items()})
    return tuple(current.items())


def _pt(value: float) -> str:
    return f"{value:g}pt"


@dataclass
class _Recipient:
    """The recipient's fitting: the index into ``RECIPIENT_STEPS`` in use (0: as the stylesheet says)."""

    step: int = 0


def _extent(lines: list[Line]) -> tuple[float, float, float, float]:
    """left, top, right, bottom of ``lines`` in mm: the glyphs, not only the line boxes, since with tight
    leading descenders reach below the line box (what must stay inside a window)."""
    return (min(line.x0 for line in lines), min(min(line.y0, line.ink_y0) for line in lines),
            max(line.x1 for line in lines), max(max(line.y1, line.ink_y1) for line in lines))


def _check_recipient(letter: Letter, layout: Layout, verdict: _Verdict, state: _Recipient) -> None:
    if letter.recipient is None:
        return
    lines = [line for line in layout.lines if line.page == 0 and "recipient" in line.marks]
    if not lines:
        return
    window = WINDOWS[letter.paper]
    where = _field(letter, "recipient")
    left, top, right, bottom = _extent(lines)
    if left < window.left - TOLERANCE or right > window.right + TOLERANCE or top < window.top - TOLERANCE:
        verdict.errors.append(LayoutError(
            f"the recipient's address lies outside the window of {window.envelope} "
            f"(at {left:.1f}-{right:.1f} mm from the left, {top:.1f} mm from the top; the window is "
            f"{window.left:.1f}-{window.right:.1f} mm and {window.top:.1f}-{window.bottom:.1f} mm)",
            where=where, hint="a letter.css in the letter's folder moves it: keep the address band's positions"))
        return
    pitch = max(line.pitch for line in lines) / PT_MM
    if state.step and abs(pitch - RECIPIENT_STEPS[state.step][0] * RECIPIENT_STEPS[state.step][1]) > 0.2:
        verdict.errors.append(LayoutError(
            f"the recipient's address does not fit in the window of {window.envelope}, and the stylesheet does "
            f"not let its type be set smaller", where=where,
            hint="in a letter.css of your own, set the .recipient's font-size: var(--recipient-size) and "
                 "line-height: var(--recipient-leading), as the bundled letter.css does"))
        return
    if bottom <= window.bottom + TOLERANCE:
        return
    n = len(lines)
    room = (window.bottom - top) / PT_MM  # pt
    given = 1 + len(letter.recipient.address)
    candidates = [i for i in range(state.step + 1, len(RECIPIENT_STEPS))
                  if RECIPIENT_STEPS[i][0] * RECIPIENT_STEPS[i][1] < pitch - 0.01]
    for i in candidates:
        size, leading = RECIPIENT_STEPS[i]
        if n * size * leading <= room + 0.05:
            state.step = i
            break
    else:
        floor = len(RECIPIENT_STEPS) - 1
        if n > given and floor in candidates:  # wrapped lines may join in smaller type: measure it
            state.step = floor
        else:
            size, leading = RECIPIENT_STEPS[-1]
            fit_lines = int((room + 0.05) // (size * leading))
            wrapped = f" ({given} given, the others from long lines that wrap)" if n > given else ""
            verdict.errors.append(LayoutError(
                f"the recipient's name and address take {n} lines{wrapped}; {fit_lines} lines fit in the window of "
                f"{window.envelope}, even in {size:g} pt",
                where=where,
                hint=f"shorten the recipient's name and address to {fit_lines} lines (a line too long for the "
                     f"window wraps and counts twice)"))
            return
    size, leading = RECIPIENT_STEPS[state.step]
    verdict.fit = replace(verdict.fit, variables=_variables(verdict.fit, recipient_size=_pt(size),
                                                            recipient_leading=f"{leading:g}"))
    verdict.refit = True


@dataclass
class _Return:
    """The return line's fitting: the options tried in order and the one in use."""

    options: list[tuple[str, float, bool]] = field(default_factory=list)  # (separator, size pt, drop last)
    index: int = 0


def _return_options(letter: Letter, size: float) -> list[tuple[str, float, bool]]:
    sizes = [size]
    while sizes[-1] - 0.25 >= RETURN_FLOOR - 1e-6:
        sizes.append(round(sizes[-1] - 0.25, 2))
    options = [(" · ", size, False)] + [(", ", s, False) for s in sizes]
    address = [line for line in letter.sender.address if line] if letter.sender else []
    if address and countries.lookup(address[-1], thorough=False) is not None:
        options += [(" · ", size, True)] + [(", ", s, True) for s in sizes]
    return options


def return_line_problems(letter: Letter) -> list[LayoutError]:
    """The sender's name and address that can never make a one-line return line (``RETURN_MAX_CHARS``)."""
    if letter.sender is None:
        return []
    length = len(letter.sender.name) + sum(len(line) for line in letter.sender.address if line)
    if length <= RETURN_MAX_CHARS:
        return []
    return [LayoutError(f"the sender's name and address are {length:,} characters; the return line above the "
                        f"recipient prints them on one line, and no more than {RETURN_MAX_CHARS} fit the window",
                        where=_field(letter, "sender"),
                        hint="shorten the sender's name or address lines (the return line prints them all on one line)")]


def _check_return_line(letter: Letter, layout: Layout, verdict: _Verdict, state: _Return) -> None:
    if letter.sender is None:
        return
    lines = [line for line in layout.lines if line.page == 0 and "return-line" in line.marks]
    if not lines:
        return
    window = WINDOWS[letter.paper]
    recipient = [line.y0 for line in layout.lines if line.page == 0 and "recipient" in line.marks]
    zone_bottom = min([*recipient, window.return_bottom])
    box = layout.boxes.get("return-line")
    limit = min(window.right, box[3]) if box else window.right
    left, top, right, bottom = _extent(lines)
    pieces = [p for line in lines for p in line.pieces]
    if not state.options:
        state.options = _return_options(letter, pieces[0].size)
    if len(lines) == 1 and right <= limit + TOLERANCE and left >= window.left - TOLERANCE \
            and top >= window.return_top - TOLERANCE and bottom <= zone_bottom + TOLERANCE:
        return
    where = _field(letter, "sender")
    if len(lines) == 1 and not (top >= window.return_top - TOLERANCE and bottom <= zone_bottom + TOLERANCE):
        verdict.errors.append(LayoutError(
            f"the sender's return line lies outside the window of {window.envelope} "
            f"({top:.1f}-{bottom:.1f} mm from the top)",
            where=where, hint="a letter.css in the letter's folder moves it: keep the address band's positions"))
        return
    separator, size, dropped = state.options[state.index]
    if abs(pieces[0].size - size) > 0.05:
        verdict.errors.append(LayoutError(
            f"the sender's return line does not fit on one line in the window of {window.envelope}, and the "
            f"stylesheet does not let its type be set smaller", where=where,
            hint="in a letter.css of your own, set the .return-line's font-size: var(--return-size), as the "
                 "bundled letter.css does; or shorten the sender's name or address lines"))
        return
    seps = [p.x1 - p.x0 for p in pieces if "return-sep" in p.marks]
    last = sum(p.x1 - p.x0 for p in pieces if "return-last" in p.marks and "return-sep" not in p.marks)
    width = sum(p.x1 - p.x0 for p in pieces)
    per_sep = sum(seps) / len(seps) if seps else 0.0
    parts = width - sum(seps)
    room = limit - left - 0.3
    for index in range(state.index + 1, len(state.options)):
        o_sep, o_size, o_drop = state.options[index]
        drop = o_drop and not dropped
        estimate = (o_size / size) * (parts - (last if drop else 0) + (len(seps) - (1 if drop else 0)) * per_sep
                                      * RETURN_SEPARATORS[o_sep] / RETURN_SEPARATORS[separator])
        if estimate <= room:
            state.index = index
            verdict.fit = replace(verdict.fit, return_separator=o_sep, return_drop_last=o_drop,
                                  variables=_variables(verdict.fit, return_size=_pt(o_size)))
            verdict.refit = True
            return
    without = " without the country" if any(o[2] for o in state.options) else ""
    verdict.errors.append(LayoutError(
        f"the sender's return line does not fit on one line in the window of {window.envelope}, even in "
        f"{RETURN_FLOOR:g} pt{without}: it is {width:.0f} mm long at {size:g} pt, and {limit - left:.0f} mm fit",
        where=where, hint="shorten the sender's name or address lines (the return line prints them all on one line)"))


@dataclass
class _Cover:
    step: int = 0
    size: float | None = None  # the cover's type size as the stylesheet sets it, pt


def _cover_steps(letter: Letter) -> list[tuple[float, int, float]]:
    long_list = len(letter.enclosures) >= COVER_LONG_LIST
    steps: list[tuple[float, int, float]] = []
    for space, columns, scale in COVER_STEPS:
        step = (space, columns if long_list else 1, scale)
        if step not in steps:
            steps.append(step)
    return steps


COVER_PARTS = {"sender": "the sender's address and contact lines", "title": "the title", "recipient": "the recipient's address",
               "subject": "the subject", "cover.channel": "the delivery channel", "cc": "the copy-to list",
               "enclosures": "the list of enclosures", "cover.note": "the note"}


def _check_cover(letter: Letter, layout: Layout, verdict: _Verdict, state: _Cover, size: float) -> None:
    if state.size is None:
        state.size = size
    if layout.pages <= 1:
        return
    steps = _cover_steps(letter)
    for index in range(state.step + 1, len(steps)):
        space, columns, scale = steps[index]
        if state.size * scale < COVER_FLOOR - 1e-6:
            continue
        state.step = index
        values = {"cover_space": f"{space:g}"}
        if scale != 1:
            values["cover_size"] = _pt(round(state.size * scale, 2))
        verdict.fit = replace(verdict.fit, enclosure_columns=columns, variables=_variables(verdict.fit, **values))
        verdict.refit = True
        return
    rows: dict[str, dict[tuple[int, float], float]] = {}  # part -> its rows of text (cells side by side: one row)
    for line in layout.lines:
        if line.field:
            rows.setdefault(line.field, {})[(line.page, round(line.y0, 1))] = line.pitch
    longest = max(rows, key=lambda part: sum(rows[part].values())) if rows else "cover.note"
    what = COVER_PARTS.get(longest, f"the field '{longest}'")
    verdict.errors.append(LayoutError(
        f"the cover page takes {layout.pages} pages, even with tighter spacing and smaller type; the longest part "
        f"is {what} ({len(rows.get(longest, ()))} lines)",
        where=_field(letter, longest),
        hint=f"shorten {what}, or build without a cover page ('cover: false' in the front matter, or --no-cover)"))


def _selector(root, element) -> str | None:
    """A selector for ``element`` alone: its position among its siblings on the way from the root."""
    parents = {child: parent for parent in root.iter() for child in parent}
    steps = []
    while element is not root:
        parent = parents.get(element)
        if parent is None:
            return None
        siblings = [child for child in parent if isinstance(child.tag, str)]
        steps.append(f":nth-child({siblings.index(element) + 1})")
        element = parent
    return ":root" + "".join(f" > {step}" for step in reversed(steps)) if steps else None


def _inserted_hyphen(line: Line, following: Line) -> str | None:
    """The word split by a hyphen the typesetter inserted at the end of ``line`` and continued on
    ``following`` (the next line of the same block), or None (no hyphen, or one the letter has)."""
    if line.element is None or following.element is not line.element or not line.hyphen:
        return None
    text = line.text
    if not text.endswith(line.hyphen) or not following.text:
        return None
    head = text[: -len(line.hyphen)].split()[-1:] or [""]
    tail = following.text.split()[0]
    source = "".join("".join(line.element.itertext()).replace("\u00ad", "").split())
    if head[0] + tail in source and head[0] + line.hyphen + tail not in source:
        return head[0] + tail
    return None


MAX_HYPHENS_IN_A_ROW = 2


def _check_hyphens(letter: Letter, layout: Layout, verdict: _Verdict) -> None:
    """A paragraph is set without hyphenation where the typesetter hyphenated a word across a page break,
    before the paragraph's last line (which would start with the end of a word), or on more than
    ``MAX_HYPHENS_IN_A_ROW`` lines in a row. WeasyPrint has no CSS for these rules
    (``hyphenate-limit-lines``, ``hyphenate-limit-last``): they are measured here."""
    flow = [line for line in layout.lines if line.flow]
    why: dict = {}  # element -> what was wrong (the first reason found)
    run = 0
    for i, (line, following) in enumerate(zip(flow, flow[1:])):
        word = _inserted_hyphen(line, following)
        run = run + 1 if word is not None else 0
        if word is None:
            continue
        element = line.element
        if following.page != line.page:
            why.setdefault(element, f"page {line.page + 1}: the word '{word}' is hyphenated across a page break")
        if i + 2 >= len(flow) or flow[i + 2].element is not element:
            why.setdefault(element, f"page {line.page + 1}: the word '{word}' is hyphenated before a paragraph's "
                                    "last line")
        if run > MAX_HYPHENS_IN_A_ROW:
            why.setdefault(element, f"page {line.page + 1}: more than {MAX_HYPHENS_IN_A_ROW} lines in a row end in "
                                    f"a hyphen ('{word}')")
    added = []
    for element, reason in why.items():
        selector = _selector(layout.root, element)
        if selector in verdict.fit.unhyphenated:  # asked for, and yet hyphenated: the template lacks fit_css
            verdict.errors.append(LayoutError(
                f"the letter, {reason}", where=letter.source,
                hint="keep {{ fit_css }} last in the <style> of a letter.html.j2 of your own, as the bundled "
                     "one does, or reword the paragraph"))
            return
        if selector:
            added.append(selector)
    if added:
        verdict.fit = replace(verdict.fit, unhyphenated=verdict.fit.unhyphenated + tuple(added))
        verdict.refit = True


def _check_overlaps_and_margins(letter: Letter, layout: Layout, verdict: _Verdict, part: str) -> None:
    where = letter.source
    hint_css = "a letter.css or template in the letter's folder places it there; otherwise please report this as a bug"
    for line in layout.lines:
        x0, y0, x1, y1 = layout.areas[line.page]
        outside = [(x0 - line.x0, "left"), (line.x1 - x1, "right"), (y0 - line.y0, "top"), (line.y1 - y1, "bottom")]
        amount, side = max(outside)
        if amount > TOLERANCE:
            long_word = side == "right" and len(line.pieces) <= 3
            verdict.errors.append(LayoutError(
                f"{part}, page {line.page + 1}: the text '{_clip(line.text)}' runs {amount:.1f} mm into the {side} margin",
                where=where,
                hint="break or shorten the long word or web address" if long_word else hint_css))
            break  # the first is enough to act on
    by_page: dict[int, list[Line]] = {}
    for line in layout.lines:
        by_page.setdefault(line.page, []).append(line)
    for page, lines in sorted(by_page.items()):
        lines.sort(key=lambda line: line.y0)
        active: list[Line] = []
        for line in lines:
            active = [a for a in active if a.y1 - line.y0 > TOLERANCE]
            for other in active:
                if min(other.x1, line.x1) - max(other.x0, line.x0) > TOLERANCE:
                    verdict.errors.append(LayoutError(
                        f"{part}, page {page + 1}: the text '{_clip(line.text)}' overlaps '{_clip(other.text)}'",
                        where=where, hint=hint_css))
                    return
            active.append(line)


# --- the fitting loop ---------------------------------------------------------------------------


class _Refit(Exception):
    """Stops a typesetting whose layout must change (caught here, never seen outside)."""


class _Measured(Exception):
    """Stops a typesetting after a successful check when no PDF is wanted (``letter-pdf check``)."""


@dataclass(frozen=True)
class Fitted:
    """The typeset part (``None`` when only checked), the adjustments made, and notes saying so."""

    typeset: Any
    fit: Fit
    notes: tuple[str, ...] = ()


def _raise(errors: list[LetterPdfError]) -> None:
    if errors:
        raise errors[0] if len(errors) == 1 else Problems(errors)


def _loop(judge: Callable[[Layout, Fit], _Verdict], typeset: Callable[[Fit, Callable], Any], *, write: bool,
          part: str, letter: Letter) -> tuple[Any, Fit]:
    fit = Fit()
    for _ in range(MAX_LAYOUTS):
        verdict: list[_Verdict] = []

        def inspect(document, fit=fit, verdict=verdict):
            result = judge(measure(document), fit)
            verdict.append(result)
            _raise(result.errors)
            if result.refit:
                raise _Refit()
            if not write:
                raise _Measured()

        try:
            return typeset(fit, inspect), fit
        except _Refit:
            fit = verdict[-1].fit
        except _Measured:
            return None, fit
    raise LayoutError(f"the {part} could not be fitted after {MAX_LAYOUTS} layouts", where=letter.source,
                      hint="please report this as a bug in letter-pdf")


def fit_letter(letter: Letter, typeset: Callable[[Fit, Callable], Any], *, write: bool = True) -> Fitted:
    """Typeset the letter with ``typeset(fit, inspect) -> Typeset`` (rendered with the adjustments ``fit``,
    the laid-out pages handed to ``inspect`` before the PDF is written), fitting the window and the page
    breaks; raise ``LayoutError`` (or ``Problems``) for what cannot be fitted."""
    recipient, return_line = _Recipient(), _Return()

    def judge(layout: Layout, fit: Fit) -> _Verdict:
        verdict = _Verdict(fit)
        _check_recipient(letter, layout, verdict, recipient)
        _check_return_line(letter, layout, verdict, return_line)
        if verdict.errors:
            return verdict
        _check_hyphens(letter, layout, verdict)
        if not verdict.refit and not verdict.errors:
            _check_overlaps_and_margins(letter, layout, verdict, "the letter")
        return verdict

    result, fit = _loop(judge, typeset, write=write, part="letter", letter=letter)
    notes = []
    if recipient.step:
        size, _leading = RECIPIENT_STEPS[recipient.step]
        how = "with tighter lines" if size == RECIPIENT_STEPS[0][0] else f"in {size:g} pt"
        notes.append(f"the recipient's address is set {how} to fit the window of {WINDOWS[letter.paper].envelope}")
    if fit.return_drop_last and letter.sender:
        dropped = [line for line in letter.sender.address if line][-1]
        notes.append(f"the return line above the recipient leaves out '{dropped}' to fit on one line")
    return Fitted(result, fit, tuple(notes))


def fit_cover(letter: Letter, typeset: Callable[[Fit, Callable], Any], *, write: bool = True) -> Fitted:
    """Typeset the cover page as ``fit_letter`` does the letter, keeping it to one page."""
    cover = _Cover()

    def judge(layout: Layout, fit: Fit) -> _Verdict:
        verdict = _Verdict(fit)
        _check_cover(letter, layout, verdict, cover, size=layout.root_size)
        if not verdict.errors and not verdict.refit:
            _check_overlaps_and_margins(letter, layout, verdict, "the cover page")
        return verdict

    result, fit = _loop(judge, typeset, write=write, part="cover page", letter=letter)
    notes: tuple[str, ...] = ()
    if cover.step:
        notes = ("the cover page is set with tighter spacing" + (" and smaller type" if _cover_steps(letter)[cover.step][2] != 1
                                                                  else "") + " to fit on one page",)
    return Fitted(result, fit, notes)


__all__ = ["WINDOWS", "Fitted", "Layout", "Line", "Window", "fit_cover", "fit_letter", "measure"]
