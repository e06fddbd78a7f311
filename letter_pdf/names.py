"""Names of signatories: folding for comparison, and probable duplicates (shared by ``lint`` and ``compare``).

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

import functools
import re
import unicodedata
from dataclasses import dataclass

from letter_pdf import countries
from letter_pdf.model import Signatory
from letter_pdf.signatories import quote

NEIGHBOURS = 4  # each name is compared with this many next names in sorted order (for typos)

ZERO_WIDTH = {"\u200b": "ZERO WIDTH SPACE", "\u2060": "WORD JOINER", "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
              "\u00ad": "SOFT HYPHEN", "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK",
              "\u180e": "MONGOLIAN VOWEL SEPARATOR"}
JOINERS = {"\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER"}  # legitimate in some scripts
VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")  # print nothing: set aside in comparing
LEGAL_FORMS = {"ev", "e v", "ltd", "limited", "inc", "ry", "r y", "gmbh", "ggmbh", "ngo", "asbl", "vzw", "aisbl",
               "ong", "ano", "ано", "нко", "ооо", "ао", "ло", "ро", "rf", "sa", "ab", "as", "cic", "plc", "llc",
               "the", "la", "le", "les", "der", "die", "das", "de", "el", "of", "for", "and", "et", "und", "i"}
_STROKES = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ħ": "h", "ı": "i",
                          "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "þ": "th", "ð": "d"})


# --- people and organisations ------------------------------------------------------------------------

# Words that start a person's role in "Name, our Secretary General" (casefolded).
ROLE_WORDS = (
    "secretary", "director", "president", "chair", "chairperson", "chairman", "chairwoman", "coordinator",
    "founder", "co-founder", "ceo", "executive", "head", "member", "professor", "prof", "lawyer", "attorney",
    "journalist", "activist", "researcher", "human rights defender", "mp", "senator", "ambassador",
    "special rapporteur", "editor", "programme", "program", "manager", "officer", "advisor", "adviser",
    "representative", "spokesperson", "deputy", "vice", "general secretary", "secrétaire", "directeur",
    "directrice", "président", "présidente", "coordinateur", "coordinatrice", "fondateur", "fondatrice",
    "avocat", "avocate", "journaliste", "chercheur", "chercheuse", "militant", "militante", "директор",
    "председатель", "координатор", "президент", "основатель", "основательница", "член", "журналист",
    "журналистка", "адвокат", "правозащитник", "правозащитница", "исполнительный", "генеральный",
    "dyrektor", "dyrektorka", "prezes", "prezeska", "przewodniczący", "przewodnicząca", "koordynator",
    "koordynatorka", "pääsihteeri", "toiminnanjohtaja", "puheenjohtaja", "geschäftsführer",
    "geschäftsführerin", "vorsitzende", "vorsitzender", "direktor", "direktorin", "generalsekretär",
    "generalsekretärin", "secretario", "secretaria", "director general", "presidente", "coordinador",
    "coordinadora", "fundador", "fundadora",
)
# "our Secretary General": the possessive a role may start with
POSSESSIVE = re.compile(r"^(?:our|my|the|notre|nos|votre|наш|наша|нашего|nasz|nasza|unser|unsere|nuestro|nuestra)\s+", re.I)
# Words that make a name an organisation's
ORG_WORDS = re.compile(
    r"\b(?:foundation|committee|centre|center|council|association|society|union|network|institute|group|"
    r"fund|league|federation|coalition|alliance|movement|house|watch|international|project|trust|ltd|inc|"
    r"e\.v\.|ry|fundacja|stowarzyszenie|instytut|fondation|ligue|comité|centrum|stiftung|фонд|центр|"
    r"организация|ассоциация|союз|комитет)\b",
    re.I,
)


# --- name keys ----------------------------------------------------------------------------------------


def fold(name: str) -> str:
    """Case, accents, punctuation, spacing and Unicode normalisation set aside: ``"emmaus international"``."""
    text = unicodedata.normalize("NFKD", name.translate(_STROKES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch not in ZERO_WIDTH and ch not in JOINERS
                   and not VARIATION_SELECTORS.match(ch))
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
class Entry:
    signatory: Signatory
    where: str
    folded: str
    core: tuple[str, ...]  # sorted tokens without parentheses, legal forms, country words and acronyms
    lands: frozenset[str]  # declared countries + countries named in the name
    digits: str  # the numbers in the name ("Local Group 12" and "13" are different)
    acronym: str | None = None  # an acronym that is the initials of the rest of the name ("HRHF")
    without_acronym: str | None = None  # the folded name without that acronym


def entry(signatory: Signatory, where: str, lang: str = "en") -> Entry:
    # characters that print nothing do not split a word: 'Amn<U+FE0F>esty' is 'Amnesty'
    name = "".join(ch for ch in signatory.name if ch not in ZERO_WIDTH and not VARIATION_SELECTORS.match(ch))
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
    return Entry(signatory, where, folded, core, frozenset(lands), re.sub(r"\D", "", folded), acronym, rest)


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


def _compatible(a: Entry, b: Entry) -> bool:
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
    return why_duplicate(entry(a, ""), entry(b, ""))


def why_duplicate(a: Entry, b: Entry) -> str | None:
    for x, y in ((a, b), (b, a)):
        if x.acronym and x.without_acronym and x.without_acronym == y.folded:
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


def _marked_distinct(a: Entry, b: Entry) -> bool:
    """True when either entry's ``distinct-from`` names the other."""
    return (fold(b.signatory.name) in {fold(n) for n in a.signatory.distinct_from}
            or fold(a.signatory.name) in {fold(n) for n in b.signatory.distinct_from})


def candidate_pairs(entries: list[Entry]):
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


def duplicate_pairs(entries: list[Entry]) -> list[tuple[Entry, Entry, str]]:
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
        why = why_duplicate(a, b)
        if why and not _marked_distinct(a, b):
            pairs.append((a, b, why))
    pairs.sort(key=lambda p: (p[0].signatory.line or 0, p[1].signatory.line or 0))
    return pairs
