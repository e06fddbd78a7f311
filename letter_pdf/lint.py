"""Checks of a signatory list (``letter-pdf signatories lint`` and ``letter-pdf check``), and safe fixes.

Errors stop a build (exact duplicates, rows that do not load); warnings do not (probable duplicates,
bullets or two entries in one name, invisible characters, country names in several languages).
Nothing is changed silently: ``fix_file`` returns the fixed rows and one line per change, and the CLI
writes them to a new file.

Probable duplicates are names that are the same once case, accents, punctuation, Unicode normalisation,
legal forms (``e.V.``, ``Ltd``), acronyms (``HRHF``, ``(RSF)``) and country words (``Kenya``) are set aside,
or that differ by a typo or two; two entries from different countries are not taken for duplicates
(national sections share names: ``Amnesty International`` in France and in Belgium), except when one name
is the other plus its acronym (``Human Rights House Foundation HRHF`` in Switzerland and ``Human Rights
House Foundation`` in Norway: one organisation listed twice). A ``distinct-from`` column silences a pair
known to be different. The comparison is near-linear: names are compared within blocks of equal keys and
with their neighbours in sorted order, never all pairs.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from letter_pdf import countries, importer
from letter_pdf.errors import LetterPdfError, Problems, SignatoryError
from letter_pdf.model import Signatory
from letter_pdf.signatories import (
    BIDI_CONTROLS, COLUMNS, YAML_SUFFIXES, load_signatories, quote, read_table, read_text, row_signatory,
)

NEIGHBOURS = 4  # each name is compared with this many next names in sorted order (for typos)


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

ZERO_WIDTH = {"\u200b": "ZERO WIDTH SPACE", "\u2060": "WORD JOINER", "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
              "\u00ad": "SOFT HYPHEN", "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK",
              "\u180e": "MONGOLIAN VOWEL SEPARATOR"}
JOINERS = {"\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER"}  # legitimate in some scripts
BULLET_CHARS = "•‣◦▪●■►➢◆◇"
LEGAL_FORMS = {"ev", "e v", "ltd", "limited", "inc", "ry", "r y", "gmbh", "ggmbh", "ngo", "asbl", "vzw", "aisbl",
               "ong", "ano", "ано", "нко", "ооо", "ао", "ло", "ро", "rf", "sa", "ab", "as", "cic", "plc", "llc",
               "the", "la", "le", "les", "der", "die", "das", "de", "el", "of", "for", "and", "et", "und", "i"}
_STROKES = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ħ": "h", "ı": "i",
                          "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "þ": "th", "ð": "d"})


# --- name keys ----------------------------------------------------------------------------------------


def fold(name: str) -> str:
    """Case, accents, punctuation, spacing and Unicode normalisation set aside: ``"emmaus international"``."""
    text = unicodedata.normalize("NFKD", name.translate(_STROKES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch not in ZERO_WIDTH and ch not in JOINERS)
    text = text.casefold().replace("ё", "е")
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


_PARENS = re.compile(r"\([^()]*\)")
_ACRONYM = re.compile(r"^[A-ZÀ-ÖØ-ÞА-ЯЁ&]{2,9}$")


@functools.lru_cache(maxsize=65536)
def _fold_token(token: str) -> str:
    return fold(token)


@functools.lru_cache(maxsize=65536)
def _token_country(folded: str, lang: str = "en") -> str | None:
    """The country a single word names (``kenya`` -> ``KE``), or ``None``; two- and three-letter words
    are not taken (they are acronyms more often than codes)."""
    if len(folded) < 4:
        return None
    return countries.quick_lookup(folded, lang)


@functools.lru_cache(maxsize=4096)
def _quick_countries(text: str, lang: str = "en") -> tuple[str, ...] | None:
    """Codes of ``(France/Switzerland)``-like text in a name (quick languages only), else ``None``."""
    codes = []
    for part in re.split(r"\s*[/;]\s*", text.strip()):
        if not part:
            continue
        code = countries.quick_lookup(part, lang) or (
            (part if part in countries.CODES else countries.ALIASES.get(part.casefold())) if part.isupper() else None)
        if code is None and "," in part:
            code = next((c for p in reversed(part.split(",")) if (c := countries.quick_lookup(p, lang))), None)
        if code is None:
            return None
        codes.append(code)
    return tuple(dict.fromkeys(codes)) or None


@dataclass(frozen=True)
class _Entry:
    signatory: Signatory
    where: str
    folded: str
    core: tuple[str, ...]  # sorted tokens without parentheses, legal forms, country words and acronyms
    lands: frozenset[str]  # declared countries + countries named in the name
    digits: str  # the numbers in the name ("Local Group 12" and "13" are different)
    acronym: str | None = None  # an acronym that is the initials of the rest of the name ("HRHF")
    without_acronym: str | None = None  # the folded name without that acronym


def _entry(signatory: Signatory, where: str, lang: str = "en") -> _Entry:
    name = signatory.name
    lands = set(signatory.countries)
    for inner in re.findall(r"\(([^()]*)\)", name):
        found = _quick_countries(inner, lang)
        if found:
            lands.update(found)
    bare = _PARENS.sub(" ", name)
    tokens = [(t, _fold_token(t)) for t in re.split(r"[^\w&]+", bare) if t]
    words = [(t, f) for t, f in tokens if f and f not in LEGAL_FORMS and len(f) > 1]
    in_name = {code for _, f in words if (code := _token_country(f, lang))}
    lands.update(in_name)
    words = [(t, f) for t, f in words if _token_country(f, lang) is None]
    plain = [(t, f) for t, f in words if not _ACRONYM.match(t)]
    core = tuple(sorted(f for _, f in (plain or words)))
    folded = " ".join(f for f in (_fold_token(t) for t in re.split(r"\W+", name)) if f)
    acronym, rest = _own_acronym(name)
    return _Entry(signatory, where, folded, core, frozenset(lands), re.sub(r"\D", "", folded), acronym, rest)


def _initials(words: list[str]) -> set[str]:
    """The initials of ``words``: of all of them, without legal forms and small words, of the capitalised ones."""
    folded = [(w, _fold_token(w)) for w in words if _fold_token(w)]
    return {"".join(f[0] for _, f in chosen) for chosen in (
        folded, [(w, f) for w, f in folded if f not in LEGAL_FORMS], [(w, f) for w, f in folded if w[:1].isupper()],
    ) if len(chosen) >= 2}


_HAS_ACRONYM = re.compile(r"(?:^|[\s(])[A-ZÀ-ÖØ-ÞА-ЯЁ&]{2,9}[.,;:–-]*(?:$|[\s)])")


def _own_acronym(name: str) -> tuple[str | None, str | None]:
    """``("HRHF", "human rights house foundation")`` when the name's first or last word, or a word in
    parentheses, is an acronym made of the initials of the rest; else ``(None, None)``."""
    if not _HAS_ACRONYM.search(name):
        return None, None
    tokens = list(re.finditer(r"\(\s*([^()\s]+)\s*\)|[^\s()]+", name))
    if len(tokens) < 3:
        return None, None
    for k in {0, len(tokens) - 1} | {i for i, t in enumerate(tokens) if t[1]}:
        token = tokens[k]
        word = (token[1] or token[0]).strip(".,;:–-")
        if not _ACRONYM.match(word):
            continue
        rest = name[:token.start()] + " " + name[token.end():]
        words = [w for w in re.split(r"[^\w]+", rest) if w]
        if fold(word) in _initials(words):
            return word, fold(rest)
    return None, None


def _compatible(a: _Entry, b: _Entry) -> bool:
    return not a.lands or not b.lands or a.lands == b.lands


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning ``limit + 1``) once it exceeds ``limit``. Only the band
    of ``limit`` cells either side of the diagonal is computed, after the common ends are set aside."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start:len(a) - end], b[start:len(b) - end]
    if not a or not b:
        return max(len(a), len(b))
    over = limit + 1
    previous = {j: j for j in range(0, min(len(b), limit) + 1)}
    for i in range(1, len(a) + 1):
        current = {}
        for j in range(max(0, i - limit), min(len(b), i + limit) + 1):
            if j == 0:
                current[0] = i
                continue
            current[j] = min(previous.get(j, over) + 1, current.get(j - 1, over) + 1,
                             previous.get(j - 1, over) + (a[i - 1] != b[j - 1]))
        if min(current.values()) > limit:
            return over
        previous = current
    return min(previous.get(len(b), over), over)


def probable_duplicate(a: Signatory, b: Signatory) -> str | None:
    """Why ``a`` and ``b`` are probably the same signatory, or ``None``."""
    return _why(_entry(a, ""), _entry(b, ""))


def _why(a: _Entry, b: _Entry) -> str | None:
    for x, y in ((a, b), (b, a)):
        if x.without_acronym and x.without_acronym == y.folded:
            return f"the same name with and without the acronym '{quote(x.acronym)}'" + (
                "" if _compatible(a, b) else " (in different countries: one organisation listed twice?)")
    if a.digits != b.digits or not _compatible(a, b):
        return None  # different countries, or different numbers ("Local Group 12" and "13")
    if a.folded == b.folded:
        return "the same name apart from case, accents, punctuation or spacing"
    if a.core == b.core and (len(a.core) >= 2 or (a.core and len(a.core[0]) >= 5)):
        return "the same name apart from an acronym, a legal form or a country word"
    limit = 1 if len(a.folded) < 12 else 2
    if min(len(a.folded), len(b.folded)) >= 8 and _distance(a.folded, b.folded, limit) <= limit:
        return "a name that differs by a letter or two (a typo?)"
    return None


def _marked_distinct(a: _Entry, b: _Entry) -> bool:
    """True when either entry's ``distinct-from`` names the other."""
    return (fold(b.signatory.name) in {fold(n) for n in a.signatory.distinct_from}
            or fold(a.signatory.name) in {fold(n) for n in b.signatory.distinct_from})


