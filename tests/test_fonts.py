"""fonts.py: the font set (bundled + the letter's own), its CSS, and the glyph-coverage preflight.

No PDF is built here (see test_typeset.py): these assert on fontTools cmaps and on the errors.
"""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from pathlib import Path

import pytest

from letter_pdf import fonts
from letter_pdf.errors import FontCoverageError, Problems, ResourceError
from letter_pdf.fonts import FontSet, check_coverage
from letter_pdf.model import Letter, Party, Signatory, Signer

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_dejavu = pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu Sans (Debian fonts-dejavu-core) not installed")

# Names in the alphabets the bundled fonts must cover (issue 2).
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


def test_country_names_are_checked_in_the_letters_language(tmp_path):
    letter = make_letter(
        tmp_path, lang="ka", signatories=(Signatory(name="Human Rights Centre", countries=("GE",), line=2),)
    )
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert any("the name of the country GE in 'ka'" in str(e) and "GEORGIAN" in str(e) for e in errors), errors


@needs_dejavu
def test_a_user_font_from_the_fonts_key_makes_the_script_pass(tmp_path):
    shutil.copy(DEJAVU, tmp_path / "DejaVuSans.ttf")
    names = sigs("ქართული ასოციაცია", "Հայաստանի Հելսինկյան կոմիտե")
    bare = make_letter(tmp_path, signatories=names)
    assert len(check_coverage(bare, FontSet.for_letter(bare))) == 2
    letter = make_letter(tmp_path, signatories=names, fonts=(tmp_path / "DejaVuSans.ttf",))
    fs = FontSet.for_letter(letter)
    assert check_coverage(letter, fs) == []
    user = fs.faces[-1]
    assert user.path == tmp_path / "DejaVuSans.ttf" and (user.weight, user.style) == (400, "normal")
    assert user.family.startswith("DejaVu Sans ") and user.family != "DejaVu Sans"  # never an installed name
    assert fs.body_families == ("Noto Serif", user.family)
    assert fs.heading_families == ("Noto Sans", user.family)
    assert fs.covers("ა") and not FontSet.bundled().covers("ა")
    css = fs.css()
    assert css.count("@font-face") == 9
    assert f'src: url("{(tmp_path / "DejaVuSans.ttf").as_uri()}")' in css
    assert f'--body-font: "Noto Serif", "{user.family}";' in css


@needs_dejavu
def test_user_font_families_differ_by_file_contents(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(DEJAVU, a / "Font.ttf")
    shutil.copy(DEJAVU.with_name("DejaVuSans-Bold.ttf"), b / "Font.ttf")
    fa = FontSet.for_letter(make_letter(a, fonts=(a / "Font.ttf",))).faces[-1]
    fb = FontSet.for_letter(make_letter(b, fonts=(b / "Font.ttf",))).faces[-1]
    assert fb.weight == 700 and fa.family != fb.family


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
    letter = make_letter(tmp_path, lang="ka")
    errors = check_coverage(letter, FontSet.for_letter(letter))
    assert any("the date" in str(e) and "GEORGIAN" in str(e) for e in errors), errors
    assert check_coverage(make_letter(tmp_path, lang="uk"), FontSet.bundled()) == []
