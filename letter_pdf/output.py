"""Atomic writes: a temporary file in the target folder, flushed to disk, then renamed into place.

Also the guard every writer runs first: an output path that is one of the inputs is refused
(``refuse_input``), whether it is the same name, a symbolic link to it or a hard link of it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from letter_pdf.errors import OutputError
from letter_pdf.files import special_kind


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same resolved path (links followed), or, when both
    exist, the same inode on the same device (a hard link)."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        return False


def refuse_input(target: str | Path, inputs: Iterable[tuple[str, str | Path]], *, shown: str | None = None,
                 hint: str = "choose another output file with -o") -> None:
    """Raise ``OutputError`` when ``target`` is one of ``inputs`` (pairs of what it is and its path as shown
    to the user, e.g. ``("the letter", "letters/a.md")``); call it before any work is done."""
    for what, path in inputs:
        if path is not None and same_file(target, path):
            raise OutputError(
                f"refused to overwrite {what} {path}: it is an input of this command",
                where=shown if shown is not None else str(target), hint=hint,
            )


def check_target(path: str | Path, *, shown: str | None = None) -> None:
    """Raise ``OutputError`` when ``path`` cannot be written: its folder does not exist, is not a folder or
    is not writable, or ``path`` is itself a folder; call it before any work is done (the write itself
    checks again)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise OutputError("the output folder does not exist", where=str(folder), hint="create it or choose another -o")
    if not folder.is_dir():
        raise OutputError("the output folder is not a folder", where=str(folder), hint="choose another -o")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError("the output folder is not writable", where=str(folder), hint="choose a writable -o")
    if path.is_dir():
        raise OutputError("the output is a folder", where=shown or str(path),
                          hint=f"name a file, e.g. -o {path / 'letter.pdf'}")
    refuse_special(path, shown=shown)


def refuse_folder_name(text: str) -> None:
    """Raise ``OutputError`` when the output as typed ends with a slash: it names a folder (``-o out/``),
    and a path object would drop the slash and write a file called ``out``. Call it on what the user typed."""
    if text != "-" and text.endswith(tuple({"/", os.sep, os.altsep or "/"})):
        folder = Path(text)
        if folder.is_dir():
            raise OutputError("the output is a folder", where=text, hint=f"name a file, e.g. -o {folder / 'letter.pdf'}")
        raise OutputError("the output folder does not exist", where=text, hint="create it or choose another -o")


def _special_kind(path: Path) -> str | None:
    """What ``path`` is when it exists and is not a regular file (a device, a FIFO, a socket), else None."""
    try:
        return special_kind(os.stat(path).st_mode)
    except OSError:
        return None


def refuse_special(path: str | Path, *, shown: str | None = None) -> None:
    """Raise ``OutputError`` when ``path`` is a device, a FIFO or a socket: the atomic write would rename a
    regular file over it (``-o /dev/null`` replaced the system's null device)."""
    kind = _special_kind(Path(path))
    if kind is not None:
        raise OutputError(f"the output is {kind}, not a file: letter-pdf writes only regular files",
                          where=shown or str(path), hint="use -o - to write the PDF to standard output")


def default_mode() -> int:
    """The mode a new file gets from ``open()``: 0o666 less the process's umask."""
    try:  # Linux: read it without changing it (os.umask sets it, a race with other threads)
        with open("/proc/self/status", encoding="ascii") as f:
            mask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one.

    A file that is replaced keeps its permissions; a new file gets the umask's (like ``open()``). A symbolic
    link is followed: the file it names is replaced and the link kept. A device, FIFO or socket is refused.
    """
    path = Path(path)
    if path.is_symlink():  # replace the file the link names; the link stays (a loop fails at stat below)
        path = Path(os.path.realpath(path))
    refuse_special(path)
    folder = path.parent  # "." for a bare file name: a Path's parent is never empty
    if not folder.is_dir():
        raise OutputError("the output folder does not exist", where=folder, hint="create it or choose another -o")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = default_mode()
    except OSError as exc:
        raise OutputError(f"cannot write the file ({exc.strerror})", where=path) from exc
    try:
        tmp = write_temp(folder, data, prefix=f".{path.name}.", suffix=".tmp", mode=mode)
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


def write_temp(folder: Path, data: bytes, *, prefix: str, suffix: str = "", mode: int | None = None) -> Path:
    """Write ``data`` to a new temporary file in ``folder``, flushed to disk; return its path.

    ``mode``: the file's permissions (the archive's records: read-only); default: the umask's, as for any
    new file (``mkstemp`` alone would give 0o600). The caller moves it into place (``os.replace``, or
    ``os.link`` where nothing may be overwritten) and removes it if that fails. On any error here, no
    temporary file is left behind.
    """
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, default_mode() if mode is None else mode)
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
