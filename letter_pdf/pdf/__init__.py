"""The PDF layer: everything letter-pdf knows about reading, checking, cleaning and writing PDF objects.

One module per concern: ``limits`` (the numbers, pypdf bounded by them), ``sandbox`` (the limited child
process that reads an untrusted PDF first), ``inspection`` (preflight of an external PDF, read once and
carried forward as an ``ExternalPdf``), ``sanitise`` (cleaning its pages), ``outline`` (bookmarks and page
labels), ``tags`` (grafting our cover's structure tree), ``attachments`` (PDF/A-3 associated files), and
``pdfa`` (the PDF/A claim, read and written in one place, and the checks that keep it true). The stages
(assemble, sign, manifest, archive) use these modules and do not parse PDFs their own way.
"""
