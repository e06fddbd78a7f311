"""The signatory list in columns read downwards: on every page the left column top to bottom, then the
next column; the last page balanced; ``columns: 1 | 2 | 3``.

WeasyPrint's CSS multi-column layout has open page-breaking bugs that can lose or repeat content and
doubles the layout time, so letter-pdf lays the columns out itself, in three steps:

1. **measure**: the letter is typeset once with an empty list (cheap: the letter without its names) plus a
   few sample entries and every group heading. This gives where the list starts, the height a column
   may fill on that page and on a full page, the column's width and the styles of the entry's text.
   The height of every entry is then computed from its number of lines, which Pango (WeasyPrint's own
   text engine, with the same fonts and styles) counts at the column's width.
2. **plan** (``columns_plan.plan``, pure): entries and headings are cut into "units" that never split (a
   heading is glued to its first entry, so that no heading ends a column or a page), filled into the
   columns of each page in order, the last page balanced (the split with the lowest tallest column, then
   the smallest difference between columns). A group that goes on past a page starts the next page
   again with its heading and "(continued)".
3. **check**: the letter is typeset with the plan, and the typeset boxes are read back: every page of the
   list sits whole on its own page, and the entries appear exactly once each, in the planned reading
   order. When a height was estimated wrong, the plan is made again from the heights just typeset and
   the letter typeset once more; when that fails too, the build stops (``TypesettingError``): nothing
   is written that the check denies.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from letter_pdf.columns_plan import EPSILON, Geometry, Plan, Unit, _units, plan
from letter_pdf.errors import ResourceError, TypesettingError

# Signatory-list states written into the HTML (the section's data-list attribute).
UNPLANNED = "unplanned"  # all entries in one flowing column: render_letter's default, laid out by ``arrange``
MEASURE = "measure"  # the measuring pass: no entries, only samples
PLANNED = "planned"

MAX_TYPESETTINGS = 3  # typesettings of the whole letter with a plan before giving up
_LOG = logging.getLogger("letter_pdf")


# --- reading the typeset boxes ----------------------------------------------------------------------


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or not hasattr(element, "get"):
        return set()
    return set((element.get("class") or "").split())


def _walk(document):
    """(page index, page bottom, box) for the principal box of every element on every page, in document
    order (an element's anonymous boxes come after its own box and share its element: they are skipped)."""
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        bottom = page_box.content_box_y() + page_box.height
        done: set[int] = set()
        for box in page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or not hasattr(element, "get") or id(element) in done:
                continue
            done.add(id(element))
            yield index, bottom, box


@dataclass
class _Seen:
    chunks: list[tuple[int, float, float, int, float]]  # (page, top, bottom, data-page, page bottom) per box
    entries: list[tuple[int, int, float]]  # (n, page, height) in document order
    headings: dict[tuple[int, bool], tuple[float, float, float]]  # (section, continued) -> (border h, mt, mb)
    probes: dict[str, Any]  # WeasyPrint boxes (WeasyPrint has no type hints)
    section: tuple[int, float] | None  # (page, top of the section's margin box)


def _read(document) -> _Seen:
    seen = _Seen(chunks=[], entries=[], headings={}, probes={}, section=None)
    for page, bottom, box in _walk(document):
        element = box.element
        classes = _classes(box)
        probe = element.get("data-probe")
        if probe:
            seen.probes.setdefault(probe, box)
        if "signatories" in classes and element.tag == "section" and seen.section is None:
            seen.section = (page, box.position_y)
        elif "signatory-page" in classes:
            seen.chunks.append((page, box.position_y, box.position_y + box.margin_height(),
                                int(element.get("data-page")), bottom))
        elif element.tag == "li" and element.get("data-n") is not None and not probe:
            seen.entries.append((int(element.get("data-n")), page, box.margin_height()))
        elif "group-heading" in classes and element.get("data-section") is not None:
            key = (int(element.get("data-section")), "group-continued" in classes)
            seen.headings.setdefault(key, (box.border_height(), box.margin_top, box.margin_bottom))
    return seen


# --- measuring ------------------------------------------------------------------------------------


_SPACES = re.compile(r"[ \t\n\r\f]+")


class _LineCounter:
    """Lines of a text at a width, broken as WeasyPrint breaks them (Pango, the style's fonts)."""

    def __init__(self, style):
        from weasyprint.text.constants import PANGO_WRAP_MODE
        from weasyprint.text.ffi import TO_UNITS, pango
        from weasyprint.text.line_break import Layout, line_size

        self.style, self.layout, self.line_size = style, Layout(style), line_size
        self.pango, self.to_units, self.wrap = pango, TO_UNITS, PANGO_WRAP_MODE
        self.anywhere = style["overflow_wrap"] in ("anywhere", "break-word") or style["word_break"] == "break-all"
        self.cache: dict[tuple[str, float, float], int] = {}

    def count(self, text: str, first: float, width: float, limit: int) -> int:
        """Lines of ``text`` (first line ``first`` wide, the others ``width``), counting no further than
        ``limit`` lines (an entry that tall is refused anyway: the work stays bounded)."""
        key = (text, first, width)
        if key in self.cache:
            return self.cache[key]
        pango, layout = self.pango, self.layout.layout
        size = max(float(self.style["font_size"]), 1.0)
        lines, rest, available = 0, text, first
        while rest and lines < limit:
            lines += 1
            pango.pango_layout_set_wrap(layout, self.wrap["WRAP_WORD"])
            pango.pango_layout_set_width(layout, int(max(0.0, available) * self.to_units))
            # as WeasyPrint does: shape only what can fill a line (and a little more), not the whole rest
            short = rest[:int(available / size * 4) + 16]
            self.layout.set_text(short)
            line, index = self.layout.get_first_line()
            if index is None and short != rest:
                self.layout.set_text(rest)
                line, index = self.layout.get_first_line()
            if self.anywhere and self.line_size(line, self.style)[0] > available + EPSILON:
                pango.pango_layout_set_wrap(layout, self.wrap["WRAP_CHAR"])
                line, index = self.layout.get_first_line()
            if index is None:
                break
            rest = self.layout.text.encode()[index:].decode("utf-8", "replace").lstrip(" ") + rest[len(self.layout.text):]
            available = width
        self.cache[key] = max(lines, 1)
        return self.cache[key]


def _first_text_style(box):
    from weasyprint.formatting_structure import boxes

    for child in box.descendants():
        if isinstance(child, boxes.TextBox):
            return child.style
    raise TypesettingError("the signatory list's sample entry has no text", hint="please report this as a bug")


def _indent(box) -> float:
    value = box.style["text_indent"]
    return value.value * box.width / 100 if getattr(value, "unit", None) == "%" else float(value.value)


def _estimator(seen: _Seen, full: float):
    """A function giving an entry view's height, from the measuring pass's samples."""
    try:
        plain, two, role1, role2 = (seen.probes[k] for k in ("e10", "e20", "e11", "e12"))
    except KeyError:
        raise ResourceError("the signatory list's template has no samples to measure", where="_signatories.html.j2",
                            hint="your copy of _signatories.html.j2 is older than letter-pdf's: copy the bundled file again") from None
    from weasyprint.formatting_structure import boxes

    base = plain.margin_height()
    name_step = two.margin_height() - base
    role_base = role1.margin_height() - base
    role_step = role2.margin_height() - role1.margin_height()
    name_lines = _LineCounter(_first_text_style(plain))
    role_box = next((b for b in role1.descendants() if isinstance(b, boxes.BlockBox) and "signatory-role" in _classes(b)), None)
    if role_box is None:  # a letter.css written from scratch: the role not on a line of its own
        raise ResourceError("the stylesheet does not lay out a signatory's role as a block (.signatory-role)",
                            where="letter.css", hint="start your letter.css from a copy of the bundled one and change only what you need")
    role_lines = _LineCounter(_first_text_style(role_box))
    width, first = plain.width, plain.width - _indent(plain)
    role_width, role_first = role_box.width, role_box.width - _indent(role_box)

    name_limit = int(full / name_step) + 2 if name_step > 0 else 10_000
    role_limit = int(full / role_step) + 2 if role_step > 0 else 10_000

    def height(view: dict) -> float:
        text = _SPACES.sub(" ", f"{view['name']} ({view['country']})" if view["country"] else view["name"]).strip()
        total = base + (name_lines.count(text, first, width, name_limit) - 1) * name_step
        if view["role"]:
            role = _SPACES.sub(" ", view["role"]).strip()
            total += role_base + (role_lines.count(role, role_first, role_width, role_limit) - 1) * role_step
        return total

    return height


# --- the whole step -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """The list to lay out: per section its heading (or None), count and entry views (dicts for the template)."""

    sections: tuple[tuple[str | None, int, tuple[dict, ...]], ...]
    columns: int

    def views(self) -> list[dict]:
        return [view for _heading, _count, views in self.sections for view in views]


def context(listing: Listing, state: str, plan_: Plan | None = None) -> dict:
    """The template's ``list`` for a state: every entry in one flowing column (``UNPLANNED``), the
    measuring pass's samples (``MEASURE``), or the pages of ``plan_`` (``PLANNED``)."""
    views = listing.views()
    headings = {i: (heading, count) for i, (heading, count, _v) in enumerate(listing.sections)}

    def heading(section: int, continued: bool, probe: str | None = None) -> dict:
        text, count = headings[section]
        return {"text": text, "count": count, "continued": continued, "section": section, "probe": probe}

    if state == PLANNED:
        assert plan_ is not None
        pages: list[list[list[dict]]] = [[[{"heading": heading(b.section, b.continued)} if b.heading
                   else {"heading": None, "entries": views[b.first:b.last + 1], "section": b.section} for b in column]
                  for column in page] for page in plan_.pages]
        return {"columns": listing.columns, "state": state, "new_page": plan_.new_page, "pages": pages}
    if state == UNPLANNED:
        column: list[dict] = []
        for i, (text, _count, section_views) in enumerate(listing.sections):
            if text:
                column.append({"heading": heading(i, False)})
            column.append({"heading": None, "entries": list(section_views), "section": i})
        return {"columns": listing.columns, "state": state, "new_page": False, "pages": [[column]]}
    from markupsafe import Markup

    def sample(probe: str, name, kind: str = "organisation", role=None) -> dict:
        return {"n": -1, "probe": probe, "name": name, "country": "Mg", "kind": kind, "role": role}

    samples = [sample("e10", "Mg"), sample("e20", Markup("Mg<br>Mg")),
               sample("e11", "Mg", "individual", "Mg"), sample("e12", "Mg", "individual", Markup("Mg<br>Mg"))]
    column = [{"heading": None, "entries": samples, "section": None}]
    for i, (text, _count, _views) in enumerate(listing.sections):
        if text:
            column += [{"heading": heading(i, False, f"h{i}")}, {"heading": heading(i, True, f"c{i}")}]
    # the first list page (empty: where the list starts) and a full page with the samples
    return {"columns": listing.columns, "state": state, "new_page": False, "pages": [[[]], [column]]}


def _geometry(seen: _Seen) -> Geometry:
    if len(seen.chunks) < 2 or seen.section is None:
        raise ResourceError("the signatory list's template does not mark its pages",
                            where="_signatories.html.j2",
                            hint="your copy of _signatories.html.j2 is older than letter-pdf's: copy the bundled file again")
    first_page, first_top, _b, _n, first_bottom = seen.chunks[0]
    _p, full_top, _b, _n, full_bottom = seen.chunks[-1]
    full = full_bottom - full_top
    section_page, section_top = seen.section
    title = first_top - section_top if section_page == first_page else 0.0
    return Geometry(first=first_bottom - first_top, full=full, below_title=full - title)


def arrange(render_html: Callable[[str], object], *, listing: Listing, render_list: Callable[[dict], str],
            where: Callable[[int], tuple[str, str | None]], shared: tuple[tuple, tuple] | None = None):
    """Typeset a letter whose signatory list is laid out in columns; return the WeasyPrint document.

    ``render_list(list_context)`` is the letter's HTML with that signatory list; ``render_html(html)``
    typesets HTML; ``where(n)`` names entry ``n`` for an error (its name and ``file:line``). ``shared``:
    (key, objects) of the letter without its recipient's text, for the plans a batch shares
    (``columns_cache``); None: none kept or reused.
    """
    if shared is not None:
        reused = _reuse(render_html, listing=listing, render_list=render_list, shared=shared)
        if reused is not None:
            return reused
    started = time.perf_counter()
    measured = render_html(render_list(context(listing, MEASURE)))
    seen = _read(measured)
    geometry = _geometry(seen)
    estimate = _estimator(seen, geometry.full)
    views = listing.views()
    measured_at = time.perf_counter()
    entry_heights = [estimate(view) for view in views]
    _LOG.debug("signatory list: measuring pass %.2f s, %d entries estimated in %.2f s",
               measured_at - started, len(views), time.perf_counter() - measured_at)
    heading_parts = {key: value for key, value in seen.headings.items()}
    del measured, seen
    previous = None
    for attempt in range(1, MAX_TYPESETTINGS + 1):
        layout = _plan(listing, entry_heights, heading_parts, geometry, where)
        if layout == previous:
            break
        document = render_html(render_list(context(listing, PLANNED, layout)))
        seen = _read(document)
        problem = check(seen, layout, len(views))
        _LOG.debug("signatory list, typesetting %d (%.1f s since the measuring pass): %d pages; %s", attempt,
                   time.perf_counter() - started, len(layout.pages), problem or "as planned")
        if problem is None:
            if shared is not None and attempt == 1:
                _keep(shared, listing, geometry, layout, seen)
            return document
        if problem.startswith("lost"):
            raise TypesettingError(f"the signatory list was not typeset as planned: {problem}",
                                   hint="please report this as a bug in letter-pdf")
        # heights were estimated wrong somewhere: plan again with the heights just typeset
        for n, _page, height in seen.entries:
            entry_heights[n] = height
        heading_parts.update(seen.headings)
        previous = layout
    raise TypesettingError("the signatory list could not be laid out in columns that fit the pages",
                           hint="please report this as a bug in letter-pdf; 'columns: 1' may work meanwhile")


def _read_geometry(seen: _Seen, layout: Plan) -> Geometry | None:
    """The geometry the measuring pass gives, read back from a typesetting with ``layout`` (where the list
    starts, the top of a full page); None when it cannot be read there (the list on one page, or moved)."""
    if layout.new_page or len(layout.pages) < 2 or len(seen.chunks) < 2 or seen.section is None:
        return None
    return _geometry(seen)


def _typeset_heights(seen: _Seen) -> tuple:
    return tuple((n, height) for n, _page, height in seen.entries), tuple(sorted(seen.headings.items()))


def _keep(shared: tuple[tuple, tuple], listing: Listing, geometry: Geometry, layout: Plan, seen: _Seen) -> None:
    """Remember a plan accepted at its first typesetting, when that typesetting reads back as measured."""
    from letter_pdf import columns_cache

    if _read_geometry(seen, layout) == geometry:
        columns_cache.keep(columns_cache.Entry(shared[0], shared[1], listing, geometry, layout, _typeset_heights(seen)))


def _reuse(render_html: Callable[[str], object], *, listing: Listing, render_list: Callable[[dict], str],
           shared: tuple[tuple, tuple]):
    """The letter typeset with a kept plan, when its list would be planned the same (``columns_cache``):
    its geometry read back, its check and its typeset heights are the kept ones; else None. At most two
    typesettings: the last plan used, then one whose geometry is the one read back."""
    from letter_pdf import columns_cache

    found = columns_cache.candidates(shared[0], shared[1], listing)
    entry = found[0] if found else None
    tried: list[columns_cache.Entry] = []
    while entry is not None and len(tried) < 2:
        tried.append(entry)
        document = render_html(render_list(context(listing, PLANNED, entry.plan)))
        seen = _read(document)
        geometry = _read_geometry(seen, entry.plan)
        if geometry == entry.geometry and check(seen, entry.plan, len(listing.views())) is None \
                and _typeset_heights(seen) == entry.typeset:
            columns_cache.used(entry)
            _LOG.debug("signatory list: the plan of an earlier copy reused")
            return document
        entry = next((e for e in found if e.geometry == geometry and all(e is not t for t in tried)), None)
    return None


def _plan(listing: Listing, entry_heights: list[float], heading_parts, geometry: Geometry, where) -> Plan:
    sections = []
    at = 0
    for heading, _count, views in listing.sections:
        sections.append((heading is not None, entry_heights[at:at + len(views)]))
        at += len(views)

    def heading_height(section: int, continued: bool) -> tuple[float, float]:
        border, top, bottom = heading_parts.get((section, continued), (0.0, 0.0, 0.0))
        return border + top + bottom, top

    heights = {}
    trim = 0.0
    for i, (has, _h) in enumerate(sections):
        if has:
            heights[(i, False)], trim = heading_height(i, False)
    units = _units(sections, heights, trim)

    def continued(unit: Unit) -> float:
        if unit.heading or not sections[unit.section][0]:
            return 0.0
        total, top = heading_height(unit.section, True)
        return total - top  # at the top of the page's first column

    try:
        return plan(units, columns=listing.columns, geometry=geometry, continued=continued)
    except ValueError as exc:
        unit = units[exc.args[0]]
        name, place = where(unit.first)
        from letter_pdf.errors import SignatoryError

        raise SignatoryError(f"the entry '{name[:60]}' is taller than a column of a page", where=place,
                             hint="shorten its name or role, or print the list in fewer columns ('columns: 1')") from None


def check(seen: _Seen, layout: Plan, count: int) -> str | None:
    """``None`` when the typeset list is as planned; else what is wrong ("lost ..." for a missing,
    repeated or misplaced entry, which is never fixed by planning again)."""
    order = [n for n, _page, _h in seen.entries]
    expected = layout.order()
    if sorted(order) != list(range(count)):
        missing = sorted(set(range(count)) - set(order))
        counted: dict[int, int] = {}
        for n in order:
            counted[n] = counted.get(n, 0) + 1
        repeated = sorted(n for n, times in counted.items() if times > 1)
        return f"lost or repeated entries (missing {missing[:5]}, repeated {repeated[:5]}, {len(order)} typeset of {count})"
    if order != expected:
        at = next(i for i, (a, b) in enumerate(zip(order, expected)) if a != b)
        return f"lost reading order: entry {order[at]} typeset where entry {expected[at]} was planned"
    pages = [c for c in seen.chunks]
    if len(pages) != len(layout.pages) or [c[3] for c in pages] != list(range(len(layout.pages))):
        return f"the list's {len(layout.pages)} pages were typeset as {len(pages)} pieces"
    first = pages[0][0] if pages else 0
    for i, (page, _top, bottom, _n, page_bottom) in enumerate(pages):
        if page != first + i:
            return f"list page {i + 1} was typeset on page {page + 1}, not {first + i + 1}"
        if bottom > page_bottom + EPSILON:
            return f"list page {i + 1} runs {bottom - page_bottom:.1f}px past the bottom of page {page + 1}"
    by_n = {n: page for n, page, _h in seen.entries}
    at = 0
    for i, page_plan in enumerate(layout.pages):
        for column in page_plan:
            for block in column:
                if block.heading:
                    continue
                for n in range(block.first, block.last + 1):
                    if by_n[n] != first + i:
                        return f"lost: entry {n} on page {by_n[n] + 1}, planned on {first + i + 1}"
                    at += 1
    return None


_UNPLANNED_MARK = re.compile(r'data-list="unplanned" data-list-paper="([a-z0-9-]+)"')


def typeset_document(html: str, *, letter, font_set, render_html: Callable[[str], object], fit=None,
                     printed=None):
    """Typeset a letter's HTML (from ``render.render_letter``) with ``render_html``; when its signatory
    list is still one flowing column, lay it out in columns (``arrange``) instead, rendering the letter again
    with the planned list, the page check's adjustments ``fit`` (a ``render.Fit``) and the printed list
    ``printed`` (``arrange.printed_list``, computed here when not given) that the HTML was rendered with."""
    found = _UNPLANNED_MARK.search(html)
    if found is None or not letter.signatories:
        return render_html(html)
    from letter_pdf import columns_cache, render
    from letter_pdf.arrange import printed_list

    paper = found.group(1)
    printed = printed if printed is not None else printed_list(letter)
    entries = printed.signatories
    source = letter.signatories_path or letter.source

    def render_list(signatory_list: dict) -> str:
        return render.render_letter(letter, paper=paper, font_set=font_set, fit=fit, printed=printed,
                                    signatory_list=signatory_list)

    def where(n: int) -> tuple[str, str | None]:
        entry = entries[n]
        return entry.name, f"{source}:{entry.line}" if entry.line else str(source)  # build writes it as typed

    shared = None
    if columns_cache.active():  # a batch: the letter without what differs between copies, and what they share
        import dataclasses

        alike = dataclasses.replace(letter, recipient=None, opening=None, reference=None, body="")
        shared = ((paper, fit, alike), (font_set, printed))
    return arrange(render_html, listing=render.listing(letter, printed), render_list=render_list, where=where,
                   shared=shared)


__all__ = ["Geometry", "Listing", "Plan", "Unit", "arrange", "context", "plan"]
