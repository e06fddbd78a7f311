"""The laid-out pages as the page check (``pagecheck.py``) measures them: each line of text with its box, its
pieces of text and their sizes, the classes it is marked with, in mm from the page's top left corner; each
page's text area; the first box of each tracked element. Read from WeasyPrint's layout tree, never the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PX_MM = 25.4 / 96  # WeasyPrint lays out in CSS pixels


@dataclass(frozen=True)
class Piece:
    """A run of text on a line (one WeasyPrint text box)."""

    x0: float
    x1: float
    text: str
    marks: frozenset[str]  # the tracked classes of the elements around it
    size: float  # pt


@dataclass(frozen=True)
class Line:
    """A line of text: the line box's height, the horizontal extent of the text in it."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    pieces: tuple[Piece, ...]
    marks: frozenset[str]
    field: str | None  # the front-matter field it shows (data-field), if known
    element: Any  # the block element the line belongs to
    flow: bool  # in the normal flow (not absolutely positioned)
    hyphen: str  # the hyphenate character of its last text
    ink_y0: float = 0.0  # the top and bottom of its text's glyph area (the fonts' ascent and descent), which
    ink_y1: float = 0.0  # tight leading sets outside the line box: what must stay inside a window

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces).strip()

    @property
    def pitch(self) -> float:
        return self.y1 - self.y0


@dataclass
class Layout:
    pages: int
    lines: list[Line]
    areas: list[tuple[float, float, float, float]]  # each page's text area (x0, y0, x1, y1)
    boxes: dict[str, tuple[int, float, float, float, float]]  # first box of a tracked class: its content box
    root: Any  # the root element
    root_size: float = 0.0  # the root element's font size, pt


TRACKED = frozenset({"recipient", "return-line", "return-sep", "return-last", "address-field", "info-block"})


def measure(document) -> Layout:
    """The lines of text of a laid-out WeasyPrint ``document`` (``HTML(...).render()``)."""
    from weasyprint.formatting_structure import boxes as b
    from weasyprint.layout.absolute import AbsolutePlaceholder

    atomic = (b.InlineBlockBox, b.InlineFlexBox, b.InlineGridBox, b.InlineReplacedBox, b.InlineTableBox)
    layout = Layout(pages=len(document.pages), lines=[], areas=[], boxes={}, root=None)

    def marks_of(box, marks: frozenset[str], fld: str | None):
        element = getattr(box, "element", None)
        if element is None:
            return marks, fld
        tracked = TRACKED.intersection((element.get("class") or "").split())
        if tracked:
            marks = marks | tracked
        return marks, element.get("data-field") or fld

    def texts(box, marks, fld, out: list, nested: list):
        """The text boxes of a line (through inline boxes); atomic inline boxes are walked on their own."""
        for child in getattr(box, "children", None) or ():
            child_marks, child_field = marks_of(child, marks, fld)
            if isinstance(child, b.TextBox):
                out.append((child, child_marks))
            elif isinstance(child, atomic) or not isinstance(child, b.InlineBox):
                nested.append((child, child_marks, child_field))
            else:
                texts(child, child_marks, child_field, out, nested)

    def walk(box, page: int, marks: frozenset[str], fld: str | None, flow: bool):
        if isinstance(box, b.MarginBox):
            return
        if isinstance(box, AbsolutePlaceholder):
            flow = False
            box = box._box
        marks, fld = marks_of(box, marks, fld)
        element = getattr(box, "element", None)
        if element is not None and layout.root is None:
            layout.root, layout.root_size = element, box.style["font_size"] * 0.75
        for name in TRACKED.intersection((element.get("class") or "").split()) if element is not None else ():
            if name not in layout.boxes and not isinstance(box, b.LineBox):
                x, y = box.content_box_x(), box.content_box_y()
                layout.boxes[name] = (page, x * PX_MM, y * PX_MM, (x + box.width) * PX_MM, (y + box.height) * PX_MM)
        if isinstance(box, b.LineBox):
            found: list = []
            nested: list = []
            texts(box, marks, fld, found, nested)
            pieces = tuple(
                Piece(t.position_x * PX_MM, (t.position_x + t.width) * PX_MM, t.text, m, t.style["font_size"] * 0.75)
                for t, m in found if t.text.strip()
            )
            if pieces:
                printed = [t for t, _m in found if t.text.strip()]
                last = printed[-1]
                layout.lines.append(Line(
                    page=page, x0=min(p.x0 for p in pieces), x1=max(p.x1 for p in pieces),
                    y0=box.position_y * PX_MM, y1=(box.position_y + box.height) * PX_MM, pieces=pieces,
                    marks=marks, field=fld, element=element, flow=flow,
                    hyphen=last.style["hyphenate_character"] or "",
                    ink_y0=min(t.position_y for t in printed) * PX_MM,
                    ink_y1=max(t.position_y + t.height for t in printed) * PX_MM,
                ))
            for child, child_marks, child_field in nested:
                walk(child, page, child_marks, child_field, flow)
            return
        for child in getattr(box, "children", None) or ():
            walk(child, page, marks, fld, flow)

    for index, page in enumerate(document.pages):
        page_box = page._page_box
        x, y = page_box.content_box_x(), page_box.content_box_y()
        layout.areas.append((x * PX_MM, y * PX_MM, (x + page_box.width) * PX_MM, (y + page_box.height) * PX_MM))
        walk(page_box, index, frozenset(), None, True)
    return layout


__all__ = ["TRACKED", "Layout", "Line", "Piece", "measure"]
