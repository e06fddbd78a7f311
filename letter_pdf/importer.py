"""Turn a signatory list as people paste it into rows of the CSV format (``letter-pdf signatories import``).

Two kinds of input:

- a list: one entry per line, bulleted or numbered, or several entries on one line separated by bullets
  (``•``); a trailing ``(country)`` in any CLDR language becomes ISO codes (``(Pologne)``, ``(Northern
  Ireland, UK)``, ``(France/Switzerland)``), other parentheses (acronyms) stay in the name; a stray comma
  before the parenthesis is dropped; ``Name, our Secretary General`` is an individual with a role;
- a table (CSV or TSV) with a header in one of many languages (``Organisation``, ``Nom``, ``Название``,
  ``Pays``, ``Land``, ``Страна``...), mapped to the CSV's columns.

Everything it is not sure about is reported as a ``Note`` with the line number, never silently guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from letter_pdf import countries
from letter_pdf.errors import SignatoryError
from letter_pdf.model import Signatory
from letter_pdf.signatories import clean_name, parse_csv, parse_kind, read_text, sniff_delimiter


@dataclass(frozen=True)
class Note:
    line: int
    message: str
    check: bool = True  # False for information only (e.g. "split into 2 entries at the bullets")


@dataclass(frozen=True)
class ImportResult:
    signatories: tuple[Signatory, ...]
    notes: tuple[Note, ...] = ()
    mode: str = "list"  # "list" or "table"
    columns: dict[str, str] = field(default_factory=dict)  # table mode: our column -> the source's heading

    @property
    def with_country(self) -> int:
        return sum(1 for s in self.signatories if s.countries)

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for s in self.signatories for c in s.countries))


# --- table headings --------------------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "names", "organisation", "organization", "organisations", "organizations", "org", "ngo",
             "organisation name", "organization name", "name of organisation", "name of organization",
             "signatory", "signatories", "signatory name", "full name", "nom", "nom de l'organisation",
             "organisme", "signataire", "signataires", "название", "наименование", "организация",
             "название организации", "имя", "фио", "подписант", "назва", "організація", "nazwa", "organizacja",
             "nazwa organizacji", "sygnatariusz", "nimi", "järjestö", "organisaatio", "name der organisation",
             "unterzeichner", "nombre", "organización", "organizacion", "firmante", "nome", "organizzazione"),
    "country": ("country", "countries", "pays", "land", "länder", "страна", "страны", "країна", "kraj",
                "państwo", "maa", "país", "pais", "paese", "nation", "country/countries", "country code",
                "country of registration", "based in"),
    "kind": ("kind", "type", "тип", "typ", "tyyppi", "tipo", "signatory type", "entity"),
    "role": ("role", "title", "position", "function", "fonction", "rôle", "titre", "должность", "роль",
             "посада", "stanowisko", "funkcja", "tehtävä", "asema", "funktion", "cargo", "ruolo", "job title"),
    "group": ("group", "groupe", "gruppe", "группа", "група", "grupa", "ryhmä", "grupo", "gruppo", "section",
              "category", "catégorie", "категория", "kategoria"),
}
HEADINGS: dict[str, str] = {
    unicodedata.normalize("NFC", s).casefold(): column for column, words in _SYNONYMS.items() for s in words
}


def _heading_key(cell: str) -> str:
    text = unicodedata.normalize("NFC", cell.replace("\ufeff", "")).strip().strip(":*").strip()
    text = text.replace("’", "'").casefold()
    return re.sub(r"\s+", " ", text)


def map_headings(cells: list[str]) -> dict[int, str]:
    """Column index -> our column, for the headings we recognise (the first of each wins)."""
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        column = HEADINGS.get(_heading_key(cell))
        if column and column not in mapping.values():
            mapping[i] = column
    return mapping


# --- list entries ------------------------------------------------------------------------------------------

BULLETS = "•‣◦▪●■►➢◆◇○□✓✔–—*-·"
_LEADING_MARKER = re.compile(
    r"^\s*(?:[•‣◦▪●■►➢◆◇○□✓✔*·]|[-–—](?=\s)|\d{1,5}[.)](?=\s)|\(\d{1,5}\)(?=\s)|[a-zA-Z][.)](?=\s))\s*"
)
_INLINE_BULLET = re.compile(r"\s*[•‣◦▪●■►➢◆◇]\s*|\s+·\s+")
_TRAILING_PARENS = re.compile(r"^(?P<name>.*?)[\s,;:]*\((?P<inner>[^()]*)\)[\s,;.]*$", re.S)
_TRAILING_SEPARATED = re.compile(r"^(?P<name>.+?)\s*(?:,|\s[–—-])\s*(?P<inner>[^,–—()]+?)[\s.]*$", re.S)

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
_POSSESSIVE = re.compile(r"^(?:our|my|the|notre|nos|votre|наш|наша|нашего|nasz|nasza|unser|unsere|nuestro|nuestra)\s+", re.I)
_ORG_WORDS = re.compile(
    r"\b(?:foundation|committee|centre|center|council|association|society|union|network|institute|group|"
    r"fund|league|federation|coalition|alliance|movement|house|watch|international|project|trust|ltd|inc|"
    r"e\.v\.|ry|fundacja|stowarzyszenie|instytut|fondation|ligue|comité|centrum|stiftung|фонд|центр|"
    r"организация|ассоциация|союз|комитет)\b",
    re.I,
)


def _split_person(entry: str) -> tuple[str, str] | None:
    """``("Danny Sriskandarajah", "Secretary General")`` for ``"Danny Sriskandarajah, our Secretary
    General"``; ``None`` when the entry does not look like a person with a role."""
    if "," not in entry:
        return None
    name, role = (part.strip() for part in entry.split(",", 1))
    bare_role = _POSSESSIVE.sub("", role)
    first = bare_role.casefold()
    if not any(first == w or first.startswith(w + " ") or first.startswith(w + ",") for w in ROLE_WORDS):
        return None
    words = name.split()
    if not 2 <= len(words) <= 5 or _ORG_WORDS.search(name) or not all(w[:1].isupper() for w in words if w[0].isalpha()):
        return None
    return name, bare_role


