"""Reading the files a user names: regular files only, and never more than a limit.

A named pipe (FIFO) blocks whoever opens it until something writes to it, and a device such as /dev/zero
never ends: either, given as an input (or as a symbolic link to one), would leave a command waiting or
reading for ever. ``read_regular`` refuses both before reading a byte, and reads at most ``limit`` bytes
of a regular file, so a file that grows while it is read cannot run on either.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from letter_pdf.errors import InputError, LetterPdfError

# What a command reads at most of a file given to it (other inputs have limits of their own, beside their
# readers): a PDF that letter-pdf made or signed (its enclosures included), and a key or a certificate.
MAX_PDF_BYTES = 512 * 1024 * 1024
MAX_KEY_BYTES = 1024 * 1024  # a PKCS#12 key with its chain, or a PEM file of CA certificates: a few KB

_CHUNK = 1024 * 1024
_NOT_A_FILE_HINT = "give the file itself: letter-pdf reads only regular files"


def special_kind(mode: int) -> str | None:
    """What a file of ``mode`` (``os.stat().st_mode``) is when it is neither a regular file nor a folder:
    a device, a named pipe or a socket; None for a regular file or a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def size_text(limit: int) -> str:
    """``limit`` bytes as a message says it: ``10 MB``, ``256 KB``, ``100 bytes``."""
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


class NotRegular(Exception):
    """``read_capped``: the path is a device, a named pipe or a socket (``args[0]``: which)."""


class TooLarge(Exception):
    """``read_capped``: the file holds more than the limit; ``args[0]``: its first ``limit`` bytes when they
    were asked for (``prefix=True``), else empty."""


def read_capped(path: str | Path, limit: int, *, prefix: bool = False) -> bytes:
    """The bytes of the regular file ``path`` (a symbolic link is followed), at most ``limit`` of them.

    A device, a named pipe or a socket raises ``NotRegular`` — checked before it is opened, and again on what
    was opened, without waiting for a writer; a file over ``limit`` raises ``TooLarge`` (its declared size is
    looked at first, so a huge sparse file is not read); a folder ``IsADirectoryError``; other failures are
    ``OSError`` as the system raises them."""
    kind = special_kind(os.stat(path).st_mode)  # before opening: opening a device may do something
    if kind is not None:
        raise NotRegular(kind)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)  # non-blocking: a FIFO swapped in since the stat opens at once
    with os.fdopen(fd, "rb", buffering=0) as handle:
        status = os.fstat(fd)
        kind = special_kind(status.st_mode)
        if kind is not None:
            raise NotRegular(kind)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        os.set_blocking(fd, True)
        if status.st_size > limit:  # a huge (even sparse) file is not read through
            raise TooLarge(_read_upto(handle, limit)[:limit] if prefix else b"")
        data = _read_upto(handle, limit)  # the file may have grown since fstat
    if len(data) > limit:
        raise TooLarge(data[:limit] if prefix else b"")
    return data


def read_regular(path: str | Path, *, limit: int, what: str, error: type[LetterPdfError] = InputError,
                 where: str | Path | None = None, hint: str | None = None, cut: bool = False) -> bytes:
    """The bytes of the regular file ``path`` (a symbolic link is followed), at most ``limit`` of them.

    Raises ``error`` (``where``: the path as the user gave it, default ``path``) when ``path`` is a device,
    a named pipe or a socket — checked before it is opened, and again on what was opened, without waiting
    for a writer — or holds more than ``limit`` bytes (``hint`` says what to do then; with ``cut``, its first
    ``limit`` bytes are returned instead, for a reader that only looks into the file). Other failures are
    ``OSError`` for the caller to word as it words them: ``FileNotFoundError``, ``IsADirectoryError``,
    ``PermissionError``...
    """
    shown = str(where if where is not None else path)
    try:
        return read_capped(path, limit, prefix=cut)
    except NotRegular as exc:
        raise error(f"{what} is {exc.args[0]}, not a regular file", where=shown, hint=_NOT_A_FILE_HINT) from None
    except TooLarge as exc:
        if cut:
            return exc.args[0]
        raise error(f"{what} is larger than {size_text(limit)}", where=shown, hint=hint) from None


def _read_upto(handle, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``handle``: one more than the limit says that there are more."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = handle.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def refuse_special(path: str | Path, *, what: str, error: type[LetterPdfError] = InputError,
                   where: str | Path | None = None, hint: str = _NOT_A_FILE_HINT) -> None:
    """Raise ``error`` when ``path`` exists and is a device, a named pipe or a socket (links followed), for
    a file that a library reads by its name rather than through ``read_regular``."""
    try:
        kind = special_kind(os.stat(path).st_mode)
    except (OSError, ValueError):  # missing, a loop of links, a name the system refuses: the reader says so
        return
    if kind is not None:
        raise error(f"{what} is {kind}, not a regular file", where=str(where if where is not None else path),
                    hint=hint)
