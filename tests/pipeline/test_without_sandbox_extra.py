"""`pip install tap-exact-online` without `[sandbox]`: the tap, the target and the client run
without werkzeug, odata-query and trustme. Each command runs in a subprocess whose imports of
those three fail (a meta-path blocker, as if they were not installed), against a sandbox that runs
in its own process with the extra; a real clean venv install is too slow for the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from exact_sandbox.extra import EXTRA_MODULES

from .conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

# argv: module to run as __main__, then its arguments. Exits 97 if a blocked module got imported.
BLOCKED_RUN = f"""
import runpy, sys
BLOCKED = {set(EXTRA_MODULES)!r}

class NoSandboxExtra:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed (blocked by the test)")
        return None

sys.meta_path.insert(0, NoSandboxExtra())
module, sys.argv = sys.argv[1], sys.argv[1:]
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    if BLOCKED & set(sys.modules):
        sys.exit(97)
"""

IMPORT_ALL = """
import importlib, pkgutil
for package in ("exact_online", "tap_exact", "target_exact"):
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
for name in ("exact_sandbox.cli", "exact_sandbox.testing", "exact_sandbox.pytest_plugin"):
    importlib.import_module(name)
print("imported")
"""


def blocked(*argv: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, *argv],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False,
    )


def _code(tmp_path: Path, code: str) -> Path:
    path = tmp_path / "import_all.py"
    path.write_text(code)
    return path


def test_every_module_of_tap_target_and_client_imports_without_the_extra(tmp_path: Path) -> None:
    # runpy runs a module; a throwaway module in cwd holds the import loop
    _code(tmp_path, IMPORT_ALL)
    result = blocked("import_all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "imported"


def test_exact_sandbox_serve_says_which_extra_is_missing(tmp_path: Path) -> None:
    result = blocked(
        "exact_sandbox.cli", "serve", "--data", str(tmp_path / "data"), cwd=tmp_path, timeout=120
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "exact-sandbox needs the [sandbox] extra (werkzeug, odata-query, trustme missing): "
        "pip install 'tap-exact-online[sandbox]'"
    ]
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("module", "name"), [("tap_exact", "tap-exact"), ("target_exact", "target-exact")]
)
def test_about_without_the_extra(tmp_path: Path, module: str, name: str) -> None:
    result = blocked(module, "--about", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["name"] == name


def test_sync_without_the_extra(sandbox: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sandbox.config))
    discovered = blocked("tap_exact", "--config", str(config), "--discover", cwd=tmp_path)
    assert discovered.returncode == 0, discovered.stderr[-3000:]
    catalog = json.loads(discovered.stdout)
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] == "warehouses"]
    for meta in catalog["streams"][0]["metadata"]:
        if meta["breadcrumb"] == []:
            meta["metadata"]["selected"] = True
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))

    stats = sandbox.stats()
    before = sandbox.calls()["by_path"]
    run = blocked(
        "tap_exact", "--config", str(config), "--catalog", str(catalog_path), cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-3000:]
    after = sandbox.calls()["by_path"]

    messages = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    records = [m for m in messages if m["type"] == "RECORD"]
    expected = sum(int(per.get("inventory/Warehouses", 0)) for per in stats.values())
    assert expected > 0
    assert len(records) == expected
    # only the paths this run called (the sandbox may be shared with earlier tests of the worker:
    # their ItemWarehouses calls stay in the log with no new call)
    made = {k: after[k] - before.get(k, 0) for k in after}
    pages = {k: n for k, n in made.items() if "Warehouses" in k and n}
    # a few warehouses per division: one page each
    assert pages == {
        f"GET /api/v1/{d}/inventory/Warehouses": 1 for d in sandbox.divisions_list
    }
    assert any(m["type"] == "STATE" for m in messages)


def _pyproject() -> dict[str, Any]:
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _names(requirements: list[str]) -> set[str]:
    out = set()
    for requirement in requirements:
        name = requirement.split(";")[0]
        for stop in "[<>=~! ":
            name = name.split(stop)[0]
        out.add(name.strip().lower().replace("_", "-"))
    return out


def test_base_dependencies_leave_the_sandbox_to_its_extra() -> None:
    project = _pyproject()["project"]
    base = _names(project["dependencies"])
    extra = set(EXTRA_MODULES.values())
    assert not base & extra
    assert _names(project["optional-dependencies"]["sandbox"]) == extra
    assert "tap-exact-online[sandbox]" in project["optional-dependencies"]["dev"]


def test_every_base_dependency_is_imported() -> None:
    """Dependencies on purpose: each one is imported by the shipped packages."""
    import_names = {"singer-sdk": "singer_sdk"}
    sources = "\n".join(
        path.read_text()
        for package in ("exact_online", "tap_exact", "target_exact", "exact_sandbox")
        for path in (ROOT / package).rglob("*.py")
    )
    for name in _names(_pyproject()["project"]["dependencies"]):
        module = import_names.get(name, name.replace("-", "_"))
        assert f"import {module}" in sources or f"from {module}" in sources, name