def _countries_of(text: str, *, thorough: bool = True) -> tuple[str, ...] | None:
    """Codes when ``text`` is a country or a list of them (``France/Switzerland``), else ``None``."""
    text = text.strip()
    if not text or len(text) > 80:
        return None
    # an acronym like (ACAT) or (NJCM) is not a country; two-letter codes are only taken in upper case
    if len(text) == 2 and not text.isupper():
        return None
    return countries.try_resolve_many(text, thorough)


def parse_entry(entry: str, line: int, notes: list[Note], country_texts: list | None = None) -> Signatory | None:
    """One list entry -> a ``Signatory`` (or ``None`` for an empty one)."""
    text = clean_name(entry)
    text = text.strip(" ,;").strip()
    if not text:
        return None
    codes: tuple[str, ...] = ()
    match = _TRAILING_PARENS.match(text)
    if match:
        found = _countries_of(match["inner"])
        if found:
            text, codes = match["name"].strip().rstrip(",;:").strip(), found
            if country_texts is not None:
                country_texts.extend((line, part) for part in re.split(r"\s*[/;,]\s*", match["inner"]) if part)
        else:
            near = _near_country(match["inner"])
            if near:
                notes.append(Note(line, f"kept '({match['inner'].strip()})' in the name of '{match['name'].strip()}': "
                                        f"not a country I know (did you mean {near}?)"))
    if not codes and not match:
        separated = _TRAILING_SEPARATED.match(text)
        if separated and len(separated["name"].split()) >= 1:
            found = _countries_of(separated["inner"])
            if found and not _split_person(text):
                text, codes = separated["name"].strip(), found
                notes.append(Note(line, f"took '{separated['inner'].strip()}' after the separator as the country "
                                        f"of '{text}': check it"))
    person = _split_person(text)
    if person:
        name, role = person
        notes.append(Note(line, f"'{name}' looks like an individual with the role '{role}': check the role "
                                "(say whose, e.g. 'Secretary General, CIVICUS')"))
        return Signatory(name=name, countries=codes, kind="individual", role=role, line=line)
    if any(ch in text for ch in "()") and text.count("(") != text.count(")"):
        notes.append(Note(line, f"unbalanced parentheses in '{text}'"))
    return Signatory(name=text, countries=codes, line=line)


