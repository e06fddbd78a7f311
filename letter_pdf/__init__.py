"""letter-pdf: a formal joint letter and its signatory list, typeset as an archive-grade PDF."""

from __future__ import annotations

import logging

from letter_pdf._version import __version__

# A library does not print: warnings (e.g. probable duplicate signatories) go to the "letter_pdf" logger,
# which the CLI shows on stderr; programs using the API configure logging as they wish.
logging.getLogger("letter_pdf").addHandler(logging.NullHandler())

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
