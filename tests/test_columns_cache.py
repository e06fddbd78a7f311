"""The plans a batch of copies shares (columns_cache) and its font subsets (typeset.shared_subsets): a copy
built with them is byte for byte the copy built without; a copy whose list starts elsewhere is planned
afresh; a single build keeps nothing. And the templates compiled once (template_cache): a changed template
is compiled again."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from letter_pdf import arrange, assemble, columns_cache, personalise, pipeline, render, template_cache, typeset
from letter_pdf.model import Recipient

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "joint-letter"
# the name three times in the body's first paragraph: a long name makes it lines longer and the list
# starts lower on its page (with the same page check adjustments as the short names: the kept plans of the
# long name are candidates for the short names, and must be refused)
SENTENCE = ("We write to you, {{ recipient.name }}, as a member of the committee. We ask you, "
            "{{ recipient.name }}, to read what follows; {{ recipient.name }} will find our requests below.\n\n")
LONG = "Alexandra Konstantinovna Rimskaya-Korsakova"  # one line in the window, as the short ones
NAMES = [LONG, "Li Bo", "Ivan Popov"]


def _recipient(row: int, name: str) -> Recipient:
    address = ("State Duma", f"Office {100 + row}", "Moscow 103265")
    return Recipient(row=row, line=row + 1, name=name, address=address, fields=(("name", name),))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("cache") / "letter"
    shutil.copytree(EXAMPLE, folder)
    letter_path = folder / "letter.md"
    head, _sep, body = letter_path.read_text(encoding="utf-8").partition("\n---\n")
    head = head.replace("cover:\n  channel: By e-mail and registered post", "cover: false")  # the list's pages only
    assert "cover: false" in head
    letter_path.write_text(f"{head}\n---\n{SENTENCE}{body}", encoding="utf-8")
    options = pipeline.BuildOptions()
    letter, font_set = pipeline._load(letter_path, options)
    template = personalise.parse_body(letter, {"name"})
    copies = [personalise.copy_for(letter, _recipient(i + 1, name), template) for i, name in enumerate(NAMES)]
    prepared = pipeline.Prepared(letter, font_set, arrange.printed_list(letter), (), assemble.check_externals(letter))

    def make(copy) -> bytes:
        return pipeline.make_pdf(dataclasses.replace(prepared, letter=copy), options, None).pdf

    plain = [make(copy) for copy in copies]
    with columns_cache.shared(), typeset.shared_subsets():
        cached = [make(copy) for copy in copies]
        reused = columns_cache.reused
        subsets = typeset.subsets_reused
        assert columns_cache._entries is not None
        kept = list(columns_cache._entries)
    return {"plain": plain, "cached": cached, "reused": reused, "kept": kept, "subsets": subsets}


def test_copies_with_kept_plans_are_the_same_bytes(built):
    for name, plain, cached in zip(NAMES, built["plain"], built["cached"], strict=True):
        assert hashlib.sha256(cached).hexdigest() == hashlib.sha256(plain).hexdigest(), name
    # the copies differ from each other (their recipient), so equal bytes are not a constant
    assert len({hashlib.sha256(pdf).digest() for pdf in built["plain"]}) == len(NAMES)


def test_plans_were_reused_and_the_long_name_planned_afresh(built):
    # the long name moves the list's start: its plan is kept apart from the short names' plan
    starts = {entry.geometry.first for entry in built["kept"]}
    assert len(starts) == 2
    # per copy the page check typesets the letter twice (the return line is refitted), with one plan each;
    # the short names after the first short one reuse its two plans, the long one none
    assert built["reused"] == 2 * (len(NAMES) - 2)
    for entry in built["kept"]:
        assert len(entry.plan.pages) >= 2 and not entry.plan.new_page


def test_font_subsets_were_reused(built):
    # the same faces with the same glyphs (the cover's, the letter's of names with no new letters)
    assert built["subsets"] > 0
    assert typeset._subsets is None  # outside a batch, every font is subset anew


def test_a_single_build_keeps_nothing():
    assert not columns_cache.active()
    assert columns_cache.candidates((), (), None) == []
    columns_cache.keep(columns_cache.Entry((), (), None, None, None, ()))  # outside shared(): ignored
    assert columns_cache._entries is None
    with columns_cache.shared():
        assert columns_cache.active() and columns_cache._entries == []
    assert not columns_cache.active()


def test_kept_plans_are_bounded():
    with columns_cache.shared():
        entries = [columns_cache.Entry((i,), (), None, None, None, ()) for i in range(columns_cache.MAX_ENTRIES + 3)]
        for entry in entries:
            columns_cache.keep(entry)
        assert columns_cache._entries == entries[::-1][:columns_cache.MAX_ENTRIES]
        columns_cache.used(entries[-3])
        assert columns_cache._entries[0] is entries[-3] and columns_cache.reused == 1


def test_a_changed_template_is_compiled_again(tmp_path):
    template_cache.COMPILED.clear()
    page = tmp_path / "_part.html.j2"
    page.write_text("one {{ 1 + 1 }}", encoding="utf-8")
    assert render.environment(tmp_path).get_template("_part.html.j2").render() == "one 2"
    assert len(template_cache.COMPILED.codes) == 1
    page.write_text("two {{ 2 + 2 }}", encoding="utf-8")
    assert render.environment(tmp_path).get_template("_part.html.j2").render() == "two 4"
    # the same source again: the code kept for it is used (one entry per template file)
    assert len(template_cache.COMPILED.codes) == 1
    small = template_cache.Compiled(limit=1)
    env = render.environment(tmp_path)
    env.bytecode_cache = small
    env.get_template("_part.html.j2")
    assert len(small.codes) == 1
