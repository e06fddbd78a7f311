"""output.py: atomic writes (old file or whole new one, never half), permissions kept, inputs never overwritten."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from letter_pdf import output
from letter_pdf.errors import OutputError


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


def test_write_atomic_writes_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "letter.pdf"
    assert output.write_atomic(target, b"%PDF-new") == target
    assert target.read_bytes() == b"%PDF-new"
    assert leftovers(tmp_path) == []


def test_a_failed_rename_leaves_the_old_file_whole_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"%PDF-old version")
    seen = []

    def failing_replace(src, dst):
        seen.append((Path(src).parent, Path(dst)))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", failing_replace)
    with pytest.raises(OutputError) as caught:
        output.write_atomic(target, b"%PDF-new version that must not appear")
    assert str(caught.value) == f"{target}: cannot write the file (No space left on device)"
    assert seen == [(tmp_path, target)]  # the new bytes went to a temporary file in the same folder
    assert target.read_bytes() == b"%PDF-old version"
    assert leftovers(tmp_path) == []


def test_the_temporary_file_is_named_after_the_output_and_made_in_its_folder(tmp_path, monkeypatch):
    """A leftover (after a crash) must be recognisable as ``.NAME.<random>.tmp`` beside the output."""
    target = tmp_path / "letter.pdf"
    seen = []

    def failing_replace(src, dst):
        seen.append(Path(src))
        assert Path(src).read_bytes() == b"%PDF-new"
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(output.os, "replace", failing_replace)
    with pytest.raises(OutputError) as caught:
        output.write_atomic(target, b"%PDF-new")
    assert str(caught.value) == f"{target}: cannot write the file (Invalid cross-device link)"
    assert caught.value.where == str(target) and caught.value.hint is None
    [tmp] = seen
    assert tmp.parent == tmp_path
    assert re.fullmatch(r"\.letter\.pdf\.[a-z0-9_]{8}\.tmp", tmp.name), tmp.name
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_bare_file_name_is_written_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert output.write_atomic(Path("letter.pdf"), b"%PDF-new") == Path("letter.pdf")
    assert (tmp_path / "letter.pdf").read_bytes() == b"%PDF-new"
    assert leftovers(tmp_path) == []


def test_a_failed_write_of_the_temporary_file_is_an_error_naming_the_folder(tmp_path, monkeypatch):
    """A full disk while the new bytes are written: the old file stays, no temporary file is left."""
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"%PDF-old version")

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", failing_fsync)
    with pytest.raises(OutputError) as caught:
        output.write_atomic(target, b"%PDF-new version")
    assert str(caught.value) == f"{tmp_path}: cannot write here (No space left on device) — choose a writable -o"
    assert caught.value.where == str(tmp_path) and caught.value.exit_code == 1
    assert target.read_bytes() == b"%PDF-old version"
    assert leftovers(tmp_path) == []


def test_an_output_path_that_cannot_be_looked_at_is_an_error_naming_it(tmp_path):
    """Not a missing file (that is a new file) but another failure of stat(): a symbolic-link loop."""
    target = tmp_path / "letter.pdf"
    target.symlink_to(target.name)
    with pytest.raises(OutputError) as caught:
        output.write_atomic(target, b"%PDF-new")
    assert str(caught.value) == f"{target}: cannot write the file (Too many levels of symbolic links)"
    assert caught.value.where == str(target) and caught.value.hint is None
    assert target.is_symlink() and leftovers(tmp_path) == []


def test_write_temp_names_the_file_with_the_prefix_and_suffix_given(tmp_path):
    plain = output.write_temp(tmp_path, b"x", prefix="t")
    assert re.fullmatch(r"t[a-z0-9_]{8}", plain.name), plain.name  # no suffix unless asked
    dotted = output.write_temp(tmp_path, b"y", prefix=".rec.", suffix=".tmp")
    assert re.fullmatch(r"\.rec\.[a-z0-9_]{8}\.tmp", dotted.name), dotted.name
    assert plain.read_bytes() == b"x" and dotted.read_bytes() == b"y"


def test_a_process_killed_before_the_rename_leaves_the_old_file(tmp_path):
    """A crash (SIGKILL: no clean-up runs) between writing the new bytes and the rename."""
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"%PDF-old version")
    child = textwrap.dedent(f"""
        import os, signal
        from letter_pdf import output
        os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
        output.write_atomic({str(target)!r}, b"%PDF-new version " * 1000)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    assert target.read_bytes() == b"%PDF-old version"


def test_a_missing_output_folder_is_an_error_naming_it(tmp_path):
    folder = tmp_path / "no-such-folder"
    with pytest.raises(OutputError) as caught:
        output.write_atomic(folder / "letter.pdf", b"%PDF")
    assert caught.value.exit_code == 1
    assert str(caught.value) == f"{folder}: the output folder does not exist — create it or choose another -o"
    assert not folder.exists()


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_a_replaced_file_keeps_its_mode(tmp_path, mode):
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"old")
    target.chmod(mode)
    output.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        output.write_atomic(tmp_path / "new.pdf", b"new")
        tmp = output.write_temp(tmp_path, b"x", prefix="t")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.pdf").stat().st_mode) == expected
    assert stat.S_IMODE(tmp.stat().st_mode) == expected


