"""The archive of sent versions: append-only, hash-chained, and safe against crashes and concurrent writers.

Layout of an archive folder (self-contained, relative paths only; copy it anywhere)::

    letter-pdf-archive.json      format marker
    README.txt                   what this folder is and how to check it by hand
    records/00000001.json        one record per sent version: the truth
    objects/sha256/ab/abcd....pdf  the exact bytes of each PDF (and embedded sources), named by SHA-256
    index.sqlite                 a derived index (version numbers, look-ups), rebuilt from records/ when missing or
                                 behind; verify checks it field by field against the records
    .lock                        the lock file that serialises writers (fcntl.flock)

Each record file is the canonical JSON encoding of the record (UTF-8, keys sorted, indent 2, final newline):
its SHA-256 *is* the record's chain hash, and each record carries the hash of the previous one
(``previous``; the first one carries 64 zeros). ``sha256sum records/*.json`` reproduces the chain.

Writing a record, under an exclusive lock: (1) the objects, each to a temporary name, flushed, fsynced, renamed,
folder fsynced; (2) the record file the same way — its rename is the commit point; (3) the index, in one
SQLite transaction. A crash before (2) leaves at most objects no record refers to (``verify`` reports them as
leftovers of an interrupted record, not as damage) and temporary files (removed by the next writer, who holds
the lock so no live writer owns them); a crash after (2) leaves the index one record behind, which the next
command brings up to date from the record files.

The modules, by topic: ``records`` (the typed record and its canonical JSON), ``store`` (lock, objects, the
chain of record files), ``index`` (the SQLite index), ``facts`` (what is learnt of a PDF before recording it),
``check`` (verify), ``export`` (BagIt), ``history`` (diff), ``text`` (what is printed), ``folder`` (``Archive``).
"""

from letter_pdf.archive.check import ArchiveFinding, ArchiveReport
from letter_pdf.archive.facts import (
                                        PdfFacts,
                                        built_facts,
                                        built_signature,
                                        inspect_data,
                                        inspect_pdf,
                                        signature_facts,
)
from letter_pdf.archive.folder import Archive, locate
from letter_pdf.archive.history import RecordDiff
from letter_pdf.archive.index import COLUMNS, Row
from letter_pdf.archive.records import (
                                        GENESIS,
                                        RECORD_FORMAT,
                                        Delivery,
                                        Record,
                                        RecordedLetter,
                                        RecordedPdf,
                                        Sending,
                                        SignatureFacts,
                                        StoredFile,
                                        parse_sent_at,
)
from letter_pdf.archive.store import (
                                        ARCHIVE_FORMAT,
                                        ENV_VAR,
                                        INDEX,
                                        MARKER,
                                        README,
                                        TMP_PREFIX,
                                        object_path,
                                        write_new,
)
from letter_pdf.archive.text import describe, plain
from letter_pdf.manifest import canonical_json

__all__ = [
    "ARCHIVE_FORMAT", "COLUMNS", "ENV_VAR", "GENESIS", "INDEX", "MARKER", "README", "RECORD_FORMAT", "TMP_PREFIX",
    "Archive", "ArchiveFinding", "ArchiveReport", "Delivery", "PdfFacts", "Record", "RecordDiff", "RecordedLetter",
    "RecordedPdf", "Row", "Sending", "SignatureFacts", "StoredFile", "built_facts", "built_signature",
    "canonical_json", "describe", "inspect_data", "inspect_pdf", "locate", "object_path", "parse_sent_at", "plain",
    "signature_facts", "write_new",
]
