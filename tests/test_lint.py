"""Checks of signatory lists: duplicates that are, duplicates that are not, merged entries, invisible
characters, countries; the safe fixes; the lint command; the same checks in `letter-pdf check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from letter_pdf import lint
from letter_pdf import names as name_rules
from letter_pdf.model import Signatory

from conftest import run_main


def S(name, *codes, kind="organisation", line=None):
    return Signatory(name=name, countries=tuple(codes), kind=kind, line=line)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (S("Human Rights House Foundation", "NO"), S("Human Rights House Foundation HRHF", "NO")),
        (S("Human Rights House Foundation"), S("Human Rights House Foundation HRHF")),
        # an added acronym that is the initials of the rest: one organisation, even in two countries
        (S("Human Rights House Foundation", "NO"), S("Human Rights House Foundation HRHF", "CH")),
        (S("Reporters sans frontières", "FR"), S("Reporters sans frontières (RSF)", "BE")),
        (S("CAJ Committee on the Administration of Justice", "GB"), S("Committee on the Administration of Justice", "IE")),
        (S("Kenya Human Rights Commission", "KE"), S("Human Rights Commission (Kenya)")),
        (S("Kenya Human Rights Commission", "KE"), S("Human Rights Commission", "KE")),
        (S("Emmaüs International", "FR"), S("EMMAUS INTERNATIONAL", "FR")),
        (S("Emmaüs International", "FR"), S("Emmau\u0308s International", "FR")),  # NFD
        (S("Reporters sans frontières (RSF)", "FR"), S("Reporters sans frontières", "FR")),
        (S("MEMORIAL Deutschland e.V.", "DE"), S("Memorial Deutschland", "DE")),
        (S("Ligue des droits de l’Homme"), S("Ligue des droits de l'Homme")),
        (S("Amnesty International"), S("Amnesty Internatinal")),
        (S("Helsińska Fundacja Praw Człowieka"), S("Helsinska Fundacja Praw Czlowieka")),
        (S("Солдатские матери Санкт-Петербурга", "RU"), S("Солдатские Матери Санкт Петербурга", "RU")),
    ],
)
def test_probable_duplicates_found(a, b):
    assert name_rules.probable_duplicate(a, b), (a.name, b.name)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (S("Human Rights House Foundation (Norway)"), S("Human Rights House Foundation (Switzerland)")),
        (S("Finnish PEN", "FI"), S("English PEN", "GB")),
        (S("Finnish PEN"), S("English PEN")),
        (S("Bulgarian Helsinki Committee", "BG"), S("Netherlands Helsinki Committee", "NL")),
        (S("Greenpeace Spain"), S("Greenpeace Norway")),
        (S("Fundacja Edukacja dla Demokracji", "PL"), S("Fundacja im. Stefana Batorego", "PL")),
        (S("Human Rights Watch"), S("Human Rights First")),
        (S("Amnesty International", "FR"), S("Amnesty International", "BE")),
        # countries that overlap are not the same countries (a joint section and a national one)
        (S("Amnesty International", "FR", "BE"), S("Amnesty International", "FR")),
        (S("Amnesty International (France/Belgium)"), S("Amnesty International (France)")),
        # an acronym that is not the initials of the rest does not cross countries
        (S("Kansalaisjärjestöjen ihmisoikeussäätiö", "FI"), S("Kansalaisjärjestöjen ihmisoikeussäätiö KIOS", "SE")),
        (S("Human Rights House Foundation", "NO"), S("Human Rights House Foundation HRH", "CH")),
        (S("Local Group 12"), S("Local Group 13")),
        (S("Naisten Linja Suomessa ry", "FI"), S("Naiset liitto ry", "FI")),
    ],
)
def test_distinct_signatories_not_merged(a, b):
    assert name_rules.probable_duplicate(a, b) is None, (a.name, b.name)


def test_sample_has_two_probable_duplicates_and_no_error(resources):
    sample = resources / "foreign-agents-signatories.csv"
    report = lint.lint_file(sample)
    assert report.errors == 0
    assert [(f.code, f.where) for f in report.findings] == [("probable-duplicate", f"{sample}:28"),
                                                            ("probable-duplicate", f"{sample}:35")]
    hrhf, kenya = report.findings
    assert hrhf.message == (
        "'Human Rights House Foundation HRHF' may be the same as 'Human Rights House Foundation' (line 27): the same "
        "name with and without the acronym 'HRHF' (in different countries: one organisation listed twice?)")
    assert hrhf.hint == ("keep one of them; if they are different signatories, write 'Human Rights House Foundation' "
                         "in the distinct-from column of line 28")
    assert "Human Rights Commission" in kenya.message and "line 26" in kenya.message


def test_countries_still_keep_sections_apart_in_the_sample(resources):
    """The acronym rule crosses countries; nothing else does: the sample's other same-word names in different
    countries are not reported, and the same name in two countries is not either."""
    from letter_pdf.signatories import load_signatories

    sigs = list(load_signatories(resources / "foreign-agents-signatories.csv"))
    sections = [S(s.name, "BE", line=100 + i) for i, s in enumerate(sigs)
                if s.countries and s.countries != ("BE",) and "Human Rights House" not in s.name]
    findings = [f for f in lint.lint(sigs + sections, where="x.csv") if f.code == "probable-duplicate"]
    assert [f.where for f in findings] == ["x.csv:28", "x.csv:35"]


def test_bundled_example_marks_its_known_false_alarm_distinct():
    example = Path(__file__).resolve().parents[1] / "examples" / "joint-letter" / "signatories.csv"
    report = lint.lint_file(example)
    # Kenya Human Rights Commission / Human Rights Commission are two organisations: marked in the file
    assert [(f.code, f.where) for f in report.findings] == [("probable-duplicate", f"{example}:28")]


KENYA = "name,country,distinct-from\nHuman Rights Commission,KE,{first}\nKenya Human Rights Commission,KE,{second}\n"


@pytest.mark.parametrize(("first", "second"), [("", "Human Rights Commission"), ("Kenya Human Rights Commission", ""),
                                               ("", "human rights commission"),
                                               ('"Somebody else; Kenya Human Rights Commission"', "")])
def test_distinct_from_silences_a_known_pair(tmp_path, first, second):
    report = lint.lint_file(write(tmp_path, KENYA.format(first=first, second=second)))
    assert [(f.code, f.severity) for f in report.findings] == (
        [("distinct-from", "warning")] if "Somebody" in first else [])
    if "Somebody" in first:
        assert str(report.findings[0]) == ("lists/list.csv:2: warning: distinct-from 'Somebody else' names no signatory of "
                                           "the list — copy the other entry's name exactly as it is written in its row")


def test_distinct_from_only_silences_the_pair_it_names(tmp_path):
    text = KENYA.format(first="", second="Human Rights Commission") + "Kenya Human Rights Commission (Kenya),,\n"
    report = lint.lint_file(write(tmp_path, text))
    assert [(f.where, f.message.split(": ")[0]) for f in report.findings] == [
        ("lists/list.csv:4", "'Kenya Human Rights Commission (Kenya)' may be the same as 'Human Rights Commission' (line 2)"),
        ("lists/list.csv:4", "'Kenya Human Rights Commission (Kenya)' may be the same as 'Kenya Human Rights Commission' (line 3)"),
    ]


def test_distinct_from_in_yaml_and_inline(tmp_path):
    path = write(tmp_path, "- name: Human Rights Commission\n  country: KE\n"
                           "- name: Kenya Human Rights Commission\n  country: KE\n"
                           "  distinct_from: [Human Rights Commission]\n", "list.yaml")
    assert lint.lint_file(path).findings == ()
    plain = write(tmp_path, "- name: Human Rights Commission\n  country: KE\n"
                            "- name: Kenya Human Rights Commission\n  country: KE\n", "plain.yaml")
    assert [f.code for f in lint.lint_file(plain).findings] == ["probable-duplicate"]


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Each test runs in its own folder, so that it can name files as a user types them (``lists/x.csv``)."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path, text, name="list.csv"):
    """Write ``lists/NAME`` in ``tmp_path`` (the current folder); return it as typed (``lists/NAME``)."""
    (tmp_path / "lists").mkdir(exist_ok=True)
    path = Path("lists", name)
    path.write_text(text, encoding="utf-8")
    return path


MESSY = (
    "name,country\n"
    "Cordaid,Pays-Bas\n"            # 2
    "Koalicja Karat,Polska\n"       # 3
    "Cordaid,NL\n"                  # 4 exact duplicate
    "Front Line Defenders (Irlande) Fundacja Edukacja dla Demokracji (Pologne),\n"  # 5 two entries
    "Index on Censorship • Instytut Spraw Publicznych,\n"  # 6 bullet
    "Zero\u200bwidth Org,Spain\n"   # 7 invisible
    "\u00a0Nbsp Org,ES\n"           # 8 NBSP at the start
    "Bad Land Org,Polnad\n"         # 9 unknown country
)


def test_messy_file_findings(tmp_path):
    report = lint.lint_file(write(tmp_path, MESSY))
    found = {(f.where.split(":")[-1], f.code, f.severity) for f in report.findings}
    assert ("4", "duplicate", "error") in found
    assert ("5", "two-entries", "warning") in found
    assert ("6", "bullet", "warning") in found
    assert ("7", "invisible", "warning") in found
    assert ("8", "spaces", "warning") in found
    assert ("9", "row", "error") in found
    unknown = next(f for f in report.findings if f.code == "row")
    assert "Polnad" in unknown.message and "Poland (PL)" in unknown.hint
    mixed = next(f for f in report.findings if f.code == "mixed-languages")
    assert mixed.message == ("country names are in several languages: most are in English, but not 'Pays-Bas' "
                             "(line 2), 'Polska' (line 3)")
    assert report.errors == 2


def test_one_language_is_not_mixed(tmp_path):
    report = lint.lint_file(write(tmp_path, "name,country\nA,Pologne\nB,Pays-Bas\nC,France\nD,FR\nE,UK\n"))
    assert not [f for f in report.findings if f.code == "mixed-languages"]


def test_bidi_override_is_an_error(tmp_path):
    report = lint.lint_file(write(tmp_path, "name\nEvil\u202eCorp\n"))
    assert report.errors == 1 and "U+202E" in str(report.findings[0])


def test_fix_file_lists_each_change_and_loads(tmp_path):
    path = write(tmp_path, MESSY)
    text, changes = lint.fix_file(path)
    fixed = write(tmp_path, text, "fixed.csv")
    assert any("split 'Front Line Defenders (Irlande) Fundacja" in c and "(IE)" in c for c in changes)
    assert any(c.startswith("lists/list.csv:2: country 'Pays-Bas' -> 'NL'") for c in changes)
    assert any("'Zero<U+200B>width Org' -> 'Zerowidth Org'" in c for c in changes)
    rows = fixed.read_text(encoding="utf-8").splitlines()
    assert "Front Line Defenders,IE" in rows and "Fundacja Edukacja dla Demokracji,PL" in rows
    assert "Index on Censorship," in rows and "Instytut Spraw Publicznych," in rows
    assert "Nbsp Org,ES" in rows and "Bad Land Org,Polnad" in rows  # an unknown country is left as it is
    assert path.read_text(encoding="utf-8") == MESSY  # the input is untouched


def test_cli_lint_exit_codes_and_fix(tmp_path, capsys, resources):
    code, out, err = run_main(["signatories", "lint", str(resources / "foreign-agents-signatories.csv")], capsys)
    assert code == 0 and "warning" in out and "0 errors, 2 warnings" in err
    path = write(tmp_path, MESSY)
    code, out, err = run_main(["signatories", "lint", str(path)], capsys)
    assert code == 1 and "lists/list.csv:4: error: 'Cordaid' is listed more than once" in out
    assert not (tmp_path / "lists" / "list.fixed.csv").exists()
    code, out, err = run_main(["signatories", "lint", str(path), "--fix"], capsys)
    assert code == 1 and "wrote" in err and (tmp_path / "lists" / "list.fixed.csv").is_file()
    assert "fixed lists/list.csv:5: split" in err
    code, out, err = run_main(["signatories", "lint", str(path), "--fix", "-o", str(path)], capsys)
    assert code == 1 and "overwrite the input" in err and path.read_text(encoding="utf-8") == MESSY


def test_lint_runs_inside_check(make_letter, capsys):
    letter = make_letter(rows=[{"name": "Cordaid", "country": "NL"}, {"name": "Cordaid", "country": "NL"},
                               {"name": "Kenya Human Rights Commission", "country": "KE"},
                               {"name": "Human Rights Commission", "country": "Kenya"}])
    from letter_pdf import letter as letter_module

    loaded = letter_module.load_letter(letter)
    problems = lint.letter_problems(loaded)
    listed = loaded.signatories_path  # the library names the list by its full path; 'check' as typed
    assert [str(p) for p in problems] == [
        f"{listed}:3: 'Cordaid' is listed more than once (lines 2, 3) — delete the extra rows"]
    findings = lint.letter_findings(loaded)
    assert any(f.code == "probable-duplicate" and f.where == f"{listed}:5" for f in findings)


def test_same_name_with_and_without_country_is_a_probable_duplicate():
    findings = lint.lint([S("Cordaid", "NL", line=2), S("Cordaid", line=3), S("Cordaid", "BE", line=4)], where="x")
    # the one without a country may be either; the Dutch and the Belgian ones are not taken for each other
    assert [(f.where, f.code) for f in findings] == [("x:3", "probable-duplicate"), ("x:4", "probable-duplicate")]
    assert "(line 2)" in findings[0].message and "(line 3)" in findings[1].message


def test_lint_inline_list():
    findings = lint.lint([S("A Org", line=1), S("A Org", line=2), S("B\u200b Org", line=3)], where="letter.md")
    assert [(f.where, f.code) for f in findings] == [("letter.md:2", "duplicate"), ("letter.md:3", "invisible")]


def test_overlapping_countries_are_not_the_same_countries():
    findings = lint.lint([S("Amnesty International", "FR", "BE", line=2), S("Amnesty International", "FR", line=3),
                          S("Amnesty Internacional", "BE", "FR", line=4)], where="x")
    # the first and the last are the same countries (and a typo); the second shares only one of them
    assert [(f.where, f.code) for f in findings] == [("x:4", "probable-duplicate")]
    assert "(line 2)" in findings[0].message


@pytest.mark.parametrize("shape", ["same name, other countries", "numbered", "typos"])
def test_duplicate_search_is_near_linear(monkeypatch, shape):
    """Compare calls grow linearly with the list, not with its square (counted, not timed)."""
    from letter_pdf.countries import CODES

    codes = sorted(CODES)
    calls = []
    real = name_rules.why_duplicate
    monkeypatch.setattr(name_rules, "why_duplicate", lambda a, b: calls.append(1) or real(a, b))

    def names(n):
        if shape == "same name, other countries":
            return [S("Amnesty International", codes[i % len(codes)], codes[i // len(codes)], line=i + 2)
                    for i in range(n)]
        if shape == "numbered":
            return [S(f"Local Group {i}", line=i + 2) for i in range(n)]
        return [S(f"Human Rights Committee of {'ab'[i % 2]}{i}x", line=i + 2) for i in range(n)]

    counts = []
    for n in (1000, 4000):
        calls.clear()
        lint.lint(names(n), where="x")
        counts.append(len(calls))
    assert counts[1] <= 4 * counts[0] * 1.1 + 100, counts
    assert counts[1] <= 12 * 4000, counts


def test_typo_found_among_many_names_that_share_their_start():
    sigs = [S(f"Amnesty International Local Group {w * 3}", line=i + 2)
            for i, w in enumerate(f"{a}{b}{c}" for a in "abcdefghij" for b in "klmnopqrst" for c in "uvwxyz")]
    sigs.append(S("Amnesty Internatinal Local Group akuakuaku", line=1000))
    findings = lint.lint(sigs, where="x")
    assert [(f.where, f.code) for f in findings] == [("x:1000", "probable-duplicate")]
    assert "(line 2)" in findings[0].message and "typo" in findings[0].message


def test_lint_scales_to_10000_names(tmp_path):
    sigs = [S(f"Organisation number {i} for human rights", "FR", line=i + 2) for i in range(10_000)]
    sigs.append(S("Organisation number 17 for human rights", "FR", line=10_002))
    findings = lint.lint(sigs, where="big.csv")
    assert [f.code for f in findings] == ["duplicate"]


def test_cli_check_reports_lint(make_letter, capsys):
    make_letter(subdir="warn", rows=[{"name": "Kenya Human Rights Commission", "country": "KE"},
                {"name": "Human Rights Commission", "country": "Kenya"}])
    code, out, err = run_main(["check", "warn/letter.md"], capsys)  # typed relative to the current folder
    assert code == 0, err
    assert "warning: warn/signatories.csv:3: 'Human Rights Commission' may be the same as" in err
    dup = make_letter(subdir="dup", rows=[{"name": "Cordaid", "country": "NL"}, {"name": "Cordaid", "country": "NL"}])
    code, out, err = run_main(["check", "dup/letter.md"], capsys)
    assert code == 1 and "error: dup/signatories.csv:3: 'Cordaid' is listed more than once" in err
    code, out, err = run_main(["build", str(dup)], capsys)
    assert code == 1 and "listed more than once" in err and not (dup.parent / "letter.pdf").exists()


def test_inline_front_matter_list_numbered_by_item(make_letter):
    from letter_pdf import letter as letter_module

    letter = make_letter(front={"signatories": [{"name": "Cordaid", "country": "NL"}, "Koalicja Karat",
                                                {"name": "Cordaid", "country": "Pays-Bas"}]})
    problems = lint.letter_problems(letter_module.load_letter(letter))
    assert [str(p) for p in problems] == [
        f"{letter}, field 'signatories', item 3: 'Cordaid' is listed more than once (items 1, 3) — delete the extra rows"]


def test_formula_like_name_warned():
    findings = lint.lint([S('=HYPERLINK("http://x","Org")', line=2)], where="x.csv")
    assert [(f.where, f.code, f.severity) for f in findings] == [("x.csv:2", "formula", "warning")]


@pytest.mark.parametrize(("row", "message"), [
    ("Emma\ufffds International,FR,,", "the name 'Emma<U+FFFD>s International' contains U+FFFD REPLACEMENT CHARACTER "
     "'\ufffd': a character was lost when the list was converted or copied"),
    ('Danny,,individual,"Secretary General, CIV\ufffdCUS"', "the role 'Secretary General, CIV<U+FFFD>CUS' contains U+FFFD "
     "REPLACEMENT CHARACTER '\ufffd': a character was lost when the list was converted or copied"),
    ("Amnesty\U000e0041\U000e0042 International,FR,,", "the name 'Amnesty<U+E0041><U+E0042> International' contains "
     "invisible Unicode TAG characters (U+E0000–U+E007F), which can hide text"),
    ("Amnesty International,FR,,,Europe\U000e007f", "the group 'Europe<U+E007F>' contains invisible Unicode TAG "
     "characters (U+E0000–U+E007F), which can hide text"),
])
def test_replacement_and_tag_characters_warned_with_the_line(tmp_path, row, message):
    report = lint.lint_file(write(tmp_path, f"name,country,kind,role,group\nCordaid,NL,,,\n{row}\n"))
    assert [(f.where, f.severity, f.message) for f in report.findings] == [("lists/list.csv:3", "warning", message)]


@pytest.mark.parametrize(("role", "warned"), [
    ("Secretary General", True), ("Director", True), ("our Executive Director", True),
    ("Secretary General, CIVICUS", False), ("Director of the Helsinki Foundation", False),
    ("Executive Director (HFHR)", False), ("Directrice de la FIDH", False), ("Head of Amnesty Finland", False),
    ("Journalist and writer", False), ("Lawyer", False),  # not titles that belong to an organisation
])
def test_individual_role_without_its_organisation_warned(role, warned):
    findings = lint.lint([S("Danny Sriskandarajah", kind="individual", line=2),
                          Signatory(name="Danny Sriskandarajah", kind="individual", role=role, line=3),
                          Signatory(name="Cordaid", role=role, line=4)], where="x.csv")
    findings = [f for f in findings if f.code == "role"]
    assert [str(f) for f in findings] == ([
        f"x.csv:3: warning: the role '{role}' of 'Danny Sriskandarajah' does not say of which organisation — write it "
        f"as the list format has it, e.g. '{role}, CIVICUS' (title, comma, organisation) in the role column"]
        if warned else [])


# --- messages quote the text as written, made visible ------------------------------------------------------


def test_check_and_build_quote_a_name_as_written(make_letter, capsys):
    """'check' printed the name with its double space collapsed, so it read 'X may be the same as X'."""
    letter = make_letter(rows=[{"name": "Amnesty  International", "country": "GB"},
                               {"name": "Amnesty  International", "country": "GB"},
                               {"name": "Amnesty International", "country": "GB"}])
    for command in ("check", "build"):
        code, out, err = run_main([command, str(letter)], capsys)
        assert code == 1
        lines = [line.split(": ", 2) for line in err.splitlines() if "Amnesty" in line]
        assert [(level, where.rsplit(":", 1)[1], rest) for level, where, rest in lines] == [
            ("warning", "2", "the name 'Amnesty  International' has double or unusual spaces — 'lint --fix' makes "
                             "them single spaces"),
            ("warning", "3", "the name 'Amnesty  International' has double or unusual spaces — 'lint --fix' makes "
                             "them single spaces"),
            ("warning", "4", "'Amnesty International' may be the same as 'Amnesty  International' (line 2): the same "
                             "name apart from case, accents, punctuation or spacing — keep one of them; if they are "
                             "different signatories, write 'Amnesty  International' in the distinct-from column of "
                             "line 4"),
            ("error", "3", "'Amnesty  International' is listed more than once (lines 2, 3) — delete the extra rows"),
        ], err  # the warnings are logged as they are found, the errors printed at the end
        assert not (letter.parent / "letter.pdf").exists()


def test_invisible_characters_in_quoted_names_are_shown_as_code_points(tmp_path):
    report = lint.lint_file(write(tmp_path, "name,country,distinct-from\nC\u200bD,FR,\nC\u200bD,FR,\n"
                                            "E,FR,G\u2060H\n"))
    assert [(f.where.rsplit(":", 1)[1], f.severity, f.message) for f in report.findings] == [
        ("2", "warning", "'C<U+200B>D' contains invisible characters: ZERO WIDTH SPACE"),
        ("3", "error", "'C<U+200B>D' is listed more than once (lines 2, 3)"),
        ("3", "warning", "'C<U+200B>D' contains invisible characters: ZERO WIDTH SPACE"),
        ("4", "warning", "distinct-from 'G<U+2060>H' names no signatory of the list"),
    ]


def test_inline_list_messages_show_bidi_controls_as_code_points():
    findings = lint.lint([S("Org\u202eAB", line=1)], where="letter.md, field 'signatories'")
    assert [(f.severity, f.message) for f in findings] == [
        ("error", "'Org<U+202E>AB' contains a bidirectional override U+202E")]


# --- the build's checks: the list as loaded, not the file read again -----------------------------------------

LOADABLE = (
    "name,country\n"
    "Cordaid,Pays-Bas\n"                                     # 2
    "Koalicja Karat,Polska\n"                                # 3: country names in two languages
    "Cordaid,NL\n"                                           # 4: exact duplicate (an error)
    " Spaced Org ,ES\n"                                      # 5: spaces around the cell
    "Cafe\u0301 Org,France\n"                                # 6: not NFC
    "Index on Censorship • Instytut Spraw Publicznych,\n"   # 7: two entries at a bullet
    "Kenya Human Rights Commission,KE\n"                     # 8
    "Human Rights Commission,Kenya\n"                        # 9: probable duplicate of 8
)


def test_a_build_checks_the_rows_it_loaded_with_the_findings_of_lint_file(make_letter):
    from letter_pdf import letter as letter_module

    letter = make_letter()
    listed = letter.parent / "signatories.csv"
    listed.write_text(LOADABLE, encoding="utf-8")
    loaded = letter_module.load_letter(letter)
    from_file = lint.lint_file(loaded.signatories_path).findings
    assert [(f.code, f.where.rsplit(":", 1)[-1]) for f in from_file] == [
        ("mixed-languages", str(loaded.signatories_path)), ("duplicate", "4"), ("spaces", "5"), ("normalisation", "6"),
        ("bullet", "7"), ("probable-duplicate", "9")]
    listed.write_text("name\nSomething else entirely\n", encoding="utf-8")  # what is checked is what was loaded
    assert tuple(lint.letter_findings(loaded)) == from_file
    assert [str(p) for p in lint.letter_problems(loaded)] == [str(from_file[1].as_error())]


def test_a_build_reads_the_list_once_and_warns_once_about_its_encoding(make_letter, caplog):
    from letter_pdf import letter as letter_module

    letter = make_letter()
    names = ["Общество «Мемориал» Санкт-Петербурга", "Солдатские матери Санкт-Петербурга",
             "Правозащитный центр «Мемориал»", "Московская Хельсинкская группа"]
    (letter.parent / "signatories.csv").write_bytes("\n".join(["name", *names, ""]).encode("cp1251"))
    with caplog.at_level("WARNING", logger="letter_pdf"):
        loaded = letter_module.load_letter(letter)
        assert lint.letter_findings(loaded) == []
    assert [r.getMessage().split(": ", 1)[1] for r in caplog.records] == [
        "the file is not UTF-8; read it as cp1251 (check the names, and re-save as UTF-8 to be sure)"]


def test_variation_selectors_in_latin_names_are_warned_about_fixed_and_shown(tmp_path, capsys):
    """'Amn<U+FE0F>esty International' looked the same as 'Amnesty International' in lint, diff and fix lines."""
    path = write(tmp_path, "name,country\nAmnesty International,FR\nAmn\ufe0festy International,BE\n"
                           "Amnesty Internationa\U000e0100l,CH\nСвобода\ufe00,RU\n❤\ufe0f Love Org,FR\n葛\U000e0100飾,JP\n")
    code, out, err = run_main(["signatories", "lint", str(path)], capsys)
    hint = "'lint --fix' removes them (joiners are kept: they matter in some scripts)"
    assert code == 0
    assert [line for line in out.splitlines() if "invisible" in line] == [
        f"lists/list.csv:3: warning: 'Amn<U+FE0F>esty International' contains invisible characters: "
        f"VARIATION SELECTOR-16 (U+FE0F) — {hint}",
        f"lists/list.csv:4: warning: 'Amnesty Internationa<U+E0100>l' contains invisible characters: "
        f"VARIATION SELECTOR-17 (U+E0100) — {hint}",
        "lists/list.csv:5: warning: 'Свобода<U+FE00>' contains invisible characters: VARIATION SELECTOR-1 (U+FE00) — "
        + hint]  # after an emoji or an ideograph a selector chooses its form: no warning
    code, out, err = run_main(["signatories", "lint", str(path), "--fix", "-o", "fixed.csv"], capsys)
    assert [line for line in err.splitlines() if line.startswith("fixed")] == [
        "fixed lists/list.csv:3: name 'Amn<U+FE0F>esty International' -> 'Amnesty International'",
        "fixed lists/list.csv:4: name 'Amnesty Internationa<U+E0100>l' -> 'Amnesty International'",
        "fixed lists/list.csv:5: name 'Свобода<U+FE00>' -> 'Свобода'"]
    assert (tmp_path / "fixed.csv").read_text(encoding="utf-8-sig").splitlines()[5:] == [
        "❤\ufe0f Love Org,FR", "葛\U000e0100飾,JP"]
    old = write(tmp_path, "name,country\nAmnesty International,FR\n", "old.csv")
    code, out, err = run_main(["signatories", "diff", str(old), str(path)], capsys)
    assert out.splitlines()[:2] == ["+ Amn<U+FE0F>esty International (BE)  (line 3)",
                                    "+ Amnesty Internationa<U+E0100>l (CH)  (line 4)"]


def test_variation_selectors_are_set_aside_in_comparing_names():
    a, b = S("Amnesty International Polska", line=2), S("Amnesty Internationa\U000e0100l Pol\ufe0fska", line=3)
    assert name_rules.probable_duplicate(a, b) == "the same name apart from case, accents, punctuation or spacing"
