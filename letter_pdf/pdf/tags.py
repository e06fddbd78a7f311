"""Structure-tree (tag) grafting: the generated cover's tags moved into the letter's tree.

Both are ours (WeasyPrint, tagged PDF/A-3a): the cover's top elements go under the letter's root element, in
front of the letter's own content, and its parent-tree entries get new keys after the letter's. A tree of
any other shape is left alone, and the caller drops the claims that need tags.
"""

from __future__ import annotations


def tree_entries(node, key: str, out: list, depth: int = 0) -> None:
    """The (key, value) leaves of a number tree (``key`` "/Nums") or name tree ("/Names") read with pikepdf."""
    import pikepdf

    if not isinstance(node, pikepdf.Dictionary):
        return
    leaf = node.get(key)
    if isinstance(leaf, pikepdf.Array):
        items = list(leaf)
        out.extend((items[i], items[i + 1]) for i in range(0, len(items) - 1, 2))
    if depth < 20:
        for kid in node.get("/Kids", None) or ():
            tree_entries(kid, key, out, depth + 1)


def graft_structure(pdf, source, new_pages) -> bool:
    """Move the structure tree of ``source`` (the generated cover, whose pages were copied into ``pdf`` as
    ``new_pages``) into the tree of ``pdf``, in front of the letter's own content. Return False (and change
    nothing) when either tree is not of the simple shape we know (one root element)."""
    import pikepdf
    from pikepdf import Array, Dictionary

    try:
        target_tree = pdf.Root.StructTreeRoot
        source_tree = source.Root.StructTreeRoot
        target_kids = [*target_tree.K] if isinstance(target_tree.K, Array) else [target_tree.K]
        source_kids = [*source_tree.K] if isinstance(source_tree.K, Array) else [source_tree.K]
        if len(target_kids) != 1 or len(source_kids) != 1:
            return False
        if any(key in source_tree for key in ("/RoleMap", "/ClassMap", "/IDTree")):
            return False
        target_doc, source_doc = target_kids[0], source_kids[0]
        if not all(isinstance(d, Dictionary) and d.is_indirect for d in (target_doc, source_doc)):
            return False
        source_entries: list = []
        tree_entries(source_tree.ParentTree, "/Nums", source_entries)
        target_entries: list = []
        tree_entries(target_tree.ParentTree, "/Nums", target_entries)
        source_parents = {int(k): v for k, v in source_entries}
        target_parents = {int(k): v for k, v in target_entries}
    except (KeyError, AttributeError, TypeError, ValueError):
        return False
    doc_og = source_doc.objgen

    def bring(obj):
        """``obj`` of the cover copied into ``pdf``; the cover's root element becomes the letter's."""
        if not isinstance(obj, pikepdf.Object):
            return obj
        if obj.is_indirect:
            return target_doc if obj.objgen == doc_og else pdf.copy_foreign(obj)
        if isinstance(obj, Array):
            return Array([bring(x) for x in obj])
        if isinstance(obj, Dictionary):
            return Dictionary({k: bring(v) for k, v in obj.items()})
        return obj

    # The cover's top elements are re-parented to the letter's root element: cut their link to the cover's
    # root first, so that copying them does not bring the cover's root and tree along.
    source_top = source_doc.get("/K")
    source_top = [*source_top] if isinstance(source_top, Array) else [] if source_top is None else [source_top]
    parented = []
    for kid in source_top:
        if isinstance(kid, Dictionary) and "/P" in kid:
            del kid["/P"]
            parented.append(True)
        else:
            parented.append(False)
    next_key = max(target_parents, default=-1) + 1
    remap: dict[int, int] = {}
    for old_key in sorted(source_parents):
        target_parents[next_key] = bring(source_parents[old_key])
        remap[old_key] = next_key
        next_key += 1
    new_children = [bring(kid) for kid in source_top]
    for child, has_parent in zip(new_children, parented):
        if has_parent:
            child.P = target_doc
    doc_kids = target_doc.get("/K")
    doc_kids = [*doc_kids] if isinstance(doc_kids, Array) else [] if doc_kids is None else [doc_kids]
    target_doc.K = Array([*new_children, *doc_kids])
    for page in new_pages:  # their keys into the parent tree; a key the cover's tree lacked is dropped
        holders = [page.obj, *(a for a in page.obj.get("/Annots", None) or () if isinstance(a, Dictionary))]
        for holder, key in ((holders[0], "/StructParents"), *((a, "/StructParent") for a in holders[1:])):
            if key in holder:
                old_key = holder[key]
                if isinstance(old_key, int) and old_key in remap:
                    holder[key] = remap[old_key]
                else:
                    del holder[key]
    nums = Array()
    for number in sorted(target_parents):
        nums.append(number)
        nums.append(target_parents[number])
    target_tree.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    target_tree.ParentTreeNextKey = next_key
    return True