def _near_country(text: str) -> str | None:
    text = text.strip()
    if not text or text.isupper() or len(text.split()) > 3 or not text[:1].isupper():
        return None
    return countries.closest(text)


_INDIVIDUAL_HEADINGS = re.compile(
    r"^(?:individual|individuals|individual signatories|persons|people|personnes|particuliers|"
    r"частные лица|физические лица|приватні особи|osoby prywatne|osoby|yksityishenkilöt|einzelpersonen|"
    r"personas|pessoas)$", re.I)
_ORGANISATION_HEADINGS = re.compile(
    r"^(?:organisations?|organizations?|organisational signatories|organizational signatories|ngos|ong|"
    r"организации|організації|organizacje|järjestöt|organisationen|organizaciones|organizações)$", re.I)
_LIST_TITLES = re.compile(r"^(?:signatories|signed|list of signatories|signataires|подписанты|sygnatariusze|"
                          r"allekirjoittajat|unterzeichner|firmantes|the undersigned)$", re.I)


def _heading(line: str) -> str | None:
    """The heading in a line such as ``Individuals:`` or ``Organisations from Poland:`` (short, ends with
    a colon, no bullet), else ``None``."""
    if not line.endswith(":") or _LEADING_MARKER.match(line) or len(line.split()) > 6:
        return None
    return line[:-1].strip() or None


def parse_list(text: str) -> ImportResult:
    notes: list[Note] = []
    country_texts: list[tuple[int, str]] = []
    result: list[Signatory] = []
    group: str | None = None
    people = False
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line:
            continue
        heading = _heading(line)
        if heading is not None:
            people = _INDIVIDUAL_HEADINGS.match(heading) is not None
            group = None if people or _ORGANISATION_HEADINGS.match(heading) or _LIST_TITLES.match(heading) else heading
            notes.append(Note(number, f"took '{line}' as a heading"
                              + (": the entries after it are individuals" if people
                                 else f": the entries after it are in the group '{group}'" if group
                                 else ", not a signatory"), check=False))
            continue
        line = _LEADING_MARKER.sub("", line, count=1)
        parts = [p for p in _INLINE_BULLET.split(line) if p.strip()]
        if len(parts) > 1:
            notes.append(Note(number, f"split into {len(parts)} entries at the bullets", check=False))
        for part in parts:
            signatory = parse_entry(part, number, notes, country_texts)
            if signatory is not None:
                if people and signatory.kind != "individual":
                    name, _, role = signatory.name.partition(",")
                    signatory = Signatory(name=name.strip(), countries=signatory.countries, kind="individual",
                                          role=role.strip() or None, line=number)
                if group:
                    signatory = Signatory(name=signatory.name, countries=signatory.countries, kind=signatory.kind,
                                          role=signatory.role, group=group, line=number)
                result.append(signatory)
    note = _language_note(country_texts)
    if note:
        notes.append(note)
    return ImportResult(signatories=tuple(result), notes=tuple(notes), mode="list")


