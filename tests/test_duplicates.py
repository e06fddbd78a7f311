"""Fast checks of probable-duplicate detection, on small in-memory lists: the pair search, the comparison
and its messages, the acronym rule, countries, distinct-from, and the bounded edit distance.

These are the tests the mutation run of the duplicate functions (letter_pdf/names.py) uses (tests/mutate.py):
they call its functions directly and build no letter, so each mutant costs about a second."""

from __future__ import annotations

import itertools
import random

import pytest

from letter_pdf import names as name_rules
from letter_pdf.model import Signatory

SAME = "the same name apart from case, accents, punctuation or spacing"
CORE = "the same name apart from an acronym, a legal form or a country word"
ACRONYM = "the same name with and without the acronym 'HRHF'"
TYPO = "a name that differs by a letter or two (a typo?)"


def S(name, *codes, line=None, distinct_from=()):
    return Signatory(name=name, countries=tuple(codes), line=line, distinct_from=tuple(distinct_from))


def E(name, *codes, line=None, distinct_from=()):
    return name_rules.entry(S(name, *codes, line=line, distinct_from=distinct_from), f"x:{line}")


def names(pairs):
    return [(a.signatory.name, b.signatory.name, why) for a, b, why in pairs]


# --- the edit distance -----------------------------------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def test_distance_is_levenshtein_up_to_the_limit_and_limit_plus_one_beyond():
    rng = random.Random(7)
    words = ["", "a", "ab", "ba", "abc", "kitten", "sitting", "flaw", "lawn", "amnesty international",
             "amnesty internatinal", "abcdef", "azcdef", "abdcef", "xabcdef", "abcdefx", "abcxef", "aaaa", "aaab"]
    words += ["".join(rng.choice("abc") for _ in range(rng.randint(0, 9))) for _ in range(60)]
    for a, b in itertools.product(words, repeat=2):
        for limit in (0, 1, 2, 3):
            true = levenshtein(a, b)
            assert name_rules._distance(a, b, limit) == (true if true <= limit else limit + 1), (a, b, limit)


@pytest.mark.parametrize(("a", "b", "limit", "expected"), [
    ("abcdefgh", "abXdefgh", 1, 1),  # a change in the middle, the common ends set aside
    ("abcdefgh", "abcdefghij", 2, 2),  # an added end
    ("abcdefgh", "Xbcdefgh", 2, 1),  # a change at the start
    ("abcdefgh", "abcdefgX", 2, 1),  # a change at the end
    ("abcdefgh", "abcdefgh", 2, 0),
    ("abcd", "abcdefgh", 2, 3),  # lengths too far apart: limit + 1 without computing
    ("abcd", "abcdef", 2, 2),
    ("ab", "ba", 1, 2),  # beyond the limit: limit + 1
    ("ab", "ba", 2, 2),
    ("abcXef", "abcYZef", 2, 2),
    ("xyz", "abc", 2, 3),
    ("xyz", "abc", 3, 3),
    ("aXbYc", "abc", 2, 2),
    ("aXbYcZ", "abc", 2, 3),
])
def test_distance_cases(a, b, limit, expected):
    assert name_rules._distance(a, b, limit) == expected
    assert name_rules._distance(b, a, limit) == expected


# --- countries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((), (), True), (("FR",), (), True), ((), ("FR",), True), (("FR",), ("FR",), True),
    (("FR",), ("BE",), False), (("FR", "BE"), ("FR",), False), (("FR", "BE"), ("BE", "FR"), True),
])
def test_compatible_countries(a, b, expected):
    assert name_rules._compatible(E("Amnesty International", *a), E("Amnesty International", *b)) is expected


# --- the acronym rule ------------------------------------------------------------------------------


def test_initials_of_all_words_without_legal_forms_and_of_capitalised_words():
    assert name_rules._initials(["Committee", "on", "the", "Administration", "of", "Justice"]) == {
        "cotaoj", "coaj", "caj"}
    assert name_rules._initials(["Human", "Rights", "House", "Foundation"]) == {"hrhf"}
    assert name_rules._initials(["Reporters", "sans", "frontières"]) == {"rsf"}
    assert name_rules._initials(["Human", "rights"]) == {"hr"}  # one capitalised word: no initials of those
    assert name_rules._initials(["Human"]) == set()
    assert name_rules._initials(["Human", "", "Rights"]) == {"hr"}  # a word that folds to nothing is left out
    assert name_rules._initials(["the", "Union"]) == {"tu"}  # only one word without legal forms


