"""The font set of a letter (bundled Noto fonts + the letter's own), its ``@font-face`` CSS, and the
glyph-coverage preflight that stops a missing glyph before it reaches the PDF.

Coverage is read from each font's Unicode cmap with fontTools (cached per file). ``typeset.py`` makes
WeasyPrint use these fonts and nothing else; this module knows nothing of WeasyPrint.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from letter_pdf import assets, labels
from letter_pdf.errors import FontCoverageError, LetterPdfError, Problems, ResourceError
from letter_pdf.model import Letter

BODY_FAMILY = "Noto Serif"
HEADING_FAMILY = "Noto Sans"
_STYLES = (("Regular", 400, "normal"), ("Italic", 400, "italic"), ("Bold", 700, "normal"), ("BoldItalic", 700, "italic"))
_FS_TYPE_RESTRICTED = 0x0002  # OS/2 fsType: "Restricted License embedding", the font must not be embedded
# Tables of colour glyphs (layered, bitmap, SVG): WeasyPrint draws them at the bitmap's own size or
# not at all, and PDF/A has no place for them. Only outline fonts are accepted.
_COLOUR_TABLES = ("COLR", "CPAL", "CBDT", "CBLC", "sbix", "SVG ")
_OUTLINE_TABLES = ("glyf", "CFF ", "CFF2")
_MAX_SVG_TEXT = 5 * 1024 * 1024  # bytes of an SVG image read to find the characters it draws


@dataclass(frozen=True)
class FontFace:
    """One font file, registered under the CSS ``family`` with its ``weight`` and ``style``."""

    family: str
    path: Path
    weight: int
    style: str  # 'normal' | 'italic'


@dataclass(frozen=True)
class FontSet:
    """The fonts a letter is typeset with: the bundled families first, then the letter's own fonts."""

    faces: tuple[FontFace, ...]
    body_families: tuple[str, ...]  # CSS family names: bundled serif first, then user fonts (fallbacks)
    heading_families: tuple[str, ...]  # bundled sans first, then user fonts

    @classmethod
    def bundled(cls) -> FontSet:
        """The bundled Noto Serif (body) and Noto Sans (headings), four styles each."""
        return _bundled_set()

    @classmethod
    def for_letter(cls, letter: Letter) -> FontSet:
        """Bundled fonts plus ``letter.fonts`` (files inside the letter's folder, checked by ``letter.py``).

        A file that cannot be read or is not a usable font raises ``ResourceError``.
        """
        base = _bundled_set()
        if not letter.fonts:
            return base
        user = _user_faces(letter.fonts, letter.folder)
        extra = tuple(dict.fromkeys(face.family for face in user))
        return cls(
            faces=base.faces + user,
            body_families=base.body_families + extra,
            heading_families=base.heading_families + extra,
        )

    @property
    def families(self) -> tuple[str, ...]:
        """Every CSS family name of the set (the names fonts carry inside the PDF)."""
        return tuple(dict.fromkeys(face.family for face in self.faces))

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(face.path for face in self.faces)

    def css(self) -> str:
        """``@font-face`` rules (``file:`` URLs) and ``:root`` variables ``--body-font``, ``--heading-font``."""
        rules = [
            "@font-face {"
            f" font-family: {_css_string(face.family)};"
            f" src: url({_css_string(face.path.resolve().as_uri())});"
            f" font-weight: {face.weight};"
            f" font-style: {face.style};"
            " }"
            for face in self.faces
        ]
        body = ", ".join(_css_string(f) for f in self.body_families)
        heading = ", ".join(_css_string(f) for f in self.heading_families)
        rules.append(f":root {{ --body-font: {body}; --heading-font: {heading}; }}")
        return "\n".join(rules) + "\n"

    @cached_property
    def codepoints(self) -> frozenset[int]:
        """Every code point some face of the set has a glyph for."""
        return frozenset().union(*(_cmap(face.path) for face in self.faces))

    def covers(self, char: str) -> bool:
        """Whether some font of the set has a glyph for ``char`` (one character)."""
        return ord(char) in self.codepoints


@lru_cache(maxsize=1)
def _bundled_set() -> FontSet:
    folder = assets.fonts_dir()
    faces = []
    for family in (BODY_FAMILY, HEADING_FAMILY):
        stem = family.replace(" ", "")
        for suffix, weight, style in _STYLES:
            faces.append(FontFace(family, folder / f"{stem}-{suffix}.ttf", weight, style))
    return FontSet(faces=tuple(faces), body_families=(BODY_FAMILY,), heading_families=(HEADING_FAMILY,))


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


