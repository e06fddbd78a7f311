"""letter-pdf: a formal joint letter and its signatory list, typeset as an archive-grade PDF."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

# A library does not print: warnings (e.g. probable duplicate signatories) go to the "letter_pdf" logger,
# which the CLI shows on stderr; programs using the API configure logging as they wish.
logging.getLogger("letter_pdf").addHandler(logging.NullHandler())

try:
    __version__ = version("letter-pdf")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "build", "check"]


def build(letter, output=None, **options):
    """Build ``letter`` (path to its Markdown file) into a PDF; return a ``BuildResult``.

    Keyword options are those of ``letter_pdf.pipeline.BuildOptions``.
    """
    from letter_pdf import pipeline

    return pipeline.build(letter, pipeline.BuildOptions(output=output, **options))


def check(letter):
    """Run every validation and preflight step of ``letter``; return the list of problems found."""
    from letter_pdf import pipeline

    return pipeline.check(letter)
