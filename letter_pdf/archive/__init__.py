"""The archive of sent versions (see folder.py)."""

from letter_pdf.archive.folder import *  # noqa: F403
