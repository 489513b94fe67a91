"""`make planning`: the planning model (dbt project in planning/) built on the demo's DuckDB file.

1. dbt in its own venv (.venv-dbt, created once): dbt's pins are not the tap's, and its duckdb
   must be the one target-duckdb writes the file with (1.1.3, see meltano.yml),
2. `make demo`'s extract when demo/exact.duckdb does not exist yet,
3. `dbt build` (models and their tests) into the `planning` schema of that file; with
   `--full-refresh` when the vars differ from the last build's (the incremental marts),
4. the planner's entities and their row counts.

Flags (seed 001) are dbt vars: `make planning VARS='{use_sales_orders: true}'`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIR = ROOT / "planning"
PROFILES_DIR = PROJECT_DIR / "profiles"
DBT_VENV = ROOT / ".venv-dbt"
# One venv for dbt and the DuckDB loader the tests use: the same duckdb reads and writes the file.
DBT_PINS = (
    "dbt-core==1.11.16",
    "dbt-duckdb==1.10.1",
    "dbt-postgres==1.10.2",
    "duckdb==1.1.3",
    "target-duckdb==0.8.0",
)
ENTITIES = (
    "products", "product_compositions", "suppliers", "supplier_products", "sell_orders",
    "sell_order_lines", "buy_orders", "buy_order_lines", "receipt_lines",
)
PLANNING_SCHEMA = "planning"
# The tap streams the models read (planning/models/staging/_exact__sources.yml), and warehouses
# for the stock_warehouse_ids flag: what the tests and the benchmark load.
SOURCE_STREAMS = (
    "warehouses",
    "items", "stock_positions", "item_warehouses", "sales_item_prices", "accounts",
    "supplier_item", "purchase_item_prices", "purchase_orders", "goods_receipt_lines",
    "purchase_return_lines", "sales_orders", "sales_order_lines", "sales_invoices",
    "bill_of_material_versions", "bill_of_material_materials", "assembly_orders", "shop_orders",
    "sales_price_list_periods", "sales_price_list_volume_discounts",
)


class PlanningError(RuntimeError):
    """A step of `make planning` failed; the message says which."""


def venv_bin(name: str) -> Path:
    return DBT_VENV / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_dbt() -> Path:
    """.venv-dbt/bin/dbt, installed once; the marker names the pins, so a pin change reinstalls."""
    dbt = venv_bin("dbt")
    marker = DBT_VENV / (".pins-" + "-".join(p.replace("==", "_") for p in DBT_PINS))
    if dbt.exists() and marker.exists():
        return dbt
    print(f"- installing dbt into {DBT_VENV.name}/ (once)", flush=True)
    if not venv_bin("python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(DBT_VENV)], check=True)
    subprocess.run(
        [str(venv_bin("pip")), "install", "--quiet", *DBT_PINS], check=True, timeout=900
    )
    for old in DBT_VENV.glob(".pins-*"):
        old.unlink()
    marker.touch()
    return dbt


def dbt_env(
    duckdb_path: Path | None = None, schema: str = PLANNING_SCHEMA, **extra: str
) -> dict[str, str]:
    """The environment of a dbt run: the profile's settings, and nothing sent anywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXACT_PLANNING_")}
    env.update({
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_USE_COLORS": "false",
        "DBT_PROFILES_DIR": str(PROFILES_DIR),
        "EXACT_PLANNING_SCHEMA": schema,
        "NO_COLOR": "1",
    })
    if duckdb_path is not None:
        env["EXACT_PLANNING_DUCKDB"] = str(duckdb_path)
    env.update(extra)
    return env


def run_dbt(
    command: Sequence[str],
    env: Mapping[str, str],
    work_dir: Path,
    variables: Mapping[str, Any] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` on the planning project; target/ and logs/ go to work_dir (parallel runs
    of the same checkout do not share them)."""
    args = [
        str(ensure_dbt()), *command,
        "--project-dir", str(PROJECT_DIR),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]
    if variables:
        args += ["--vars", json.dumps(dict(variables))]
    return subprocess.run(
        args, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )


def dbt_failures(output: str) -> str:
    """The part of dbt's output that says what failed (its summary at the end)."""
    marker = output.rfind("Completed with")
    return output[marker:] if marker >= 0 else output[-5000:]


COUNT_QUERY = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
db = con.execute("select current_database()").fetchone()[0]
print(json.dumps({t: con.execute(f'select count(*) from "{db}"."{sys.argv[2]}"."{t}"').fetchone()[0]
                  for t in sys.argv[3:]}))
"""


def entity_counts(duckdb_path: Path, schema: str = PLANNING_SCHEMA) -> dict[str, int]:
    result = subprocess.run(
        [str(venv_bin("python")), "-c", COUNT_QUERY, str(duckdb_path), schema, *ENTITIES],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if result.returncode != 0:
        raise PlanningError(f"reading {duckdb_path} failed: {result.stderr.strip()[-1500:]}")
    counts: dict[str, int] = json.loads(result.stdout)
    return counts


def flags_file(work_dir: Path) -> Path:
    return work_dir / "last-vars.json"


def flags_changed(work_dir: Path, variables: Mapping[str, Any]) -> bool:
    """True when the last successful build used other vars (or there was none to compare)."""
    try:
        return bool(json.loads(flags_file(work_dir).read_text(encoding="utf-8")) != dict(variables))
    except (OSError, ValueError):
        return True


def remember_flags(work_dir: Path, variables: Mapping[str, Any]) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    temp = flags_file(work_dir).with_suffix(".tmp")
    with temp.open("w", encoding="utf-8") as out:
        json.dump(dict(variables), out, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, flags_file(work_dir))


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("exact_demo", ROOT / "scripts" / "demo.py")
    if spec is None or spec.loader is None:
        raise PlanningError("scripts/demo.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: Sequence[str]) -> int:
    variables: dict[str, Any] = json.loads(argv[0]) if argv and argv[0].strip() else {}
    demo = load_demo()
    duckdb_path = Path(demo.DUCKDB_FILE)
    ensure_dbt()
    if not duckdb_path.exists():
        print(f"- {duckdb_path} does not exist yet: running the demo first", flush=True)
        if demo.main() != 0:
            raise PlanningError("the demo failed")
    work_dir = duckdb_path.parent / "planning"
    command = ["build"]
    if flags_changed(work_dir, variables):
        command.append("--full-refresh")  # the incremental marts would keep the old flags' rows
    print(f"- dbt {' '.join(command)} on {duckdb_path} (logs in {work_dir / 'logs'})", flush=True)
    result = run_dbt(command, dbt_env(duckdb_path), work_dir, variables)
    if result.returncode != 0:
        raise PlanningError("dbt build failed:\n" + dbt_failures(result.stdout) + result.stderr)
    remember_flags(work_dir, variables)
    summary = [line for line in result.stdout.splitlines() if "Done." in line]
    print(f"- {summary[-1].split('Done.')[-1].strip() if summary else 'dbt build done'}")
    print(f"\nPlanner entities in {duckdb_path} (schema {PLANNING_SCHEMA})")
    for entity, count in entity_counts(duckdb_path).items():
        print(f"  {entity:<24} {count:>8,}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except PlanningError as error:
        print(f"planning failed: {error}", file=sys.stderr)
        sys.exit(1)