@pytest.mark.parametrize(("name", "expected"), [
    ("Human Rights House Foundation HRHF", ("HRHF", "human rights house foundation")),
    ("HRHF Human Rights House Foundation", ("HRHF", "human rights house foundation")),
    ("Reporters sans frontières (RSF)", ("RSF", "reporters sans frontieres")),
    ("Reporters sans frontières ( RSF )", ("RSF", "reporters sans frontieres")),
    ("Human Rights (HRHF) House Foundation", ("HRHF", "human rights house foundation")),
    ("CAJ Committee on the Administration of Justice", ("CAJ", "committee on the administration of justice")),
    ("Human Rights House Foundation HRHF.", ("HRHF", "human rights house foundation")),
    ("Human Rights House Foundation – HRHF", ("HRHF", "human rights house foundation")),
    ("Amnesty International AI", ("AI", "amnesty international")),  # three words are enough
    ("Alpha Beta Xenon ABX", ("ABX", "alpha beta xenon")),  # only punctuation is stripped from the acronym
    ("Human Rights House Foundation HRH", (None, None)),  # not the initials
    ("Human Rights House Foundation", (None, None)),  # no acronym
    ("Human Rights", (None, None)),  # too short to carry one
    ("HR Rights", (None, None)),
    ("Rights HR", (None, None)),
    ("Human HRHF Rights House Foundation", (None, None)),  # an acronym in the middle, not in parentheses
    ("Kansalaisjärjestöjen ihmisoikeussäätiö KIOS", (None, None)),
    ("Human Rights House Foundation hrhf", (None, None)),  # not written as an acronym
])
def test_own_acronym(name, expected):
    assert name_rules._own_acronym(name) == expected


# --- the comparison --------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "expected"), [
    (("Human Rights House Foundation", "NO"), ("Human Rights House Foundation HRHF", "NO"),
     "the same name with and without the acronym 'HRHF'"),
    (("Human Rights House Foundation HRHF", "NO"), ("Human Rights House Foundation", "NO"),
     "the same name with and without the acronym 'HRHF'"),
    (("Human Rights House Foundation", "NO"), ("Human Rights House Foundation HRHF", "CH"),
     "the same name with and without the acronym 'HRHF' (in different countries: one organisation listed twice?)"),
    (("Emmaüs International", "FR"), ("EMMAUS  INTERNATIONAL", "FR"), SAME),
    (("Emmaüs International",), ("EMMAUS INTERNATIONAL", "FR"), SAME),
    (("MEMORIAL Deutschland e.V.", "DE"), ("Memorial Deutschland", "DE"), CORE),
    (("Greenpeace",), ("Greenpeace e.V.",), CORE),  # one core word of five letters or more
    (("Amnesty International",), ("Amnesty Internatinal",), TYPO),
    (("Amnesty Intl",), ("Amnesty Intx",), TYPO),  # 12 letters: a limit of two
    (("Amnesty Int",), ("Amnesty Ixx",), None),  # 11 letters: a limit of one
    (("Amnesty Int",), ("Amnesty Inx",), TYPO),
    (("Amnesty Intl",), ("Amnesty Ixxx",), None),
    (("Amnesty Intl",), ("Amnesty Inxx",), TYPO),  # two letters in 12
    (("Amnesty Int",), ("Amnesty Ixx",), None),  # two letters in 11
    (("Abcdefgh",), ("Abcdefgx",), TYPO),  # eight letters: compared
    (("Abcdefg",), ("Abcdefx",), None),  # seven: too short to call a typo
    (("Abcdefgh",), ("Abcdefg",), None),  # the shorter has seven
    (("Amnesty International", "FR"), ("Amnesty International", "BE"), None),
    (("Local Group 12",), ("Local Group 13",), None),
    (("Local Group 12",), ("Local Groop 12",), TYPO),
    (("Finnish PEN",), ("English PEN",), None),
    (("PEN",), ("PEN Ltd",), None),  # one short core word is not enough
    (("Oxfam",), ("Oxfam Ltd",), CORE),
    (("Open Door",), ("Open Door Ltd",), CORE),  # two short core words are enough
    (("Human Rights Watch",), ("Human Rights First",), None),
])
def test_why(a, b, expected):
    assert name_rules.why_duplicate(E(*a), E(*b)) == expected
    assert name_rules.probable_duplicate(S(*a), S(*b)) == expected


