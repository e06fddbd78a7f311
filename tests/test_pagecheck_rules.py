"""The page check's decisions, called directly on small hand-made layouts (positions in mm): what fits, the
next fitting step chosen, the exact error (message, where=, hint), the blocks set without hyphenation, and
overlaps and margins. Fast: no typesetting (the end-to-end checks are in test_pagecheck.py)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from letter_pdf import measure
from letter_pdf import pagecheck as pc
from letter_pdf.letter import load_letter
from letter_pdf.model import Annex, Party
from letter_pdf.render import Fit

from conftest import write_letter

A4_AREA = (25.0, 20.0, 185.0, 277.0)


@pytest.fixture(scope="module")
def letter(tmp_path_factory):
    return load_letter(write_letter(tmp_path_factory.mktemp("pagecheck")))


def piece(x0, x1, text="word", marks=(), size=10.0):
    return measure.Piece(x0, x1, text, frozenset(marks), size)


def line(y0, y1, x0=25.0, x1=80.0, *, text="word", marks=(), page=0, pieces=None, element=None, flow=True,
         hyphen="", field=None, size=10.0, ink=None):
    pieces = pieces if pieces is not None else (piece(x0, x1, text, marks, size),)
    ink_y0, ink_y1 = ink if ink is not None else (y0, y1)
    return pc.Line(page=page, x0=x0, y0=y0, x1=x1, y1=y1, pieces=tuple(pieces), marks=frozenset(marks),
                   field=field, element=element, flow=flow, hyphen=hyphen, ink_y0=ink_y0, ink_y1=ink_y1)


def layout(lines, pages=1, boxes=None, root=None, areas=None):
    return pc.Layout(pages=pages, lines=list(lines), areas=areas or [A4_AREA] * pages, boxes=boxes or {}, root=root)


def one(verdict):
    assert len(verdict.errors) == 1, verdict.errors
    e = verdict.errors[0]
    return e.message, e.where, e.hint


# --- the recipient ------------------------------------------------------------------------------

PITCH = 10 * 1.3 * pc.PT_MM  # the bundled letter.css's recipient line, mm


def recipient_lines(n, top=63.0, pitch=PITCH, x0=25.0, x1=80.0, ink=None):
    return [line(top + i * pitch, top + (i + 1) * pitch, x0, x1, marks=("recipient",), ink=ink) for i in range(n)]


def check_recipient(letter, lines, step=0):
    verdict, state = pc._Verdict(Fit()), pc._Recipient(step)
    pc._check_recipient(letter, layout(lines), verdict, state)
    return verdict, state


def test_recipient_inside_the_window_is_left_alone(letter):
    verdict, state = check_recipient(letter, recipient_lines(3))
    assert (verdict.errors, verdict.refit, verdict.fit, state.step) == ([], False, Fit(), 0)


def test_no_recipient_or_no_recipient_lines_is_not_checked(letter):
    far = recipient_lines(3, top=0.0)
    verdict, _ = check_recipient(dataclasses.replace(letter, recipient=None), far)
    assert verdict.errors == []
    other = [dataclasses.replace(x, page=1) for x in far] + [dataclasses.replace(x, marks=frozenset()) for x in far]
    verdict, _ = check_recipient(letter, other)
    assert verdict.errors == []


@pytest.mark.parametrize("x0, x1, top, ok", [
    (19.91, 80, 63, True), (19.89, 80, 63, False),
    (25, 105.09, 63, True), (25, 105.11, 63, False),
    (25, 80, 62.61, True), (25, 80, 62.59, False),
])
def test_recipient_window_edges_with_tolerance(letter, x0, x1, top, ok):
    verdict, _ = check_recipient(letter, recipient_lines(2, top=top, x0=x0, x1=x1))
    if ok:
        assert verdict.errors == []
    else:
        message, where, hint = one(verdict)
        assert message == (
            "the recipient's address lies outside the window of a DL or C6/5 envelope (DIN 5008 form B) "
            f"(at {x0:.1f}-{x1:.1f} mm from the left, {top:.1f} mm from the top; the window is "
            "20.0-105.0 mm and 62.7-90.0 mm)")
        assert where == f"{letter.source}, field 'recipient'"
        assert hint == "a letter.css in the letter's folder moves it: keep the address band's positions"
        assert verdict.refit is False


def test_recipient_ink_above_the_line_box_counts(letter):
    verdict, _ = check_recipient(letter, recipient_lines(2, top=63.0, ink=(62.0, 66.0)))
    assert "62.0 mm from the top" in one(verdict)[0]


def test_recipient_ink_below_the_window_makes_it_refit(letter):
    lines = recipient_lines(3, top=63.0)
    lines[-1] = dataclasses.replace(lines[-1], ink_y1=91.0)  # descenders below the window
    verdict, state = check_recipient(letter, lines)
    assert verdict.errors == [] and verdict.refit is True and state.step == 1


def test_recipient_bottom_edge_with_tolerance(letter):
    top = 90.09 - 3 * PITCH
    verdict, state = check_recipient(letter, recipient_lines(3, top=top))
    assert (verdict.errors, verdict.refit, state.step) == ([], False, 0)
    top = 90.11 - 3 * PITCH
    verdict, state = check_recipient(letter, recipient_lines(3, top=top))
    assert (verdict.errors, verdict.refit, state.step) == ([], True, 1)


def test_recipient_too_long_gets_tighter_leading(letter):
    verdict, state = check_recipient(letter, recipient_lines(6))  # 6 x 13 pt = 78 pt; 27 mm = 76.5 pt
    assert verdict.errors == []
    assert state.step == 1
    assert verdict.refit is True
    assert verdict.fit == Fit(variables=(("--recipient-size", "10pt"), ("--recipient-leading", "1.2")))


def test_recipient_steps_keep_other_variables(letter):
    verdict, state = pc._Verdict(Fit(variables=(("--x", "1"),))), pc._Recipient()
    pc._check_recipient(letter, layout(recipient_lines(6)), verdict, state)
    assert verdict.fit.variables == (("--x", "1"), ("--recipient-size", "10pt"), ("--recipient-leading", "1.2"))


def test_recipient_chooses_the_first_step_that_fits(letter):
    # 7 lines from 63 mm: room 76.5 pt; 7 x 12 = 84 and 7 x 11.5 = 80.5 do not fit, 7 x 10.925 = 76.475 does
    verdict, state = check_recipient(letter, recipient_lines(7))
    assert state.step == 3 and verdict.refit is True
    assert verdict.fit.variables == (("--recipient-size", "9.5pt"), ("--recipient-leading", "1.15"))


def test_recipient_step_in_the_smallest_type(letter):
    # 8 lines: 8 x 9.775 = 78.2 > 76.5; 8 x 9.2 = 73.6 fits (step 6, 8 pt)
    verdict, state = check_recipient(letter, recipient_lines(8))
    assert state.step == 6
    assert verdict.fit.variables == (("--recipient-size", "8pt"), ("--recipient-leading", "1.15"))


def test_recipient_a_later_step_starts_after_the_current_one(letter):
    pitch = 10 * 1.2 * pc.PT_MM  # as step 1 sets it
    verdict, state = check_recipient(letter, recipient_lines(7, pitch=pitch), step=1)
    # 7 x 11.5 = 80.5 does not fit, 7 x 10.925 = 76.475 does
    assert (verdict.errors, state.step) == ([], 3)


def test_recipient_in_a_stylesheet_without_the_variables_is_refused(letter):
    verdict, state = check_recipient(letter, recipient_lines(7), step=1)  # still 13 pt after asking for 12
    message, where, hint = one(verdict)
    assert message == ("the recipient's address does not fit in the window of a DL or C6/5 envelope (DIN 5008 "
                       "form B), and the stylesheet does not let its type be set smaller")
    assert where == f"{letter.source}, field 'recipient'"
    assert hint == ("in a letter.css of your own, set the .recipient's font-size: var(--recipient-size) and "
                    "line-height: var(--recipient-leading), as the bundled letter.css does")
    assert verdict.refit is False and state.step == 1


@pytest.mark.parametrize("pitch_pt, refused", [(12.19, False), (12.21, True), (11.81, False), (11.79, True)])
def test_recipient_step_pitch_tolerance(letter, pitch_pt, refused):
    verdict, _ = check_recipient(letter, recipient_lines(2, pitch=pitch_pt * pc.PT_MM), step=1)
    assert bool(verdict.errors) is refused


def test_recipient_too_many_lines_is_refused_saying_how_many_fit(letter):
    verdict, state = check_recipient(letter, recipient_lines(3, pitch=9.2 * pc.PT_MM, top=63.0)
                                     + recipient_lines(6, pitch=9.2 * pc.PT_MM, top=63.0 + 3 * 9.2 * pc.PT_MM),
                                     step=6)
    message, where, hint = one(verdict)
    assert message == ("the recipient's name and address take 9 lines (3 given, the others from long lines that "
                       "wrap); 8 lines fit in the window of a DL or C6/5 envelope (DIN 5008 form B), even in 8 pt")
    assert where == f"{letter.source}, field 'recipient'"
    assert hint == ("shorten the recipient's name and address to 8 lines (a line too long for the window wraps "
                    "and counts twice)")
    assert verdict.refit is False and verdict.fit == Fit()


def test_recipient_given_lines_too_many_is_refused_without_wrap_note(letter):
    many = dataclasses.replace(letter, recipient=Party("The Minister", tuple(f"Line {i}" for i in range(9))))
    verdict, state = check_recipient(many, recipient_lines(10))
    message, _where, _hint = one(verdict)
    assert message == ("the recipient's name and address take 10 lines; 8 lines fit in the window of a DL or "
                       "C6/5 envelope (DIN 5008 form B), even in 8 pt")
    assert state.step == 0


def test_recipient_wrapped_lines_are_tried_in_the_smallest_type(letter):
    # 9 lines, 3 given: none of the steps fits by arithmetic, but wrapped lines may join in 8 pt
    verdict, state = check_recipient(letter, recipient_lines(9))
    assert verdict.errors == [] and state.step == 6 and verdict.refit is True
    assert verdict.fit.variables == (("--recipient-size", "8pt"), ("--recipient-leading", "1.15"))


@pytest.mark.parametrize("short, fits", [(0.04, True), (0.06, False)])
def test_recipient_room_rounding(letter, short, fits):
    # 8 lines given, 8 x 9.2 = 73.6 pt needed: 0.05 pt of rounding is allowed
    eight = dataclasses.replace(letter, recipient=Party("The Minister", tuple(f"Line {i}" for i in range(7))))
    top = 90.0 - (73.6 - short) * pc.PT_MM
    verdict, state = check_recipient(eight, recipient_lines(8, top=top))
    if fits:
        assert (verdict.errors, state.step) == ([], 6)
    else:
        assert one(verdict)[0].startswith("the recipient's name and address take 8 lines; 7 lines fit")


def test_recipient_letter_paper_uses_the_us_window(letter):
    us = dataclasses.replace(letter, paper="letter")
    verdict, _ = check_recipient(us, recipient_lines(2, top=52.0, x0=23.0, x1=130.0))
    assert verdict.errors == []
    verdict, _ = check_recipient(us, recipient_lines(2, top=52.0, x0=21.0, x1=130.0))
    assert one(verdict)[0].endswith("the window is 22.2-136.5 mm and 51.8-80.4 mm)")


# --- the return line ----------------------------------------------------------------------------

SENDER = Party("Example Coalition", ("1 Example Street", "London", "United Kingdom"))


def return_line(widths, x0=20.0, y0=50.0, y1=53.0, size=8.0, last=None, page=0):
    """One return line: parts of the given widths (mm) with 2 mm separators between them; ``last``
    marks the last part (and its separator) as the droppable country."""
    pieces, x = [], x0
    for i, w in enumerate(widths):
        if i:
            marks = {"return-line", "return-sep"} | ({"return-last"} if last and i == len(widths) - 1 else set())
            pieces.append(piece(x, x + 2, " · ", marks, size))
            x += 2
        marks = {"return-line"} | ({"return-last"} if last and i == len(widths) - 1 else set())
        pieces.append(piece(x, x + w, f"part{i}", marks, size))
        x += w
    return pc.Line(page=page, x0=x0, y0=y0, x1=x, y1=y1, pieces=tuple(pieces), marks=frozenset({"return-line"}),
                   field="sender", element=None, flow=False, hyphen="", ink_y0=y0, ink_y1=y1)


def check_return(letter, lines, state=None, boxes=None, fit=None, extra=()):
    verdict, state = pc._Verdict(fit or Fit()), state or pc._Return()
    pc._check_return_line(letter, layout([*lines, *extra], boxes=boxes), verdict, state)
    return verdict, state


@pytest.fixture
def sender_letter(letter):
    return dataclasses.replace(letter, sender=SENDER)


def test_return_options_in_order(sender_letter, letter):
    sizes = [8.0, 7.75, 7.5, 7.25, 7.0, 6.75, 6.5, 6.25, 6.0]
    options = pc._return_options(sender_letter, 8.0)
    assert options == ([(" · ", 8.0, False)] + [(", ", s, False) for s in sizes]
                       + [(" · ", 8.0, True)] + [(", ", s, True) for s in sizes])
    assert pc._return_options(letter, 8.0) == [(" · ", 8.0, False)] + [(", ", s, False) for s in sizes]
    assert pc._return_options(dataclasses.replace(letter, sender=None), 6.0) == [(" · ", 6.0, False), (", ", 6.0, False)]
    blank = dataclasses.replace(letter, sender=Party("X", ("Street", "United Kingdom", "")))
    assert pc._return_options(blank, 6.0)[-1] == (", ", 6.0, True)


def test_return_line_that_fits_is_left_alone(sender_letter):
    verdict, state = check_return(sender_letter, [return_line([40, 30, 10])])
    assert (verdict.errors, verdict.refit, verdict.fit, state.index) == ([], False, Fit(), 0)
    assert state.options[0] == (" · ", 8.0, False) and len(state.options) == 20


def test_return_line_not_checked_without_sender_or_lines(sender_letter):
    long = return_line([100, 100])
    verdict, _ = check_return(dataclasses.replace(sender_letter, sender=None), [long])
    assert verdict.errors == [] and verdict.refit is False
    verdict, _ = check_return(sender_letter, [dataclasses.replace(long, page=1),
                                              dataclasses.replace(long, marks=frozenset({"recipient"}))])
    assert verdict.errors == [] and verdict.refit is False


@pytest.mark.parametrize("x0, end, y0, y1, fits", [
    (19.91, 80, 50, 53, True), (19.89, 80, 50, 53, False),
    (20, 105.09, 50, 53, True), (20, 105.11, 50, 53, False),
])
def test_return_line_horizontal_edges(sender_letter, x0, end, y0, y1, fits):
    verdict, _ = check_return(sender_letter, [return_line([end - x0 - 2 - 10, 10], x0=x0, y0=y0, y1=y1)])
    assert (verdict.errors == [] and verdict.refit is False) is fits
    if not fits:
        assert verdict.errors == [] and verdict.refit is True


@pytest.mark.parametrize("y0, y1, fits", [(44.91, 50, True), (44.89, 50, False), (58, 62.79, True), (58, 62.81, False)])
def test_return_line_vertical_edges(sender_letter, y0, y1, fits):
    verdict, _ = check_return(sender_letter, [return_line([40, 10], y0=y0, y1=y1)])
    if fits:
        assert verdict.errors == [] and verdict.refit is False
    else:
        message, where, hint = one(verdict)
        assert message == ("the sender's return line lies outside the window of a DL or C6/5 envelope (DIN 5008 "
                           f"form B) ({y0:.1f}-{y1:.1f} mm from the top)")
        assert where == f"{sender_letter.source}, field 'sender'"
        assert hint == "a letter.css in the letter's folder moves it: keep the address band's positions"


def test_return_line_stays_above_the_recipient(sender_letter):
    recipient = [line(57.0, 61.0, marks=("recipient",)), line(61.0, 65.0, marks=("recipient",))]
    verdict, _ = check_return(sender_letter, [return_line([40, 10], y0=54.0, y1=57.09)], extra=recipient)
    assert verdict.errors == []
    verdict, _ = check_return(sender_letter, [return_line([40, 10], y0=54.0, y1=57.11)], extra=recipient)
    assert one(verdict)[0].endswith("(54.0-57.1 mm from the top)")
    # the recipient on another page, or the ink of the return line
    other = [dataclasses.replace(r, page=1) for r in recipient]
    verdict, _ = check_return(sender_letter, [return_line([40, 10], y0=54.0, y1=57.5)], extra=other)
    assert verdict.errors == []
    inked = dataclasses.replace(return_line([40, 10], y0=50.0, y1=53.0), ink_y0=44.0)
    assert one(check_return(sender_letter, [inked])[0])[0].endswith("(44.0-53.0 mm from the top)")
    inked = dataclasses.replace(return_line([40, 10], y0=50.0, y1=53.0), ink_y1=63.0)
    assert one(check_return(sender_letter, [inked])[0])[0].endswith("(50.0-63.0 mm from the top)")


def test_return_line_box_narrower_than_the_window(sender_letter):
    boxes = {"return-line": (0, 20.0, 45.0, 90.0, 60.0)}
    verdict, _ = check_return(sender_letter, [return_line([60, 8.09])], boxes=boxes)
    assert verdict.errors == [] and verdict.refit is False
    verdict, _ = check_return(sender_letter, [return_line([60, 8.11])], boxes=boxes)
    assert verdict.refit is True


def test_return_line_too_long_gets_the_first_option_that_fits(sender_letter):
    # parts 96 mm, two separators of 2 mm: ", " is 0.6 of " · "; room 105 - 20 - 0.3 = 84.7 mm
    # 8 pt ", ": 96 + 2.4 = 98.4; at s pt: s/8 * 98.4 <= 84.7 from 6.75 pt
    verdict, state = check_return(sender_letter, [return_line([40, 38, 18])])
    assert verdict.errors == [] and verdict.refit is True
    assert state.options[state.index] == (", ", 6.75, False) and state.index == 6
    assert verdict.fit == Fit(variables=(("--return-size", "6.75pt"),), return_separator=", ",
                              return_drop_last=False)


def test_return_line_drops_the_country_last(sender_letter):
    # parts 130 mm: even 6 pt ", " gives 6/8 * (130 + 2.4) = 99.3 > 84.7; without the 30 mm country (and its
    # separator) at 8 pt " · ": 100 + 2 = 102; ", " 8 pt: 100 + 1.2 = 101.2; from s/8*101.2 <= 84.7: 6.5 pt
    verdict, state = check_return(sender_letter, [return_line([60, 40, 30], last=True)])
    assert verdict.errors == [] and verdict.refit is True
    assert state.options[state.index] == (", ", 6.5, True)
    assert verdict.fit == Fit(variables=(("--return-size", "6.5pt"),), return_separator=", ",
                              return_drop_last=True)


def test_return_line_drop_estimate_excludes_the_country_once(sender_letter):
    # the country already dropped: its width is not taken off again
    state = pc._Return(options=pc._return_options(sender_letter, 8.0), index=10)  # (" · ", 8, True)
    verdict, state = check_return(sender_letter, [return_line([60, 40])], state=state)
    # 100 + 2*0.6 = 101.2 -> 6.5 pt as above
    assert state.options[state.index] == (", ", 6.5, True) and verdict.refit is True


def test_return_line_next_step_after_the_current(sender_letter):
    state = pc._Return(options=pc._return_options(sender_letter, 8.0), index=1)  # (", ", 8, False) in use
    verdict, state = check_return(sender_letter, [return_line([50, 30, 8], size=8.0)], state=state)
    # measured with ", " (2 mm): a ", " stays 2 mm, 88 + 4 = 92: s/8*92 <= 84.7 from 7.25 pt (not 7.5)
    assert state.index == 4 and state.options[4] == (", ", 7.25, False)


def test_return_line_keeps_the_other_variables(sender_letter):
    verdict, _ = check_return(sender_letter, [return_line([40, 38, 18])], fit=Fit(variables=(("--y", "2"),)))
    assert verdict.fit.variables == (("--y", "2"), ("--return-size", "6.75pt"))


def test_return_line_wrapped_over_two_lines_is_refitted(sender_letter):
    first = return_line([40], y0=50.0, y1=53.0)
    second = return_line([30], y0=53.0, y1=56.0)
    verdict, state = check_return(sender_letter, [first, second])
    # one line wanted: 70 mm at 8 pt " · " estimate with ", " is 70 mm <= 84.7 mm
    assert verdict.errors == [] and state.index == 1 and verdict.fit.return_separator == ", "


def test_return_line_in_a_stylesheet_without_the_variable_is_refused(sender_letter):
    state = pc._Return(options=[(" · ", 9.0, False), (", ", 8.0, False)])
    verdict, state = check_return(sender_letter, [return_line([40, 30, 18], size=9.04)], state=state)
    assert verdict.errors == [] and state.index == 1  # 0.04 pt off: rounding
    state = pc._Return(options=[(" · ", 9.0, False), (", ", 8.0, False)])
    verdict, state = check_return(sender_letter, [return_line([40, 38, 18], size=8.0)], state=state)
    message, where, hint = one(verdict)
    assert message == ("the sender's return line does not fit on one line in the window of a DL or C6/5 envelope "
                       "(DIN 5008 form B), and the stylesheet does not let its type be set smaller")
    assert where == f"{sender_letter.source}, field 'sender'"
    assert hint == ("in a letter.css of your own, set the .return-line's font-size: var(--return-size), as the "
                    "bundled letter.css does; or shorten the sender's name or address lines")
    assert verdict.refit is False and state.index == 0


def test_return_line_that_cannot_fit_is_refused(sender_letter):
    verdict, state = check_return(sender_letter, [return_line([100, 60, 30], last=True)])
    message, where, hint = one(verdict)
    assert message == ("the sender's return line does not fit on one line in the window of a DL or C6/5 envelope "
                       "(DIN 5008 form B), even in 6 pt without the country: it is 194 mm long at 8 pt, and 85 mm fit")
    assert where == f"{sender_letter.source}, field 'sender'"
    assert hint == "shorten the sender's name or address lines (the return line prints them all on one line)"
    assert verdict.refit is False and verdict.fit == Fit()


def test_return_line_refused_without_a_country_to_drop(letter):
    verdict, _ = check_return(letter, [return_line([100, 60])])
    assert one(verdict)[0].endswith("even in 6 pt: it is 162 mm long at 8 pt, and 85 mm fit")


def test_return_line_estimate_boundary(sender_letter):
    # ", " at 8 pt: parts + 2 separators x 2 mm x 0.6 exactly at the room (84.7 mm) fits
    verdict, state = check_return(sender_letter, [return_line([40, 40.0, 2.3])])
    assert state.index == 1, (state.index, verdict.errors)
    verdict, state = check_return(sender_letter, [return_line([40, 40.01, 2.3])])
    assert state.index == 2


# --- the cover ----------------------------------------------------------------------------------


def check_cover(letter, lines=(), pages=2, state=None, size=10.0, fit=None):
    verdict, state = pc._Verdict(fit or Fit()), state or pc._Cover()
    pc._check_cover(letter, layout(lines, pages=pages), verdict, state, size)
    return verdict, state


def test_cover_steps(letter):
    assert pc._cover_steps(letter) == [(1, 1, 1), (0.5, 1, 1), (0.5, 1, 0.92), (0.4, 1, 0.85)]
    four = dataclasses.replace(letter, enclosures=tuple(Annex(f"a{i}") for i in range(4)))
    assert pc._cover_steps(four) == list(pc.COVER_STEPS)
    three = dataclasses.replace(letter, enclosures=tuple(Annex(f"a{i}") for i in range(3)))
    assert pc._cover_steps(three) == pc._cover_steps(letter)


def test_cover_on_one_page_is_left_alone(letter):
    verdict, state = check_cover(letter, pages=1)
    assert (verdict.errors, verdict.refit, verdict.fit, state.step, state.size) == ([], False, Fit(), 0, 10.0)


def test_cover_keeps_the_first_size_it_saw(letter):
    state = pc._Cover(step=1, size=10.0)
    verdict, state = check_cover(letter, state=state, size=9.2)
    assert state.size == 10.0 and verdict.fit.variables == (("--cover-space", "0.5"), ("--cover-size", "9.2pt"))


def test_cover_two_pages_gets_tighter_spacing_first(letter):
    verdict, state = check_cover(letter, fit=Fit(variables=(("--z", "3"),)))
    assert verdict.errors == [] and verdict.refit is True and state.step == 1
    assert verdict.fit == Fit(variables=(("--z", "3"), ("--cover-space", "0.5")), enclosure_columns=1)


def test_cover_long_enclosure_list_goes_to_two_columns(letter):
    four = dataclasses.replace(letter, enclosures=tuple(Annex(f"a{i}") for i in range(4)))
    verdict, state = check_cover(four, state=pc._Cover(step=1))
    assert state.step == 2 and verdict.fit == Fit(variables=(("--cover-space", "0.5"),), enclosure_columns=2)


def test_cover_smaller_type_skips_steps_below_the_floor(letter):
    verdict, state = check_cover(letter, state=pc._Cover(step=1), size=9.0)  # 9 x 0.92 = 8.28 pt: allowed
    assert state.step == 2 and verdict.fit.variables == (("--cover-space", "0.5"), ("--cover-size", "8.28pt"))
    verdict, state = check_cover(letter, state=pc._Cover(step=2), size=9.0)  # 9 x 0.85 = 7.65 pt: below 8
    assert state.step == 2 and verdict.refit is False and len(verdict.errors) == 1
    verdict, state = check_cover(letter, state=pc._Cover(step=2), size=8.0 / 0.85)  # exactly 8 pt: allowed
    assert state.step == 3 and verdict.fit.variables == (("--cover-space", "0.4"), ("--cover-size", "8pt"))


def test_cover_that_cannot_fit_is_refused_naming_its_longest_part(letter):
    lines = ([line(20 + 5 * i, 25 + 5 * i, field="enclosures") for i in range(3)]
             + [line(40, 44, 25, 60, field="cc"), line(40, 44, 100, 150, field="cc"),  # cells of one row
                line(44, 48, field="cc"), line(48, 52, field="cc"), line(52, 56, field="cc")]
             + [line(20, 30, page=1, field="cover.note"), line(30, 40.2, page=1, field="cover.note")]
             + [line(60, 70)])  # no field
    verdict, state = check_cover(letter, lines, pages=2, state=pc._Cover(step=3))
    message, where, hint = one(verdict)
    assert message == ("the cover page takes 2 pages, even with tighter spacing and smaller type; the longest part "
                       "is the note (2 lines)")
    assert where == f"{letter.source}, field 'cover.note'"
    assert hint == ("shorten the note, or build without a cover page ('cover: false' in the front matter, "
                    "or --no-cover)")
    assert verdict.refit is False and state.step == 3


def test_cover_refused_with_rows_counted_once_per_row(letter):
    lines = ([line(20 + 5 * i, 25 + 5 * i, field="enclosures") for i in range(3)]
             + [line(40, 44, 25, 60, field="cc"), line(40.04, 44, 100, 150, field="cc")]
             + [line(40, 44, 25, 60, page=1, field="cc"), line(44, 48, field="subject.x")])
    verdict, _ = check_cover(letter, lines, pages=3, state=pc._Cover(step=3))
    assert one(verdict)[0].endswith("the longest part is the list of enclosures (3 lines)")
    verdict, _ = check_cover(letter, [line(20, 40, field="subject.x")], pages=3, state=pc._Cover(step=3))
    message, where, hint = one(verdict)
    assert message.endswith("takes 3 pages, even with tighter spacing and smaller type; the longest part is the "
                            "field 'subject.x' (1 lines)")
    assert where == f"{letter.source}, field 'subject.x'" and hint.startswith("shorten the field 'subject.x', or")
    verdict, _ = check_cover(letter, [line(20, 40)], pages=2, state=pc._Cover(step=3))
    assert one(verdict)[0].endswith("the longest part is the note (0 lines)")


# --- hyphens ------------------------------------------------------------------------------------


def html(*paragraphs):
    root = ET.Element("html")
    ET.SubElement(root, "head")
    body = ET.SubElement(root, "body")
    out = []
    for text in paragraphs:
        p = ET.SubElement(body, "p")
        p.text = text
        out.append(p)
    return root, out


def text_line(element, text, y0, page=0, hyphen="-", flow=True):
    return line(y0, y0 + 5, text=text, element=element, page=page, hyphen=hyphen, flow=flow)


def test_inserted_hyphen():
    _root, (p, q) = html("a long paragraph about sovereignty and well-being", "other")
    assert pc._inserted_hyphen(text_line(p, "a long paragraph about sover-", 0), text_line(p, "eignty and", 5)) \
        == "sovereignty"
    # the letter's own hyphen
    assert pc._inserted_hyphen(text_line(p, "sovereignty and well-", 0), text_line(p, "being", 5)) is None
    # no hyphen, another block, no hyphen character, no element, empty following line
    assert pc._inserted_hyphen(text_line(p, "a long paragraph", 0), text_line(p, "about", 5)) is None
    assert pc._inserted_hyphen(text_line(p, "about sover-", 0), text_line(q, "eignty", 5)) is None
    assert pc._inserted_hyphen(text_line(p, "about sover-", 0, hyphen=""), text_line(p, "eignty", 5)) is None
    assert pc._inserted_hyphen(text_line(None, "about sover-", 0), text_line(None, "eignty", 5)) is None
    assert pc._inserted_hyphen(text_line(p, "about sover-", 0), text_line(p, "  ", 5)) is None
    # a hyphen character of more than one letter; a soft hyphen in the source
    _root, (s,) = html("about sover\u00adeignty and")
    assert pc._inserted_hyphen(text_line(s, "about sover‐‐", 0, hyphen="‐‐"), text_line(s, "eignty and", 5)) \
        == "sovereignty"
    # a line that is the hyphen alone; a split word not in the source
    _root, (t,) = html("eignty")
    assert pc._inserted_hyphen(text_line(t, "-", 0), text_line(t, "eignty", 5)) == "eignty"
    assert pc._inserted_hyphen(text_line(p, "about sover-", 0), text_line(p, "eigns", 5)) is None


def test_inserted_hyphen_spans_child_elements():
    root = ET.Element("p")
    root.text = "sove"
    em = ET.SubElement(root, "em")
    em.text = "reign"
    em.tail = "ty now"
    assert pc._inserted_hyphen(text_line(root, "sover-", 0), text_line(root, "eignty now", 5)) == "sovereignty"


def check_hyphens(letter, lines, root, fit=None):
    verdict = pc._Verdict(fit or Fit())
    pc._check_hyphens(letter, layout(lines, root=root), verdict)
    return verdict


WORDS = "one two three four five six seven eight nine ten"


def test_hyphen_before_the_last_line_unhyphenates_the_paragraph(letter):
    root, (p, q) = html(WORDS, "other " + WORDS)
    lines = [text_line(p, "one two thr-", 0), text_line(p, "ee four five", 5),
             text_line(q, "other", 10), text_line(q, "one two", 15)]
    verdict = check_hyphens(letter, lines, root)
    assert verdict.errors == [] and verdict.refit is True
    assert verdict.fit.unhyphenated == (":root > :nth-child(2) > :nth-child(1)",)


def test_hyphen_in_the_middle_of_a_paragraph_is_kept(letter):
    root, (p,) = html(WORDS)
    lines = [text_line(p, "one two thr-", 0), text_line(p, "ee four five", 5), text_line(p, "six seven", 10)]
    verdict = check_hyphens(letter, lines, root)
    assert (verdict.errors, verdict.refit, verdict.fit) == ([], False, Fit())


def test_hyphen_across_a_page_break(letter):
    root, (p, q) = html(WORDS, WORDS)
    lines = [text_line(q, "one", 0), text_line(p, "one two thr-", 270), text_line(p, "ee four five", 20, page=1),
             text_line(p, "six", 25, page=1)]
    verdict = check_hyphens(letter, lines, root, fit=Fit(unhyphenated=(":root > :nth-child(2) > :nth-child(1)",)))
    message, where, hint = one(verdict)
    assert message == "the letter, page 1: the word 'three' is hyphenated across a page break"
    assert where == str(letter.source)
    assert hint == ("keep {{ fit_css }} last in the <style> of a letter.html.j2 of your own, as the bundled one "
                    "does, or reword the paragraph")
    assert verdict.refit is False


def test_hyphen_before_the_last_line_message(letter):
    root, (p,) = html(WORDS)
    lines = [text_line(p, "one", 0, page=1), text_line(p, "two thr-", 5, page=1), text_line(p, "ee four", 10, page=1)]
    verdict = check_hyphens(letter, lines, root, fit=Fit(unhyphenated=(":root > :nth-child(2) > :nth-child(1)",)))
    assert one(verdict)[0] == "the letter, page 2: the word 'three' is hyphenated before a paragraph's last line"


def test_more_than_two_hyphens_in_a_row(letter):
    text = "alpha beta gamma delta epsilon zeta"
    root, (p,) = html(text)
    lines = [text_line(p, "al-", 0), text_line(p, "pha be-", 5), text_line(p, "ta gam-", 10),
             text_line(p, "ma delta", 15), text_line(p, "epsilon zeta", 20)]
    verdict = check_hyphens(letter, lines, root)
    assert verdict.fit.unhyphenated == (":root > :nth-child(2) > :nth-child(1)",)
    verdict = check_hyphens(letter, lines, root, fit=Fit(unhyphenated=(":root > :nth-child(2) > :nth-child(1)",)))
    assert one(verdict)[0] == "the letter, page 1: more than 2 lines in a row end in a hyphen ('gamma')"
    # two in a row, then a plain line, then one more: no run of three
    lines = [text_line(p, "al-", 0), text_line(p, "pha be-", 5), text_line(p, "ta gamma", 10),
             text_line(p, "del-", 15), text_line(p, "ta epsilon", 20), text_line(p, "zeta", 25)]
    assert check_hyphens(letter, lines, root).refit is False


def test_hyphens_ignore_lines_out_of_the_flow(letter):
    root, (p,) = html(WORDS)
    lines = [text_line(p, "one two thr-", 0), text_line(p, "ee four five", 5),
             text_line(p, "six", 10, flow=False)]
    assert check_hyphens(letter, lines, root).fit.unhyphenated == (":root > :nth-child(2) > :nth-child(1)",)
    lines = [text_line(p, "one two thr-", 0, flow=False), text_line(p, "ee four five", 5, flow=False)]
    assert check_hyphens(letter, lines, root).refit is False


def test_hyphens_several_paragraphs_in_order_once_each(letter):
    root, (p, q, r) = html(WORDS, WORDS, WORDS)
    lines = [text_line(p, "one two thr-", 0, page=0), text_line(p, "ee four", 5, page=1),
             text_line(p, "five six", 10, page=1),
             text_line(q, "one", 15, page=1), text_line(r, "one two thr-", 20, page=1), text_line(r, "ee four", 25, page=1)]
    verdict = check_hyphens(letter, lines, root, fit=Fit(unhyphenated=(":x",)))
    assert verdict.fit.unhyphenated == (":x", ":root > :nth-child(2) > :nth-child(1)",
                                        ":root > :nth-child(2) > :nth-child(3)")


def test_hyphens_element_outside_the_tree_is_not_selected(letter):
    root, _ = html("x")
    stray = ET.Element("p")
    stray.text = WORDS
    lines = [text_line(stray, "one two thr-", 0), text_line(stray, "ee four", 5)]
    verdict = check_hyphens(letter, lines, root)
    assert (verdict.errors, verdict.refit, verdict.fit) == ([], False, Fit())
    assert pc._selector(root, root) is None


# --- overlaps and margins -----------------------------------------------------------------------


def check_lines(letter, lines, pages=1, part="the letter", areas=None):
    verdict = pc._Verdict(Fit())
    pc._check_overlaps_and_margins(letter, layout(lines, pages=pages, areas=areas), verdict, part)
    return verdict


HINT_CSS = "a letter.css or template in the letter's folder places it there; otherwise please report this as a bug"


def test_lines_inside_the_area_and_apart_pass(letter):
    lines = [line(20, 25, 25, 185), line(25.09, 30, 25, 185), line(30, 35, 25, 100), line(31, 36, 100.09, 185),
             line(272, 277), line(20, 277, 25, 25.5, page=1)]
    verdict = check_lines(letter, lines, pages=2)
    assert (verdict.errors, verdict.refit, verdict.fit) == ([], False, Fit())


@pytest.mark.parametrize("box, side, amount", [
    ((24.85, 30, 60, 35), "left", 0.15), ((30, 30, 185.2, 35), "right", 0.2),
    ((30, 19.8, 60, 25), "top", 0.2), ((30, 270, 60, 277.3), "bottom", 0.3),
])
def test_text_in_a_margin(letter, box, side, amount):
    x0, y0, x1, y1 = box
    lines = [line(y0, y1, x0, x1, pieces=(piece(x0, x1, "A"), piece(x0, x1, "B"), piece(x0, x1, "C"),
                                          piece(x0, x1, "D")))]
    message, where, hint = one(check_lines(letter, lines, part="the cover page"))
    assert message == f"the cover page, page 1: the text 'ABCD' runs {amount:.1f} mm into the {side} margin"
    assert where == str(letter.source)
    assert hint == HINT_CSS


def test_margin_edges_with_tolerance(letter):
    assert check_lines(letter, [line(20, 25, 24.91, 185.09), line(30, 35, 30, 40), line(270, 277.09)]).errors == []
    assert check_lines(letter, [line(19.91, 25, 30, 40)]).errors == []


def test_long_word_in_the_right_margin(letter):
    word = "https://example.org/a/very/long/address/that/cannot/break/anywhere"
    lines = [line(20, 25, 25, 60), line(30, 35, 25, 190, pieces=(piece(25, 30, "see "), piece(30, 190, word),
                                                                 piece(190, 190, ".")), page=1),
             line(40, 45, 25, 200, page=1)]
    message, where, hint = one(check_lines(letter, lines, pages=2))
    assert message == ("the letter, page 2: the text 'see https://example.org/a/very/long/add…' runs 5.0 mm into "
                       "the right margin")
    assert hint == "break or shorten the long word or web address"


def test_the_largest_overshoot_names_the_side(letter):
    message, _w, hint = one(check_lines(letter, [line(18, 25, 24, 186)]))
    assert message == "the letter, page 1: the text 'word' runs 2.0 mm into the top margin"
    assert hint == HINT_CSS  # not the right margin: not a long word


def test_lines_measured_against_their_own_page_area(letter):
    areas = [A4_AREA, (10.0, 10.0, 200.0, 287.0)]
    assert check_lines(letter, [line(12, 20, 12, 199, page=1)], pages=2, areas=areas).errors == []
    assert len(check_lines(letter, [line(12, 20, 12, 199, page=0)], pages=2, areas=areas).errors) == 1


def test_overlapping_lines(letter):
    lines = [line(30, 35, 25, 100, text="first line"), line(34.8, 40, 99.8, 185, text="second line"),
             line(60, 65, text="x"), line(61, 66, text="y")]
    message, where, hint = one(check_lines(letter, lines))
    assert message == "the letter, page 1: the text 'second line' overlaps 'first line'"
    assert where == str(letter.source) and hint == HINT_CSS


def test_overlap_found_among_earlier_lines_and_pages(letter):
    lines = [line(30, 50, 25, 60, text="tall"), line(31, 35, 100, 185, text="right"),
             line(40, 45, 50, 70, text="low", page=0),
             line(30, 50, 25, 60, text="p2", page=1)]
    message, _w, _h = one(check_lines(letter, lines, pages=2))
    assert message == "the letter, page 1: the text 'low' overlaps 'tall'"
    # pages apart: no overlap; unsorted input is sorted by top
    lines = [line(40, 45, page=1, text="b"), line(30, 50, page=0, text="a"), line(35, 41, page=1, text="c")]
    message, _w, _h = one(check_lines(letter, lines, pages=2))
    assert message == "the letter, page 2: the text 'b' overlaps 'c'"


def test_margin_reported_once_and_before_overlaps(letter):
    lines = [line(30, 35, 10, 60, text="left"), line(40, 45, 20, 60, text="also"), line(41, 46, text="o")]
    verdict = check_lines(letter, lines)
    assert [e.message for e in verdict.errors] == [
        "the letter, page 1: the text 'left' runs 15.0 mm into the left margin",
        "the letter, page 1: the text 'o' overlaps 'also'"]


# --- edges and cases found by mutation testing (tests/MUTATION.md) -------------------------------

W = pc.WINDOWS["a4"]
T = pc.TOLERANCE


def test_recipient_exactly_at_the_tolerance_is_inside(letter):
    at_edge = recipient_lines(2, x0=W.left - T, x1=W.right + T)
    at_edge[0] = dataclasses.replace(at_edge[0], ink_y0=W.top - T)
    at_edge[-1] = dataclasses.replace(at_edge[-1], ink_y1=W.bottom + T)
    verdict, state = check_recipient(letter, at_edge)
    assert (verdict.errors, verdict.refit, state.step) == ([], False, 0)


def test_recipient_in_larger_type_than_the_first_step(letter):
    # a letter.css with 14 pt lines: steps after the first are tried (5 x 13 = 65 would fit too)
    room = 66.0  # pt: 5 x 14 = 70 does not fit, 5 x 12 = 60 does
    verdict, state = check_recipient(letter, recipient_lines(5, top=W.bottom - room * pc.PT_MM, pitch=14 * pc.PT_MM))
    assert state.step == 1 and verdict.refit is True
    assert verdict.fit.variables == (("--recipient-size", "10pt"), ("--recipient-leading", "1.2"))


def test_recipient_already_smaller_than_the_smallest_step_is_refused(letter):
    # a letter.css with 9.195 pt lines: no step is smaller, so none is tried, not even the floor
    verdict, state = check_recipient(letter, recipient_lines(9, pitch=9.195 * pc.PT_MM))
    assert state.step == 0 and verdict.refit is False
    assert one(verdict)[0].startswith("the recipient's name and address take 9 lines (3 given")


def test_recipient_lines_that_fit_counts_the_rounding(letter):
    # 9 lines given; room 73.57 pt: (73.57 + 0.05) // 9.2 = 8 lines fit
    nine = dataclasses.replace(letter, recipient=Party("The Minister", tuple(f"Line {i}" for i in range(8))))
    verdict, _ = check_recipient(nine, recipient_lines(9, top=W.bottom - 73.57 * pc.PT_MM))
    assert one(verdict)[0] == ("the recipient's name and address take 9 lines; 8 lines fit in the window of a DL "
                               "or C6/5 envelope (DIN 5008 form B), even in 8 pt")


def test_return_line_exactly_at_the_tolerance_is_inside(sender_letter):
    limit = W.right
    edge = return_line([40, 10], x0=W.left - T)
    last = edge.pieces[-1]
    pieces = (*edge.pieces[:-1], dataclasses.replace(last, x1=limit + T))
    edge = dataclasses.replace(edge, pieces=pieces, x1=limit + T, ink_y0=W.return_top - T, ink_y1=W.return_bottom + T)
    verdict, state = check_return(sender_letter, [edge])
    assert (verdict.errors, verdict.refit, state.index) == ([], False, 0)


@pytest.mark.parametrize("top, bottom", [(W.return_top - T, 55.0), (44.95, 55.0), (50.0, W.return_bottom + T),
                                         (50.0, 62.75)])
def test_return_line_too_long_within_the_tolerance_is_refitted_not_refused(sender_letter, top, bottom):
    long = dataclasses.replace(return_line([40, 38, 18]), ink_y0=top, ink_y1=bottom, y0=max(top, 50.0),
                               y1=min(bottom, 55.0))
    verdict, state = check_return(sender_letter, [long])
    assert verdict.errors == [] and verdict.refit is True and state.index == 6


def test_return_line_sizes_come_from_its_first_piece(sender_letter):
    line_ = return_line([40, 38, 18])
    pieces = (line_.pieces[0], *(dataclasses.replace(p, size=9.0) for p in line_.pieces[1:]))
    verdict, state = check_return(sender_letter, [dataclasses.replace(line_, pieces=pieces)])
    assert state.options[0] == (" · ", 8.0, False)
    assert verdict.errors == [] and state.options[state.index] == (", ", 6.75, False)


def test_return_line_drop_counts_one_separator_less(sender_letter):
    # parts 112 mm, the country 10 mm: without it 102 + 1 x 1.2 = 103.2 mm at 8 pt: fits from 6.5 pt
    # (counting 3 or 2 separators instead of 1 it would need 6.25 pt)
    verdict, state = check_return(sender_letter, [return_line([62, 40, 10], last=True)])
    assert state.index == 17 and state.options[17] == (", ", 6.5, True)


def test_return_options_steps_keep_two_decimals(letter):
    sizes = [size for _sep, size, _drop in pc._return_options(letter, 7.333)]
    assert sizes[:4] == [7.333, 7.333, 7.08, 6.83]


def test_return_options_drop_only_a_country_in_a_common_language(letter):
    # 'Aotearoa' (Māori for New Zealand) is found only by the thorough search: it is not left out
    nz = dataclasses.replace(letter, sender=Party("X", ("1 Street", "Wellington", "Aotearoa")))
    assert all(not drop for _sep, _size, drop in pc._return_options(nz, 8.0))


def test_cover_type_size_rounded_to_two_decimals(letter):
    verdict, _ = check_cover(letter, state=pc._Cover(step=1), size=9.1)  # 9.1 x 0.92 = 8.372
    assert verdict.fit.variables == (("--cover-space", "0.5"), ("--cover-size", "8.37pt"))


def test_cover_rows_are_lines_a_tenth_of_a_mm_apart(letter):
    lines = [line(40.0, 44, 25, 60, field="cc"), line(40.04, 44, 100, 150, field="cc"), line(40.3, 44, field="cc")]
    verdict, _ = check_cover(letter, lines, state=pc._Cover(step=3))
    assert one(verdict)[0].endswith("the longest part is the copy-to list (2 lines)")


def test_text_exactly_at_the_tolerance_is_not_in_the_margin_nor_overlapping(letter):
    areas = [(0.1, -5.0, 100.0, 100.0)]
    assert check_lines(letter, [line(10, 15, 0.0, 50)], areas=areas).errors == []
    touching = [line(-1.0, 0.1, 0.1, 50, text="a"), line(0.0, 5.0, 0.1, 60, text="b")]
    assert check_lines(letter, touching, areas=areas).errors == []
    side_by_side = [line(10, 15, 0.0, 0.1, text="a"), line(10, 15, 0.0, 60, text="b")]
    assert check_lines(letter, side_by_side, areas=areas).errors == []


def test_hyphen_run_counts_from_zero_after_a_plain_line(letter):
    root, (p,) = html(WORDS)
    lines = [text_line(p, "one two", 0), text_line(p, "thr-", 5), text_line(p, "ee fo-", 10),
             text_line(p, "ur five", 15), text_line(p, "six", 20)]
    assert check_hyphens(letter, lines, root).refit is False


def test_hyphen_last_line_looks_two_lines_ahead(letter):
    root, (p, q) = html(WORDS, "other words")
    lines = [text_line(q, "other", 0), text_line(q, "words", 5), text_line(p, "one two thr-", 10),
             text_line(p, "ee four", 15), text_line(p, "five", 20)]
    assert check_hyphens(letter, lines, root).refit is False
