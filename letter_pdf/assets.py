"""Where the bundled templates and fonts are: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel carries them inside the package (pyproject's force-include); an editable install or a
    # source checkout has them beside the package.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"letter-pdf is installed without its '{name}' folder (looked in {_PACKAGE})")


@cache
def templates_dir() -> Path:
    return _find("templates")


@cache
def fonts_dir() -> Path:
    return _find("fonts")


def asset_roots() -> tuple[Path, ...]:
    """Folders a document may always load from, besides the letter's own folder."""
    return (templates_dir(), fonts_dir())
