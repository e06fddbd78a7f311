"""The folder of copies for a recipients list, as ``batch`` writes it and ``send`` reads it: its file names
and the header of its ``index.csv``, written once for both."""

from __future__ import annotations

INDEX = "index.csv"
# one row per copy: its PDF, the recipient's name and e-mail, pages, the PDF's and the .eml's SHA-256
INDEX_HEADER = ("file", "recipient", "email", "pages", "sha256", "eml_sha256")
SEND_LOG = "send-log.jsonl"  # written by ``letter-pdf send``: the copies of this folder were sent
MAX_INDEX_BYTES = 16 * 1024 * 1024  # an index.csv read (by send, and by build --force to know what it replaces)
