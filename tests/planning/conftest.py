"""Fixtures for the planning-model tests: dbt's venv, and the sandbox's demo company loaded into
DuckDB by the real tap and the real target-duckdb (once per module)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from filelock import FileLock

from scripts.planning import SOURCE_STREAMS
from tests.pipeline.singer_run import (
    SandboxServer,
    discover_catalog,
    run_pipe,
    tap_config,
    write_json,
)

from .warehouse import DuckDBFile

ROOT = Path(__file__).resolve().parents[2]
RAW_SCHEMA = "exact"
# EndDate rules compare with this day, so expectations do not move with the calendar.
PLANNING_DATE = "2026-12-01"


def load_planning_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "exact_planning", ROOT / "scripts" / "planning.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lock_for(name: str) -> FileLock:
    tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return FileLock(str(Path(tempfile.gettempdir()) / f"exact-{name}-{tag}.lock"))


@pytest.fixture(scope="session")
def planning() -> ModuleType:
    """scripts/planning.py, with dbt's venv (.venv-dbt) installed once and shared."""
    module = load_planning_module()
    with lock_for("venv-dbt"):
        module.ensure_dbt()
    return module


@dataclass
class LoadedCompany:
    """The sandbox company as tap-exact | target-duckdb left it, and the sandbox's own counts."""

    db: DuckDBFile
    stats: dict[str, dict[str, int]]
    sandbox: SandboxServer
    work_dir: Path
    tap_command: list[str]
    target_config: dict[str, Any]
    state: dict[str, Any]

    def raw(self, table: str) -> list[dict[str, Any]]:
        return self.db.table(RAW_SCHEMA, table)

    def extract_again(self, duckdb_path: Path) -> None:
        """An incremental run (from the first run's state) into another DuckDB file."""
        state = write_json(self.work_dir / "state.json", self.state)
        target = write_json(duckdb_path.with_suffix(".target.json"),
                            {**self.target_config, "filepath": str(duckdb_path)})
        again = run_pipe(
            [[*self.tap_command, "--state", str(state)],
             [str(self.db.python.parent / "target-duckdb"), "--config", str(target)]],
            cwd=self.work_dir,
        )
        assert again.returncodes == [0, 0], "".join(err[-3000:] for err in again.stderrs)

    def in_sandbox(self, entity: str) -> int:
        """Rows of one sandbox entity ("service/Entity") over all divisions."""
        counts = [int(per[entity]) for per in self.stats.values() if entity in per]
        assert counts, f"no sandbox stats for {entity}"
        return sum(counts)


@pytest.fixture(scope="module")
def loaded_company(
    planning: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedCompany]:
    work = tmp_path_factory.mktemp("planning")
    with SandboxServer(work / "sandbox", seed=1, divisions=2, scale="small",
                       no_rate_limits=True) as sandbox:
        tap = str(Path(sys.executable).parent / "tap-exact")
        config = write_json(work / "tap.json", tap_config(
            sandbox.config, token_store_path=str(work / "tokens.json")))
        catalog = discover_catalog(tap, config, SOURCE_STREAMS, work / "catalog.json")
        duckdb_path = work / "exact.duckdb"
        target_settings: dict[str, Any] = {
            "filepath": str(duckdb_path), "default_target_schema": RAW_SCHEMA,
            # _sdc_deleted_at: the planning model's deletions (docs/planning.md, "Deletions")
            "add_metadata_columns": True,
        }
        target_config = write_json(work / "target-duckdb.json", target_settings)
        tap_command = [tap, "--config", str(config), "--catalog", str(catalog)]
        loaded = run_pipe(
            [tap_command,
             [str(planning.venv_bin("target-duckdb")), "--config", str(target_config)]],
            cwd=work,
        )
        assert loaded.returncodes == [0, 0], "".join(err[-3000:] for err in loaded.stderrs)
        assert loaded.states, "target-duckdb wrote no STATE"
        yield LoadedCompany(
            db=DuckDBFile(duckdb_path, planning.venv_bin("python")),
            stats=sandbox.stats(),
            sandbox=sandbox,
            work_dir=work,
            tap_command=tap_command,
            target_config=target_settings,
            state=loaded.states[-1],
        )
