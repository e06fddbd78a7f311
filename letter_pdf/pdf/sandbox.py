def _limit_child() -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    os.setsid()




def _preflight_child(path: Path, data: bytes) -> Inspection:
    limits = {name: globals()[name] for name in _CHILD_LIMITS}
    cmd = [sys.executable, "-c", "from letter_pdf.assemble import _preflight_main; _preflight_main()", json.dumps(limits)]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")}
    try:
        proc = subprocess.run(
            cmd, input=data, capture_output=True, timeout=WALL_SECONDS, env=env,
            preexec_fn=_limit_child if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired as exc:
        raise _refuse(path, f"takes more than {WALL_SECONDS} s to read (malformed or hostile)",
                      "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out") from exc
    if proc.returncode != 0:
        if proc.returncode in (-getattr(signal, "SIGXCPU", 24), -getattr(signal, "SIGKILL", 9)):
            raise _refuse(path, f"takes more than {CPU_SECONDS} s of computing to read (malformed or hostile)",
                          "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out")
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        if "MemoryError" in tail[0] or proc.returncode in (-signal.SIGSEGV, -signal.SIGABRT, -getattr(signal, "SIGBUS", 7)):
            raise _refuse(path, f"needs more than {MEMORY_BYTES // 1048576} MiB of memory to read (malformed or hostile)",
                          "rebuild it, e.g. `qpdf in.pdf out.pdf`, or leave it out")
        raise _refuse(path, f"cannot be read safely ({tail[0][:200]})")
    try:
        report = json.loads(proc.stdout)
    except ValueError as exc:
        raise _refuse(path, "cannot be read safely (no report from the reader)") from exc
    if report.get("error"):
        raise _refuse(path, report["error"], report.get("hint"))
    return Inspection(
        pages=report["pages"],
        sizes=tuple(tuple(s) for s in report["sizes"]),
        version=report["version"],
        pdfa=report["pdfa"],
        pdfa_problems=tuple(report["pdfa_problems"]),
        repairs=tuple(report["repairs"]),
        tagged=report["tagged"],
    )


def _preflight_main() -> None:
    """Child process: read a PDF from stdin, write a JSON report to stdout (exit 0 unless killed)."""
    globals().update({k: int(v) for k, v in json.loads(sys.argv[1]).items() if k in _CHILD_LIMITS})
    data = sys.stdin.buffer.read()
    try:
        report = _inspect(data)
    except _Refused as refused:
        report = {"error": refused.args[0], "hint": refused.args[1] if len(refused.args) > 1 else None}
    sys.stdout.write(json.dumps(report))


_CHILD_LIMITS = ("MAX_PAGES", "MAX_OBJECTS", "MAX_STREAM_BYTES", "MAX_DECODED_BYTES", "MAX_RATIO")


