"""Atomic writes: a temporary file in the target folder, flushed to disk, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from letter_pdf.errors import OutputError


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError("the output folder does not exist", where=folder, hint="create it or choose another -o")
    try:
        tmp = write_temp(folder, data, prefix=f".{path.name}.", suffix=".tmp", mode=0o644)
    except OSError as exc:
        raise OutputError(f"cannot write here ({exc.strerror})", where=folder, hint="choose a writable -o") from exc
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write the file ({exc.strerror})", where=path) from exc
        raise
    fsync_dir(folder)
    return path


def write_temp(folder: Path, data: bytes, *, prefix: str, suffix: str = "", mode: int = 0o644) -> Path:
    """Write ``data`` to a new temporary file in ``folder``, flushed to disk; return its path.

    The caller moves it into place (``os.replace``, or ``os.link`` where nothing may be overwritten) and
    removes it if that fails. On any error here, no temporary file is left behind.
    """
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or link in it) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
