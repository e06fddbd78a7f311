"""Bytes of a signatory list -> text: UTF-8 (with or without BOM), UTF-16 with a BOM, and Windows-1251 only
when the guess is sure (charset-normalizer); anything else is refused with how to re-save the file, never
read as garbled names.
"""

from __future__ import annotations

import logging
import re

from letter_pdf.errors import SignatoryError

log = logging.getLogger("letter_pdf")


def looks_binary(data: bytes) -> bool:
    """True for data that is not text (NUL bytes outside UTF-16, or many control bytes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample) // 100)


# Encodings read: UTF-8 (BOM optional), UTF-16 with a BOM, and Windows-1251 (Excel's "CSV" on a Russian or
# Ukrainian Windows) with a warning, when charset-normalizer names it with confidence. Any other legacy
# encoding is refused: its readings are too alike to tell apart (cp1250/cp1252, cp932 for any short text).
LEGACY = "cp1251"
LEGACY_NAME = "Windows-1251"
# Below this many non-ASCII bytes the detector guesses (three Cyrillic letters read as Japanese cp932).
MIN_LEGACY_BYTES = 16
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")


def decode(data: bytes, *, where: str) -> tuple[str, str]:
    """``(text, encoding)``. UTF-8 (BOM optional) and UTF-16 with BOM are taken as they are; Windows-1251
    only when charset-normalizer is confident (logged as a warning). Otherwise a ``SignatoryError`` says
    how to re-save the file as UTF-8."""
    if not data.strip():
        raise SignatoryError("the file is empty", where=where, hint="add a header line 'name,country' and one row per signatory")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SignatoryError("the file says it is UTF-16 but is not valid UTF-16", where=where,
                                 hint=_RESAVE) from exc
    if looks_binary(data):
        raise SignatoryError("this is not a text file", where=where,
                             hint="give a CSV (UTF-8) or YAML file; export a spreadsheet with 'Save as CSV UTF-8'")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    text, why = _guess(data)
    if text is None:
        line = data[:bad].count(b"\n") + 1
        raise SignatoryError(f"the file is not UTF-8 (line {line} has bytes that are not UTF-8; {why})",
                             where=where, hint=_RESAVE)
    log.warning("%s: the file is not UTF-8; read it as %s (check the names, and re-save as UTF-8 to be sure)",
                where, LEGACY)
    return text, LEGACY


_RESAVE = ("re-save it as UTF-8: in Excel 'File > Save As > CSV UTF-8', in LibreOffice tick 'Edit filter "
           "settings' and choose 'Unicode (UTF-8)'")


_UNSURE = f"letter-pdf cannot be sure of its encoding: it reads UTF-8, UTF-16 and, when it is sure, {LEGACY_NAME}"


def _guess(data: bytes) -> tuple[str | None, str]:
    """``(text, "")`` when ``data`` is Windows-1251 beyond reasonable doubt, else ``(None, why not)``."""
    from charset_normalizer import from_bytes

    high = sum(1 for b in data if b >= 0x80)
    if high < MIN_LEGACY_BYTES:
        return None, _UNSURE
    best = from_bytes(data).best()
    if best is None or best.encoding != LEGACY:
        return None, _UNSURE
    try:
        text = data.decode(LEGACY)
    except UnicodeDecodeError:
        return None, f"it is not {LEGACY_NAME} either"
    # Independent of the detector: in a right reading no word mixes Cyrillic and Latin letters (Latin-1
    # "Société" read as Windows-1251 is "Sociйtй").
    mixed = next((w for w in re.findall(r"\w+", text) if _CYRILLIC.search(w) and _LATIN.search(w)), None)
    if best.chaos > 0.1 or mixed is not None:
        return None, f"it may be {LEGACY_NAME}, but that is not certain"
    return text, ""
