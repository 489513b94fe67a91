"""Fixtures for the pipeline tests: Meltano, a throwaway PostgreSQL and its loader, each cached."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from filelock import FileLock

from .postgres import PostgresServer, find_postgres_bin

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TARGET_POSTGRES_VENV = ROOT / ".venv-target-postgres"
TARGET_POSTGRES_PIN = "meltanolabs-target-postgres==0.8.1"


def lock_for(name: str) -> FileLock:
    """A cross-process lock outside the work tree (nothing to gitignore), one per checkout."""
    tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return FileLock(str(Path(tempfile.gettempdir()) / f"exact-{name}-{tag}.lock"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "meltano: needs Meltano (.venv-meltano, installed on demand)"
    )


def load_demo_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("exact_demo", ROOT / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project_script(name: str) -> str:
    """A console script of this project, from the venv running the tests."""
    path = VENV_BIN / name
    assert path.exists(), f"{name} is not installed in {VENV_BIN}; run `make install`"
    return str(path)


@pytest.fixture
def meltano_project() -> Iterator[None]:
    """One `meltano run` of this repository's own Meltano project at a time.

    Meltano hands state and config to the plugins through files under the project's .meltano/run/,
    shared by every run of the project: two at once, and one tap reads the other's state (it then
    reads nothing new). The tests doing this share an xdist group, which keeps them on one worker;
    this lock holds where the group does not (pytest -n without --dist loadgroup, or a pytest the
    grouping breaks on: pytest-dev/pytest-xdist#1386).
    """
    with lock_for("meltano-project"):
        yield


@pytest.fixture(scope="session")
def meltano_bin() -> Path:
    """.venv-meltano/bin/meltano, created once (shared with `make demo`)."""
    with lock_for("venv-meltano"):
        return Path(load_demo_module().ensure_meltano())


@pytest.fixture(scope="session")
def meltano_schema(meltano_bin: Path) -> Path:
    found = sorted(meltano_bin.parent.parent.glob("lib/python*/site-packages/meltano/schemas/"
                                                  "meltano.schema.json"))
    assert found, "meltano.schema.json not found inside the installed meltano package"
    return found[-1]


@pytest.fixture(scope="session")
def target_postgres_bin() -> Path:
    """target-postgres in its own cached venv (its SQLAlchemy/psycopg pins are not ours)."""
    exe = TARGET_POSTGRES_VENV / "bin" / "target-postgres"
    marker = TARGET_POSTGRES_VENV / f".{TARGET_POSTGRES_PIN}"
    with lock_for("venv-target-postgres"):
        if not (exe.exists() and marker.exists()):
            subprocess.run([sys.executable, "-m", "venv", str(TARGET_POSTGRES_VENV)], check=True)
            subprocess.run(
                [str(TARGET_POSTGRES_VENV / "bin" / "pip"), "install", "--quiet",
                 TARGET_POSTGRES_PIN],
                check=True, timeout=600,
            )
            marker.touch()
    return exe


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    if find_postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    with PostgresServer() as server:
        yield server
