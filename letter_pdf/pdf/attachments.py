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


def _embed(pdf, attachments: tuple[Attachment, ...], default_time: str) -> None:
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