# --- reading font files -------------------------------------------------------------------------


@dataclass(frozen=True)
class _FontInfo:
    family: str  # the font's own family name, ASCII-cleaned
    weight: int
    style: str
    digest: str  # SHA-256 of the file
    codepoints: frozenset[int]


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = os.stat(path)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _cmap(path: Path) -> frozenset[int]:
    return _font_info(path).codepoints


def _font_info(path: Path) -> _FontInfo:
    try:
        key = _file_key(Path(path))
    except OSError as exc:
        raise ResourceError(
            f"cannot read the font file ({exc.strerror})", where=path, hint="check the path in the 'fonts:' key"
        ) from exc
    return _read_font(key)


@lru_cache(maxsize=64)
def _read_font(key: tuple[str, int, int]) -> _FontInfo:
    from fontTools.ttLib import TTFont, TTLibError

    path = Path(key[0])
    hint = "give a TrueType or OpenType font file (.ttf or .otf), e.g. an OFL font from fonts.google.com/noto"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResourceError(f"cannot read the font file ({exc.strerror})", where=path, hint=hint) from exc
    if data[:4] == b"ttcf":
        raise ResourceError(
            "this is a font collection (.ttc), not a single font", where=path, hint="use the single .ttf/.otf files"
        )
    if data[:4] == b"wOF2":
        raise ResourceError("WOFF2 fonts are not supported", where=path, hint="use the .ttf or .otf version of it")
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        cmap = font.getBestCmap()
        os2 = font["OS/2"] if "OS/2" in font else None
        head = font["head"]
        name = font["name"].getBestFamilyName() if "name" in font else None
    except (TTLibError, KeyError, AssertionError, ValueError, OSError, EOFError, IndexError, TypeError) as exc:
        raise ResourceError(f"not a usable font file ({exc})", where=path, hint=hint) from exc
    if not cmap:
        raise ResourceError("the font has no Unicode character map", where=path, hint=hint)
    colour = [tag.strip() for tag in _COLOUR_TABLES if tag in font]
    if colour:
        raise ResourceError(
            f"colour (emoji) fonts are not supported: the font has colour glyph tables ({', '.join(colour)}), "
            "which would print at the wrong size or not at all",
            where=path,
            hint="use a font with plain outlines only, e.g. Noto Emoji (OFL) instead of Noto Color Emoji",
        )
    if not any(tag in font for tag in _OUTLINE_TABLES):
        raise ResourceError(
            "the font has no glyph outlines (glyf or CFF table), only bitmaps or nothing", where=path, hint=hint
        )
    if os2 is not None and (os2.fsType & 0x000F) == _FS_TYPE_RESTRICTED:
        raise ResourceError(
            "the font's licence forbids embedding it in a PDF (OS/2 fsType 'restricted')",
            where=path,
            hint="use a font whose licence allows embedding, such as an OFL Noto font",
        )
    weight = os2.usWeightClass if os2 is not None else 400
    weight = min(900, max(100, round(weight / 100) * 100))
    italic = bool(os2 is not None and os2.fsSelection & 0x01) or bool(head.macStyle & 0x02)
    family = re.sub(r"[^A-Za-z0-9 ]+", " ", name or "").strip()
    family = " ".join(family.split()) or "User Font"
    return _FontInfo(
        family=family,
        weight=weight,
        style="italic" if italic else "normal",
        digest=hashlib.sha256(data).hexdigest(),
        codepoints=frozenset(cmap),
    )


def _user_faces(paths: Iterable[Path], folder: Path) -> tuple[FontFace, ...]:
    """Group the letter's fonts by their own family name under a CSS family unique to their contents.

    The CSS family carries a hash of the files, so that two letters with different fonts of the same name
    never share a family (WeasyPrint caches fonts by family), and no installed font can stand in for them.
    """
    infos: list[tuple[Path, _FontInfo]] = []
    problems: list[LetterPdfError] = []
    for path in paths:
        full = path if path.is_absolute() else folder / path
        try:
            infos.append((full, _font_info(full)))
        except ResourceError as exc:
            problems.append(exc)
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)
    groups: dict[str, list[tuple[Path, _FontInfo]]] = {}
    for full, info in infos:
        groups.setdefault(info.family, []).append((full, info))
    faces: list[FontFace] = []
    for name, members in groups.items():
        group_hash = hashlib.sha256("".join(info.digest for _, info in members).encode()).hexdigest()[:8]
        seen: set[tuple[int, str]] = set()
        for full, info in members:
            slot = (info.weight, info.style)
            family = f"{name} {group_hash}" if slot not in seen else f"{name} {info.digest[:8]}"
            seen.add(slot)
            faces.append(FontFace(family, full, info.weight, info.style))
    return tuple(dict.fromkeys(faces))


