"""Page previews: render a page of a PDF to PNG with PDFium (pypdfium2)."""

from __future__ import annotations

import io
from pathlib import Path

from letter_pdf.errors import InputError
from letter_pdf.files import MAX_PDF_BYTES, read_regular
from letter_pdf.output import write_atomic


def render_page(pdf: Path, *, page: int = 1, dpi: int = 100) -> bytes:
    """Return page ``page`` (1-based) of ``pdf`` as PNG bytes."""
    import pypdfium2 as pdfium

    try:
        data = read_regular(pdf, limit=MAX_PDF_BYTES, what="the PDF")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", where=pdf) from exc
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise InputError(f"cannot open the PDF ({exc})", where=pdf, hint="give a PDF file") from exc
    try:
        if not 1 <= page <= len(document):
            raise InputError(f"there is no page {page} (the PDF has {len(document)})", where=pdf)
        image = document[page - 1].render(scale=dpi / 72).to_pil()  # Pillow comes with WeasyPrint
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()


def write_preview(pdf: Path, target: Path, *, page: int = 1, dpi: int = 100) -> Path:
    """Render page ``page`` of ``pdf`` into the PNG file ``target`` (written atomically)."""
    return write_atomic(target, render_page(pdf, page=page, dpi=dpi))
