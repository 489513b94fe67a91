"""The import graph: each package's modules import each other without a circle (type-only imports
count too), the packages import each other one way only, and target_exact imports at the top of
its files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("exact_online", "exact_sandbox", "tap_exact", "target_exact")
# Which other packages each may import: the client none, the plugins only the client.
ALLOWED = {
    "exact_online": set(),
    "exact_sandbox": {"exact_online"},
    "tap_exact": {"exact_online"},
    "target_exact": {"exact_online"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: str) -> dict[str, ast.Module]:
    root = REPO / package
    return {_module_name(p): ast.parse(p.read_text(), str(p)) for p in root.rglob("*.py")}


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """``from .x import y`` inside ``module`` -> ``package.x``."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def _resolve(name: str, known: set[str]) -> str | None:
    """The package module an imported name lives in (``a.b.C`` -> ``a.b``)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported_names(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            # ``from pkg import name``: module ``pkg.name`` if there is one, else pkg itself.
            base = _absolute(node, module, is_package)
            names += [f"{base}.{a.name}" for a in node.names]
    return names


def _imports(tree: ast.Module, module: str, known: set[str], is_package: bool) -> set[str]:
    found: set[str] = set()
    for name in _imported_names(tree, module, is_package):
        if (target := _resolve(name, known)) is not None:
            found.add(target)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_one_way(package: str) -> None:
    wrong = set()
    for module, tree in _modules(package).items():
        is_package = (REPO / module.replace(".", "/") / "__init__.py").exists()
        for name in _imported_names(tree, module, is_package):
            top = name.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                wrong.add(f"{module} imports {top}")
    assert sorted(wrong) == []


def test_target_imports_are_at_the_top_of_each_file() -> None:
    late = []
    for name, tree in _modules("target_exact").items():
        top = {id(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                late.append(f"{name}:{node.lineno}")
    assert late == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circles(package: str) -> None:
    modules = _modules(package)
    known = set(modules)
    graph = {
        name: _imports(
            tree, name, known, (REPO / name.replace(".", "/") / "__init__.py").exists()
        ) - {name}
        for name, tree in modules.items()
    }
    assert len(graph) > 10  # the walk found the package
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
