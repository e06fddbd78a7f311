"""Country names in any CLDR language and ISO codes -> codes; codes -> names in the letter's language."""

from __future__ import annotations

import pytest

from letter_pdf import countries
from letter_pdf.errors import SignatoryError


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PL", "PL"), ("pl", "PL"), ("Poland", "PL"), ("Pologne", "PL"), ("Polska", "PL"), ("Polen", "PL"),
        ("Pays-Bas", "NL"), ("Niederlande", "NL"), ("Netherlands", "NL"), ("The Netherlands", "NL"),
        ("Россия", "RU"), ("Russie", "RU"), ("Russian Federation", "RU"), ("UK", "GB"), ("United Kingdom", "GB"),
        ("USA", "US"), ("Irlande", "IE"), ("Norvège", "NO"), ("norvege", "NO"), ("Allemagne", "DE"),
        ("Finlande", "FI"), ("Suomi", "FI"), ("Україна", "UA"), ("Kenya", "KE"), ("Schweiz", "CH"),
        ("Suisse", "CH"), ("  Spain ", "ES"), ("Côte d’Ivoire", "CI"),
    ],
)
def test_resolve_names_in_many_languages(text, code):
    assert countries.resolve(text) == code


def test_resolve_rarer_language_loads_all_of_cldr():
    # Welsh is not among the languages searched first: the whole of CLDR is searched.
    assert countries.resolve("Gwlad Pwyl") == "PL"  # Welsh


def test_resolve_many_separators_and_region():
    assert countries.resolve_many("France/Switzerland") == ("FR", "CH")
    assert countries.resolve_many("FR; CH") == ("FR", "CH")
    assert countries.resolve_many("Northern Ireland, UK") == ("GB",)
    assert countries.resolve_many("FR/France") == ("FR",)
    assert countries.resolve_many("Belgium, Netherlands") == ("BE", "NL")
    assert countries.resolve_many("Kyiv, Ukraine") == ("UA",)
    assert countries.try_resolve_many("ACAT") is None and countries.try_resolve_many("Pays-Bas") == ("NL",)


def test_unknown_country_gives_closest_match():
    with pytest.raises(SignatoryError) as info:
        countries.resolve("Polnad")
    assert "Polnad" in str(info.value)
    assert "Poland (PL)" in info.value.hint


@pytest.mark.parametrize("text", ["ZZ", "EU", "Atlantis", ""])
def test_not_countries(text):
    with pytest.raises(SignatoryError):
        countries.resolve(text)


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [("PL", "en", "Poland"), ("PL", "fr", "Pologne"), ("PL", "pl", "Polska"), ("NL", "de", "Niederlande"),
     ("RU", "ru", "Россия"), ("NL", "pt-BR", "Países Baixos"), ("GB", "xx-unknown", "United Kingdom"),
     ("fi", "fi", "Suomi")],
)
def test_display_name(code, lang, name):
    assert countries.display_name(code, lang) == name


def test_lookup_reports_language():
    assert countries.lookup("Pologne") == ("PL", "fr")
    assert countries.lookup("PL") == ("PL", "code")


def test_closest_suggests_only_real_near_misses():
    from letter_pdf.countries import closest

    assert closest("Polnad") == "Poland (PL)"
    assert closest("Frnace") == "France (FR)"
    assert closest("Untied Kingdom") == "United Kingdom (GB)"
    assert closest("Atlantis") is None  # no far-fetched "did you mean" for a name that is not a country
    assert closest("Narnia") is None


@pytest.mark.parametrize("typo", ["Polnad", "Oland", "Pologn", "Germny", "Swizerland", "Niederlanden", "Rosja",
                                  "Rossija", "Irlnde", "Espagna", "Northern Irland", "Kenia", "Fracne", "Xqwerty",
                                  "Atlantis", "Ukrane", "Norwey", "Belgum"])
def test_closest_agrees_with_a_search_of_every_common_name(typo):
    """The hint searches only names of a possible length sharing the first or last character: it finds
    what a search of every name of the common languages finds (for these typos)."""
    import difflib

    names = [k for k, (_code, lang) in countries._index().names.items()
             if lang in countries.COMMON_LANGUAGES or lang == "alias"]
    full = difflib.get_close_matches(countries._key(typo), names, n=1, cutoff=0.8)
    expected = None
    if full:
        code = countries._index().names[full[0]][0]
        expected = f"{countries.display_name(code, 'en')} ({code})"
    assert countries.closest(typo) == expected


def test_the_quick_lookup_does_not_depend_on_an_earlier_thorough_one():
    """The return line drops a country the quick search knows: a name only a rare language has ('Aotearoa',
    Maori) stays unknown to it even after a thorough search loaded every language in the same process."""
    import subprocess
    import sys

    code = ("from letter_pdf import countries as c; a = c.lookup('Aotearoa', thorough=False); "
            "t = c.lookup('Aotearoa'); b = c.lookup('Aotearoa', thorough=False); "
            "print(a, t, b, c.lookup('Suomi', thorough=False))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.split("\n")[0] == "None ('NZ', 'mi') None ('FI', 'fi')"
