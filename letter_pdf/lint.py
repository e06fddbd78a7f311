"""Checks of a signatory list (``letter-pdf signatories lint`` and ``letter-pdf check``), and safe fixes.

Errors stop a build (exact duplicates, rows that do not load); warnings do not (probable duplicates,
bullets or two entries in one name, invisible characters, country names in several languages).
Nothing is changed silently: ``fix_file`` returns the fixed rows and one line per change, and the CLI
writes them to a new file.

Probable duplicates are found by ``names`` (the same rules as ``signatories diff``).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from letter_pdf import countries, importer, names
from letter_pdf.errors import LetterPdfError, Problems, SignatoryError
from letter_pdf.model import Signatory
from letter_pdf.signatories import (
    BIDI_CONTROLS,
    COLUMNS,
    YAML_SUFFIXES,
    load_signatories,
    quote,
    read_table,
    read_text,
    row_signatory,
)


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    code: str  # duplicate, probable-duplicate, bullet, two-entries, invisible, spaces, row, mixed-languages
    where: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.where}: {self.severity}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    def as_error(self) -> SignatoryError:
        return SignatoryError(self.message, where=self.where, hint=self.hint)


log = logging.getLogger("letter_pdf")

BULLET_CHARS = "•‣◦▪●■►➢◆◇"


# --- checks -------------------------------------------------------------------------------------------


def _where(base: str, signatory: Signatory) -> str:
    if not signatory.line:
        return base
    # an inline list in the front matter is numbered by item, a file by line
    return f"{base}, item {signatory.line}" if ", field " in base else f"{base}:{signatory.line}"


def _looks_like_two(name: str, lang: str = "en") -> str | None:
    """A reason when ``name`` is several entries run together: exactly the names ``--fix`` splits
    (both ask ``importer.merged_entries``, on the name as ``--fix`` cleans it)."""
    merged = importer.merged_entries(fix_name(name))
    return merged.reason if merged else None


def lint(signatories, *, lang: str = "en", where: str = "signatories") -> list[Finding]:
    """Check loaded signatories: duplicates, bullets, two entries in one, invisible characters, spacing."""
    findings: list[Finding] = []
    signatories = tuple(signatories)
    unit = "item" if ", field " in where else "line"
    by_name: dict[tuple, list[Signatory]] = defaultdict(list)
    for s in signatories:
        by_name[(s.name, frozenset(s.countries))].append(s)
        here = _where(where, s)
        findings.extend(_name_findings(s.name, here, lang, s.countries))
        findings.extend(_field_findings(s, here))
    for (name, _codes), same in by_name.items():
        if len(same) > 1:
            lines = ", ".join(str(s.line) for s in same if s.line)
            for s in same[1:]:
                findings.append(Finding("error", "duplicate", _where(where, s),
                                        f"'{quote(name)}' is listed more than once" + (f" ({unit}s {lines})" if lines else ""),
                                        "delete the extra rows"))
    firsts = {id(same[0]) for same in by_name.values()}
    entries = [names.entry(s, _where(where, s), lang) for s in signatories if id(s) in firsts]
    for a, b, why in names.duplicate_pairs(entries):
        findings.append(Finding(
            "warning", "probable-duplicate", b.where,
            f"'{quote(b.signatory.name)}' may be the same as '{quote(a.signatory.name)}' ({unit} {a.signatory.line}): "
            f"{why}",
            f"keep one of them; if they are different signatories, write '{quote(a.signatory.name)}' in the "
            f"distinct-from column of {unit} {b.signatory.line}" if b.signatory.line else
            "keep one of them, or mark them with distinct-from if they are different signatories"))
    marked = [s for s in signatories if s.distinct_from]
    listed = {names.fold(s.name) for s in signatories} if marked else set()
    for s in marked:
        for other in s.distinct_from:
            if names.fold(other) not in listed:
                findings.append(Finding("warning", "distinct-from", _where(where, s),
                                        f"distinct-from '{quote(other)}' names no signatory of the list",
                                        "copy the other entry's name exactly as it is written in its row"))
    findings.sort(key=lambda f: (_line_of(f.where), f.severity != "error"))
    return findings


_TAGS = re.compile("[\U000e0000-\U000e007f]")


def _field_findings(s: Signatory, here: str) -> list[Finding]:
    """Printed fields with a replacement character or invisible tag characters; an individual's role that
    does not say whose it is."""
    findings = []
    for field in ("name", "role", "group"):
        text = getattr(s, field) or ""
        if "\ufffd" in text:
            findings.append(Finding("warning", "replacement", here,
                                    f"the {field} '{quote(text)}' contains U+FFFD REPLACEMENT CHARACTER '\ufffd': a "
                                    "character was lost when the list was converted or copied",
                                    f"retype the {field} from the original"))
        if _TAGS.search(text):
            findings.append(Finding("warning", "invisible", here,
                                    f"the {field} '{quote(text)}' contains invisible Unicode TAG characters "
                                    "(U+E0000–U+E007F), which can hide text",
                                    f"retype the {field} without them"))
    if s.kind == "individual" and s.role and not _says_whose(s.role):
        findings.append(Finding("warning", "role", here,
                                f"the role '{quote(s.role)}' of '{quote(s.name)}' does not say of which organisation",
                                f"write it as the list format has it, e.g. '{quote(s.role)}, CIVICUS' (title, comma, "
                                "organisation) in the role column"))
    return findings


_WHOSE = re.compile(r",|\(|\b(?:of|at|for|in|de|du|des|der|des|di|del|della|w|в|z)\b|\b[A-ZА-Я]{2,}\b")


# Words of the importer's role list that describe a person, not a post in an organisation.
_NOT_POSTS = frozenset({
    "journalist", "activist", "lawyer", "attorney", "researcher", "human rights defender", "professor", "prof", "mp",
    "senator", "ambassador", "special rapporteur", "advisor", "adviser", "avocat", "avocate", "journaliste",
    "chercheur", "chercheuse", "militant", "militante", "журналист", "журналистка", "адвокат", "правозащитник",
    "правозащитница",
})


def _says_whose(role: str) -> bool:
    """True unless ``role`` is a bare title ("Secretary General", "Director") with no organisation."""
    first = names.POSSESSIVE.sub("", role).casefold()
    if not any(first == w or first.startswith(w + " ") for w in names.ROLE_WORDS if w not in _NOT_POSTS):
        return True  # not a title we know ("Journalist and writer"): nothing to say
    return bool(_WHOSE.search(role) or names.ORG_WORDS.search(role))


def _line_of(where: str) -> int:
    match = re.search(r":(\d+)$", where)
    return int(match[1]) if match else 0


def _name_findings(name: str, here: str, lang: str = "en", codes: tuple[str, ...] = ()) -> list[Finding]:
    findings: list[Finding] = []
    bullets = [ch for ch in name if ch in BULLET_CHARS]
    if (reason := _looks_like_two(name, lang)) is not None:
        findings.append(Finding("warning", "bullet" if bullets else "two-entries", here, f"'{quote(name)}' looks like {reason}",
                                "split them by hand: the row's country would apply to which?" if codes
                                else "'lint --fix' splits them"))
    elif bullets:
        findings.append(Finding("warning", "bullet", here, f"the name '{quote(name)}' contains a bullet '{bullets[0]}'",
                                "delete it if it is not part of the name"))
    if not _SUSPECT.search(name):
        return findings
    invisible = {**names.ZERO_WIDTH, **names.JOINERS}
    hidden = sorted({invisible[ch] for ch in name if ch in invisible}
                    | {f"{unicodedata.name(name[i])} (U+{ord(name[i]):04X})" for i in stray_selectors(name)})
    if hidden:
        findings.append(Finding("warning", "invisible", here,
                                f"'{quote(name)}' contains invisible characters: {', '.join(hidden)}",
                                "'lint --fix' removes them (joiners are kept: they matter in some scripts)"))
    bidi = [ch for ch in name if ch in BIDI_CONTROLS]
    if bidi:
        findings.append(Finding("error", "invisible", here,
                                f"'{quote(name)}' contains a bidirectional override U+{ord(bidi[0]):04X}",
                                "it can reorder what is printed; 'lint --fix' removes it"))
    if name[:1] in ("=", "+", "@"):
        findings.append(Finding("warning", "formula", here,
                                f"the name '{quote(name)}' starts with '{name[0]}': a spreadsheet opening the list may run it "
                                "as a formula", "check where it came from; it is printed as written"))
    if name != name.strip() or "\u00a0" in name[:1] + name[-1:]:
        findings.append(Finding("warning", "spaces", here, f"the name '{quote(name)}' starts or ends with a (no-break) space",
                                "'lint --fix' trims it"))
    elif re.search(r"\s{2,}|[\u00a0\u2000-\u200a\u202f\u205f\u3000]", name):
        findings.append(Finding("warning", "spaces", here, f"the name '{quote(name)}' has double or unusual spaces",
                                "'lint --fix' makes them single spaces"))
    return findings


def stray_selectors(name: str) -> list[int]:
    """Where ``name`` has a variation selector (U+FE00–FE0F, U+E0100–E01EF) that selects nothing: after a
    letter of an alphabet (Latin, Cyrillic, Greek), a digit, a space or another selector. They print nothing,
    so 'Amn<U+FE0F>esty' looks like 'Amnesty'; after a symbol (an emoji) or an ideograph they choose its form."""
    return [i for i, ch in enumerate(name) if names.VARIATION_SELECTORS.match(ch)
            and (i == 0 or unicodedata.category(name[i - 1]) not in ("So", "Sm", "Lo"))]


_SUSPECT = re.compile(
    "[" + re.escape(BULLET_CHARS + "".join(names.ZERO_WIDTH) + "".join(names.JOINERS) + "".join(BIDI_CONTROLS)) + "()]"
    + "|" + names.VARIATION_SELECTORS.pattern
    + r"|^\s|\s$|\s{2,}|[\u00a0\u2000-\u200a\u202f\u205f\u3000]|^[=+@]"
)


def _mixed_languages(cells: list[tuple[int, str]], where: str, lang: str = "en") -> list[Finding]:
    """One warning when the country names of the source are not all in one language."""
    named = []
    for line, cell in cells:
        for part in re.split(r"\s*[/;]\s*", cell.strip()):
            langs = countries.languages_of(part, lang) if part else frozenset()
            if langs:
                named.append((line, part, langs))
    if not named:
        return []
    common = frozenset.intersection(*(langs for _, _, langs in named))
    if common:
        return []
    tally: dict[str, int] = defaultdict(int)
    for _, _, langs in named:
        for lang in langs:
            tally[lang] += 1
    main = max(tally, key=lambda k: (tally[k], k == "en"))
    others = [(line, part) for line, part, langs in named if main not in langs]
    shown = ", ".join(f"'{quote(part)}' (line {line})" for line, part in others[:5]) + (" ..." if len(others) > 5 else "")
    from babel import Locale

    return [Finding(
        "warning", "mixed-languages", where,
        f"country names are in several languages: most are in {Locale.parse(main).english_name}, but not {shown}",
        "the letter prints every country in its own language anyway; 'lint --fix' writes ISO codes")]


# --- files --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    signatories: tuple[Signatory, ...]  # the rows that loaded

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


def lint_file(path: Path, *, lang: str = "en") -> Report:
    """Every check on a signatory file: rows that do not load are errors; then ``lint`` on the rest,
    and whether the source's country names mix languages."""
    path = Path(path)
    where = str(path)  # as the user gave it: messages name files as typed
    if path.suffix.lower() in YAML_SUFFIXES:
        try:
            sigs = load_signatories(path)
        except Problems as many:
            return Report(tuple(_from_error(p) for p in many.problems), ())
        return Report(tuple(lint(sigs, lang=lang, where=where)), sigs)
    text, encoding = read_text(path)
    table = read_table(text, where=where, encoding=encoding)
    findings: list[Finding] = []
    problems: list[LetterPdfError] = []
    loaded: list[Signatory] = []
    for row in table.rows:
        findings.extend(_cell_findings(row.cells.get("name", ""), f"{where}:{row.line}"))
        signatory = row_signatory(row, table=table, where=where, problems=problems)
        if signatory is not None:
            loaded.append(signatory)
    findings.extend(_from_error(p) for p in problems)
    findings.extend(lint(loaded, lang=lang, where=where))
    findings.extend(_mixed_languages([(r.line, r.cells.get("country", "")) for r in table.rows
                                      if r.cells.get("country", "").strip()], where, lang))
    findings.sort(key=lambda f: (_line_of(f.where), f.severity != "error"))
    return Report(tuple(findings), tuple(loaded))


