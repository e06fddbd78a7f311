"""Property: whatever the user writes (front matter, body, signatory rows), the CLI ends with 0, 1 or 2 —
never 3, the internal error that means a bug. Bounded: few examples, `check` (no typesetting)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from letter_pdf.letter import KEYS

from conftest import DEFAULT_FRONT, run_main

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])

# Text that letters really contain, and the characters that break parsers: markup, quotes, controls,
# bidi overrides, combining marks, other scripts, astral characters.
text = st.text(alphabet=st.one_of(
    st.sampled_from(list("abc XYZ-_,.;:()[]{}<>!#*&|/\\'\"`%$@~=+\t\n\r\x00\u00a0\u200b\u202e\u0301ąßж中ქ😀\ufeff")),
    st.characters(blacklist_categories=("Cs",)),
), max_size=40)
scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True), text,
                   st.dates().map(str), st.sampled_from(["a4", "letter", "alphabetical", "country", "en", "ru", "x.png",
                                                         "../x.pdf", "/etc/passwd", "signatories.csv", "2026-02-30"]))
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.one_of(st.sampled_from(
                                                         ["name", "address", "title", "file", "enabled", "role"]), text),
                                                         inner, max_size=4)), max_leaves=12)
garbage_front = st.dictionaries(st.sampled_from(sorted(KEYS) + ["group-by", "unknown_key"]), value, max_size=6)
# one non-empty line of the characters names and titles are made of (the fonts have them)
line = st.text(alphabet=st.sampled_from(list("abcdxyzABCDXYZ éüłßçøжщЖЯ0123 .,-'&()«»\"/:;!?#*_[]{}<>%@")),
               min_size=1, max_size=30).map(lambda t: " ".join(t.split())).filter(bool)
plausible_front = st.fixed_dictionaries({}, optional={
    **{key: line for key in ("title", "subject", "place", "opening", "closing", "reference", "their_reference",
                             "author")},
    "lang": st.sampled_from(["en", "fr", "de", "ru", "pl", "ar", "ka", "zh", "pt-BR"]),
    "order": st.sampled_from(["as-given", "alphabetical"]),
    "group_by": st.sampled_from(["none", "kind", "country", "group"]),
    "paper": st.sampled_from(["a4", "letter"]),
    "signature_layout": st.sampled_from(["side-by-side", "stacked"]),
    "cc": st.lists(line, max_size=3),
    "keywords": st.lists(line, max_size=3),
    "cover": st.one_of(st.booleans(), st.fixed_dictionaries({}, optional={"channel": line, "note": line})),
    "recipient": st.fixed_dictionaries({"name": line}, optional={"address": st.lists(line, max_size=3)}),
    "signers": st.lists(st.fixed_dictionaries({"name": line}, optional={"role": line, "organisation": line}),
                        max_size=2),
    "enclosures": st.lists(line, max_size=2),
})
front = st.one_of(plausible_front, plausible_front, plausible_front, garbage_front)
row = st.tuples(line, st.sampled_from(["", "GB", "FR", "RU", "Pologne", "Россия", "GB/FR", "united kingdom"]),
                st.sampled_from(["", "organisation", "individual"]), st.one_of(st.just(""), line),
                st.one_of(st.just(""), line)).map(list)
rows = st.one_of(st.lists(row, min_size=1, max_size=6), st.lists(row, min_size=1, max_size=6),
                 st.lists(st.lists(text, max_size=6), max_size=6))
body = st.one_of(text, st.lists(st.sampled_from(
    ["# Heading", "![img](x.png)", "![a](/etc/passwd)", "[l](../x)", "<script>", "| a | b |\n|---|---|\n| 1 | 2 |",
     "{{ 7*7 }}", "{% include '/etc/passwd' %}", "- item", "1. one", "```\ncode\n```", "\u202eabc"]), max_size=6)
    .map("\n\n".join)).map(lambda t: "We write.\n\n" + t)


def write(folder: Path, front_data, body_text: str, csv_rows) -> Path:
    data = {**DEFAULT_FRONT, **front_data}
    try:
        head = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        head = yaml.safe_dump(DEFAULT_FRONT, sort_keys=False)
    letter = folder / "letter.md"
    letter.write_text("---\n" + head + "---\n" + body_text, encoding="utf-8", errors="surrogatepass")
    with (folder / "signatories.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["name", "country", "kind", "role", "group"], *csv_rows])
    return letter


def assert_not_internal(code, err) -> None:
    assert code in (0, 1, 2), err
    assert "internal error" not in err, err
    assert "Traceback" not in err, err


@SETTINGS
@given(front_data=front, body_text=body, csv_rows=rows)
def test_check_never_ends_in_an_internal_error(capsys, front_data, body_text, csv_rows):
    with tempfile.TemporaryDirectory() as tmp:
        letter = write(Path(tmp), front_data, body_text, csv_rows)
        code, out, err = run_main(["check", str(letter)], capsys)
    assert_not_internal(code, err)


@SETTINGS
@given(raw=st.one_of(text, st.lists(st.sampled_from(
    ["---", "title: x", "date: 2026-11-29", "signatories: signatories.csv", "a: &a [1,2]", "b: *a", "c: [[[[[",
     "- x", "? y", "!!python/object:os.system x", "date: 99999-01-01", "lang: zz-ZZ-x", "%YAML 1.1"]),
    max_size=8).map("\n".join)))
def test_raw_front_matter_never_ends_in_an_internal_error(capsys, raw):
    with tempfile.TemporaryDirectory() as tmp:
        letter = Path(tmp) / "letter.md"
        letter.write_text(raw + "\n---\nBody.\n", encoding="utf-8", errors="surrogatepass")
        code, out, err = run_main(["check", str(letter)], capsys)
    assert_not_internal(code, err)


@settings(SETTINGS, max_examples=60)  # no letter to read: cheap
@given(csv_rows=rows, command=st.sampled_from(["lint", "stats"]))
def test_signatory_commands_never_end_in_an_internal_error(capsys, csv_rows, command):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "signatories.csv"
        with path.open("w", encoding="utf-8", newline="", errors="surrogatepass") as f:
            csv.writer(f).writerows([["name", "country", "kind", "role", "group"], *csv_rows])
        code, out, err = run_main(["signatories", command, str(path)], capsys)
    assert_not_internal(code, err)


@SETTINGS
@given(pasted=st.one_of(text, st.lists(st.one_of(text, st.sampled_from(
    ["Cordaid (Netherlands)", "• A, B and C (France)", "1. Org (Pologne)", "Name\tCountry", "Org;FR;individual",
     "(", ")", "((()))", "Jane Doe, Director, Org (UK)", "—", "*", "\ufeff"])), max_size=8).map("\n".join)))
def test_import_never_ends_in_an_internal_error(capsys, pasted):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pasted.txt"
        path.write_text(pasted, encoding="utf-8", errors="surrogatepass")
        code, out, err = run_main(["signatories", "import", str(path), "-o", "-"], capsys)
    assert_not_internal(code, err)