def candidate_pairs(entries: list[_Entry]):
    """Index pairs ``(i, j)``, ``i < j``, worth comparing; O(n log n) of them, never all pairs:

    - the same folded name, or the same core words: each entry against the first earlier entry of its
      block with the same numbers and the same countries (or, for an entry without a country, any);
    - a name and the same name with its acronym (countries aside);
    - each name against its next ``NEIGHBOURS`` in the sorted names and in the sorted reversed names (a
      typo leaves either the start or the end of a name in place).
    """
    for key in (lambda e: e.folded, lambda e: e.core):
        firsts: dict[tuple, int] = {}
        for j, e in enumerate(entries):
            k = key(e)
            if not k:
                continue
            choices = [(k, e.digits, e.lands), (k, e.digits, frozenset())] if e.lands else [(k, e.digits, None)]
            i = next((firsts[c] for c in choices if c in firsts), None)
            if i is not None:
                yield i, j
            firsts.setdefault((k, e.digits, e.lands), j)
            firsts.setdefault((k, e.digits, None), j)
    by_folded: dict[str, int] = {}
    by_rest: dict[str, int] = {}
    for j, e in enumerate(entries):
        for index, k in ((by_folded, e.without_acronym), (by_rest, e.folded)):
            i = index.get(k) if k else None
            if i is not None:
                yield i, j
        by_folded.setdefault(e.folded, j)
        if e.without_acronym:
            by_rest.setdefault(e.without_acronym, j)
    for key in (lambda i: entries[i].folded, lambda i: entries[i].folded[::-1]):
        order = sorted(range(len(entries)), key=key)
        for x, i in enumerate(order):
            for j in order[x + 1:x + 1 + NEIGHBOURS]:
                yield min(i, j), max(i, j)


