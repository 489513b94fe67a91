"""No Python file of the repository edits ``sys.path``: code is found through the installed
packages, relative imports, ``python -m benchmarks.…``/``scripts.…`` from the root, and pytest's
rootdir conftest."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

SKIPPED_DIRS = {".git", "build", "dist", "demo", "node_modules", "__pycache__"}


def python_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts[:-1]
        # venvs, caches, tool dirs (.venv*, .nox, .meltano, benchmarks/.venvs) are not ours
        if not any(p in SKIPPED_DIRS or p.startswith(".") for p in parts):
            files.append(path)
    return files


def sys_path_uses(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]


def test_no_file_touches_sys_path() -> None:
    files = python_files()
    assert len(files) > 50  # the walk found the repository
    offenders = {
        str(path.relative_to(ROOT)): lines for path in files if (lines := sys_path_uses(path))
    }
    assert offenders == {}
