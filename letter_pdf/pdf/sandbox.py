"""The limited child process that reads an untrusted PDF completely before anything else touches it.

The child gets the file on stdin and the page, object and decompression limits on its command line; it
runs under a memory limit and a CPU limit (POSIX rlimits) and the parent stops waiting after a wall-clock
timeout. Whatever kills it (the CPU limit, memory, a crash in a C library) becomes a one-line refusal. The
child writes a JSON report: what ``inspection.inspect_data`` found, or why it refused the file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from letter_pdf.errors import UnsafePdfError
from letter_pdf.pdf import limits

_CHILD_LIMITS = ("MAX_PAGES", "MAX_OBJECTS", "MAX_STREAM_BYTES", "MAX_DECODED_BYTES", "MAX_RATIO")
_REBUILD = "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out"


class Refused(Exception):
    """Raised in the child: the file is refused; ``args`` are the reason and (optionally) a hint."""


def refuse(path: Path, reason: str, hint: str | None = None) -> UnsafePdfError:
    """The error for a file the sandbox refuses (exit 5)."""
    return UnsafePdfError(reason, where=path, hint=hint)


def _limit_child() -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limits.MEMORY_BYTES, limits.MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.CPU_SECONDS, limits.CPU_SECONDS + 1))
    os.setsid()


def run(path: Path, data: bytes) -> dict:
    """Read ``data`` in the limited child; the child's report, or ``AssemblyError`` naming ``path``."""
    child_limits = {name: getattr(limits, name) for name in _CHILD_LIMITS}
    cmd = [sys.executable, "-c", "from letter_pdf.pdf.sandbox import main; main()", json.dumps(child_limits)]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")}
    try:
        proc = subprocess.run(
            cmd, input=data, capture_output=True, timeout=limits.WALL_SECONDS, env=env,
            preexec_fn=_limit_child if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired as exc:
        raise refuse(path, f"takes more than {limits.WALL_SECONDS} s to read (malformed or hostile)", _REBUILD) from exc
    if proc.returncode != 0:
        if proc.returncode in (-getattr(signal, "SIGXCPU", 24), -getattr(signal, "SIGKILL", 9)):
            raise refuse(path, f"takes more than {limits.CPU_SECONDS} s of computing to read (malformed or hostile)",
                         _REBUILD)
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        if "MemoryError" in tail[0] or proc.returncode in (-signal.SIGSEGV, -signal.SIGABRT, -getattr(signal, "SIGBUS", 7)):
            raise refuse(path, f"needs more than {limits.MEMORY_BYTES // 1048576} MiB of memory to read "
                         "(malformed or hostile)", _REBUILD)
        raise refuse(path, f"cannot be read safely ({tail[0][:200]})")
    try:
        report = json.loads(proc.stdout)
    except ValueError as exc:
        raise refuse(path, "cannot be read safely (no report from the reader)") from exc
    if report.get("error"):
        raise refuse(path, report["error"], report.get("hint"))
    return report


def main() -> None:
    """Child process: read a PDF from stdin, write a JSON report to stdout (exit 0 unless killed)."""
    from letter_pdf.pdf.inspection import inspect_data

    for name, value in json.loads(sys.argv[1]).items():
        if name in _CHILD_LIMITS:
            setattr(limits, name, int(value))
    data = sys.stdin.buffer.read()
    try:
        report = inspect_data(data)
    except Refused as refused:
        report = {"error": refused.args[0], "hint": refused.args[1] if len(refused.args) > 1 else None}
    sys.stdout.write(json.dumps(report))
