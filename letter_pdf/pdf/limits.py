"""Limits for reading untrusted PDFs: the numbers, and pypdf configured to honour them.

A legitimate enclosure (a report, a translation, a scanned letterhead) is far below each limit; a file above
any of them is refused with the limit named in the message. Readers elsewhere read the numbers as
attributes of this module at the time of use (``limits.MAX_PAGES``), so that a test can lower one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

MAX_FILE_BYTES = 100 * 1024 * 1024  # on disk
MAX_PAGES = 2000  # per file
MAX_OBJECTS = 500_000  # indirect objects reachable from the pages
MAX_STREAM_BYTES = 64 * 1024 * 1024  # one decompressed stream
MAX_DECODED_BYTES = 1024 * 1024 * 1024  # all decompressed streams of one file
MAX_RATIO = 500  # decompressed/compressed for a stream above 16 MiB: a decompression bomb
CPU_SECONDS = 30  # CPU time of the child process that reads one file
WALL_SECONDS = 60  # wall-clock time of the same
MEMORY_BYTES = 1536 * 1024 * 1024  # address space of the same


def pypdf_limits():
    """A context in which pypdf refuses (``LimitReachedError``) what exceeds the limits: a declared or
    decompressed stream over ``MAX_STREAM_BYTES``, a page tree or outline beyond reason. pypdf reads lazily:
    every read of an untrusted document must happen inside it, not only the opening."""
    import pypdf

    return pypdf.apply_configuration(
        maximum_declared_stream_length=MAX_STREAM_BYTES,
        zlib_maximum_output_length=MAX_STREAM_BYTES,
        lzw_maximum_output_length=MAX_STREAM_BYTES,
        run_length_maximum_output_length=MAX_STREAM_BYTES,
        jbig2_maximum_output_length=MAX_STREAM_BYTES,
        brotli_maximum_output_length=MAX_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_STREAM_BYTES,
        image_maximum_buffer_size=MAX_STREAM_BYTES,
        page_tree_maximum_entries=MAX_PAGES * 4,
        outline_maximum_entries=10_000,
    )


class TooLarge(ValueError):
    """An untrusted file over ``MAX_FILE_BYTES``: refused before any parsing."""


@contextmanager
def untrusted_reader(data: bytes) -> Iterator:
    """A pypdf reader of ``data`` (an untrusted PDF), usable only inside the ``with`` block, where every read
    is bounded by ``pypdf_limits``. A file over ``MAX_FILE_BYTES`` raises ``TooLarge``; a stream over the
    limits raises pypdf's ``LimitReachedError`` when it is read."""
    from pypdf import PdfReader

    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"the file is {len(data) / 1048576:.0f} MiB; the limit is {MAX_FILE_BYTES // 1048576} MiB")
    with pypdf_limits():
        yield PdfReader(io.BytesIO(data), strict=False)