def test_write_temp_with_a_mode_gets_that_mode_whatever_the_umask(tmp_path):
    """The archive's records are read-only; a restrictive or permissive umask does not change that."""
    old = os.umask(0o000)
    try:
        tmp = output.write_temp(tmp_path, b"record", prefix="r", mode=0o444)
    finally:
        os.umask(old)
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o444


def test_archive_records_stay_read_only(tmp_path):
    from letter_pdf import archive

    target = tmp_path / "stored.bin"
    old = os.umask(0o000)
    try:
        archive.write_new(target, b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert leftovers(tmp_path) == []


# --- refuse_input ---------------------------------------------------------------------------------------


@pytest.fixture
def letter_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = Path("letters")
    folder.mkdir()
    (folder / "letter.md").write_text("letter", encoding="utf-8")
    (folder / "signatories.csv").write_text("name\nA\n", encoding="utf-8")
    return folder


INPUTS = [("the letter", "letters/letter.md"), ("the signatory list", "letters/signatories.csv")]


@pytest.mark.parametrize("target", ["letters/letter.md", "letters/../letters/letter.md", "./letters/letter.md"])
def test_the_same_file_by_another_spelling_is_refused(letter_folder, target):
    with pytest.raises(OutputError) as caught:
        output.refuse_input(target, INPUTS)
    assert str(caught.value) == (f"{target}: refused to overwrite the letter letters/letter.md: it is an input "
                                 "of this command — choose another output file with -o")


def test_a_symbolic_link_to_an_input_is_refused(letter_folder):
    (letter_folder / "out.pdf").symlink_to("signatories.csv")
    with pytest.raises(OutputError, match="refused to overwrite the signatory list letters/signatories.csv"):
        output.refuse_input("letters/out.pdf", INPUTS)


def test_a_link_to_the_folder_is_followed(letter_folder):
    Path("alias").symlink_to("letters")
    with pytest.raises(OutputError, match="overwrite the letter letters/letter.md"):
        output.refuse_input("alias/letter.md", INPUTS)


def test_a_hard_link_of_an_input_is_refused(letter_folder):
    os.link(letter_folder / "letter.md", letter_folder / "copy.pdf")
    with pytest.raises(OutputError, match="overwrite the letter letters/letter.md"):
        output.refuse_input("letters/copy.pdf", INPUTS)


def test_another_file_is_allowed(letter_folder):
    (letter_folder / "letter.pdf").write_bytes(b"%PDF old output")
    output.refuse_input("letters/letter.pdf", INPUTS)
    output.refuse_input("letters/new.pdf", INPUTS)


# --- check_target: an output that cannot be written fails before any work ---------------------------------


def test_check_target_refuses_a_missing_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError) as caught:
        output.check_target("nodir/x.pdf")
    assert str(caught.value) == "nodir: the output folder does not exist — create it or choose another -o"


def test_check_target_refuses_a_file_as_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        output.check_target("notes.txt/x.pdf")
    assert str(caught.value) == "notes.txt: the output folder is not a folder — choose another -o"
    assert Path("notes.txt").read_text(encoding="utf-8") == "mine"


def test_check_target_refuses_a_folder_as_the_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("out").mkdir()
    with pytest.raises(OutputError) as caught:
        output.check_target("out")
    assert str(caught.value) == f"out: the output is a folder — name a file, e.g. -o {Path('out', 'letter.pdf')}"


def test_check_target_refuses_a_folder_it_may_not_write_to(tmp_path, monkeypatch):
    # asked of the system (os.access), which the tests cannot make say no when run as root
    monkeypatch.chdir(tmp_path)
    Path("locked").mkdir()
    asked = []

    def access(path, mode):
        asked.append((str(path), mode))
        return False

    monkeypatch.setattr(output.os, "access", access)
    with pytest.raises(OutputError) as caught:
        output.check_target("locked/x.pdf")
    assert str(caught.value) == "locked: the output folder is not writable — choose a writable -o"
    assert asked == [("locked", os.W_OK | os.X_OK)]


def test_check_target_allows_a_new_or_existing_file_in_a_writable_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("old.pdf").write_bytes(b"%PDF old")
    output.check_target("old.pdf")
    output.check_target("new.pdf")
    output.check_target(tmp_path / "new.pdf")
    assert Path("old.pdf").read_bytes() == b"%PDF old" and not Path("new.pdf").exists()


def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(path)
    else:  # a second null device (needs root: CI and this machine run the suite as root)
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


@pytest.mark.parametrize("kind, words", [("fifo", "a named pipe (FIFO)"), ("device", "a device")])
def test_a_device_or_fifo_is_never_replaced_by_a_file(tmp_path, kind, words):
    """`-o /dev/null` renamed a regular file over the system's null device: refused, by the check made before
    any work and by the write itself, and the special file is left as it was."""
    path = _special(tmp_path, kind)
    before = os.stat(path).st_mode
    with pytest.raises(OutputError) as early:
        output.check_target(path)
    with pytest.raises(OutputError) as late:
        output.write_atomic(path, b"%PDF")
    for error in (early, late):
        assert str(error.value) == (f"{path}: the output is {words}, not a file: letter-pdf writes only regular "
                                    "files — use -o - to write the PDF to standard output")
    assert os.stat(path).st_mode == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [kind]


def test_a_symbolic_link_as_the_output_is_kept_and_the_file_it_names_replaced(tmp_path):
    real = tmp_path / "real.pdf"
    real.write_bytes(b"old")
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    output.write_atomic(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.pdf", "real.pdf"]
