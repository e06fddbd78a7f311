"""The PDF's logical structure (tags) as WeasyPrint writes it, made right for screen readers and PDF/UA.

WeasyPrint 70 builds the structure tree page by page, which leaves three things wrong for a letter:

- running heads and page numbers (CSS margin boxes) are marked ``/Span`` content with an MCID but belong to
  no element of the tree: they become pagination artifacts (``/Artifact`` with ``/Type /Pagination`` and
  ``/Subtype /Header`` or ``/Footer``), and leave the parent tree;
- an element that continues on the next page (the letter, a section, a list) becomes one element per page:
  the pieces are joined again into one element;
- the signatory list, laid out in columns (``letter_pdf/columns.py``), is one list per section whatever
  the columns and pages: the page and column ``<div>`` that carry ``role="none"`` (ARIA: layout only, its
  children keep their meaning) leave the tree and their children take their place, in order; then
  adjacent elements whose HTML carries the same ``data-tag-join`` value are joined into one element, so
  that a section's items are one ``/L`` in reading order (down each column, column after column, page
  after page).

Content hidden from assistive technology (``aria-hidden="true"``: the group heading repeated with
"(continued)" at the top of a column) is a pagination artifact, like a running head: its marked content
becomes ``/Artifact`` with ``/Type /Pagination`` and its elements leave the tree. Elements with no content
that stand for a line break (``<br>``) are left out too; so are the fold and punch marks (hidden, and
drawn by WeasyPrint as artifacts already).

``joined_tags()`` swaps two functions of WeasyPrint while one PDF is written; the caller holds typeset's write
lock, as for the font subsetter.
"""

from __future__ import annotations

import contextlib
import functools

JOIN_ATTRIBUTE = "data-tag-join"
LAYOUT_ROLES = frozenset({"none", "presentation"})  # ARIA roles of an element that is only layout


def _hidden(element) -> bool:
    """Whether the HTML ``element`` is hidden from assistive technology."""
    return element is not None and element.get("aria-hidden") == "true"


def _layout_only(element) -> bool:
    return element is not None and element.get("role") in LAYOUT_ROLES


def _obj(pdf, ref):
    """The pydyf object a reference (``b"12 0 R"``) points to, or ``None`` for anything else."""
    if isinstance(ref, bytes) and ref.endswith(b" R"):
        return pdf.objects[int(ref.split()[0])]
    return None


