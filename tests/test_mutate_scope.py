"""The mutation-testing scope (tests/mutate.py) names functions and test files that exist: a function moved or
renamed by a reorganisation would otherwise drop out of `make mutate` without a word."""

from __future__ import annotations

import ast
from pathlib import Path

import mutate
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _defined(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef))
    return names


@pytest.mark.parametrize("entry", [e for e in mutate.SCOPE if not e.skip], ids=lambda e: e.guard)
def test_every_scope_function_and_test_file_exists(entry):
    assert entry.file is not None and (ROOT / entry.file).is_file()
    assert sorted(set(entry.functions) - _defined(ROOT / entry.file)) == []
    assert [t for t in entry.tests if not (ROOT / t).is_file()] == []
