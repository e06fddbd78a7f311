"""The column plan (a pure function) on random lists, the check of the typeset boxes, and the
``columns:`` front-matter key. The typeset result is measured in tests/test_layout.py."""

from __future__ import annotations

import random

import pytest

from letter_pdf import columns
from letter_pdf import letter as letter_module
from letter_pdf.columns import Geometry, Unit, _Seen, check, plan
from letter_pdf.errors import LetterPdfError


def random_list(rng: random.Random, *, groups: int) -> tuple[list[Unit], dict[int, bool]]:
    units, n = [], 0
    has_heading = {}
    for section in range(groups):
        has_heading[section] = groups > 1
        for i in range(rng.randint(1, 60)):
            height = rng.choice([14.0, 14.0, 14.0, 28.0, 42.0, 90.0])
            if i == 0 and has_heading[section]:
                units.append(Unit(section, n, n, height + 20.0, heading=True, trim=5.0))
            else:
                units.append(Unit(section, n, n, height))
            n += 1
    return units, has_heading


@pytest.mark.parametrize("seed", range(40))
def test_plan_keeps_every_entry_once_in_order_fits_and_balances(seed):
    rng = random.Random(seed)
    k = rng.choice([1, 2, 3])
    units, has_heading = random_list(rng, groups=rng.choice([1, 1, 3, 6]))
    geometry = Geometry(first=rng.choice([0.0, 30.0, 200.0, 600.0]), full=600.0, below_title=560.0)
    continued = lambda unit: 0.0 if unit.heading or not has_heading[unit.section] else 18.0  # noqa: E731
    result = plan(units, columns=k, geometry=geometry, continued=continued)
    total = sum(u.last - u.first + 1 for u in units)
    assert result.order() == list(range(total))  # never lost, never repeated, reading order kept
    by_first = {u.first: u for u in units}
    for p, page in enumerate(result.pages):
        assert 1 <= len(page) <= k
        space = (geometry.below_title if result.new_page else geometry.first) if p == 0 else geometry.full
        for c, column in enumerate(page):
            assert column, f"empty column {c} on page {p}"
            assert not column[-1].heading, "a heading ends a column"
            starts_continued = column[0].heading and column[0].continued
            assert c == 0 or not starts_continued, "'(continued)' only at the top of a page"
            if p > 0 and c == 0:
                first = next(b for b in column if not b.heading)
                expect = has_heading[first.section] and not by_first[first.first].heading
                assert starts_continued == expect, (p, column[:2])
        assert result.heights[p] <= space + 0.01 or len(page) == 1 and result.heights[p] <= geometry.full + 0.01
    # the last page: no column taller than the tallest unit above the shortest one
    last = result.pages[-1]
    if len(last) > 1:
        heights = []
        for column in last:
            heights.append(sum(by_first[n].height for b in column if not b.heading for n in range(b.first, b.last + 1)))
        tallest = max(u.height for u in units) + 20.0
        assert max(heights) - min(heights) <= tallest, heights


def test_plan_refuses_an_entry_taller_than_a_page():
    units = [Unit(0, 0, 0, 14.0), Unit(0, 1, 1, 700.0)]
    with pytest.raises(ValueError) as error:
        plan(units, columns=2, geometry=Geometry(first=600, full=600, below_title=560),
             continued=lambda u: 0.0)
    assert error.value.args == (1,)


def seen(entries, chunks) -> _Seen:
    return _Seen(chunks=chunks, entries=entries, headings={}, probes={}, section=(0, 0.0))


def test_check_sees_a_lost_a_repeated_or_a_misplaced_entry():
    units = [Unit(0, n, n, 10.0) for n in range(6)]
    layout = plan(units, columns=2, geometry=Geometry(first=20, full=20, below_title=20),
                  continued=lambda u: 0.0)
    assert [[[(b.first, b.last) for b in column] for column in page] for page in layout.pages] == [
        [[(0, 1)], [(2, 3)]], [[(4, 4)], [(5, 5)]]]  # two entries a column; the last page balanced
    chunks = [(0, 0.0, 20.0, 0, 100.0), (1, 0.0, 10.0, 1, 100.0)]
    good = [(n, 0 if n < 4 else 1, 10.0) for n in range(6)]
    assert check(seen(good, chunks), layout, 6) is None
    assert check(seen(good[:3] + good[4:], chunks), layout, 6).startswith("lost or repeated")  # lost
    assert check(seen(good + good[5:], chunks), layout, 6).startswith("lost or repeated")  # repeated
    assert check(seen([good[1], good[0]] + good[2:], chunks), layout, 6).startswith("lost reading order")
    assert check(seen(good[:3] + [(3, 1, 10.0)] + good[4:], chunks), layout, 6).startswith("lost: entry 3")
    assert "past the bottom" in check(seen(good, [chunks[0], (1, 0.0, 100.5, 1, 100.0)]), layout, 6)
    assert "typeset on page 3" in check(seen(good, [chunks[0], (2, 0.0, 10.0, 1, 100.0)]), layout, 6)
    assert "pieces" in check(seen(good, chunks[:1]), layout, 6)


def test_arrange_stops_the_build_when_the_check_fails(monkeypatch):
    """A check that keeps failing after planning again is an error, not a written PDF."""
    from letter_pdf.errors import TypesettingError

    calls = []
    monkeypatch.setattr(columns, "_read", lambda document: seen([], [(0, 0.0, 10.0, 0, 100.0), (1, 0.0, 0.0, 1, 100.0)]))
    monkeypatch.setattr(columns, "_estimator", lambda s, full: (lambda view: 10.0))
    listing = columns.Listing(sections=((None, 2, ({"n": 0}, {"n": 1})),), columns=2)
    with pytest.raises(TypesettingError, match="lost or repeated"):
        columns.arrange(lambda html: calls.append(html), listing=listing, render_list=lambda ctx: "x",
                        where=lambda n: ("name", None))
    assert len(calls) == 2  # the measuring pass and one typesetting with the plan


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("3", 3), (2, 2)])
def test_columns_key(make_letter, value, expected):
    assert letter_module.load_letter(make_letter(front={"columns": value})).columns == expected


def test_columns_default_and_bad_value(make_letter):
    assert letter_module.load_letter(make_letter()).columns == 2
    with pytest.raises(LetterPdfError) as error:
        letter_module.load_letter(make_letter(subdir="bad", front={"columns": "4"}))
    assert "'4' is not a valid number of columns" in str(error.value)
    assert "use one of: 1, 2, 3" in str(error.value)


def test_restyled_stylesheet_without_role_block_is_an_error(make_letter, capsys, monkeypatch):
    """A letter.css written from scratch (the role not a block) is refused with one line, not a crash."""
    from tests.conftest import run_main

    letter = make_letter()
    (letter.parent / "letter.css").write_text("h1 { color: black; }\n", "utf-8")
    monkeypatch.chdir(letter.parent)
    code, _, err = run_main(["check", "letter.md"], capsys)
    assert (code, [line for line in err.splitlines() if line.startswith("error: ")]) == (1, [
        "error: letter.css: the stylesheet does not lay out a signatory's role as a block (.signatory-role) — "
        "start your letter.css from a copy of the bundled one and change only what you need"])
