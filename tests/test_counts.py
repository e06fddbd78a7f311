"""Counts computed once, and their sentences with CLDR plural rules."""

from __future__ import annotations

import pytest

from letter_pdf.counts import Counts, on_behalf, plural_category, summary
from letter_pdf.model import Signatory
from letter_pdf.signatories import load_signatories


def test_counts_of_sample(resources):
    counts = Counts.of(load_signatories(resources / "foreign-agents-signatories.csv"))
    assert counts == Counts(total=65, organisations=64, individuals=1, countries=13)
    assert on_behalf(counts, "en") == "On behalf of the 64 undersigned organisations and 1 individual"
    assert summary(counts, "en") == "65 signatories: 64 organisations and 1 individual from 13 countries"


def test_countries_counted_once_including_several_per_signatory():
    sigs = [Signatory("A", ("FR", "CH")), Signatory("B", ("FR",)), Signatory("C", kind="individual")]
    assert Counts.of(sigs) == Counts(total=3, organisations=2, individuals=1, countries=2)


@pytest.mark.parametrize(
    ("lang", "n", "category"),
    [("ru", 1, "one"), ("ru", 21, "one"), ("ru", 2, "few"), ("ru", 24, "few"), ("ru", 5, "many"),
     ("ru", 11, "many"), ("ru", 12, "many"), ("pl", 1, "one"), ("pl", 22, "few"), ("pl", 21, "many"),
     ("pl", 12, "many"), ("en", 1, "one"), ("en", 0, "other"), ("fr", 0, "one"), ("xx", 1, "one")],
)
def test_cldr_plural_categories(lang, n, category):
    assert plural_category(n, lang) == category


@pytest.mark.parametrize(
    ("lang", "counts", "expected"),
    [
        ("en", Counts(5, 0, 5, 1), "On behalf of the 5 undersigned individuals"),
        ("en", Counts(1, 1, 0, 1), "On behalf of the 1 undersigned organisation"),
        ("ru", Counts(65, 64, 1, 17), "Подписали: 64 организации и 1 частное лицо"),
        ("ru", Counts(23, 21, 2, 3), "Подписали: 21 организация и 2 частных лица"),
        ("ru", Counts(16, 11, 5, 3), "Подписали: 11 организаций и 5 частных лиц"),
        ("pl", Counts(65, 64, 1, 17), "W imieniu 64 organizacji i 1 osoby prywatnej"),
        ("pl", Counts(27, 22, 5, 3), "W imieniu 22 organizacji i 5 osób prywatnych"),
        ("de", Counts(65, 64, 1, 17), "Im Namen der 64 unterzeichnenden Organisationen und 1 Einzelperson"),
        ("fi", Counts(65, 64, 1, 17), "Allekirjoittaneiden 64 järjestön ja 1 yksityishenkilön puolesta"),
        ("fr", Counts(65, 64, 1, 17), "Au nom des signataires\u00a0: 64 organisations et 1 personne"),
        ("tlh", Counts(65, 64, 1, 17), "On behalf of the 64 undersigned organisations and 1 individual"),
    ],
)
def test_on_behalf(lang, counts, expected):
    assert on_behalf(counts, lang) == expected


@pytest.mark.parametrize(
    ("lang", "counts", "expected"),
    [
        ("en", Counts(1, 1, 0, 1), "1 signatory: 1 organisation from 1 country"),
        ("en", Counts(2, 2, 0, 0), "2 signatories: 2 organisations"),
        ("ru", Counts(65, 64, 1, 17), "65 подписантов: 64 организации и 1 частное лицо из 17 стран"),
        ("ru", Counts(22, 21, 1, 21), "22 подписанта: 21 организация и 1 частное лицо из 21 страны"),
        ("pl", Counts(65, 64, 1, 17), "65 sygnatariuszy: 64 organizacje i 1 osoba prywatna z 17 krajów"),
        ("pl", Counts(26, 22, 4, 1), "26 sygnatariuszy: 22 organizacje i 4 osoby prywatne z 1 kraju"),
        ("pl", Counts(1, 1, 0, 1), "1 sygnatariusz: 1 organizacja z 1 kraju"),
        ("uk", Counts(65, 64, 1, 17), "65 підписантів: 64 організації та 1 приватна особа з 17 країн"),
        ("de", Counts(65, 64, 1, 1), "65 Unterzeichnende: 64 Organisationen und 1 Einzelperson aus 1 Land"),
        ("es", Counts(65, 64, 1, 17), "65 firmantes: 64 organizaciones y 1 persona de 17 países"),
        ("fi", Counts(65, 64, 1, 17), "65 allekirjoittajaa: 64 järjestöä ja 1 yksityishenkilö 17 maasta"),
        ("pt-BR", Counts(65, 64, 1, 17), "65 signatários: 64 organizações e 1 pessoa física de 17 países"),
        ("sw", Counts(65, 64, 1, 17), "65 signatories: 64 organisations and 1 individual from 17 countries"),
    ],
)
def test_summary(lang, counts, expected):
    assert summary(counts, lang) == expected
