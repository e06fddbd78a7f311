"""The bundled and the letter's templates compiled once per process, not at every rendering.

``render.environment()`` makes a new Jinja environment for every rendering (a build renders the letter
four or five times: the page check's and the column layout's passes, the cover), and a batch of copies
hundreds of times; compiling its templates was a quarter of a rendering. ``COMPILED`` is the environments'
bytecode cache (Jinja's own mechanism): Jinja still reads every template's source through the loader (with
its checks) and looks the compiled code up by the template's name and file, using it only when the
source's checksum is the one it was compiled from. Every environment that uses it is made by
``render.environment()`` with the same options, so the same source compiles to the same code.
"""

from __future__ import annotations

from typing import Any

import jinja2

MAX_TEMPLATES = 256  # compiled templates kept; all are forgotten when one more comes (bounded memory)


class Compiled(jinja2.BytecodeCache):
    """Compiled templates in memory: (name, file) -> (source checksum, code)."""

    def __init__(self, limit: int = MAX_TEMPLATES) -> None:
        self.limit = limit
        self.codes: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        kept = self.codes.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self.codes) >= self.limit:
            self.codes.clear()
        self.codes[bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        self.codes.clear()


COMPILED = Compiled()

__all__ = ["COMPILED", "Compiled"]