def duplicate_pairs(entries: list[_Entry]) -> list[tuple[_Entry, _Entry, str]]:
    """Pairs of probable duplicates, each once (near-linear: see ``candidate_pairs``)."""
    seen: set[tuple[int, int]] = set()
    pairs = []
    for i, j in candidate_pairs(entries):
        if (i, j) in seen or i == j:
            continue
        seen.add((i, j))
        a, b = entries[i], entries[j]
        if a.signatory.name == b.signatory.name and a.signatory.countries == b.signatory.countries:
            continue  # exact duplicates are reported separately
        why = _why(a, b)
        if why and not _marked_distinct(a, b):
            pairs.append((a, b, why))
    pairs.sort(key=lambda p: (p[0].signatory.line or 0, p[1].signatory.line or 0))
    return pairs


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
    entries = [_entry(s, _where(where, s), lang) for s in signatories if id(s) in firsts]
    for a, b, why in duplicate_pairs(entries):
        findings.append(Finding(
            "warning", "probable-duplicate", b.where,
            f"'{quote(b.signatory.name)}' may be the same as '{quote(a.signatory.name)}' ({unit} {a.signatory.line}): "
            f"{why}",
            f"keep one of them; if they are different signatories, write '{quote(a.signatory.name)}' in the "
            f"distinct-from column of {unit} {b.signatory.line}" if b.signatory.line else
            "keep one of them, or mark them with distinct-from if they are different signatories"))
    marked = [s for s in signatories if s.distinct_from]
    names = {fold(s.name) for s in signatories} if marked else set()
    for s in marked:
        for other in s.distinct_from:
            if fold(other) not in names:
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
    first = importer._POSSESSIVE.sub("", role).casefold()
    if not any(first == w or first.startswith(w + " ") for w in importer.ROLE_WORDS if w not in _NOT_POSTS):
        return True  # not a title we know ("Journalist and writer"): nothing to say
    return bool(_WHOSE.search(role) or importer._ORG_WORDS.search(role))


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
    hidden = sorted({ZERO_WIDTH.get(ch) or JOINERS.get(ch) for ch in name if ch in ZERO_WIDTH or ch in JOINERS})
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