def parse_table(text: str, *, where: str) -> ImportResult | None:
    """Table mode when the first line has a delimiter and headings we recognise; else ``None``."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = sniff_delimiter(first)
    if delimiter not in first:
        return None
    _, records = parse_csv(text, where=where, delimiter=delimiter)
    header_line, header = records[0]
    mapping = map_headings(header)
    if not mapping:
        return None
    if "name" not in mapping.values():
        raise SignatoryError(
            f"no column with the names (the headings are: {', '.join(h.strip() for h in header if h.strip())})",
            where=f"{where}:{header_line}",
            hint="rename the column with the names to 'name' (or 'Organisation', 'Nom', 'Название'...)")
    notes: list[Note] = []
    ignored = [h.strip() for i, h in enumerate(header) if i not in mapping and h.strip()]
    if ignored:
        notes.append(Note(header_line, f"ignored the column(s) {', '.join(ignored)}", check=False))
    result: list[Signatory] = []
    index = {column: i for i, column in mapping.items()}
    for line, cells in records[1:]:
        def cell(column: str) -> str:
            i = index.get(column)
            return cells[i] if i is not None and i < len(cells) else ""

        name = clean_name(cell("name"))
        if not name:
            notes.append(Note(line, "skipped a row without a name"))
            continue
        codes: tuple[str, ...] = ()
        if cell("country").strip():
            found = _countries_of(cell("country"))
            if found is None:
                near = countries.closest(cell("country"))
                notes.append(Note(line, f"unknown country '{cell('country').strip()}' for '{name}' (left empty"
                                        + (f"; did you mean {near}?)" if near else ")")))
            else:
                codes = found
        kind = parse_kind(cell("kind"))
        if kind is None:
            notes.append(Note(line, f"unknown kind '{cell('kind').strip()}' for '{name}' (taken as organisation)"))
            kind = "organisation"
        role = clean_name(cell("role")) or None
        if role and "kind" not in index:
            kind = "individual"
            notes.append(Note(line, f"'{name}' has a role ('{role}'): taken as an individual"))
        group = clean_name(cell("group")) or None
        result.append(Signatory(name=name, countries=codes, kind=kind, role=role, group=group, line=line))  # type: ignore[arg-type]
    columns = {column: header[i].strip() for i, column in mapping.items()}
    return ImportResult(signatories=tuple(result), notes=tuple(notes), mode="table", columns=columns)


def import_text(text: str, *, where: str = "input") -> ImportResult:
    """Import pasted text (a list or a table)."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    if not text.strip():
        raise SignatoryError("the input is empty", where=where, hint="paste the list of signatories into the file")
    result = parse_table(text, where=where) or parse_list(text)
    if not result.signatories:
        raise SignatoryError("no signatories found in the input", where=where,
                             hint="put one signatory per line (bullets and numbers are fine)")
    return result


def import_file(path: Path) -> ImportResult:
    """Import a pasted list or a table from ``path`` (decoded like a signatory file); a YAML signatory
    list is read as such."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        from letter_pdf.signatories import load_signatories

        return ImportResult(signatories=load_signatories(path), mode="YAML list")
    text, _encoding = read_text(path)
    return import_text(text, where=path.name)


def _language_note(found: list[tuple[int, str]]) -> Note | None:
    """An information note when the source's country names are written in several languages."""
    named = [(line, text, countries.languages_of(text)) for line, text in found]
    named = [(line, text, langs) for line, text, langs in named if langs]
    if not named or frozenset.intersection(*(langs for _, _, langs in named)):
        return None
    tally: dict[str, int] = {}
    for _, _, langs in named:
        for lang in langs:
            tally[lang] = tally.get(lang, 0) + 1
    from babel import Locale

    main = max(tally, key=lambda k: (tally[k], k == "en"))
    others = sorted({text for _, text, langs in named if main not in langs})
    return Note(named[0][0], f"the country names are in several languages (mostly {Locale.parse(main).english_name}; "
                             f"also {', '.join(others[:6])}{' ...' if len(others) > 6 else ''}): all stored as ISO codes",
                check=False)
