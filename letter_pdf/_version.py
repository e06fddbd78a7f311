"""The installed version of letter-pdf, in a module of its own so that any module can import it without
importing the package's root (which would run upward)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("letter-pdf")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
