"""Localised fixed strings of the letter ("Page 1 of 3", "Signatories", "Enclosures", ...).

Every label exists in English; other languages fall back to English key by key, so a half-translated
language still prints a complete letter. ``lang`` is a BCP 47 tag: ``de-AT`` finds ``de``.
"""

from __future__ import annotations

import datetime as dt
import string

from babel.dates import format_date

from letter_pdf import counts, i18n

# Placeholders are str.format fields; ``page_of`` must keep both {page} and {pages} (the stylesheet turns
# them into page counters).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "page_of": "Page {page} of {pages}",
        "signatories": "Signatories",
        "continued": "continued",  # after a group heading repeated at the top of a page
        "enclosures": "Enclosures",
        "cc": "cc",
        "our_ref": "Our ref.",
        "your_ref": "Your ref.",
        "subject": "Subject",
        "date": "Date",
        "signature_of": "Signature of {name}",
        "logo_of": "Logo of {name}",
        "to": "To",
        "from": "From",
        "delivery": "Delivery",
        "our_reference": "Our reference",
        "your_reference": "Your reference",
        "copy_to": "Copy to",
        "pages_abbr": "p.",
        "sent_separately": "sent separately",
        "cover": "Cover",
        "letter": "Letter",
        "enclosure": "Enclosure",
        "digitally_signed": "Digitally signed by {name}, {time}",
        "signature_alt": "Digital signature of {name}",
        "find_attached": "Please find attached our letter “{subject}”.",  # the cover note of an e-mail (mail.note_text)
    },
    "fr": {
        "page_of": "Page {page} sur {pages}",
        "signatories": "Signataires",
        "continued": "suite",
        "enclosures": "Pièces jointes",
        "cc": "Copie à",
        "our_ref": "Notre réf.",
        "your_ref": "Votre réf.",
        "subject": "Objet",
        "date": "Date",
        "signature_of": "Signature de {name}",
        "logo_of": "Logo de {name}",
        "to": "Destinataire",
        "from": "Expéditeur",
        "delivery": "Envoi",
        "our_reference": "Notre référence",
        "your_reference": "Votre référence",
        "copy_to": "Copie à",
        "pages_abbr": "p.",
        "sent_separately": "envoyée séparément",
        "cover": "Page de garde",
        "letter": "Lettre",
        "enclosure": "Annexe",
        "digitally_signed": "Signé électroniquement par {name}, {time}",
        "signature_alt": "Signature électronique de {name}",
        "find_attached": "Veuillez trouver ci-joint notre lettre «\u00a0{subject}\u00a0».",
    },
    "de": {
        "page_of": "Seite {page} von {pages}",
        "signatories": "Unterzeichnende",
        "continued": "Fortsetzung",
        "enclosures": "Anlagen",
        "cc": "Kopie an",
        "our_ref": "Unser Zeichen",
        "your_ref": "Ihr Zeichen",
        "subject": "Betreff",
        "date": "Datum",
        "signature_of": "Unterschrift von {name}",
        "logo_of": "Logo von {name}",
        "to": "An",
        "from": "Von",
        "delivery": "Zustellung",
        "our_reference": "Unser Zeichen",
        "your_reference": "Ihr Zeichen",
        "copy_to": "Kopie an",
        "pages_abbr": "S.",
        "sent_separately": "separat versandt",
        "cover": "Deckblatt",
        "letter": "Brief",
        "enclosure": "Anlage",
        "digitally_signed": "Digital signiert von {name}, {time}",
        "signature_alt": "Digitale Signatur von {name}",
        "find_attached": "Anbei erhalten Sie unser Schreiben „{subject}“.",
    },
    "es": {
        "page_of": "Página {page} de {pages}",
        "signatories": "Firmantes",
        "continued": "continuación",
        "enclosures": "Anexos",
        "cc": "c. c.",
        "our_ref": "N/ref.",
        "your_ref": "S/ref.",
        "subject": "Asunto",
        "date": "Fecha",
        "signature_of": "Firma de {name}",
        "logo_of": "Logotipo de {name}",
        "to": "Destinatario",
        "from": "Remitente",
        "delivery": "Envío",
        "our_reference": "Nuestra referencia",
        "your_reference": "Su referencia",
        "copy_to": "Copia a",
        "pages_abbr": "p.",
        "sent_separately": "enviado por separado",
        "cover": "Portada",
        "letter": "Carta",
        "enclosure": "Anexo",
        "digitally_signed": "Firmado digitalmente por {name}, {time}",
        "signature_alt": "Firma digital de {name}",
        "find_attached": "Adjuntamos nuestra carta «{subject}».",
    },
    "pl": {
        "page_of": "Strona {page} z {pages}",
        "signatories": "Sygnatariusze",
        "continued": "ciąg dalszy",
        "enclosures": "Załączniki",
        "cc": "Do wiadomości",
        "our_ref": "Nasz znak",
        "your_ref": "Wasz znak",
        "subject": "Dotyczy",
        "date": "Data",
        "signature_of": "Podpis: {name}",
        "logo_of": "Logo: {name}",
        "to": "Adresat",
        "from": "Nadawca",
        "delivery": "Sposób doręczenia",
        "our_reference": "Nasz znak",
        "your_reference": "Wasz znak",
        "copy_to": "Do wiadomości",
        "pages_abbr": "s.",
        "sent_separately": "wysłany osobno",
        "cover": "Strona tytułowa",
        "letter": "Pismo",
        "enclosure": "Załącznik",
        "digitally_signed": "Podpisano elektronicznie: {name}, {time}",
        "signature_alt": "Podpis elektroniczny: {name}",
        "find_attached": "W załączeniu przesyłamy nasze pismo „{subject}”.",
    },
    "ru": {
        "page_of": "Страница {page} из {pages}",
        "signatories": "Подписавшие",
        "continued": "продолжение",
        "enclosures": "Приложения",
        "cc": "Копия",
        "our_ref": "Наш исх. №",
        "your_ref": "На ваш №",
        "subject": "Тема",
        "date": "Дата",
        "signature_of": "Подпись: {name}",
        "logo_of": "Логотип: {name}",
        "to": "Кому",
        "from": "От",
        "delivery": "Способ доставки",
        "our_reference": "Наш исх. №",
        "your_reference": "Ваш исх. №",
        "copy_to": "Копия",
        "pages_abbr": "с.",
        "sent_separately": "направляется отдельно",
        "cover": "Титульный лист",
        "letter": "Письмо",
        "enclosure": "Приложение",
        "digitally_signed": "Подписано электронной подписью: {name}, {time}",
        "signature_alt": "Электронная подпись: {name}",
        "find_attached": "Направляем Вам наше письмо «{subject}» (во вложении).",
    },
    "uk": {
        "page_of": "Сторінка {page} з {pages}",
        "signatories": "Підписанти",
        "continued": "продовження",
        "enclosures": "Додатки",
        "cc": "Копія",
        "our_ref": "Наш вих. №",
        "your_ref": "На ваш №",
        "subject": "Тема",
        "date": "Дата",
        "signature_of": "Підпис: {name}",
        "logo_of": "Логотип: {name}",
        "to": "Кому",
        "from": "Від",
        "delivery": "Спосіб доставки",
        "our_reference": "Наш вих. №",
        "your_reference": "Ваш вих. №",
        "copy_to": "Копія",
        "pages_abbr": "с.",
        "sent_separately": "надсилається окремо",
        "cover": "Титульна сторінка",
        "letter": "Лист",
        "enclosure": "Додаток",
        "digitally_signed": "Підписано електронним підписом: {name}, {time}",
        "signature_alt": "Електронний підпис: {name}",
        "find_attached": "Надсилаємо Вам наш лист «{subject}» (у вкладенні).",
    },
    "fi": {
        "page_of": "Sivu {page}/{pages}",
        "signatories": "Allekirjoittajat",
        "continued": "jatkuu",
        "enclosures": "Liitteet",
        "cc": "Tiedoksi",
        "our_ref": "Viitteemme",
        "your_ref": "Viitteenne",
        "subject": "Asia",
        "date": "Päiväys",
        "signature_of": "Allekirjoitus: {name}",
        "logo_of": "Logo: {name}",
        "to": "Vastaanottaja",
        "from": "Lähettäjä",
        "delivery": "Toimitustapa",
        "our_reference": "Viitteemme",
        "your_reference": "Viitteenne",
        "copy_to": "Tiedoksi",
        "pages_abbr": "s.",
        "sent_separately": "lähetetään erikseen",
        "cover": "Kansilehti",
        "letter": "Kirje",
        "enclosure": "Liite",
        "digitally_signed": "Sähköisesti allekirjoittanut {name}, {time}",
        "signature_alt": "Sähköinen allekirjoitus: {name}",
        "find_attached": "Liitteenä kirjeemme ”{subject}”.",
    },
}

