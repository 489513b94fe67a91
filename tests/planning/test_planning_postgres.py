"""The planning model on a real PostgreSQL: the sandbox company through tap-exact and MeltanoLabs'
target-postgres, `dbt build` with the postgres profile (models, schema and unit tests), and the
planner's entities counted against the sandbox; then a second, incremental build through
meltano.yml's dbt-postgres utility (`meltano invoke dbt-postgres:build`), which must leave the same
rows. Skipped only when no PostgreSQL binaries are installed (.ci/run installs them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.pipeline.conftest import (  # noqa: F401 (fixtures)
    ROOT,
    meltano_bin,
    postgres,
    target_postgres_bin,
)
from tests.pipeline.postgres import PostgresServer
from tests.pipeline.singer_run import (
    SandboxServer,
    discover_catalog,
    run_pipe,
    tap_config,
    write_json,
)

from .conftest import PLANNING_DATE, SOURCE_STREAMS

RAW_SCHEMA = "exact"


@pytest.mark.postgres
@pytest.mark.meltano
@pytest.mark.slow
def test_planning_model_on_postgres(
    tmp_path: Path,
    planning: ModuleType,
    postgres: PostgresServer,  # noqa: F811
    target_postgres_bin: Path,  # noqa: F811
    meltano_bin: Path,  # noqa: F811
) -> None:
    with SandboxServer(tmp_path / "sandbox", seed=1, divisions=2, scale="small",
                       no_rate_limits=True) as sandbox:
        tap = str(Path(sys.executable).parent / "tap-exact")
        config = write_json(tmp_path / "tap.json", tap_config(
            sandbox.config, token_store_path=str(tmp_path / "tokens.json")))
        catalog = discover_catalog(tap, config, SOURCE_STREAMS, tmp_path / "catalog.json")
        pg_config = write_json(tmp_path / "pg.json", {
            **postgres.target_config(RAW_SCHEMA), "add_record_metadata": True,
            "load_method": "upsert",
        })
        loaded = run_pipe(
            [[tap, "--config", str(config), "--catalog", str(catalog)],
             [str(target_postgres_bin), "--config", str(pg_config)]],
            cwd=tmp_path,
        )
        assert loaded.returncodes == [0, 0], "".join(err[-3000:] for err in loaded.stderrs)
        stats = sandbox.stats()

    env = planning.dbt_env(
        None, schema="planning",
        EXACT_PLANNING_TARGET="postgres",
        EXACT_PLANNING_PG_HOST=postgres.host,
        EXACT_PLANNING_PG_PORT=str(postgres.port),
        EXACT_PLANNING_PG_USER=postgres.user,
        EXACT_PLANNING_PG_DATABASE=postgres.database,
    )
    result = planning.run_dbt(["build"], env, tmp_path / "dbt", {"planning_date": PLANNING_DATE})
    assert result.returncode == 0, planning.dbt_failures(result.stdout) + result.stderr[-2000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout

    def in_sandbox(entity: str) -> int:
        return sum(int(per.get(entity, 0)) for per in stats.values())

    def count(entity: str) -> int:
        return int(postgres.scalar(f'select count(*) from "planning"."{entity}"'))

    expected = {
        "products": in_sandbox("logistics/Items"),
        "supplier_products": in_sandbox("logistics/SupplierItem"),
        "buy_orders": in_sandbox("purchaseorder/PurchaseOrders"),
        "buy_order_lines": in_sandbox("purchaseorder/PurchaseOrderLines"),
        "receipt_lines": in_sandbox("purchaseorder/GoodsReceiptLines")
        + in_sandbox("purchaseorder/PurchaseReturnLines"),
        "sell_orders": in_sandbox("salesinvoice/SalesInvoices"),
        "suppliers": int(postgres.scalar(
            f'select count(*) from "{RAW_SCHEMA}"."accounts" where "IsSupplier"')),
    }
    assert {entity: count(entity) for entity in expected} == expected
    # Same rules as on DuckDB: a few values the two engines could round or cast differently.
    assert postgres.query(
        'select count(*) from "planning"."products" where price > 9999999.99 '
        "or price <> round(price, 2) or status not in ('enabled', 'disabled')"
    ) == [["0"]]
    assert postgres.query(
        'select count(*) from "planning"."supplier_products" '
        "where minimum_purchase_quantity < 1 or lot_size < 1"
    ) == [["0"]]

    # Again through Meltano's dbt-postgres: its connection settings reach dbt, and the incremental
    # marts (now built) take the incremental path on PostgreSQL without changing a row.
    before = {e: postgres.query(f'select * from "planning"."{e}" order by remote_id')
              for e in ("sell_order_lines", "buy_order_lines", "receipt_lines")}
    meltano_env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DBT_", "EXACT_PLANNING_", "MELTANO_"))}
    meltano_env.update({
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_POSTGRES_HOST": postgres.host,
        "DBT_POSTGRES_PORT": str(postgres.port),
        "DBT_POSTGRES_USER": postgres.user,
        "DBT_POSTGRES_DBNAME": postgres.database,
        "DBT_POSTGRES_VARS": f'{{"planning_date": "{PLANNING_DATE}"}}',
        "DBT_POSTGRES_TARGET_PATH": str(tmp_path / "meltano-dbt" / "target"),
        "DBT_POSTGRES_LOG_PATH": str(tmp_path / "meltano-dbt" / "logs"),
    })
    invoked = subprocess.run(
        [str(meltano_bin), "invoke", "dbt-postgres:build"], cwd=ROOT, env=meltano_env,
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert invoked.returncode == 0, (invoked.stdout + invoked.stderr)[-4000:]
    assert "ERROR=0" in invoked.stdout, invoked.stdout[-3000:]
    assert {e: postgres.query(f'select * from "planning"."{e}" order by remote_id')
            for e in before} == before
