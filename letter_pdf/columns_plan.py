"""The plan of the signatory list's columns (``columns.py`` step 2): entries and headings cut into units
that never split, filled into the columns of each page, the last page balanced. A pure function of the
units' heights and the geometry of the pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

EPSILON = 0.01  # CSS px


@dataclass(frozen=True)
class Unit:
    """What is never split: entries ``first..last`` (global numbers) of section ``section``, preceded by the
    section's heading when ``heading``. ``height`` includes the heading; ``trim`` is what the heading's top
    margin adds when the unit is not at the top of a column."""

    section: int
    first: int
    last: int
    height: float
    heading: bool = False
    trim: float = 0.0


@dataclass(frozen=True)
class Block:
    """Part of a column: a heading (``heading``/``continued``) or a run of entries ``first..last``."""

    section: int
    first: int = -1
    last: int = -1
    heading: bool = False
    continued: bool = False


@dataclass(frozen=True)
class Plan:
    columns: int
    pages: tuple[tuple[tuple[Block, ...], ...], ...]  # page -> column -> blocks
    new_page: bool = False  # the whole list (title included) starts on a new page
    heights: tuple[float, ...] = ()  # page -> height of its tallest column, as planned

    def order(self) -> list[int]:
        """Entry numbers in reading order (columns down, then across, then pages)."""
        return [n for page in self.pages for column in page for block in column if not block.heading
                for n in range(block.first, block.last + 1)]


@dataclass(frozen=True)
class Geometry:
    """Heights a column may fill: on the list's first page, on a full page, and on a full page below the
    title (when the whole list moves to a new page)."""

    first: float
    full: float
    below_title: float


def _units(sections: list[tuple[bool, list[float]]], heading_heights: dict[tuple[int, bool], float],
           heading_trim: float) -> list[Unit]:
    units = []
    n = 0
    for index, (has_heading, heights) in enumerate(sections):
        for i, height in enumerate(heights):
            if i == 0 and has_heading:
                units.append(Unit(index, n, n, heading_heights[(index, False)] + height, heading=True, trim=heading_trim))
            else:
                units.append(Unit(index, n, n, height))
            n += 1
    return units


def _column_height(units: list[Unit], continued: float) -> float:
    if not units:
        return 0.0
    return continued + sum(u.height for u in units) - (units[0].trim if continued == 0 else 0.0)


class _Planner:
    def __init__(self, units: list[Unit], columns: int, continued: Callable[[Unit], float]):
        self.units, self.columns, self.continued = units, columns, continued

    def fill(self, start: int, space: float, *, page_top: bool) -> int:
        """Units from ``start`` that fill one column of ``space`` (at least one): the end index."""
        cont = self.continued(self.units[start]) if page_top else 0.0
        end = start + 1
        height = _column_height(self.units[start:end], cont)
        while end < len(self.units) and height + self.units[end].height <= space + EPSILON:
            height += self.units[end].height
            end += 1
        return end

    def fits(self, start: int, space: float) -> bool:
        """Do the units from ``start`` to the end fit in this page's columns of ``space``?"""
        at = start
        for c in range(self.columns):
            if at == len(self.units):
                return True
            cont = self.continued(self.units[at]) if c == 0 else 0.0
            if _column_height(self.units[at:at + 1], cont) > space + EPSILON:
                return False
            at = self.fill(at, space, page_top=c == 0)
        return at == len(self.units)

    def balance(self, start: int, space: float) -> list[tuple[int, int]]:
        """The last page: split units ``start..`` into the columns, lowest tallest column first, then the
        smallest difference between columns, then the fullest left columns."""
        units = self.units[start:]
        k = min(self.columns, len(units))
        cont = self.continued(units[0])
        prefix = [0.0]
        for u in units:
            prefix.append(prefix[-1] + u.height)

        def height(i: int, j: int, first: bool) -> float:
            if i == j:
                return 0.0
            return prefix[j] - prefix[i] + (cont if first and cont else -units[i].trim)

        best = None
        if k == 1:
            splits: list[tuple[int, ...]] = [()]
        elif k == 2:
            splits = [(a,) for a in range(1, len(units))]
        else:
            splits = [(a, b) for a in range(1, len(units) - 1) for b in range(a + 1, len(units))]
        for cut in splits:
            bounds = (0, *cut, len(units))
            heights = [height(bounds[i], bounds[i + 1], i == 0) for i in range(len(bounds) - 1)]
            score = (round(max(heights), 3), round(max(heights) - min(heights), 3), [-h for h in heights])
            if best is None or score < best[0]:
                best = (score, bounds)
        assert best is not None
        bounds = best[1]
        return [(start + bounds[i], start + bounds[i + 1]) for i in range(len(bounds) - 1)]


def plan(units: list[Unit], *, columns: int, geometry: Geometry, continued: Callable[[Unit], float]) -> Plan:
    """Pages of columns of blocks. Raises ``ValueError`` naming the first unit taller than a full column."""
    if not units:
        return Plan(columns=columns, pages=())
    planner = _Planner(units, columns, continued)
    for index, unit in enumerate(units):
        if _column_height([unit], continued(unit)) > geometry.full + EPSILON:
            raise ValueError(index)
    pages: list[list[tuple[int, int]]] = []
    start = 0
    space = geometry.first
    new_page = False
    if _column_height(units[:1], 0.0) > geometry.first + EPSILON:
        space, new_page = geometry.below_title, True  # not even one entry fits below the title: move the list
        if _column_height(units[:1], 0.0) > space + EPSILON:
            raise ValueError(0)
    while start < len(units):
        if planner.fits(start, space):
            pages.append(planner.balance(start, space))
            break
        spans = []
        for c in range(columns):
            if start == len(units):
                break
            if c > 0 and _column_height(units[start:start + 1], 0.0) > space + EPSILON:
                break  # (on the list's first page) the next entry does not fit: it starts the next page
            end = planner.fill(start, space, page_top=c == 0)
            spans.append((start, end))
            start = end
        pages.append(spans)
        space = geometry.full

    result = []
    tallest = []
    for spans in pages:
        page = []
        heights = []
        for c, (i, j) in enumerate(spans):
            blocks: list[Block] = []
            chunk = units[i:j]
            cont = continued(chunk[0]) if c == 0 else 0.0
            if cont:
                blocks.append(Block(chunk[0].section, heading=True, continued=True))
            for unit in chunk:
                if unit.heading:
                    blocks.append(Block(unit.section, heading=True))
                last = blocks[-1] if blocks else None
                if last is not None and not last.heading and last.section == unit.section and last.last + 1 == unit.first:
                    blocks[-1] = Block(unit.section, last.first, unit.last)
                else:
                    blocks.append(Block(unit.section, unit.first, unit.last))
            page.append(tuple(blocks))
            heights.append(_column_height(chunk, cont))
        result.append(tuple(page))
        tallest.append(max(heights))
    return Plan(columns=columns, pages=tuple(result), new_page=new_page, heights=tuple(tallest))
