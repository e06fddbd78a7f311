"""Comparing two signatory lists: added, removed, changed; a rename of a probable duplicate is a change."""

from __future__ import annotations

from letter_pdf.cli import main
from letter_pdf.compare import compare, lines
from letter_pdf.model import Signatory


def S(name, *codes, kind="organisation", role=None, line=None):
    return Signatory(name=name, countries=tuple(codes), kind=kind, role=role, line=line)


OLD = (S("Cordaid", "NL", line=2), S("Reporters sans frontières", "FR", line=3), S("Koalicja Karat", "PL", line=4),
       S("Human Rights House Foundation", "NO", line=5), S("Finnish PEN", "FI", line=6),
       S("Danny Sriskandarajah", kind="individual", role="Secretary General", line=7))
NEW = (S("Cordaid", "NL", line=2), S("Reporters sans frontières (RSF)", "FR", line=3),
       S("Human Rights House Foundation", "NO", line=4), S("Human Rights House Foundation HRHF", "CH", line=5),
       S("English PEN", "GB", line=6),
       S("Danny Sriskandarajah", kind="individual", role="Secretary General, CIVICUS", line=7))


def test_compare():
    diff = compare(OLD, NEW)
    assert [s.name for s in diff.added] == ["Human Rights House Foundation HRHF", "English PEN"]
    assert [s.name for s in diff.removed] == ["Koalicja Karat", "Finnish PEN"]
    assert [(c.old.name, c.new.name, c.fields) for c in diff.changed] == [
        ("Reporters sans frontières", "Reporters sans frontières (RSF)", ("name",)),
        ("Danny Sriskandarajah", "Danny Sriskandarajah", ("role",)),
    ]
    assert diff.unchanged == 2
    text = lines(diff)
    assert "+ English PEN (GB)  (line 6)" in text
    assert "- Koalicja Karat (PL)  (line 4)" in text
    assert "~ Reporters sans frontières (FR) -> Reporters sans frontières (RSF) (FR)  (name; line 3 -> 3)" in text


def test_same_lists_and_country_change():
    assert compare(OLD, OLD).empty
    diff = compare([S("Cordaid", "NL")], [S("Cordaid", "BE")])
    assert [c.fields for c in diff.changed] == [("countries",)] and not diff.added and not diff.removed


def test_same_name_in_two_countries_matched_by_country():
    old = [S("Amnesty International", "FR"), S("Amnesty International", "BE")]
    new = [S("Amnesty International", "BE")]
    diff = compare(old, new)
    assert [s.countries for s in diff.removed] == [("FR",)] and not diff.changed


def test_cli_diff(tmp_path, capsys):
    (tmp_path / "old.csv").write_text("name,country\nCordaid,NL\nReporters sans frontières,FR\nKoalicja Karat,PL\n",
                                      encoding="utf-8")
    (tmp_path / "new.csv").write_text("name,country\nCordaid,Pays-Bas\nReporters sans frontières (RSF),France\n"
                                      "English PEN,UK\n", encoding="utf-8")
    try:
        main(["signatories", "diff", str(tmp_path / "old.csv"), str(tmp_path / "new.csv")])
    except SystemExit as exit:
        assert exit.code == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "+ English PEN (GB)  (line 4)",
        "- Koalicja Karat (PL)  (line 4)",
        "~ Reporters sans frontières (FR) -> Reporters sans frontières (RSF) (FR)  (name; line 3 -> 3)",
    ]
    assert "1 added, 1 removed, 1 changed, 1 unchanged" in err


def test_cli_stats(tmp_path, capsys, resources):
    try:
        main(["signatories", "stats", str(resources / "foreign-agents-signatories.csv"), "--lang", "ru"])
    except SystemExit as exit:
        assert exit.code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "65 подписантов: 64 организации и 1 частное лицо из 13 стран"
    assert out[1] == "Подписали: 64 организации и 1 частное лицо"
    assert out[2].split() == ["10", "Франция", "(FR)"]
    assert out[-1].split()[0] == "5"


def test_renames_found_without_comparing_all_pairs(monkeypatch):
    """Matching renames compares each entry with a few candidates, not with every other one (counted)."""
    from letter_pdf import names

    calls = []
    real = names.why_duplicate
    monkeypatch.setattr(names, "why_duplicate", lambda a, b: calls.append(1) or real(a, b))
    old = [S(f"Committee number {i} of the Helsinki group", line=i + 2) for i in range(3000)]
    new = [S(f"Committee no. {i} of a Helsinki group", line=i + 2) for i in range(3000)]
    new[1500] = S("Committee numbr 1500 of the Helsinki group", line=1502)  # a typo: the one rename
    diff = compare(old, new)
    assert [(c.old.line, c.new.line) for c in diff.changed] == [(1502, 1502)]
    assert len(diff.added) == len(diff.removed) == 2999
    assert len(calls) < 20 * 6000, len(calls)
