"""Compare two signatory lists (``letter-pdf signatories diff OLD NEW``): added, removed and changed entries.

Entries are matched by exact name first, then, among the rest, by probable duplicates (``names``: the
rules of ``lint``), so that a rename such as ``Reporters sans frontières`` -> ``Reporters sans frontières (RSF)`` shows as
one change, not as a removal and an addition.
"""

from __future__ import annotations

from dataclasses import dataclass

from letter_pdf import names
from letter_pdf.model import Signatory
from letter_pdf.signatories import quote

FIELDS = ("name", "countries", "kind", "role", "group")


@dataclass(frozen=True)
class Change:
    old: Signatory
    new: Signatory
    fields: tuple[str, ...]  # which of FIELDS differ


@dataclass(frozen=True)
class Diff:
    added: tuple[Signatory, ...]
    removed: tuple[Signatory, ...]
    changed: tuple[Change, ...]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _differences(old: Signatory, new: Signatory) -> tuple[str, ...]:
    return tuple(f for f in FIELDS if getattr(old, f) != getattr(new, f))


def compare(old, new) -> Diff:
    old, new = tuple(old), tuple(new)
    by_name: dict[str, list[int]] = {}
    for index, s in enumerate(new):
        by_name.setdefault(s.name, []).append(index)
    matched_new: set[int] = set()
    pairs: list[tuple[int, int]] = []
    pending = list(range(len(old)))
    # exact name and countries first (national sections share names), then the same name alone
    for same_countries in (True, False):
        left: list[int] = []
        for i in pending:
            s = old[i]
            j = next((j for j in by_name.get(s.name, []) if j not in matched_new
                      and (not same_countries or new[j].countries == s.countries)), None)
            if j is None:
                left.append(i)
            else:
                matched_new.add(j)
                pairs.append((i, j))
        pending = left
    rest = [j for j in range(len(new)) if j not in matched_new]
    # Renames: the unmatched old and new entries together, compared as lint compares a list (near-linear:
    # blocks and sorted neighbours, never all pairs); each old entry takes the first new one it may be.
    entries = [names.entry(old[i], "") for i in left] + [names.entry(new[j], "") for j in rest]
    candidates = sorted({(x, y) for x, y in names.candidate_pairs(entries) if x < len(left) <= y})
    renamed: list[tuple[int, int]] = []
    renamed_old: set[int] = set()
    for x, y in candidates:
        i, j = left[x], rest[y - len(left)]
        if i in renamed_old or j in matched_new:
            continue
        if names.why_duplicate(entries[x], entries[y]):
            matched_new.add(j)
            renamed_old.add(i)
            renamed.append((i, j))
    changed = []
    unchanged = 0
    for i, j in sorted(pairs + renamed, key=lambda p: p[1]):
        fields = _differences(old[i], new[j])
        if fields:
            changed.append(Change(old[i], new[j], fields))
        else:
            unchanged += 1
    removed = tuple(old[i] for i in left if i not in renamed_old)
    added = tuple(new[j] for j in range(len(new)) if j not in matched_new)
    return Diff(added=added, removed=removed, changed=tuple(changed), unchanged=unchanged)


def describe(s: Signatory) -> str:
    """One signatory on a line, invisible and reordering characters shown as their code points."""
    text = quote(s.name)
    if s.countries:
        text += f" ({'/'.join(s.countries)})"
    if s.kind == "individual":
        text += " [individual" + (f": {quote(s.role)}" if s.role else "") + "]"
    if s.group:
        text += f" {{{quote(s.group)}}}"
    return text


def lines(diff: Diff) -> list[str]:
    """The diff as text lines: ``+ added``, ``- removed``, ``~ old -> new (what changed)``."""
    out = [f"+ {describe(s)}  (line {s.line})" for s in diff.added]
    out += [f"- {describe(s)}  (line {s.line})" for s in diff.removed]
    out += [f"~ {describe(c.old)} -> {describe(c.new)}  ({', '.join(c.fields)}; line {c.old.line} -> {c.new.line})"
            for c in diff.changed]
    return out