# --- glyph outlines of the letter's own fonts ------------------------------------------------------

_GLYPH_LOCK = threading.Lock()  # fontTools decodes tables lazily: one check at a time per process
_MAX_EXTENT = 10  # a glyph reaching further than 10 em from its origin is garbage, not a letter


@lru_cache(maxsize=8)
def _glyph_source(key: tuple[str, int, int]):
    """(glyph set, cmap, units per em) of the font file ``key``, decoded lazily."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(Path(key[0]).read_bytes()), lazy=True)
    return font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm


def _needs_no_outline(char: str) -> bool:
    """Spaces and invisible (zero-width, format) characters may map to an empty glyph."""
    return char.isspace() or _ignorable(char) or unicodedata.category(char) in ("Zs", "Cf")


@lru_cache(maxsize=65536)
def _glyph_fault(key: tuple[str, int, int], codepoint: int) -> str | None:
    """Why the glyph ``font`` maps ``codepoint`` to cannot print it (``None`` when it can)."""
    from fontTools.pens.boundsPen import BoundsPen

    glyphs, cmap, upem = _glyph_source(key)
    name = cmap.get(codepoint)
    if name is None:
        return None  # not this font's character
    try:
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
    except Exception as exc:  # noqa: BLE001  any failure to decode the outline means the glyph is unusable
        return f"its outline cannot be read ({type(exc).__name__})"
    bounds = pen.bounds
    if bounds is None or (bounds[2] <= bounds[0] and bounds[3] <= bounds[1]):
        return "it has no outline (it would print as nothing)"
    if max(abs(v) for v in bounds) > _MAX_EXTENT * upem:
        return "its outline is far outside the character's box"
    return None


def unusable_glyphs(font_set: FontSet, chars: Iterable[str]) -> list[ResourceError]:
    """One error per font of the letter's own (not the bundled ones) whose glyph for some character of
    ``chars`` does not decode or has no outline, naming the file and the characters; spaces and
    zero-width characters are exempt."""
    bundled = set(_bundled_set().paths)
    wanted = [c for c in dict.fromkeys(chars) if not _needs_no_outline(c)]
    errors: list[ResourceError] = []
    for path in dict.fromkeys(font_set.paths):
        if path in bundled:
            continue
        key = _file_key(path)
        with _GLYPH_LOCK:
            faults = {c: fault for c in wanted if (fault := _glyph_fault(key, ord(c)))}
        if faults:
            listed = ", ".join(f"{describe_char(c)} ({why})" for c, why in faults.items())
            errors.append(
                ResourceError(
                    f"the font's glyphs are damaged: {listed}",
                    where=path,
                    hint="the font file is broken; download it again from its source, or use another font",
                )
            )
    return errors


# --- coverage preflight -------------------------------------------------------------------------

# Default-ignorable code points: drawn as nothing, so they need no glyph (Unicode DerivedCoreProperties).
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip

# Noto families to suggest for scripts the bundled fonts lack (first word of the character's name).
_SUGGEST = {
    "CJK": "Noto Sans CJK or Noto Serif CJK",
    "HIRAGANA": "Noto Sans CJK JP",
    "KATAKANA": "Noto Sans CJK JP",
    "HANGUL": "Noto Sans CJK KR",
    "ARABIC": "Noto Naskh Arabic",
    "TIBETAN": "Noto Serif Tibetan",
    "EMOJI": "Noto Emoji",
}


def _ignorable(char: str) -> bool:
    if char.isspace() or unicodedata.category(char) == "Cc":  # the line and paragraph separators are spaces
        return True
    cp = ord(char)
    return any(lo <= cp <= hi for lo, hi in _IGNORABLE_RANGES)


def describe_char(char: str) -> str:
    """``U+10D0 GEORGIAN LETTER AN 'ა'``."""
    name = unicodedata.name(char, None) or f"<{unicodedata.category(char)}>"
    shown = f" '{char}'" if unicodedata.category(char)[0] not in "CZ" else ""
    return f"U+{ord(char):04X} {name}{shown}"


def _suggestion(chars: Iterable[str]) -> str:
    names = []
    for char in chars:
        word = (unicodedata.name(char, "") or "").split(" ")[0].split("-")[0]
        if not word or word in ("LATIN", "COMBINING", "MODIFIER", "SMALL", "CAPITAL", "LETTER"):
            continue
        if unicodedata.category(char)[0] == "S" and word not in _SUGGEST:  # symbols, arrows, dingbats
            names.append("Noto Sans Symbols 2")
            continue
        names.append(_SUGGEST.get(word, f"Noto Sans {word.title()}"))
    unique = list(dict.fromkeys(names))
    return f"; for this script e.g. {' / '.join(unique[:3])} (OFL)" if unique else ""


def uncovered(text: str | None, font_set: FontSet) -> list[str]:
    """The distinct characters of ``text`` no font of the set covers, in order of appearance."""
    if not text:
        return []
    codepoints = font_set.codepoints
    missing: dict[str, None] = {}
    for char in text:
        if ord(char) not in codepoints and char not in missing and not _ignorable(char):
            missing[char] = None
    return list(missing)


def _error(chars: list[str], where: str, what: str) -> FontCoverageError:
    listed = ", ".join(describe_char(c) for c in chars)
    return FontCoverageError(
        f"no font in use has a glyph for {listed} in {what}",
        where=where,
        hint=(
            f"add a font covering {'them' if len(chars) > 1 else 'it'} to the letter's 'fonts:' key "
            f"(font files in the letter's folder{_suggestion(chars)}), or correct the text"
        ),
    )


def _letter_fields(letter: Letter) -> Iterator[tuple[str, str | None]]:
    """(field name, text) of every field the letter prints, except the body and the signatories."""
    yield "title", letter.title
    yield "subject", letter.subject
    yield "place", letter.place
    for key in ("sender", "recipient"):
        party = getattr(letter, key)
        if party is None:
            continue
        yield f"{key}.name", party.name
        for i, line in enumerate(party.address, 1):
            yield f"{key}.address[{i}]", line
        for i, line in enumerate(party.contact, 1):
            yield f"{key}.contact[{i}]", line
    yield "opening", letter.opening
    yield "closing", letter.closing
    yield "reference", letter.reference
    yield "their_reference", letter.their_reference
    for i, signer in enumerate(letter.signers, 1):
        yield f"signers[{i}].name", signer.name
        yield f"signers[{i}].role", signer.role
        yield f"signers[{i}].organisation", signer.organisation
    for i, line in enumerate(letter.cc, 1):
        yield f"cc[{i}]", line
    for i, annex in enumerate(letter.enclosures, 1):
        yield f"enclosures[{i}]", annex.title
    yield "cover.channel", letter.cover.channel
    yield "cover.note", letter.cover.note


def _label_strings(lang: str) -> Iterator[tuple[str, str]]:
    yield from ((f"#{i}", text) for i, text in enumerate(labels.all_strings(lang), 1))


def _date_strings(letter: Letter) -> Iterator[str]:
    """The date as printed (``labels.date_text``)."""
    try:
        yield labels.date_text(letter.date, letter.lang)
    except Exception:  # an unknown locale is letter.py's and labels.py's to report, not ours
        return


def _body_text(body: str) -> str:
    """The body's text as printed: Markdown parsed as ``body.py`` does, so that character references
    (``&#x2603;``, ``&check;``) count as the characters they print."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.enable(["table", "strikethrough"])
    parts: list[str] = []
    for token in md.parse(body):
        if token.type in ("code_block", "fence"):
            parts.append(token.content)
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            for grandchild in child.children or ():  # an image's description
                if grandchild.type in ("text", "code_inline"):
                    parts.append(grandchild.content)
    return "\n".join(parts)


def _body_line(letter: Letter, char: str) -> int:
    """The line of the letter file where ``char`` first appears in the body, typed or as a reference."""
    if char in letter.body:
        return letter.body_line + letter.body.count("\n", 0, letter.body.index(char))
    for number, line in enumerate(letter.body.split("\n")):
        if "&" in line and char in html.unescape(line):
            return letter.body_line + number
    return letter.body_line


def _image_text(path: Path | None) -> str:
    """The text an SVG image may draw (its characters need glyphs too); nothing for other images."""
    if path is None or Path(path).suffix.lower() != ".svg":
        return ""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_SVG_TEXT)
    except OSError:
        return ""
    text = re.sub(rb"<[^>]*>", b" ", data).decode("utf-8", "replace")
    return html.unescape(text)


