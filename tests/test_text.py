"""text.py: the checks of printed text shared by the letter and the signatory list."""

from __future__ import annotations

import unicodedata

import pytest

from letter_pdf.text import MAX_MARKS, invisible_only, refused_character, stacked_marks, visible

FIVE = "\u0301\u0300\u0302\u0303\u0304"  # five combining marks (acute, grave, circumflex, tilde, macron)


@pytest.mark.parametrize("word", [
    "Nguyễn Thị Ánh Tuyết", "Đặng Hữu Phúc",  # Vietnamese: two marks on a letter (NFD)
    "בְּרֵאשִׁ֖ית",  # Hebrew with points and a cantillation mark
    "สวัสดี ปั้น",  # Thai: a vowel and a tone mark above one consonant
    "བསྒྲུབས",  # Tibetan: a stack of three below one letter
    "क़्ष", "श्रीमती",  # Devanagari: nukta and virama
    "مُحَمَّد",  # Arabic with its vowels and shadda
    "y" + FIVE[:MAX_MARKS],  # at the limit
    "👍🏽 ❤️ 1️⃣",  # emoji: variation selectors and a keycap
])
def test_real_scripts_are_not_stacks(word):
    assert stacked_marks(unicodedata.normalize("NFC", word)) is None
    assert refused_character(unicodedata.normalize("NFC", word)) is None


@pytest.mark.parametrize(("text", "description"), [
    ("y" + FIVE, "5 combining marks stacked on U+0079 LATIN SMALL LETTER Y (U+0301 U+0300 U+0302 U+0303 U+0304; "
                 "at most 4)"),
    # counted as drawn: 'ý' is one code point in NFC, its accent still counts
    (unicodedata.normalize("NFC", "y" + FIVE), "5 combining marks stacked on U+0079 LATIN SMALL LETTER Y"),
    # a joiner between the marks does not end the stack
    ("a\u0301\u0300\u200d\u0302\u0303\u200c\u0304", "5 combining marks stacked on U+0061 LATIN SMALL LETTER A"),
    ("Amnesty" + "\u0301\u0300\u0302\u0303" * 100, "400 combining marks stacked on U+0079 LATIN SMALL LETTER Y "
                                                    "(U+0301 U+0300 U+0302 U+0303 U+0301 and 395 more; at most 4)"),
    (FIVE + " text", "5 combining marks stacked with no character to sit on"),
    ("x\u20dd\u20de\u20df\u20e0\u20e2", "5 combining marks stacked on U+0078"),  # enclosing marks (Me)
])
def test_stacks_of_more_than_four_marks_are_refused(text, description):
    assert stacked_marks(text).startswith(description)
    what, hint = refused_character(text)
    assert what.startswith(description) and hint.startswith("a letter carries at most 4 accents")


def test_visible_shows_the_marks_beyond_the_limit_and_variation_selectors_as_code_points():
    assert visible("Ze" + FIVE + "lgo") == "Ze\u0301\u0300\u0302\u0303<U+0304>lgo"
    assert visible("Amn\ufe0festy Internationa\U000e0100l") == "Amn<U+FE0F>esty Internationa<U+E0100>l"
    assert visible("Caf\u00e9 \u0928\u092e\u0938\u094d\u0924\u0947") == "Café नमस्ते"  # ordinary text unchanged


def test_only_invisible_characters():
    assert invisible_only("\u200b\u200b") and invisible_only("\ufe0f")
    assert not invisible_only("\u200bA")
