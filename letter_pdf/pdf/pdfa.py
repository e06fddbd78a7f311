# ---------------------------------------------------------------------------------------------------------
# Metadata.


def _set_xmp_claim(pdf, level: str | None, drop_ua: bool) -> None:
    """Rewrite the XMP's pdfaid claim to ``level`` (e.g. "3B") or remove it (None); remove pdfuaid if asked."""
    import pikepdf
    from pikepdf import Name

    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return
    xmp = meta.read_bytes().decode("utf-8")
    if level is None:
        xmp = re.sub(r'\s*pdfaid:(?:part|conformance|amd|rev)="[^"]*"', "", xmp)
        xmp = re.sub(r"\s*<pdfaid:(part|conformance|amd|rev)>[^<]*</pdfaid:\1>", "", xmp)
    else:
        xmp = re.sub(r'pdfaid:part="[^"]*"', f'pdfaid:part="{level[0]}"', xmp)
        xmp = re.sub(r"<pdfaid:part>[^<]*</pdfaid:part>", f"<pdfaid:part>{level[0]}</pdfaid:part>", xmp)
        xmp = re.sub(r'pdfaid:conformance="[^"]*"', f'pdfaid:conformance="{level[1:]}"', xmp)
        xmp = re.sub(r"<pdfaid:conformance>[^<]*</pdfaid:conformance>",
                     f"<pdfaid:conformance>{level[1:]}</pdfaid:conformance>", xmp)
    if drop_ua:
        xmp = re.sub(r'\s*pdfuaid:(?:part|amd|rev)="[^"]*"', "", xmp)
        xmp = re.sub(r"\s*<pdfuaid:(part|amd|rev)>[^<]*</pdfuaid:\1>", "", xmp)
    pdf.Root.Metadata = pdf.make_stream(xmp.encode("utf-8"), Type=Name.Metadata, Subtype=Name.XML)




_CR_BEFORE_ENDSTREAM = b"\r\nendstream"


def _save(pdf) -> bytes:
    """The package's bytes, with no stream whose data ends with a carriage return (if it can be helped).

    qpdf writes a line feed before ``endstream``; when the (compressed) data itself ends with CR, a reader of
    ISO 19005-2 6.1.7.1 may take CR LF for the end-of-line and find /Length one too long (page-validation
    0.11 does). Recompressing does not help (a Flate stream ends with the checksum of its content), so such a
    stream gets an ASCIIHexDecode filter in front, whose data ends with ``>`` (and qpdf is told not to
    compress streams itself, which would take that filter off again); when an object or cross-reference
    stream that qpdf makes itself ends so, the file is written with the letter's own object streams, else
    without object streams. If one remains, the caller drops the PDF/A claim."""
    import zlib

    import pikepdf
    from pikepdf import Array, Name

    def save(mode=pikepdf.ObjectStreamMode.generate, compress: bool = True) -> bytes:
        out = io.BytesIO()
        # Object streams, as WeasyPrint wrote the letter; qpdf writes only reachable objects, leaves the XMP
        # stream unfiltered (PDF/A) and keeps every other stream as it is.
        pdf.save(out, object_stream_mode=mode, compress_streams=compress,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True,
                 fix_metadata_version=False, linearize=False)
        return out.getvalue()

    data = save()
    if _CR_BEFORE_ENDSTREAM not in data:
        return data
    seen: set[tuple[int, int]] = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or obj.objgen in seen or obj.get("/Type") == "/Metadata":
            continue
        seen.add(obj.objgen)
        if "/Filter" not in obj:  # what qpdf's compression would have done
            obj.write(zlib.compress(obj.read_bytes()), filter=Name.FlateDecode, type_check=False)
        raw = obj.read_raw_bytes()
        if raw.endswith(b"\r"):
            filters = obj.get("/Filter")
            filters = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
            parms = obj.get("/DecodeParms")
            parms = list(parms) if isinstance(parms, pikepdf.Array) else [parms] if parms is not None else []
            obj.write(raw.hex().upper().encode("ascii") + b">", filter=Array([Name.ASCIIHexDecode, *filters]),
                      decode_parms=Array([None, *parms]) if parms else None, type_check=False)
    data = save(compress=False)
    for mode in (pikepdf.ObjectStreamMode.preserve, pikepdf.ObjectStreamMode.disable):
        if _CR_BEFORE_ENDSTREAM not in data:
            break
        data = save(mode, compress=False)  # other object streams (the letter's own), else none
    return data


_SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")


def subset_tag(program: bytes) -> str:
    """Six capital letters derived from a font program's bytes: the same subset always gets the same tag, two
    different subsets (almost surely) different ones."""
    n = int.from_bytes(hashlib.sha256(program).digest()[:8], "big")
    letters = []
    for _ in range(6):
        n, r = divmod(n, 26)
        letters.append(chr(ord("A") + r))
    return "".join(letters)


def _retag_subsets(pdf) -> None:
    """Name every embedded font subset after its own content (ISO 32000-1 9.6.4: a tag per subset).

    WeasyPrint derives a subset's tag from the font, not from the glyphs kept, so the generated cover and the
    letter each bring a different ``Noto-Serif`` subset under the same tag, and a reader may use one program
    for both. Tags of merged enclosures are renamed the same way."""
    import pikepdf
    from pikepdf import Name

    new_tags: dict[tuple[int, int], str] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        name = str(obj.get("/FontName", ""))
        program = next((obj[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in obj), None)
        if not _SUBSET_TAG.match(name) or not isinstance(program, pikepdf.Stream):
            continue
        try:
            data = program.read_bytes()
        except pikepdf.PdfError:  # an undecodable program keeps its name
            continue
        tag = subset_tag(data)
        new_tags[obj.objgen] = tag
        obj.FontName = Name(f"/{tag}+{name[8:]}")
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or "/BaseFont" not in obj:
            continue
        descendants = obj.get("/DescendantFonts")
        holder = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else obj
        descriptor = holder.get("/FontDescriptor") if isinstance(holder, pikepdf.Dictionary) else None
        tag = new_tags.get(descriptor.objgen) if isinstance(descriptor, pikepdf.Dictionary) else None
        base = str(obj.BaseFont)
        if tag and _SUBSET_TAG.match(base):
            obj.BaseFont = Name(f"/{tag}+{base[8:]}")