def char_sources(letter: Letter, chars: Iterable[str]) -> dict[str, str | None]:
    """Where each of ``chars`` comes from in the letter's own files: ``letter.md:14`` (the body, typed or
    as a character reference), ``letter.md, field 'title'``, ``signatories.csv:7``, ``logo.svg`` (each file
    by the path the letter holds; ``build`` and ``check`` write it as the user typed it);
    ``None`` for a character none of them has (it comes from a template, its labels or its stylesheet)."""
    chars = list(dict.fromkeys(chars))
    found: dict[str, str] = {}
    source = letter.source

    def scan(text: str | None, where) -> None:
        if not text:
            return
        for char in chars:
            if char not in found and char in text:
                found[char] = where() if callable(where) else where

    for field, text in _letter_fields(letter):
        scan(text, LetterPdfError.location(source, field=field))
    printed_body = _body_text(letter.body) if "&" in letter.body else letter.body
    for char in chars:
        if char not in found and (char in letter.body or char in printed_body):
            found[char] = LetterPdfError.location(source, _body_line(letter, char))
    sig_file = letter.signatories_path or source
    for sig in letter.signatories:
        for text in (sig.name, sig.role, sig.group):
            scan(text, LetterPdfError.location(sig_file, sig.line))
    images = [("logo", letter.logo)] + [(f"signers[{i}].signature", s.signature) for i, s in enumerate(letter.signers, 1)]
    for _field, path in images:
        if path is not None:
            scan(_image_text(path), str(path))  # build and check write it as the user typed it
    return {char: found.get(char) for char in chars}