# Group headings of the signatory list come from counts.heading (the words arrange() prints), so that a
# heading and its label can never differ.
DELEGATED: tuple[str, ...] = ("organisations", "individuals")
KEYS: tuple[str, ...] = tuple(LABELS[i18n.FALLBACK]) + DELEGATED


def label(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang`` (English when that language lacks it), with ``values`` filled in."""
    text = template(key, lang)
    return text.format(**values) if values else text


def template(key: str, lang: str) -> str:
    """The raw label with its ``{placeholders}`` unfilled (for the stylesheet's page counters)."""
    if key in DELEGATED:
        return counts.heading(key, lang)
    if key not in LABELS[i18n.FALLBACK]:
        raise KeyError(f"no label '{key}' (known: {', '.join(KEYS)})")
    return LABELS[i18n.supported(lang, LABELS)].get(key) or LABELS[i18n.FALLBACK][key]


def all_strings(lang: str) -> list[str]:
    """Every label in ``lang`` as it can be printed, placeholders left out (for the glyph preflight); the
    last entry is the fixed text of the place-and-date line (", le ")."""
    out = []
    for key in KEYS:
        text = template(key, lang)
        literal = "".join(part for part, _field, _spec, _conv in string.Formatter().parse(text))
        out.append(literal)
    pattern = i18n.entry(PLACE_DATE, lang) or PLACE_DATE[i18n.FALLBACK]
    out.append("".join(part for part, _field, _spec, _conv in string.Formatter().parse(pattern)))
    return out


# How a letter writes its date and the place-and-date line, per language (the date itself is CLDR's long
# format for the full locale: "November 29, 2026" for en, "29 November 2026" for en-GB). French: "Lieu,
# le date", the first of the month "1er" (OQLF, Banque de dépannage linguistique, "Lieu et date dans la
# lettre"). German: "Ort, 4. November 2005", without the dated ", den" (DIN 5008 as summarised by its
# commentators). Polish: the year followed by "r." ("1 września 2020 r."). Russian and Ukrainian: CLDR's long
# date already ends in "г." / "р.". Finnish: no comma after the place ("Helsingissä 14. maaliskuuta 1995").
# {date} is the date, {place} the letter's 'place' as written.
DATE_FORMS: dict[str, str] = {
    "pl": "{date}\u00a0r.",  # "roku", kept on the line of the year
}
PLACE_DATE: dict[str, str] = {
    "en": "{place}, {date}",
    "fr": "{place}, le {date}",
    "de": "{place}, {date}",
    "es": "{place}, {date}",
    "pl": "{place}, {date}",
    "ru": "{place}, {date}",
    "uk": "{place}, {date}",
    "fi": "{place} {date}",
}


def date_text(date: dt.date, lang: str) -> str:
    """The letter's date as printed: CLDR long format of the full locale, in the language's letter form
    ("November 29, 2026" for en, "29 November 2026" for en-GB, "1er décembre 2026", "3 grudnia 2026 r.")."""
    where = i18n.locale(lang)
    if where.language == "fr" and date.day == 1:
        # French writes the first of the month as an ordinal: "le 1er décembre".
        pattern = str(where.date_formats["long"].pattern)
        if pattern.startswith("d "):
            pattern = "d'er'" + pattern[1:]
        text = format_date(date, format=pattern, locale=where)
    else:
        text = format_date(date, format="long", locale=where)
    form = i18n.entry(DATE_FORMS, lang)
    return form.format(date=text) if form else text


def place_date_parts(place: str | None, date: dt.date, lang: str) -> tuple[str, str, str]:
    """The place-and-date line as (text before the date, the date, text after it), so that a template can
    mark the date up: ("Paris, le ", "3 décembre 2026", ""). Without a place, only the date."""
    shown = date_text(date, lang)
    if not place:
        return "", shown, ""
    pattern = i18n.entry(PLACE_DATE, lang) or PLACE_DATE[i18n.FALLBACK]
    before, _, after = pattern.partition("{date}")
    return before.format(place=place), shown, after.format(place=place)


def place_date(place: str | None, date: dt.date, lang: str) -> str:
    """The place-and-date line as printed: "Paris, le 3 décembre 2026", "Berlin, 3. Dezember 2026"."""
    return "".join(place_date_parts(place, date, lang))


def table(lang: str) -> dict[str, str]:
    """Every label of ``lang`` (English where it lacks one), for templates: ``{{ t.enclosures }}``."""
    return {key: template(key, lang) for key in KEYS}


def enclosure_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the 0-based enclosure ``index`` (the letter, cover and page labels agree)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out