def _artifacts(document, page_streams) -> dict[int, list[int]]:
    """Rewrite the marked content of every margin box and of hidden content (see the module's description)
    as a pagination artifact; return page -> MCIDs."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    found: dict[int, list[int]] = {}
    for number, (page, stream) in enumerate(zip(document.pages, page_streams)):
        tags = stream._tags
        if tags is None:
            continue
        kinds: dict[int, str | None] = {}
        for margin in page._page_box.children:
            if not isinstance(margin, boxes.MarginBox):
                continue
            where = margin.at_keyword
            kind = "/Header" if where.startswith("@top") else "/Footer" if where.startswith("@bottom") else None
            todo = [margin]
            while todo:
                box = todo.pop()
                if box in tags:
                    kinds[tags[box]["mcid"]] = kind
                todo.extend(getattr(box, "children", ()))
        todo = [(box, False) for box in page._page_box.children if not isinstance(box, boxes.MarginBox)]
        while todo:
            box, hidden = todo.pop()
            if isinstance(box, AbsolutePlaceholder):
                box = box._box
            hidden = hidden or _hidden(box.element)
            if hidden and box in tags:
                kinds.setdefault(tags[box]["mcid"], None)
            todo.extend((child, hidden) for child in getattr(box, "children", ()))
        if not kinds:
            continue
        items = stream.stream
        for i, item in enumerate(items):
            if isinstance(item, pydyf.Dictionary) and item.get("MCID") in kinds and 0 < i < len(items) - 1 \
                    and items[i + 1] == b"BDC":
                kind = kinds[item["MCID"]]
                items[i - 1] = "/Artifact"
                item.clear()
                item["Type"] = "/Pagination"
                if kind:
                    item["Subtype"] = kind
        found[number] = sorted(kinds)
    return found


def _drop_from_parent_tree(pdf, artifacts: dict[int, list[int]]) -> None:
    root = _obj(pdf, pdf.catalog["StructTreeRoot"])
    nums = _obj(pdf, root["ParentTree"])["Nums"]
    for i in range(0, len(nums), 2):
        page, entry = nums[i], nums[i + 1]
        if page in artifacts and isinstance(entry, list):
            for mcid in artifacts[page]:
                entry[mcid] = "null"


def _join(pdf, sources: dict[int, tuple[object, object]]) -> None:
    """Flatten layout elements, leave out hidden ones, join split and grouped elements (see the module's
    description), from the document element down."""
    import pydyf

    def html(element):
        source = sources.get(id(element))
        return source[1] if source else None

    def joinable(a, b) -> bool:
        if a is None or b is None or a.get("S") != b.get("S"):
            return False
        ha, hb = html(a), html(b)
        if ha is None or hb is None:
            return False
        if ha is hb:
            return a.get("Pg") != b.get("Pg")  # the same element, continued on the next page
        key = ha.get(JOIN_ATTRIBUTE)
        return key is not None and key == hb.get(JOIN_ATTRIBUTE)

    def empty_break(element) -> bool:
        h = html(element)
        return h is not None and h.tag == "br" and not element.get("K")

    replaced: dict[bytes, bytes] = {}

    def move(kid, source, target, target_ref) -> object:
        """``kid`` of ``source``, made a kid of ``target`` (a marked-content item keeps its page)."""
        moved = _obj(pdf, kid)
        if moved is not None and "P" in moved:
            moved["P"] = target_ref
        if isinstance(kid, int) and source.get("Pg") != target.get("Pg"):
            return pydyf.Dictionary({"Type": "/MCR", "Pg": source["Pg"], "MCID": kid})
        return kid

    def drop(element) -> None:
        """Empty ``element`` and the elements under it, unreferenced from now on."""
        todo = [element]
        while todo:
            e = todo.pop()
            kids = e.get("K")
            if isinstance(kids, list):
                todo.extend(c for c in map(functools.partial(_obj, pdf), kids)
                            if c is not None and c.get("Type") == "/StructElem")
            e.clear()

    def unwrapped(element, ref, kids) -> list:
        """``kids`` without hidden elements, with the kids of layout elements in their place."""
        out: list = []
        for kid in kids:
            child = _obj(pdf, kid)
            h = html(child) if child is not None else None
            if _hidden(h):
                drop(child)  # its content is an artifact now
                continue
            if _layout_only(h) and isinstance(child.get("K"), list):
                for grandkid in unwrapped(child, kid, child["K"]):
                    out.append(move(grandkid, child, element, ref))
                replaced[kid] = ref
                child.clear()
                continue
            out.append(kid)
        return out

    def walk(element, ref) -> None:
        kids = element.get("K")
        if not isinstance(kids, list):
            return
        out: list = []
        for kid in unwrapped(element, ref, kids):
            child = _obj(pdf, kid)
            last = _obj(pdf, out[-1]) if out else None
            if child is not None and last is not None and joinable(last, child):
                for grandkid in child["K"]:
                    last["K"].append(move(grandkid, child, last, out[-1]))
                replaced[kid] = out[-1]
                child.clear()  # unreferenced from now on
                continue
            out.append(kid)
        for kid in out:
            child = _obj(pdf, kid)
            if child is not None and child.get("Type") == "/StructElem":
                walk(child, kid)  # first, so that an element left empty by its children's removal goes too
        kids[:] = [kid for kid in out if _obj(pdf, kid) is None or not empty_break(_obj(pdf, kid))]

    root = _obj(pdf, pdf.catalog["StructTreeRoot"])
    for kid in root["K"]:
        walk(_obj(pdf, kid), kid)

    def final(ref):
        while ref in replaced:
            ref = replaced[ref]
        return ref

    nums = _obj(pdf, root["ParentTree"])["Nums"]
    for i in range(1, len(nums), 2):
        if isinstance(nums[i], list):
            nums[i][:] = [final(r) for r in nums[i]]
        else:
            nums[i] = final(nums[i])


@contextlib.contextmanager
def joined_tags():
    """While one PDF is written by WeasyPrint: artifacts, joined elements (see the module's description)."""
    from weasyprint import pdf as weasy_pdf
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags as weasy_tags

    original_add, original_build = weasy_pdf.add_tags, weasy_tags._build_box_tree
    sources: dict[int, tuple[object, object]] = {}

    def build(box, *args):
        inner = box._box if isinstance(box, AbsolutePlaceholder) else box
        for element in original_build(box, *args):
            sources.setdefault(id(element), (element, inner.element))  # the innermost call is the box's own
            yield element

    def add_tags(pdf, document, pdf_version, page_streams):
        artifacts = _artifacts(document, page_streams)
        original_add(pdf, document, pdf_version, page_streams)
        _drop_from_parent_tree(pdf, artifacts)
        _join(pdf, sources)

    weasy_pdf.add_tags, weasy_tags._build_box_tree = add_tags, build
    try:
        yield
    finally:
        weasy_pdf.add_tags, weasy_tags._build_box_tree = original_add, original_build
        sources.clear()
