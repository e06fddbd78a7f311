"""PDF/A-3 associated files: embedding them in the package, and reading embedded files of any PDF.

Embedding writes the catalog's ``/AF`` and the ``EmbeddedFiles`` name tree, each file with its
``/AFRelationship`` and ``/Params`` (date, size, checksum). Reading (``read_embedded``) takes a PDF that may
come from anywhere (a file given to ``archive record``), so it reads only inside ``limits.untrusted_reader``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from letter_pdf.errors import AssemblyError

RELATIONSHIPS = ("Source", "Data", "Alternative", "Supplement", "Unspecified")


@dataclass(frozen=True)
class Attachment:
    """A file embedded as a PDF/A-3 associated file of the whole document (catalog ``/AF``)."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"
    description: str = ""
    relationship: str = "Data"  # AFRelationship: Source, Data, Alternative, Supplement, Unspecified
    modified: dt.datetime | None = None  # default: the letter's creation date



def _pdf_date(when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC)
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


def embed(pdf, attachments: tuple[Attachment, ...], default_time: str) -> None:
    """Embed ``attachments`` as PDF/A-3 associated files: name tree, catalog /AF, /AFRelationship, /Params."""
    import zlib

    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    if not attachments:
        return
    names = [a.name for a in attachments]
    if len(set(names)) != len(names):
        raise AssemblyError("two embedded files have the same name", where=", ".join(sorted(names)))
    af = Array()
    tree = Array()
    for a in sorted(attachments, key=lambda x: x.name):
        if a.relationship not in RELATIONSHIPS:
            raise AssemblyError(f"unknown AFRelationship '{a.relationship}'", where=a.name,
                                hint=f"use one of: {', '.join(RELATIONSHIPS)}")
        stream = pdf.make_stream(b"")
        stream.write(zlib.compress(a.data, 9), filter=Name.FlateDecode)
        stream.Type = Name.EmbeddedFile
        stream.Subtype = Name("/" + _name_escape(a.mime))
        stream.Params = Dictionary(
            ModDate=String(_pdf_date(a.modified) if a.modified else default_time),
            Size=len(a.data),
            CheckSum=String(hashlib.md5(a.data).digest()),  # noqa: S324 (PDF spec)
        )
        spec = pdf.make_indirect(Dictionary(
            Type=Name.Filespec, F=String(a.name), UF=String(a.name), Desc=String(a.description or a.name),
            AFRelationship=Name("/" + a.relationship), EF=Dictionary(F=stream, UF=stream),
        ))
        af.append(spec)
        tree.extend([String(a.name), spec])
    names_dict = pdf.Root.get("/Names")
    if not isinstance(names_dict, pikepdf.Dictionary):
        names_dict = pdf.make_indirect(Dictionary())
        pdf.Root.Names = names_dict
    names_dict.EmbeddedFiles = pdf.make_indirect(Dictionary(Names=tree))
    pdf.Root.AF = af


def _name_escape(mime: str) -> str:
    """A MIME type as a PDF name body (pypdf writes '/' inside a name as #2F)."""
    if not re.fullmatch(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+", mime):
        raise AssemblyError(f"'{mime}' is not a MIME type", hint="use e.g. application/json")
    return mime




def read_embedded(pdf, names: Iterable[str] | None = None) -> dict[str, bytes]:
    """The embedded files of ``pdf`` by name (the first one of a name); only those in ``names`` when given
    (the others are not decompressed).

    ``pdf`` is a path or bytes of a PDF from anywhere: it is read inside ``limits.untrusted_reader``, and a file
    or an embedded stream over the limits is an ``InputError`` naming the limit, not a read without bound. It
    may also be a pypdf reader that the caller opened, and reads, inside ``limits.pypdf_limits``.
    """
    from pathlib import Path

    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    from letter_pdf.errors import InputError
    from letter_pdf.pdf import limits

    if isinstance(pdf, PdfReader):
        return _embedded(pdf, names)
    where = None
    if not isinstance(pdf, (bytes, bytearray, memoryview)):
        from letter_pdf.files import NotRegular, TooLarge, read_capped

        where = Path(pdf)
        try:  # a regular file only (a FIFO would wait), and no more than the limit is read
            pdf = read_capped(where, limits.MAX_FILE_BYTES)
        except TooLarge:
            raise InputError(f"is not read: it is larger than the limit of {limits.MAX_FILE_BYTES // 1048576} MiB",
                             where=where, hint="record or read the PDF exactly as letter-pdf wrote it") from None
        except NotRegular as exc:
            raise InputError(f"is not read: it is {exc.args[0]}, not a regular file", where=where,
                             hint="give the PDF file itself") from None
    hint = "record or read the PDF exactly as letter-pdf wrote it"
    try:
        with limits.untrusted_reader(bytes(pdf)) as reader:
            return _embedded(reader, names)
    except limits.TooLarge as exc:
        raise InputError(f"is not read: {exc}", where=where, hint=hint) from exc
    except LimitReachedError as exc:
        raise InputError(f"exceeds a safety limit while reading its embedded files (the limit for one stream is "
                         f"{limits.MAX_STREAM_BYTES // 1048576} MiB; {exc})", where=where, hint=hint) from exc


def _embedded(reader, names: Iterable[str] | None) -> dict[str, bytes]:
    attachments = reader.attachments
    wanted = list(attachments.keys()) if names is None else [n for n in names if n in attachments]
    out: dict[str, bytes] = {}
    for name in wanted:
        contents = attachments[name]
        if contents:
            out[name] = contents[0]
    return out