# --- distinct-from ---------------------------------------------------------------------------------


def test_marked_distinct_either_way_and_folded():
    a, b = E("Human Rights Commission", "KE"), E("Kenya Human Rights Commission", "KE")
    marks = E("Human Rights Commission", "KE", distinct_from=["KENYA human rights commission"])
    marked = E("Kenya Human Rights Commission", "KE", distinct_from=["Human Rights Commission"])
    assert not name_rules._marked_distinct(a, b)
    assert name_rules._marked_distinct(marks, b) and name_rules._marked_distinct(b, marks)
    assert name_rules._marked_distinct(a, marked) and name_rules._marked_distinct(marked, a)
    other = E("Human Rights Commission", "KE", distinct_from=["Kenya Human Rights Committee"])
    assert not name_rules._marked_distinct(other, b) and not name_rules._marked_distinct(b, other)


# --- the pair search -------------------------------------------------------------------------------


def brute_force(entries):
    out = []
    for i, j in itertools.combinations(range(len(entries)), 2):
        a, b = entries[i], entries[j]
        if a.signatory.name == b.signatory.name and a.signatory.countries == b.signatory.countries:
            continue
        why = name_rules.why_duplicate(a, b)
        if why and not name_rules._marked_distinct(a, b):
            out.append((a.signatory.name, b.signatory.name, why))
    return sorted(out)


LIST = [
    ("Amnesty International", "FR"), ("Amnesty International", "BE"), ("Amnesty International",),
    ("Human Rights House Foundation", "NO"), ("Greenpeace",), ("Human Rights House Foundation HRHF", "CH"),
    ("Local Group 12",), ("Local Group 13",), ("Local Groop 12",), ("Oxfam",), ("Oxfam Ltd", "GB"),
    ("Emmaüs International", "FR"), ("Reporters sans frontières (RSF)", "FR"), ("EMMAUS INTERNATIONAL",),
    ("Reporters sans frontières", "BE"), ("Amnesty Internatinal",), ("Human Rights Watch",),
]


def test_duplicate_pairs_finds_what_comparing_all_pairs_finds():
    entries = [E(*row, line=i + 2) for i, row in enumerate(LIST)]
    found = name_rules.duplicate_pairs(entries)
    assert sorted(names(found)) == brute_force(entries)
    assert len(found) == 10
    # sorted by the lines of the pair, the earlier entry first
    lines = [(a.signatory.line, b.signatory.line) for a, b, _ in found]
    assert lines == sorted(lines) and all(x < y for x, y in lines)


def test_duplicate_pairs_each_pair_once_in_list_order():
    entries = [E("Amnesty International", line=2), E("AMNESTY INTERNATIONAL", line=3),
               E("Amnesty International Ltd", line=4)]
    assert names(name_rules.duplicate_pairs(entries)) == [
        ("Amnesty International", "AMNESTY INTERNATIONAL", SAME),
        ("Amnesty International", "Amnesty International Ltd", CORE),
    ]  # not the second with the third: "AMNESTY" is taken for an acronym, so their core words differ


def test_duplicate_pairs_sorts_by_line_and_entries_without_lines_first():
    entries = [E("Oxfam Ltd", line=9), E("Greenpeace", line=5), E("Oxfam", line=7), E("Greenpeace e.V.", line=3),
               E("Amnesty International"), E("Amnesty Internationl")]
    assert [(a.signatory.line, b.signatory.line) for a, b, _ in name_rules.duplicate_pairs(entries)] == [
        (None, None), (5, 3), (9, 7)]


def test_exact_duplicates_are_left_to_the_duplicate_check():
    entries = [E("Oxfam", "GB", line=2), E("Oxfam", "GB", line=3)]
    assert name_rules.duplicate_pairs(entries) == []
    entries = [E("Oxfam", "GB", line=2), E("Oxfam", line=3)]
    assert names(name_rules.duplicate_pairs(entries)) == [("Oxfam", "Oxfam", SAME)]


def test_distinct_from_silences_only_its_pair():
    entries = [E("Human Rights Commission", "KE", line=2),
               E("Kenya Human Rights Commission", "KE", line=3, distinct_from=["Human Rights Commission"]),
               E("Human Rights Commission.", "KE", line=4)]
    assert names(name_rules.duplicate_pairs(entries)) == [
        ("Human Rights Commission", "Human Rights Commission.", SAME),
    ]  # distinct-from names folded: it marks the third apart from the second too


