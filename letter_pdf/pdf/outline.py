"""Outlines (bookmarks) and page labels of the package.

Each part's outline is read without its actions (titles and page indexes only) — with pypdf for an untrusted
part, with pikepdf for the letter — and the package's outline is written anew: one bookmark per part, each
part's own outline under it. Page labels name the covers, number the letter 1..N and enclosures A-1, B-1...
"""

from __future__ import annotations

from letter_pdf.pdf.tags import tree_entries


def read_outline(reader, items=None, depth=0) -> list[tuple[str, int | None, list]]:
    """The outline of ``reader`` as (title, page index, children), without any actions."""
    out: list[tuple[str, int | None, list]] = []
    if depth > 20:
        return out
    items = reader.outline if items is None else items
    last: tuple[str, int | None, list] | None = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                last[2].extend(read_outline(reader, item, depth + 1))
            continue
        try:
            page = reader.get_destination_page_number(item)
        except Exception:
            page = None
        title = " ".join(str(getattr(item, "title", "") or "").split())[:300]
        last = (title, page, [])
        out.append(last)
    return out


def letter_outline(pdf, page_index: dict) -> list[tuple[str, int | None, list]]:
    """The outline of the letter (a pikepdf document) as (title, page index, children), without any actions."""
    import pikepdf

    root = pdf.Root.get("/Outlines")
    if not isinstance(root, pikepdf.Dictionary):
        return []
    named: dict | None = None
    seen: set = set()

    def named_dests() -> dict:
        nonlocal named
        if named is None:
            named = {}
            dests = pdf.Root.get("/Dests")
            if isinstance(dests, pikepdf.Dictionary):
                named.update((str(k), v) for k, v in dests.items())
            names = pdf.Root.get("/Names")
            if isinstance(names, pikepdf.Dictionary):
                entries: list = []
                tree_entries(names.get("/Dests"), "/Names", entries)
                named.update((str(k), v) for k, v in entries)
        return named

    def page_of(item) -> int | None:
        dest = item.get("/Dest")
        if dest is None:
            action = item.get("/A")
            if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
                dest = action.get("/D")
        if isinstance(dest, (pikepdf.Name, pikepdf.String)):
            dest = named_dests().get(str(dest))
        if isinstance(dest, pikepdf.Dictionary):
            dest = dest.get("/D")
        if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], pikepdf.Dictionary):
            return page_index.get(dest[0].objgen)
        return None

    def walk(item, depth: int) -> list:
        out = []
        while isinstance(item, pikepdf.Dictionary) and depth <= 20 and len(seen) < 10_000:
            key = item.objgen if item.is_indirect else id(item)
            if key in seen:
                break
            seen.add(key)
            title = " ".join(str(item.get("/Title", "")).split())[:300]
            out.append((title, page_of(item), walk(item.get("/First"), depth + 1)))
            item = item.get("/Next")
        return out

    return walk(root.get("/First"), 0)


def write_outline(pdf, items: list[tuple[str, int, list]]) -> None:
    """Replace the outline of ``pdf`` by ``items`` (title, page index in the package, children), all open."""
    from pikepdf import Array, Dictionary, Name, String

    pages = [page.obj for page in pdf.pages]

    def add(parent, entries) -> int:
        nodes = [(pdf.make_indirect(Dictionary(Title=String(title or "—"), Parent=parent,
                                               Dest=Array([pages[page], Name.Fit]))), children)
                 for title, page, children in entries]
        count = 0
        for i, (node, children) in enumerate(nodes):
            if i:
                node.Prev = nodes[i - 1][0]
            if i + 1 < len(nodes):
                node.Next = nodes[i + 1][0]
            count += 1
            if children:
                below = add(node, children)
                node.Count = below
                count += below
        if nodes:
            parent.First = nodes[0][0]
            parent.Last = nodes[-1][0]
        return count

    root = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    root.Count = add(root, items)
    pdf.Root.Outlines = root


def shift_outline(items, offset: int) -> list[tuple[str, int, list]]:
    """A part's outline with its page indexes moved to where the part starts (no page: the part's first)."""
    return [(title, offset + page if page is not None and page >= 0 else offset, shift_outline(children, offset))
            for title, page, children in items]




def write_page_labels(pdf, *, cover_word: str, letter_offset: int, annexes: list[tuple[int, str]]) -> None:
    """Page labels of ``pdf``: the covers (the ``letter_offset`` pages before the letter) "Cover" for one page
    or "Cover-1", "Cover-2"...; the letter 1..N; each enclosure (first page, prefix) "A-1", "A-2"..."""
    from pikepdf import Array, Dictionary, Name, String

    ranges: list[tuple[int, Dictionary]] = []
    if letter_offset == 1:
        ranges.append((0, Dictionary(P=String(cover_word))))
    elif letter_offset > 1:
        ranges.append((0, Dictionary(S=Name.D, P=String(f"{cover_word}-"), St=1)))
    ranges.append((letter_offset, Dictionary(S=Name.D, St=1)))
    for first, prefix in annexes:
        ranges.append((first, Dictionary(S=Name.D, P=String(f"{prefix}-"), St=1)))
    nums = Array()
    for first, label in sorted(ranges, key=lambda r: r[0]):
        nums.extend([first, label])  # type: ignore[list-item]  # pikepdf makes the int a PDF integer
    pdf.Root.PageLabels = pdf.make_indirect(Dictionary(Nums=nums))