def lint_loaded(signatories, *, lang: str = "en", where: str) -> list[Finding]:
    """The checks of ``lint_file`` on a list already loaded from the file ``where`` (as a build has it),
    without reading the file again: ``lint``, and for CSV rows their cells as written (``Signatory.written``):
    spaces around a name, a name not in NFC, country names in several languages."""
    signatories = tuple(signatories)
    rows = [(s.line, s.written) for s in signatories if s.written is not None]
    findings = [f for line, cells in rows for f in _cell_findings(cells.name, f"{where}:{line}")]
    findings.extend(lint(signatories, lang=lang, where=where))
    findings.extend(_mixed_languages([(line or 0, cells.country) for line, cells in rows if cells.country.strip()],
                                     where, lang))
    findings.sort(key=lambda f: (_line_of(f.where), f.severity != "error"))
    return findings


def _cell_findings(raw: str, here: str) -> list[Finding]:
    """A name cell as written: spaces around it, or not in NFC (the loaded name is trimmed and NFC)."""
    findings = []
    if raw != raw.strip(" \t") and raw.strip():
        findings.append(Finding("warning", "spaces", here, f"the name '{quote(raw.strip())}' has spaces around it",
                                "'lint --fix' trims them"))
    if not unicodedata.is_normalized("NFC", raw):
        findings.append(Finding("warning", "normalisation", here,
                                f"the name '{quote(raw.strip())}' is not in Unicode NFC (accents stored as separate marks)",
                                "it is normalised when printed; 'lint --fix' writes it normalised"))
    return findings


