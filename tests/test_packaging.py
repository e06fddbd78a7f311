"""The wheel carries the templates and fonts, and an installed wheel builds a letter without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import write_letter

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    return next(out.glob("letter_pdf-*.whl"))


def test_wheel_ships_templates_fonts_and_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").iterdir():
        assert f"letter_pdf/templates/{template.name}" in names
    for font in (ROOT / "fonts").iterdir():
        assert f"letter_pdf/fonts/{font.name}" in names  # the .ttf files, OFL.txt and the source note
    for words in (ROOT / "letter_pdf" / "locales").iterdir():
        assert f"letter_pdf/locales/{words.name}" in names  # the fixed words of every language


def test_unpacked_wheel_builds_a_letter_on_its_own(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    letter = write_letter(tmp_path / "letter", front={"lang": "pt-BR"})  # its words come from the wheel's data
    code = (
        "import letter_pdf, letter_pdf.assets as a, sys;"
        "assert str(a.templates_dir()).startswith(sys.argv[1]), a.templates_dir();"
        "print(letter_pdf.build(sys.argv[2], output=sys.argv[3]).pages)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code, str(site), str(letter), str(tmp_path / "out.pdf")],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF-")
    from pypdf import PdfReader

    text = " ".join((page.extract_text() or "") for page in PdfReader(tmp_path / "out.pdf").pages)
    assert "Página 1 de 1" in text and "Signatários" in text
