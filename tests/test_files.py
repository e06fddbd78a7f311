"""Inputs are regular files read up to a limit: a named pipe (FIFO) or a device given as any input ends at
once in one error line (exit 1) instead of waiting for a writer or reading for ever; a standard output
that cannot be written is one error line (exit 1), not an internal error; ``-o newname/`` names a folder.

Every command runs in a subprocess with a timeout, so that a command that hangs fails its test instead of
blocking the suite.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from letter_pdf.errors import ArchiveError, InputError, SignatoryError
from letter_pdf.files import read_regular

from conftest import run_main, within, write_letter

ROOT = Path(__file__).resolve().parents[1]
NOT_A_FILE = "not a regular file — give the file itself: letter-pdf reads only regular files"
FIFO = f"a named pipe (FIFO), {NOT_A_FILE}"
DEVICE = f"a device, {NOT_A_FILE}"
SECONDS = 60  # far more than any of these commands takes; only a hang reaches it


def lp(args: list[str], cwd: Path, *, stdout=subprocess.PIPE, env: dict | None = None) -> subprocess.CompletedProcess:
    """``letter-pdf ARGS`` in ``cwd``, in a subprocess that is killed (failing the test) if it hangs."""
    environment = {k: v for k, v in os.environ.items() if k != "LETTER_PDF_P12_PASSPHRASE"}
    environment.update({"PYTHONPATH": str(ROOT), **(env or {})})
    try:
        return subprocess.run([sys.executable, "-m", "letter_pdf", *args], cwd=cwd, stdout=stdout,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=environment,
                              timeout=SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"letter-pdf {' '.join(args)} still runs after {SECONDS} s")


def device(path: Path, minor: int = 5) -> Path:
    """A character device node of our own in a test folder: (1, 5) reads zeros for ever, (1, 7) is always
    full. Making one needs root (CI and this machine run the suite as root)."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, minor))
    return path


# --- the shared reader ------------------------------------------------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    with pytest.raises(SignatoryError) as caught:
        within(10, lambda: read_regular(fifo, limit=100, what="the signatory file", error=SignatoryError,
                                        where="f.csv"))
    assert str(caught.value) == f"f.csv: the signatory file is {FIFO}"


def test_a_link_to_an_endless_device_is_refused(tmp_path):
    zero = device(tmp_path / "zero")
    link = tmp_path / "z.pdf"
    link.symlink_to(zero)
    with pytest.raises(ArchiveError) as caught:
        within(10, lambda: read_regular(link, limit=1 << 40, what="the PDF", error=ArchiveError))
    assert str(caught.value) == f"{link}: the PDF is {DEVICE}"


def test_a_file_is_read_up_to_its_limit(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 2048)
    assert read_regular(path, limit=2048, what="the file") == b"x" * 2048
    with pytest.raises(InputError) as caught:
        read_regular(path, limit=2047, what="the file", hint="is it the right file?")
    assert str(caught.value) == f"{path}: the file is larger than 1 KB — is it the right file?"
    assert read_regular(path, limit=1000, what="the file", cut=True) == b"x" * 1000


def test_a_folder_and_a_missing_file_are_left_to_the_caller_to_word(tmp_path):
    with pytest.raises(IsADirectoryError):
        read_regular(tmp_path, limit=10, what="the file")
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing", limit=10, what="the file")


