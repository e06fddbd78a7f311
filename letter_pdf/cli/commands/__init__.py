"""The commands of ``letter-pdf``, one module per topic; ``letter_pdf.cli`` registers them on the root group."""
