log = logging.getLogger("letter_pdf")

# Limits for external PDFs. A legitimate enclosure (a report, a translation, a scanned letterhead) is far
# below each of them; a file above any of them is refused with the limit named in the message.
MAX_FILE_BYTES = 100 * 1024 * 1024  # on disk
MAX_PAGES = 2000  # per file
MAX_OBJECTS = 500_000  # indirect objects reachable from the pages
MAX_STREAM_BYTES = 64 * 1024 * 1024  # one decompressed stream
MAX_DECODED_BYTES = 1024 * 1024 * 1024  # all decompressed streams of one file
MAX_RATIO = 500  # decompressed/compressed for a stream above 16 MiB: a decompression bomb
CPU_SECONDS = 30  # CPU time of the child process that reads one file
WALL_SECONDS = 60  # wall-clock time of the same
MEMORY_BYTES = 1536 * 1024 * 1024  # address space of the same


def _pypdf_limits():
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


pypdf_limits = _pypdf_limits  # for other readers of untrusted PDFs (archive.py)