def check_coverage(letter: Letter, font_set: FontSet) -> list[LetterPdfError]:
    """Every character the letter prints that no font of ``font_set`` covers: one error per field,
    signatory, country or label, listing all its uncovered characters with their code points.

    Then every glyph the letter's own fonts would draw is decoded: a font whose glyph for a printed
    character is damaged or empty is refused (a ``ResourceError`` naming the file)."""
    errors: list[LetterPdfError] = []
    source = letter.source
    printed: list[str] = []

    def missing(text: str | None) -> list[str]:
        if text:
            printed.append(text)
        return uncovered(text, font_set)

    for field, text in _letter_fields(letter):
        if chars := missing(text):
            errors.append(_error(chars, LetterPdfError.location(source, field=field), f"the field '{field}'"))

    body = letter.body + ("\n" + _body_text(letter.body) if "&" in letter.body else "")
    if chars := missing(body):
        line = min(_body_line(letter, c) for c in chars)
        errors.append(_error(chars, LetterPdfError.location(source, line), "the letter's text"))

    dates = [c for text in _date_strings(letter) for c in missing(text)]
    if dates:
        errors.append(
            _error(list(dict.fromkeys(dates)), LetterPdfError.location(source, field="lang"), "the date")
        )

    sig_file = letter.signatories_path or source
    for sig in letter.signatories:
        chars = []
        for text in (sig.name, sig.role, sig.group):
            chars.extend(c for c in missing(text) if c not in chars)
        if chars:
            where = f"{LetterPdfError.location(sig_file, sig.line)}, signatory '{sig.name}'"
            errors.append(_error(chars, where, "this signatory"))

    codes = list(dict.fromkeys(code for sig in letter.signatories for code in sig.countries))
    if codes:
        from letter_pdf.countries import display_name

        for code in codes:
            name = display_name(code, letter.lang)
            if chars := missing(name):
                where = LetterPdfError.location(sig_file, field="country")
                errors.append(_error(chars, where, f"the name of the country {code} in '{letter.lang}' ({name})"))

    for key, text in _label_strings(letter.lang):
        if chars := missing(text):
            where = LetterPdfError.location(source, field="lang")
            errors.append(_error(chars, where, f"the label {key} in '{letter.lang}' ({text})"))

    errors.extend(unusable_glyphs(font_set, "".join(printed)))
    return errors