_SUSPECT = re.compile(
    "[" + re.escape(BULLET_CHARS + "".join(ZERO_WIDTH) + "".join(JOINERS) + "".join(BIDI_CONTROLS)) + "()]"
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
        here = f"{where}:{row.line}"
        raw = row.cells.get("name", "")
        if raw != raw.strip(" \t") and raw.strip():
            findings.append(Finding("warning", "spaces", here, f"the name '{quote(raw.strip())}' has spaces around it",
                                    "'lint --fix' trims them"))
        if not unicodedata.is_normalized("NFC", raw):
            findings.append(Finding("warning", "normalisation", here,
                                    f"the name '{quote(raw.strip())}' is not in Unicode NFC (accents stored as separate marks)",
                                    "it is normalised when printed; 'lint --fix' writes it normalised"))
        signatory = row_signatory(row, table=table, where=where, problems=problems)
        if signatory is not None:
            loaded.append(signatory)
    findings.extend(_from_error(p) for p in problems)
    findings.extend(lint(loaded, lang=lang, where=where))
    findings.extend(_mixed_languages([(r.line, r.cells.get("country", "")) for r in table.rows
                                      if r.cells.get("country", "").strip()], where, lang))
    findings.sort(key=lambda f: (_line_of(f.where), f.severity != "error"))
    return Report(tuple(findings), tuple(loaded))


def _from_error(error: LetterPdfError) -> Finding:
    return Finding("error", "row", error.where or "", error.message, error.hint)


# --- fixes --------------------------------------------------------------------------------------------


def fix_name(name: str) -> str:
    """The safe fixes of one name: NFC, invisible characters and bidi overrides removed, spaces trimmed
    and made single (joiners are kept)."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text
                   if ch not in ZERO_WIDTH and ch not in BIDI_CONTROLS)
    text = re.sub(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    return text.strip()


def fix_file(path: Path) -> tuple[str, list[str]]:
    """``(fixed CSV text, changes)``: names fixed, merged entries split, countries as ISO codes.
    Rows that cannot be fixed safely (an unknown country) are written as they are."""
    path = Path(path)
    where = str(path)  # as the user gave it: messages name files as typed
    if path.suffix.lower() in YAML_SUFFIXES:
        records = [{"name": s.name, "country": "/".join(s.countries), "kind": s.kind, "role": s.role or "",
                    "group": s.group or "", "distinct-from": "; ".join(s.distinct_from), "line": s.line}
                   for s in load_signatories(path)]
        header = list(COLUMNS)
    else:
        text, encoding = read_text(path)
        table = read_table(text, where=where, encoding=encoding)
        header = [c for c in table.header if c]
        records = [{**{c: row.cells.get(c, "") for c in header}, "line": row.line} for row in table.rows]
    if "country" not in header:
        header.insert(1, "country")
    changes: list[str] = []
    out: list[dict[str, str]] = []
    for record in records:
        line = record.pop("line")
        here = f"{where}:{line}"
        name = record.get("name", "")
        fixed = fix_name(name)
        if fixed != name:
            changes.append(f"{here}: name {name!r} -> {fixed!r}")
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


def _split_merged(name: str, line: int) -> list[Signatory]:
    merged = importer.merged_entries(name)
    if merged is None:
        return [Signatory(name=name, line=line)]
    return [Signatory(name=entry, countries=codes, line=line) for entry, codes in merged.entries]


# --- the letter's own list (``letter-pdf check`` and ``build``) ---------------------------------------------


def letter_findings(letter) -> list[Finding]:
    """Findings on a loaded letter's signatories: the file's checks when they come from a file (so that
    mixed-language country names are seen too), else the checks of the inline list."""
    if letter.signatories_path is not None and Path(letter.signatories_path).is_file():
        return list(lint_file(letter.signatories_path, lang=letter.lang).findings)
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
