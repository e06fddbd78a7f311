"""The signatory list's plans shared by the copies of one batch (``batch.py``): the list's columns planned
once, reused for every copy whose list would be planned the same.

Copies of a letter differ only in what comes before the list (the recipient's name, address, opening and
body). ``columns.arrange`` plans a copy's list from a measuring pass (where the list starts, the heights a
column may fill: the ``Geometry``; the entries' and headings' heights: the same for every copy, as they
depend only on the list, the stylesheets and the page check's adjustments, all part of the ``key``) and
accepts the first typesetting that its check passes. So when a copy's list starts where an earlier copy's
did (the same geometry) and that copy's plan was accepted at the first typesetting, the uncached path would
plan exactly that plan and typeset exactly that document. ``arrange`` then typesets the copy directly with
the remembered plan, reads the geometry back from that typesetting, and accepts the document only when the
geometry, the check, and the typeset heights of every entry and heading are those of the remembered copy;
otherwise it arranges the list in full, as without a cache.

Off outside ``shared()`` (a single build never uses it); a forked worker inherits what its parent kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

MAX_ENTRIES = 8  # plans kept (a batch's copies start their lists in a few places at most)


@dataclass(frozen=True)
class Entry:
    key: tuple  # compared with ==: the letter without its recipient's text, paper, the page check's adjustments
    same: tuple  # compared with ``is``: the font set and the printed list the copies share
    listing: Any  # columns.Listing
    geometry: Any  # columns_plan.Geometry, as measured and as read back from the accepted typesetting
    plan: Any  # columns_plan.Plan, accepted at its first typesetting
    typeset: tuple  # (entry heights in document order, heading parts) as typeset


_entries: list[Entry] | None = None
reused = 0  # copies typeset with a kept plan since ``shared()`` began (for the tests and the bench)


@contextmanager
def shared() -> Iterator[None]:
    """Keep and reuse plans while the block runs (a batch of copies); forget them after."""
    global _entries, reused
    previous, _entries, reused = _entries, [], 0
    try:
        yield
    finally:
        _entries = previous


def active() -> bool:
    return _entries is not None


def candidates(key: tuple, same: tuple, listing: Any) -> list[Entry]:
    """The kept plans for this list and key, the most recently used first."""
    if _entries is None:
        return []
    return [entry for entry in _entries if len(entry.same) == len(same)
            and all(a is b for a, b in zip(entry.same, same, strict=True)) and entry.key == key
            and entry.listing == listing]


def used(entry: Entry) -> None:
    """``entry``'s plan was reused for a copy."""
    global reused
    reused += 1
    keep(entry)


def keep(entry: Entry) -> None:
    """Remember ``entry`` (or mark it used): first in line, the oldest forgotten beyond ``MAX_ENTRIES``."""
    if _entries is None:
        return
    _entries[:] = [kept for kept in _entries if kept is not entry]
    _entries.insert(0, entry)
    del _entries[MAX_ENTRIES:]


__all__ = ["Entry", "active", "candidates", "keep", "shared", "used"]
