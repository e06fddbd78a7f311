"""Rules of the code's layout that a review would otherwise have to check by hand."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "letter_pdf"
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in MODULES if (n := len(p.read_text("utf-8").splitlines())) > 600}
    assert long == {}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_cli_imports_click():
    outside = [str(p.relative_to(PACKAGE)) for p in MODULES
               if "click" in _imports(p) and p.relative_to(PACKAGE).parts[0] != "cli"]
    assert outside == []


def test_no_module_imports_the_version_from_the_package_root():
    upward = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "letter_pdf" \
                    and any(a.name == "__version__" for a in node.names):
                upward.append(str(path.relative_to(PACKAGE)))
    assert upward == []
