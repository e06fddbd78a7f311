"""fonts.py: the font set (bundled + the letter's own), its CSS, and the glyph-coverage preflight.

No PDF is built here (see test_typeset.py): these assert on fontTools cmaps and on the errors.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from letter_pdf import fonts
from letter_pdf.errors import FontCoverageError, Problems, ResourceError
from letter_pdf.fonts import FontSet, check_coverage
from letter_pdf.model import Cover, Letter, Party, Signatory, Signer

# A small OFL font with Georgian letters only (tests/resources/README.md says where it comes from).
TEST_FONT = Path(__file__).parent / "resources" / "LetterTestGeorgian-Regular.ttf"
GEORGIAN = "ქართული ასოციაცია"


def font_variant(target: Path, change=None, *, flavor: str | None = None) -> Path:
    """A copy of the test font, changed by ``change(TTFont)`` and saved to ``target``."""
    from fontTools.ttLib import TTFont

    font = TTFont(TEST_FONT, recalcTimestamp=False)
    if change is not None:
        change(font)
    font.flavor = flavor
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)
    return target

# Names in the alphabets the bundled fonts must cover.
CYRILLIC_NAMES = [
    "Ґанна Їжакевич-Євтушенко, Громадська ініціатива «Іванівка»",  # Ukrainian ґ є і ї
    "Беларускі Хельсінкскі камітэт — Ўладзімір Ўсціновіч",  # Belarusian ў
    "Ђорђе Ћирић и Џемал Џаковић, Београдски центар",  # Serbian ђ ћ џ
    "Ѓорѓи Ќосев, Љубица Њушкова, Ѕвездана — Скопје",  # Macedonian ѓ ќ љ њ ѕ
    "Әділет Ғабитұлы, Қазақстан Ңң Өмір Ұлы Үміт Һһ Іле",  # Kazakh ә ғ қ ң ө ұ ү һ і
    "Башҡорт ҙур Ҫырлы, Ӑнтӑн Ӗҫлӗ Ҫемье",  # Bashkir / Chuvash ҡ ҙ ҫ ӑ ӗ
    "Татар Җәмгыяте Һөнәр Үзәге",  # Tatar җ ә һ ү
    "Аҧсны Ҭаҭы Ҷҷ Ҵҵ Ҩҩ Ӡӡ Ҟҟ",  # Abkhaz
    "Саха Өрөспүүбүлүкэтин Ҕҕ Ҥҥ Һһ",  # Yakut
    "Тоҷикистон Ғғ Ӣӣ Ққ Ӯӯ Ҳҳ",  # Tajik
    "Удмурт Ӝӝ Ӟӟ Ӵӵ Ӥӥ Ӧӧ, Марий Ӓӓ Ӱӱ Ӹӹ, Нохчийн Ӏ",  # Udmurt, Mari, Chechen
]
LATIN_NAMES = [
    "Stowarzyszenie Zażółć Gęślą Jaźń, Łódź",  # Polish
    "Hội Luật gia Việt Nam — Nguyễn Thị Ánh Tuyết, Đặng Ưng Ỹ",  # Vietnamese stacked diacritics
    "Sámiráđđi Čáhcesuolu — Ŋuorra Ŧ Ʒʒ Ǯǯ Ǥǥ Ǧǧ Ǩǩ",  # Sami (incl. Skolt)
    "Asociația pentru Apărarea Drepturilor Omului în România – Comitetul Helsinki Ș ț",  # Romanian ș ț
    "Þórður Ğğ İı Ħal Għargħur Ķeguma Ųžupis Ŀŀ Ǉǈǉ",  # Icelandic, Turkish, Maltese, Latvian, ...
]


def make_letter(tmp_path: Path, **kwargs) -> Letter:
    defaults = dict(
        source=tmp_path / "letter.md",
        title="Joint letter",
        body="We write to you.\n",
        body_line=12,
        date=dt.date(2026, 11, 29),
        signatories_path=tmp_path / "signatories.csv",
    )
    defaults.update(kwargs)
    return Letter(**defaults)


def sigs(*names: str) -> tuple[Signatory, ...]:
    return tuple(Signatory(name=unicodedata.normalize("NFC", n), line=i) for i, n in enumerate(names, 2))


def test_bundled_set_has_serif_body_and_sans_headings():
    fs = FontSet.bundled()
    assert fs.body_families == ("Noto Serif",) and fs.heading_families == ("Noto Sans",)
    assert len(fs.faces) == 8
    assert {(f.family, f.weight, f.style) for f in fs.faces} == {
        (fam, w, s) for fam in ("Noto Serif", "Noto Sans") for w in (400, 700) for s in ("normal", "italic")
    }
    for face in fs.faces:
        assert face.path.is_file(), face.path


@pytest.mark.parametrize(
    "first,last",
    [
        (0x00A0, 0x00FF),  # Latin-1
        (0x0100, 0x017F),  # Latin Extended-A
        (0x0180, 0x024F),  # Latin Extended-B
        (0x1E00, 0x1EFF),  # Latin Extended Additional
        (0x0400, 0x04FF),  # Cyrillic
        (0x0500, 0x052F),  # Cyrillic Supplement
        (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
        (0xA640, 0xA69F),  # Cyrillic Extended-B
        (0x1C80, 0x1C8F),  # Cyrillic Extended-C
        (0x0391, 0x03C9),  # Greek letters
        (0x2010, 0x2011),  # hyphen and non-breaking hyphen (automatic hyphenation inserts U+2010)
        (0x2022, 0x2023),  # bullet and triangular bullet: list markers of letter.css
        (0x2013, 0x2013),  # en dash: the marker of a second-level list
    ],
)
def test_every_bundled_face_covers_the_promised_blocks(first, last):
    for face in FontSet.bundled().faces:
        cmap = fonts._cmap(face.path)
        missing = [
            f"U+{cp:04X}" for cp in range(first, last + 1) if unicodedata.category(chr(cp)) != "Cn" and cp not in cmap
        ]
        assert not missing, f"{face.path.name} lacks {missing}"


def test_extended_cyrillic_and_latin_names_pass_the_preflight(tmp_path):
    letter = make_letter(tmp_path, signatories=sigs(*CYRILLIC_NAMES, *LATIN_NAMES))
    assert check_coverage(letter, FontSet.for_letter(letter)) == []


def test_a_name_in_an_uncovered_script_is_refused_with_its_code_points(tmp_path):
    names = ("Organisation One", "ქართული ასოციაცია", "Հայաստանի Հելսինկյան կոմիտե", "བོད་ཀྱི", "中国人权")
    letter = make_letter(tmp_path, signatories=sigs(*names))
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [type(e) for e in errors] == [FontCoverageError] * 4  # one per signatory, not per character
    georgian = str(errors[0])
    assert f"signatories.csv:3, signatory '{names[1]}'" in georgian
    assert "U+10D0 GEORGIAN LETTER AN 'ა'" in georgian
    # every uncovered character is listed, each once
    for char in dict.fromkeys(names[1].replace(" ", "")):
        assert georgian.count(f"U+{ord(char):04X} ") == 1, char
    assert "'fonts:'" in georgian and "Noto Sans Georgian" in georgian
    assert "U+0540 ARMENIAN CAPITAL LETTER HO 'Հ'" in str(errors[1]) and "signatories.csv:4" in str(errors[1])
    assert "TIBETAN" in str(errors[2]) and "CJK UNIFIED IDEOGRAPH-4E2D '中'" in str(errors[3])
    assert "\n" not in georgian  # one line for the CLI


def test_every_printed_field_is_checked_and_named(tmp_path):
    letter = make_letter(
        tmp_path,
        title="Письмо ა",
        subject="Subject ბ",
        place="Թ",
        sender=Party(name="Sender", address=("Street", "გ"), contact=("დ",)),
        recipient=Party(name="ე"),
        opening="ვ",
        closing="ზ",
        reference="თ",
        their_reference="ი",
        signers=(Signer(name="კ", role="ლ", organisation="მ"),),
        cc=("ნ",),
        body="Line one.\nLine two with ო.\n",
    )
    errors = check_coverage(letter, FontSet.for_letter(letter))
    wheres = [e.where for e in errors]
    for field in (
        "title", "subject", "place", "sender.address[2]", "sender.contact[1]", "recipient.name", "opening",
        "closing", "reference", "their_reference", "signers[1].name", "signers[1].role",
        "signers[1].organisation", "cc[1]",
    ):  # fmt: skip
        assert f"{tmp_path / 'letter.md'}, field '{field}'" in wheres, field
    # the body error points at the line of the letter file where the character is
    assert str(tmp_path / "letter.md") + ":13" in wheres
    assert "Armenian" in " ".join(str(e) for e in errors if e.where.endswith("'place'"))


def test_whitespace_controls_and_invisible_characters_need_no_glyph(tmp_path):
    name = "Org\tName\u00adwith soft hyphen\u200d\u200b\ufeff and\u00a0nbsp\u202f"
    letter = make_letter(tmp_path, body="a\r\nb\n\n", signatories=sigs(name))
    assert check_coverage(letter, FontSet.for_letter(letter)) == []


def test_default_ignorable_characters_and_controls_need_no_glyph_but_their_neighbours_do(tmp_path):
    """The bundled fonts lack all of these; each drawn as nothing (the ends of the ranges of Unicode's
    Default_Ignorable_Code_Point the fonts lack, and controls that are not spaces) needs no glyph."""
    bundled = FontSet.bundled()
    ignorable = [
        "\u061c", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180b", "\u180f", "\u3164", "\ufe0f", "\uffa0",
        "\ufff0", "\ufff8", "\U0001bca0", "\U0001bca3", "\U0001d173", "\U0001d17a", "\U000e0000", "\U000e0fff",
        "\x07", "\x1b", "\x7f", "\x9f",
    ]  # fmt: skip
    assert not any(bundled.covers(c) for c in ignorable)
    assert fonts.uncovered("A" + "".join(ignorable) + "B", bundled) == []
    neighbours = ["\u180a", "\u1161", "\U0001bca4", "\U0001d172"]  # just outside those ranges, drawn
    assert fonts.uncovered("".join(neighbours) + "\u1161", bundled) == neighbours


def test_a_recipient_without_a_sender_and_an_enclosure_title_are_checked(tmp_path):
    from letter_pdf.model import Annex

    letter = make_letter(tmp_path, recipient=Party(name="ე"), enclosures=(Annex(title="Annex"), Annex(title="ა")))
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [(e.where, e.message) for e in errors] == [
        (
            f"{tmp_path / 'letter.md'}, field 'recipient.name'",
            "no font in use has a glyph for U+10D4 GEORGIAN LETTER EN 'ე' in the field 'recipient.name'",
        ),
        (
            f"{tmp_path / 'letter.md'}, field 'enclosures[2]'",
            "no font in use has a glyph for U+10D0 GEORGIAN LETTER AN 'ა' in the field 'enclosures[2]'",
        ),
    ]


def test_the_hint_says_it_for_one_character_and_them_for_several(tmp_path):
    letter = make_letter(tmp_path, signatories=sigs("ა", "ბა", "ბაბ"))
    hints = [e.hint for e in check_coverage(letter, FontSet.for_letter(letter))]
    folder = "(font files in the letter's folder; for this script e.g. Noto Sans Georgian (OFL)), or correct the text"
    assert hints == [
        f"add a font covering it to the letter's 'fonts:' key {folder}",
        f"add a font covering them to the letter's 'fonts:' key {folder}",
        f"add a font covering them to the letter's 'fonts:' key {folder}",
    ]


def test_country_names_are_checked_in_the_letters_language(tmp_path):
    letter = make_letter(
        tmp_path, lang="ka", signatories=(Signatory(name="Human Rights Centre", countries=("GE",), line=2),)
    )
    errors = check_coverage(letter, FontSet.for_letter(letter))
    name = "საქართველო"  # CLDR's Georgian name of Georgia
    listed = ", ".join(fonts.describe_char(c) for c in dict.fromkeys(name))
    assert [(e.where, e.message) for e in errors if "country" in e.message] == [
        (
            f"{tmp_path / 'signatories.csv'}, field 'country'",
            f"no font in use has a glyph for {listed} in the name of the country GE in 'ka' ({name})",
        )
    ]


def test_a_user_font_from_the_fonts_key_makes_the_script_pass(tmp_path):
    shutil.copy(TEST_FONT, tmp_path / "Georgian.ttf")
    names = sigs(GEORGIAN, "Հայաստանի Հելսինկյան կոմիտե")
    bare = make_letter(tmp_path, signatories=names)
    assert [e.where for e in check_coverage(bare, FontSet.for_letter(bare))] == [
        f"{tmp_path / 'signatories.csv'}:2, signatory '{GEORGIAN}'",
        f"{tmp_path / 'signatories.csv'}:3, signatory 'Հայաստանի Հելսինկյան կոմիտե'",
    ]
    letter = make_letter(tmp_path, signatories=names, fonts=(tmp_path / "Georgian.ttf",))
    fs = FontSet.for_letter(letter)
    # the Georgian name now passes; the Armenian one still fails (the test font has no Armenian)
    assert [e.where for e in check_coverage(letter, fs)] == [
        f"{tmp_path / 'signatories.csv'}:3, signatory 'Հայաստանի Հելսինկյան կոմիտե'"
    ]
    user = fs.faces[-1]
    assert user.path == tmp_path / "Georgian.ttf" and (user.weight, user.style) == (400, "normal")
    assert user.family.startswith("Letter Test Georgian ") and user.family != "Letter Test Georgian"
    assert fs.body_families == ("Noto Serif", user.family)
    assert fs.heading_families == ("Noto Sans", user.family)
    assert fs.covers("ა") and not FontSet.bundled().covers("ა")
    css = fs.css()
    assert css.count("@font-face") == 9
    assert f'src: url("{(tmp_path / "Georgian.ttf").as_uri()}")' in css
    assert f'--body-font: "Noto Serif", "{user.family}";' in css


def test_user_font_families_differ_by_file_contents(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    font_variant(a / "Font.ttf")

    def bold(font):
        font["OS/2"].usWeightClass = 700

    font_variant(b / "Font.ttf", bold)
    fa = FontSet.for_letter(make_letter(a, fonts=(a / "Font.ttf",))).faces[-1]
    fb = FontSet.for_letter(make_letter(b, fonts=(b / "Font.ttf",))).faces[-1]
    assert (fa.weight, fb.weight) == (400, 700) and fa.family != fb.family
    assert fa.family.startswith("Letter Test Georgian ") and fb.family.startswith("Letter Test Georgian ")


def test_unreadable_or_non_font_files_are_resource_errors(tmp_path):
    (tmp_path / "fake.ttf").write_bytes(b"this is not a font at all")
    (tmp_path / "coll.ttf").write_bytes(b"ttcf" + b"\0" * 60)
    letter = make_letter(
        tmp_path, fonts=(tmp_path / "fake.ttf", tmp_path / "missing.ttf", tmp_path / "coll.ttf")
    )
    with pytest.raises(Problems) as info:
        FontSet.for_letter(letter)
    problems = info.value.problems
    assert [type(p) for p in problems] == [ResourceError] * 3
    assert "not a usable font" in str(problems[0]) and "fake.ttf" in str(problems[0])
    assert "cannot read" in str(problems[1]) and "missing.ttf" in str(problems[1])
    assert "collection" in str(problems[2])


def test_describe_char():
    assert fonts.describe_char("ა") == "U+10D0 GEORGIAN LETTER AN 'ა'"
    assert fonts.describe_char("\ue000").startswith("U+E000 <Co>")


def test_the_date_in_the_letters_language_is_checked(tmp_path):
    letter = make_letter(tmp_path, lang="ka")  # 29 ნოემბერი, 2026: the letter's date, not today's
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [(e.where, e.message) for e in errors] == [
        (
            f"{tmp_path / 'letter.md'}, field 'lang'",
            "no font in use has a glyph for U+10DC GEORGIAN LETTER NAR 'ნ', U+10DD GEORGIAN LETTER ON 'ო', "
            "U+10D4 GEORGIAN LETTER EN 'ე', U+10DB GEORGIAN LETTER MAN 'მ', U+10D1 GEORGIAN LETTER BAN 'ბ', "
            "U+10E0 GEORGIAN LETTER RAE 'რ', U+10D8 GEORGIAN LETTER IN 'ი' in the date",
        )
    ]
    assert check_coverage(make_letter(tmp_path, lang="uk"), FontSet.bundled()) == []


# --- fonts that are refused ---------------------------------------------------------------------------


def refusal(tmp_path: Path, path: Path) -> ResourceError:
    letter = make_letter(tmp_path, fonts=(path,))
    with pytest.raises(ResourceError) as info:
        FontSet.for_letter(letter)
    assert info.value.where == str(path)
    return info.value


def test_a_font_whose_licence_forbids_embedding_is_refused(tmp_path):
    def restricted(font):
        font["OS/2"].fsType = 0x0002

    error = refusal(tmp_path, font_variant(tmp_path / "Restricted.ttf", restricted))
    assert str(error).startswith(
        f"{tmp_path / 'Restricted.ttf'}: the font's licence forbids embedding it in a PDF (OS/2 fsType 'restricted')"
    )
    # the same font with embedding allowed (fsType 0, "installable") is accepted
    font_variant(tmp_path / "Installable.ttf")
    assert FontSet.for_letter(make_letter(tmp_path, fonts=(tmp_path / "Installable.ttf",))).faces[-1].path == (
        tmp_path / "Installable.ttf"
    )


def test_a_woff2_font_is_refused(tmp_path):
    path = font_variant(tmp_path / "Georgian.woff2", flavor="woff2")
    assert path.read_bytes()[:4] == b"wOF2"
    error = refusal(tmp_path, path)
    assert "WOFF2 fonts are not supported" in str(error) and error.hint == "use the .ttf or .otf version of it"


def _colr(font):
    from fontTools.colorLib.builder import buildCOLR, buildCPAL

    glyph = font.getBestCmap()[ord("ა")]
    font["CPAL"] = buildCPAL([[(1.0, 0.0, 0.0, 1.0)]])
    font["COLR"] = buildCOLR({glyph: [(glyph, 0)]})


def _raw_table(tag):
    def add(font):
        from fontTools.ttLib.tables.DefaultTable import DefaultTable

        table = DefaultTable(tag)
        table.data = b"\0\1\0\0" + b"\0" * 12
        font[tag] = table

    return add


@pytest.mark.parametrize(
    "change,tables",
    [
        (_colr, "COLR, CPAL"),
        (_raw_table("CBDT"), "CBDT"),
        (_raw_table("CBLC"), "CBLC"),
        (_raw_table("sbix"), "sbix"),
        (_raw_table("SVG "), "SVG"),
    ],
)
def test_a_colour_emoji_font_is_refused(tmp_path, change, tables):
    error = refusal(tmp_path, font_variant(tmp_path / "Colour.ttf", change))
    assert str(error) == (
        f"{tmp_path / 'Colour.ttf'}: colour (emoji) fonts are not supported: the font has colour glyph tables "
        f"({tables}), which would print at the wrong size or not at all"
        " — use a font with plain outlines only, e.g. Noto Emoji (OFL) instead of Noto Color Emoji"
    )


def _damaged(tmp_path: Path, name: str, fill, source: Path = TEST_FONT) -> Path:
    """The test font with its 'glyf' table overwritten by ``fill(length)`` (cmap and 'loca' intact)."""
    from fontTools.ttLib import TTFont

    data = bytearray(source.read_bytes())
    entry = TTFont(source).reader.tables["glyf"]
    data[entry.offset : entry.offset + entry.length] = fill(entry.length)
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def garbage(length: int) -> bytes:
    import random

    return random.Random(7).randbytes(length)


@pytest.mark.parametrize(
    "fill,why",
    [
        (garbage, "its outline cannot be read"),
        (lambda length: bytes(length), "it has no outline (it would print as nothing)"),
    ],
)
def test_a_user_font_with_damaged_glyphs_is_refused_naming_the_file(tmp_path, fill, why):
    path = _damaged(tmp_path, "Broken.ttf", fill)
    letter = make_letter(tmp_path, signatories=sigs("Org", "ქართ ული"), fonts=(path,))
    fs = FontSet.for_letter(letter)  # the cmap is intact: the file reads as a font
    assert fs.covers("ქ")
    errors = check_coverage(letter, fs)
    assert [type(e) for e in errors] == [ResourceError]
    (error,) = errors
    assert error.where == str(path)
    message = str(error)
    assert message.startswith(f"{path}: the font's glyphs are damaged: U+10E5 GEORGIAN LETTER KHAR 'ქ' ({why}")
    # each printed Georgian letter is listed once; the space (an empty glyph by nature) is not
    letters = list(dict.fromkeys("ქართული"))
    assert [m.group(1) for m in re.finditer(r"U\+([0-9A-F]{4}) ", message)] == [f"{ord(c):04X}" for c in letters]
    # the intact test font passes the same check
    good = make_letter(tmp_path, signatories=sigs("Org", "ქართ ული"), fonts=(TEST_FONT,))
    assert check_coverage(good, FontSet.for_letter(good)) == []


# --- every printed text is checked ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["We write to you.\n", "Salt &amp; pepper.\n"])  # the body as typed, or parsed too
def test_only_the_printed_characters_of_a_damaged_user_font_are_decoded(tmp_path, body):
    """A damaged glyph the letter does not print is not held against the font: here its 'X' (which
    this letter never prints; the bundled fonts cover it anyway)."""

    def with_x(font):
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[ord("X")] = table.cmap[ord("ა")]

    source = font_variant(tmp_path / "src" / "WithX.ttf", with_x)
    path = _damaged(tmp_path, "Broken.ttf", lambda length: bytes(length), source=source)
    letter = make_letter(tmp_path, body=body, signatories=sigs("Org", "ბ"), fonts=(path,))
    fs = FontSet.for_letter(letter)
    errors = check_coverage(letter, fs)
    assert [(e.where, e.message) for e in errors] == [
        (str(path), "the font's glyphs are damaged: U+10D1 GEORGIAN LETTER BAN 'ბ' (it has no outline (it would "
                    "print as nothing))")
    ]


def test_a_signatorys_role_and_group_are_checked_as_well_as_the_name(tmp_path):
    letter = make_letter(
        tmp_path,
        signatories=(
            Signatory(name="Person One", role="Director, ა-Centre", line=2),
            Signatory(name="Organisation Two", group="ბ group", line=3),
        ),
    )
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [(e.where, e.message) for e in errors] == [
        (
            f"{tmp_path / 'signatories.csv'}:2, signatory 'Person One'",
            "no font in use has a glyph for U+10D0 GEORGIAN LETTER AN 'ა' in this signatory",
        ),
        (
            f"{tmp_path / 'signatories.csv'}:3, signatory 'Organisation Two'",
            "no font in use has a glyph for U+10D1 GEORGIAN LETTER BAN 'ბ' in this signatory",
        ),
    ]


def test_the_covers_channel_and_note_are_checked(tmp_path):
    letter = make_letter(tmp_path, cover=Cover(channel="By courier ა", note="Note ბ"))
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [(e.where, e.message) for e in errors] == [
        (
            f"{tmp_path / 'letter.md'}, field 'cover.channel'",
            "no font in use has a glyph for U+10D0 GEORGIAN LETTER AN 'ა' in the field 'cover.channel'",
        ),
        (
            f"{tmp_path / 'letter.md'}, field 'cover.note'",
            "no font in use has a glyph for U+10D1 GEORGIAN LETTER BAN 'ბ' in the field 'cover.note'",
        ),
    ]


def test_a_missing_glyph_in_a_localised_label_is_reported(tmp_path, monkeypatch):
    from letter_pdf import labels

    real = labels.all_strings("en")
    monkeypatch.setattr(labels, "all_strings", lambda lang: [*real, "Enclosures ა"])
    letter = make_letter(tmp_path)
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [(e.where, e.message) for e in errors] == [
        (
            f"{tmp_path / 'letter.md'}, field 'lang'",
            f"no font in use has a glyph for U+10D0 GEORGIAN LETTER AN 'ა' in the label #{len(real) + 1} in 'en' "
            "(Enclosures ა)",
        )
    ]


def test_characters_written_as_html_references_in_the_body_are_checked(tmp_path):
    body = "First line.\nA snowman &#x2603; and a tick &check;.\n\n`&#x2603;` in code prints as typed.\n"
    letter = make_letter(tmp_path, body=body)
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert [(e.where, e.message) for e in errors] == [
        (
            f"{tmp_path / 'letter.md'}:13",
            "no font in use has a glyph for U+2603 SNOWMAN '☃', U+2713 CHECK MARK '✓' in the letter's text",
        )
    ]
    assert fonts.char_sources(letter, "☃✓◦") == {
        "☃": f"{tmp_path / 'letter.md'}:13",
        "✓": f"{tmp_path / 'letter.md'}:13",
        "◦": None,
    }


def test_the_cli_refuses_a_damaged_user_font_with_exit_1_naming_the_file(make_letter, tmp_path, capsys):
    from conftest import run_main

    path = make_letter(front={"fonts": ["Broken.ttf"]}, rows=[{"name": "ქართ ული", "country": "GE"}])
    broken = _damaged(path.parent, "Broken.ttf", lambda length: bytes(length))
    code, out, err = run_main(["check", str(path)], capsys)
    assert code == 1
    damaged = [line for line in err.splitlines() if line.startswith("error:") and "glyphs are damaged" in line]
    assert damaged == [
        f"error: {broken}: the font's glyphs are damaged: "
        + ", ".join(f"{fonts.describe_char(c)} (it has no outline (it would print as nothing))" for c in "ქართული")
        + " — the font file is broken; download it again from its source, or use another font"
    ]
