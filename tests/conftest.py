"""Shared fixtures: test resources, the shared sample, and a factory for letters on disk."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest
import yaml

RESOURCES = Path(__file__).parent / "resources"
SHARED_SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "foreign-agents"


@pytest.fixture(scope="session")
def resources() -> Path:
    return RESOURCES


@pytest.fixture(scope="session")
def shared_sample() -> Path:
    """The real sample letter beside the checkout; skips the test when ``../shared`` is absent."""
    if not (SHARED_SAMPLE / "letter.txt").is_file():
        pytest.skip(f"the shared sample is not at {SHARED_SAMPLE} (a clone without ../shared)")
    return SHARED_SAMPLE


def within(seconds: float, function):
    """``function()``'s result, or a failed test when it has not returned after ``seconds`` (it is left
    behind in a daemon thread: a read that blocks for ever cannot be interrupted)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    import threading

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def writable_copy(archive: Path, target: Path) -> Path:
    """A copy of an archive folder whose files the test may change (stored files are read-only)."""
    import shutil

    shutil.copytree(archive, target)
    for path in target.rglob("*"):
        if path.is_file():
            path.chmod(0o644)
    return target


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def sample_rows() -> list[dict[str, str]]:
    """The 65 signatories of the sample, as rows of name, country, kind, role."""
    return read_csv_rows(RESOURCES / "foreign-agents-signatories.csv")


DEFAULT_FRONT = {
    "title": "Joint letter on freedom of association",
    "subject": "Protect civil society organisations",
    "date": "2026-11-29",
    "place": "London",
    "lang": "en",
    "sender": {"name": "Example Coalition", "address": ["1 Example Street", "London"]},
    "recipient": {"name": "The Minister", "address": ["1 Government Road", "Capital City"]},
    "opening": "Dear Minister,",
    "closing": "Yours sincerely,",
    "signatories": "signatories.csv",
}


def write_letter(
    folder: Path,
    *,
    front: dict | None = None,
    body: str = "We, the undersigned, write to you about a test.\n",
    rows: list[dict[str, str]] | None = None,
    name: str = "letter.md",
    drop: tuple[str, ...] = (),
) -> Path:
    """Write ``letter.md`` (front matter = DEFAULT_FRONT updated by ``front``) and its signatories CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {**DEFAULT_FRONT, **(front or {})}
    for key in drop:
        data.pop(key, None)
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + textwrap.dedent(body)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if rows is None:
        rows = [{"name": "Organisation One", "country": "GB"}, {"name": "Organisation Two", "country": "FR"}]
    sig = data.get("signatories")
    if isinstance(sig, str) and sig.endswith(".csv"):
        fields = sorted({k for r in rows for k in r}, key=["name", "country", "kind", "role", "group"].index)
        with (folder / sig).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return path


@pytest.fixture
def make_letter(tmp_path):
    """Factory: ``make_letter(front={...}, body=..., rows=[...])`` -> path of a letter in tmp_path."""

    def factory(**kwargs) -> Path:
        return write_letter(tmp_path / kwargs.pop("subdir", "letter"), **kwargs)

    return factory


def run_main(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``letter-pdf ARGS`` in-process through ``cli.main``; return (exit code, stdout, stderr)."""
    from letter_pdf.cli import main

    try:
        main(args)
        code = 0
    except SystemExit as exit:
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err