def _from_error(error: LetterPdfError) -> Finding:
    return Finding("error", "row", error.where or "", error.message, error.hint)


# --- fixes --------------------------------------------------------------------------------------------


def fix_name(name: str) -> str:
    """The safe fixes of one name: NFC, invisible characters and bidi overrides removed, spaces trimmed
    and made single (joiners are kept)."""
    text = unicodedata.normalize("NFC", name)
    stray = set(stray_selectors(text))
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for i, ch in enumerate(text)
                   if ch not in names.ZERO_WIDTH and ch not in BIDI_CONTROLS and i not in stray)
    text = re.sub(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    return text.strip()


def fix_file(path: Path) -> tuple[str, list[str]]:
    """``(fixed CSV text, changes)``: names fixed, merged entries split, countries as ISO codes.
    Rows that cannot be fixed safely (an unknown country) are written as they are."""
    path = Path(path)
    where = str(path)  # as the user gave it: messages name files as typed
    if path.suffix.lower() in YAML_SUFFIXES:
        records = [(s.line, {"name": s.name, "country": "/".join(s.countries), "kind": s.kind, "role": s.role or "",
                    "group": s.group or "", "distinct-from": "; ".join(s.distinct_from)})
                   for s in load_signatories(path)]
        header = list(COLUMNS)
    else:
        text, encoding = read_text(path)
        table = read_table(text, where=where, encoding=encoding)
        header = [c for c in table.header if c]
        records = [(row.line, {c: row.cells.get(c, "") for c in header}) for row in table.rows]
    if "country" not in header:
        header.insert(1, "country")
    changes: list[str] = []
    out: list[dict[str, str]] = []
    for line, record in records:
        here = f"{where}:{line}"
        name = record.get("name", "")
        fixed = fix_name(name)
        if fixed != name:
            changes.append(f"{here}: name '{quote(name)}' -> '{quote(fixed)}'")
        country = record.get("country", "")
        if country.strip():
            try:
                codes = "/".join(countries.resolve_many(country))
                if codes != country:
                    changes.append(f"{here}: country '{quote(country)}' -> '{codes}'")
                country = codes
            except LetterPdfError:
                pass
        pieces = _split_merged(fixed, line)
        if len(pieces) > 1 and not country.strip():
            changes.append(f"{here}: split '{quote(fixed)}' into {len(pieces)} rows: "
                           + "; ".join(f"'{quote(p.name)}'" + (f" ({'/'.join(p.countries)})" if p.countries else "") for p in pieces))
            for piece in pieces:
                out.append({**record, "name": piece.name, "country": "/".join(piece.countries)})
            continue
        out.append({**record, "name": fixed, "country": country})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(out)
    return buffer.getvalue(), changes


def _split_merged(name: str, line: int | None) -> list[Signatory]:
    merged = importer.merged_entries(name)
    if merged is None:
        return [Signatory(name=name, line=line)]
    return [Signatory(name=entry, countries=codes, line=line) for entry, codes in merged.entries]


# --- the letter's own list (``letter-pdf check`` and ``build``) ---------------------------------------------


def letter_findings(letter) -> list[Finding]:
    """Findings on a loaded letter's signatories: the file's checks when they come from a file (so that
    mixed-language country names are seen too), on the rows as loaded (the file is not read again), else
    the checks of the inline list."""
    if letter.signatories_path is not None:
        return lint_loaded(letter.signatories, lang=letter.lang, where=str(letter.signatories_path))
    return lint(letter.signatories, lang=letter.lang, where=f"{letter.source}, field 'signatories'")


def letter_problems(letter) -> list[SignatoryError]:
    """The errors among ``letter_findings`` as ``SignatoryError`` (they stop a build); warnings are logged."""
    errors = []
    for finding in letter_findings(letter):
        if finding.severity == "error":
            errors.append(finding.as_error())
        else:
            log.warning("%s", finding.as_error())  # "WARNING: file:line: message — hint"
    return errors