def test_candidate_pairs_same_name_blocks():
    entries = [E("Amnesty International", "FR"), E("Amnesty International", "BE"), E("Amnesty International"),
               E("Amnesty International", "FR"), E("Amnesty International", "BE")]
    pairs = set(name_rules.candidate_pairs(entries))
    # a country-less entry meets the first entry of its block; one with a country the first with the same
    # country, or a country-less first
    assert {(0, 2), (0, 3), (1, 4)} <= pairs
    assert all(i < j for i, j in pairs)


def test_candidate_pairs_without_neighbours_still_find_blocks_and_acronyms(monkeypatch):
    monkeypatch.setattr(name_rules, "NEIGHBOURS", 0)
    entries = [E("Amnesty International", "FR"), E("Human Rights House Foundation", "NO"),
               E("Zeta"), E("Amnesty International"), E("Human Rights House Foundation HRHF", "CH"),
               E("Oxfam", "GB"), E("Oxfam Ltd"), E("Local Group 12"), E("Local Group 13"),
               E("Human Rights House Foundation HRHF", "FI"), E("Human Rights House Foundation", "SE"),
               E("Amnesty International", "FR")]
    pairs = list(name_rules.candidate_pairs(entries))
    # each same-name entry against the first of its block with its countries (or a country-less first);
    # a name against the same name with its acronym, in any country; different numbers: another block
    assert pairs == [(0, 3), (0, 11), (0, 3), (5, 6), (0, 11), (1, 4), (1, 9), (4, 10)]  # by name, core, acronym
    assert names(name_rules.duplicate_pairs(entries)) == [
        ("Amnesty International", "Amnesty International", SAME),
        ("Oxfam", "Oxfam Ltd", CORE),
        ("Human Rights House Foundation", "Human Rights House Foundation HRHF", ACRONYM + " (in different countries: one organisation listed twice?)"),
        ("Human Rights House Foundation", "Human Rights House Foundation HRHF", ACRONYM + " (in different countries: one organisation listed twice?)"),
        ("Human Rights House Foundation HRHF", "Human Rights House Foundation", ACRONYM + " (in different countries: one organisation listed twice?)"),
    ]  # without lines, in the order they were found


def test_candidate_pairs_neighbours_find_typos_at_the_end_or_the_start():
    filler = [E(f"Organisation {c}{c}{c} for rights") for c in "bcdefghijklmnop"]
    start_typo = [E("Xmnesty International"), E("Amnesty International")]  # far apart sorted, close reversed
    end_typo = [E("Amnesty Internationax"), E("Amnesty International")]
    for pair in (start_typo, end_typo):
        entries = [pair[0], *filler, pair[1]]
        assert (0, len(entries) - 1) in set(name_rules.candidate_pairs(entries))
        assert names(name_rules.duplicate_pairs(entries)) == [(pair[0].signatory.name, pair[1].signatory.name, TYPO)]


def test_candidate_pairs_compare_only_the_next_neighbours():
    entries = [E(f"Name {c * 2}") for c in "abcdefg"]
    pairs = set(name_rules.candidate_pairs(entries))
    assert (0, 4) in pairs and (0, 5) not in pairs
    assert len(pairs) == len({(min(i, j), max(i, j)) for i, j in pairs})


def test_a_name_without_words_does_not_stop_the_search_by_name(monkeypatch):
    monkeypatch.setattr(name_rules, "NEIGHBOURS", 0)
    entries = [E("***"), E("Amnesty International"), E("Amnesty International e.V.")]
    assert list(name_rules.candidate_pairs(entries)) == [(1, 2)]


def test_neighbours_in_reversed_names_use_every_letter():
    """A typo in the first letter: far apart in sorted names, next to each other in sorted reversed names.
    The names between are 4 letters away from the pair (no typo), and the same in every second letter."""
    base = "amnesty international"  # 21 letters
    fillers = []
    for c in "nprsuv":  # after "am" and before "bm" in sorted names
        word = list(base)
        for k in (1, 3, 5, 19):
            word[k] = c
        fillers.append(E("".join(word)))
    entries = [E("Amnesty International"), *fillers, E("Bmnesty International")]
    last = len(entries) - 1
    assert [name_rules.why_duplicate(entries[0], f) for f in fillers] == [None] * len(fillers)
    assert (0, last) in set(name_rules.candidate_pairs(entries))
    assert names(name_rules.duplicate_pairs(entries)) == [("Amnesty International", "Bmnesty International", TYPO)]
