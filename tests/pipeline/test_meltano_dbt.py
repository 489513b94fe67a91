"""meltano.yml's dbt utility for real: `meltano run tap-exact target-duckdb dbt-duckdb:build`
against the sandbox builds the planning marts in the DuckDB file the loader wrote, and the
plugin's `vars` setting reaches dbt (a second `meltano run dbt-duckdb:build` with flags).

Meltano installs dbt-duckdb once into .meltano/utilities/ (pinned pip_url, uv), as `make demo`
installs the tap and target there; later runs reuse it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from exact_sandbox.testing import SandboxServer

from .conftest import ROOT

# one group with every test running this repository's own Meltano project (see test_demo.py)
pytestmark = [pytest.mark.slow, pytest.mark.meltano, pytest.mark.xdist_group("meltano-project")]

# Variables that would override meltano.yml's settings of these plugins inside Meltano.
OVERRIDING = ("TAP_EXACT_", "TARGET_DUCKDB_", "DBT_", "EXACT_PLANNING_", "MELTANO_")
DBT_PYTHON = ROOT / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "python"
COUNTS = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
db = con.execute("select current_database()").fetchone()[0]
out = {t: con.execute(f'select count(*) from "{db}"."{sys.argv[2]}"."{t}"').fetchone()[0]
       for t in sys.argv[3:]}
out["sources"] = sorted(r[0] for r in con.execute(
    f'select distinct source from "{db}"."{sys.argv[2]}"."sell_orders"').fetchall())
print(json.dumps(out))
"""


def meltano_env(sandbox: SandboxServer, work: Path, **extra: str) -> dict[str, str]:
    config = sandbox.config
    env = {k: v for k, v in os.environ.items() if not k.startswith(OVERRIDING)}
    env.update({
        "EXACT_SANDBOX_BASE_URL": str(config["base_url"]),
        "EXACT_SANDBOX_CLIENT_ID": str(config["client_id"]),
        "EXACT_SANDBOX_CLIENT_SECRET": str(config["client_secret"]),
        "EXACT_SANDBOX_REFRESH_TOKEN": str(config.get("refresh_token") or ""),
        "EXACT_SANDBOX_TOKEN_STORE_PATH": str(work / "tokens.json"),
        "EXACT_SANDBOX_DIVISION": str(sandbox.divisions_list[0]),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_STATE_BACKEND_URI": (work / "state").resolve().as_uri(),
        # The loader's file and dbt's file: one setting each, the same path.
        "TARGET_DUCKDB_FILEPATH": str(work / "exact.duckdb"),
        "DBT_DUCKDB_PATH": str(work / "exact.duckdb"),
        "DBT_DUCKDB_TARGET_PATH": str(work / "dbt-target"),
        "DBT_DUCKDB_LOG_PATH": str(work / "dbt-logs"),
        "NO_COLOR": "1",
    })
    env.update(extra)
    return env


def meltano_run(meltano: Path, env: Mapping[str, str], *blocks: str) -> str:
    result = subprocess.run(
        [str(meltano), "--environment", "sandbox", "run", "--force", *blocks],
        cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=900, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def counts(path: Path, schema: str) -> dict[str, object]:
    tables = ("products", "buy_order_lines", "sell_orders", "supplier_products")
    result = subprocess.run(
        [str(DBT_PYTHON), "-c", COUNTS, str(path), schema, *tables],
        capture_output=True, text=True, timeout=120, check=True,
    )
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_meltano_run_builds_the_planning_model(
    meltano_bin: Path, tmp_path: Path, meltano_project: None
) -> None:
    with SandboxServer(tmp_path / "sandbox", seed=1, divisions=1, scale="small",
                       no_rate_limits=True) as sandbox:
        env = meltano_env(sandbox, tmp_path)
        output = meltano_run(meltano_bin, env, "tap-exact", "target-duckdb", "dbt-duckdb:build")
        stats = sandbox.stats()[str(sandbox.divisions_list[0])]

    assert "Completed successfully" in output and "ERROR=0" in output, output[-3000:]
    built = counts(tmp_path / "exact.duckdb", "planning")
    assert built == {
        "products": stats["logistics/Items"],
        "buy_order_lines": stats["purchaseorder/PurchaseOrderLines"],
        "sell_orders": stats["salesinvoice/SalesInvoices"],
        "supplier_products": stats["logistics/SupplierItem"],
        "sources": ["sales_invoice"],  # the default: sell orders from sales invoices
    }

    # The plugin's `vars` setting is dbt's --vars: sell orders from sales orders instead.
    flags = {"use_sales_orders": True, "use_sales_invoices": False}
    env_flags = {**env, "DBT_DUCKDB_VARS": json.dumps(flags), "DBT_DUCKDB_SCHEMA": "flagged"}
    meltano_run(meltano_bin, env_flags, "dbt-duckdb:build")
    flagged = counts(tmp_path / "exact.duckdb", "flagged")
    assert flagged["sources"] == ["sales_order"]
    assert flagged["products"] == built["products"]
