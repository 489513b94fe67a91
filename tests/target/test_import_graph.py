"""target_exact imports at the top of its files and its modules import each other without a
circle (type-only imports count too)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "target_exact"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(), str(p)) for p in ROOT.rglob("*.py")}


def _resolve(name: str, known: set[str]) -> str | None:
    """The package module an imported name lives in (``a.b.C`` -> ``a.b``)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(tree: ast.Module, known: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            if name.split(".")[0] == PACKAGE and (target := _resolve(name, known)):
                found.add(target)
    return found


def test_imports_are_at_the_top_of_each_file() -> None:
    late = []
    for name, tree in _modules().items():
        top = {id(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                late.append(f"{name}:{node.lineno}")
    assert late == []


def test_no_import_circles() -> None:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(tree, known) - {name} for name, tree in modules.items()}
    # A package's __init__ runs before its submodules: importing it is an edge too.
    for name in known:
        parent = name.rpartition(".")[0]
        if parent in known and parent != name:
            graph[name].add(parent)
    assert len(graph) > 20  # the walk found the package
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = [*path[path.index(node) :], node]
            raise AssertionError("import circle: " + " -> ".join(cycle))
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*path, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])