# --- every input of every command, given as a FIFO ---------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    """A letter (letter.md, signatories.csv), a dummy a.pdf, and FIFOs named fifo.md, f.csv, f.pdf, f.p12,
    f.pem."""
    write_letter(tmp_path)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    for name in ("fifo.md", "f.csv", "f.pdf", "f.p12", "f.pem"):
        os.mkfifo(tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("args, error", [
    (["check", "fifo.md"], f"fifo.md: the letter file is {FIFO}\nfifo.md: 1 error, 0 warnings"),
    (["build", "fifo.md", "-o", "x.pdf"], f"fifo.md: the letter file is {FIFO}"),
    (["signatories", "lint", "f.csv"], f"f.csv: the signatory file is {FIFO}"),
    (["signatories", "stats", "f.csv"], f"f.csv: the signatory file is {FIFO}"),
    (["signatories", "import", "f.csv", "-o", "-"], f"f.csv: the signatory file is {FIFO}"),
    (["signatories", "diff", "signatories.csv", "f.csv"], f"f.csv: the signatory file is {FIFO}"),
    (["verify", "f.pdf"], f"f.pdf: the PDF is {FIFO}"),
    (["verify", "a.pdf", "--trust", "f.pem"], f"f.pem: the trust certificate is {FIFO}"),
    (["build", "letter.md", "--sign", "f.p12", "-o", "x.pdf"], f"f.p12: the key file is {FIFO}"),
    (["archive", "record", "f.pdf", "--to", "X", "--via", "email", "--archive-dir", "A"], f"f.pdf: the PDF is {FIFO}"),
    (["preview", "f.pdf", "-o", "p.png"], f"f.pdf: the PDF is {FIFO}"),
])
def test_a_fifo_as_input_is_one_error_line(folder, args, error):
    proc = lp(args, folder)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", f"error: {error}\n")
    assert not (folder / "x.pdf").exists() and not (folder / "p.png").exists() and not (folder / "A").exists()


def test_a_link_to_an_endless_device_as_a_signatory_list(tmp_path):
    device(tmp_path / "zero")
    (tmp_path / "z.csv").symlink_to("zero")
    proc = lp(["signatories", "lint", "z.csv"], tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", f"error: z.csv: the signatory file is {DEVICE}\n")


def test_a_fifo_letter_css_beside_the_letter_is_refused(tmp_path):
    """The template loader passed over a letter.css that is not a regular file and used the bundled one,
    so `check` said 'no errors' for a letter whose build would wait on the FIFO."""
    letter = write_letter(tmp_path / "l")
    os.mkfifo(tmp_path / "l" / "letter.css")
    proc = lp(["check", str(letter.relative_to(tmp_path))], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == ("error: l/letter.css: the stylesheet is a named pipe (FIFO), not a regular file — replace "
                           "it with a regular file, or remove it (the bundled one of that name is used then)\n"
                           "l/letter.md: 1 error, 0 warnings\n")


def test_a_stylesheet_scan_passes_over_a_fifo(tmp_path):
    """What a build reads through the folder's stylesheets (to refuse an output over one of them) is found
    without opening a FIFO that is named like a stylesheet."""
    from letter_pdf.stylesheets import named_files

    (tmp_path / "a.css").write_text("body { background: url(logo.png) }\n", encoding="utf-8")
    os.mkfifo(tmp_path / "b.css")
    assert within(10, lambda: named_files(tmp_path)) == [("a.css", tmp_path / "logo.png")]


@pytest.mark.slow
def test_a_fifo_named_in_a_stylesheet_is_refused(tmp_path):
    from letter_pdf import assets

    letter = write_letter(tmp_path / "l")
    css = (assets.templates_dir() / "letter.css").read_text(encoding="utf-8")
    (tmp_path / "l" / "letter.css").write_text(css + "\nbody { background: url(f.png) }\n", encoding="utf-8")
    os.mkfifo(tmp_path / "l" / "f.png")
    proc = lp(["check", "letter.md"], letter.parent)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == f"error: f.png: the file is {FIFO}"


# --- standard output that cannot be written ------------------------------------------------------------------


def test_a_full_standard_output_is_one_error_line_in_process(tmp_path, capsys, monkeypatch):
    """Where no device node can be made: the write itself fails as a full disk makes it fail."""
    write_letter(tmp_path)

    def full(_text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sys.stdout, "write", full)
    code, _, err = run_main(["signatories", "stats", str(tmp_path / "signatories.csv")], capsys)
    assert (code, err) == (1, "error: cannot write to standard output (No space left on device)\n")


def test_any_other_system_error_is_still_a_bug(tmp_path, capsys, monkeypatch):
    """Only a failed write to standard output is the user's: the same error elsewhere is reported as a bug."""
    from letter_pdf import counts

    write_letter(tmp_path)

    def broken(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(counts.Counts, "of", broken)
    code, _, err = run_main(["signatories", "stats", str(tmp_path / "signatories.csv")], capsys)
    assert code == 3 and err.startswith("internal error: OSError: [Errno 28] No space left on device")


FULL = "error: cannot write to standard output (No space left on device)\n"


@pytest.mark.parametrize("args", [
    ["signatories", "stats", "signatories.csv"],
    ["signatories", "lint", "warned.csv"],  # its finding goes to standard output, exit 0 else
    ["signatories", "import", "signatories.csv", "-o", "-"],
    ["--help"],
    ["--version"],
    ["build", "--help"],
])
def test_a_full_standard_output_is_one_error_line(tmp_path, args):
    write_letter(tmp_path)
    (tmp_path / "warned.csv").write_text("name,country\nHuman Rights House Foundation,NO\n"
                                         "Human Rights House Foundation HRHF,GB\n", encoding="utf-8")
    full = device(tmp_path / "full", minor=7)
    with open(full, "w") as stdout:
        proc = lp(args, tmp_path, stdout=stdout)
    assert (proc.returncode, proc.stderr) == (1, FULL)


@pytest.mark.slow
@pytest.mark.parametrize("args", [["check", "letter.md"], ["build", "letter.md", "-o", "-"]])
def test_a_full_standard_output_after_a_build_is_one_error_line(tmp_path, args):
    write_letter(tmp_path)
    full = device(tmp_path / "full", minor=7)
    with open(full, "w") as stdout:
        proc = lp(args, tmp_path, stdout=stdout)
    assert (proc.returncode, proc.stderr) == (1, FULL)


# --- -o newname/ names a folder -------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["build", "letter.md", "-o", "newname/"],
    ["signatories", "import", "signatories.csv", "-o", "newname/"],
    ["signatories", "lint", "signatories.csv", "--fix", "-o", "newname/"],
    ["preview", "a.pdf", "-o", "newname/"],
])
def test_an_output_ending_with_a_slash_names_a_folder(tmp_path, capsys, monkeypatch, args):
    write_letter(tmp_path)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    code, _, err = run_main(args, capsys)
    assert (code, err) == (1, "error: newname/: the output folder does not exist — create it or choose another -o\n")
    assert sorted(os.listdir(tmp_path)) == before
