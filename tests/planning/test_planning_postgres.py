"""The planning model on a real PostgreSQL: the sandbox company through tap-exact and MeltanoLabs'
target-postgres, `dbt build` with the postgres profile (models, schema and unit tests), and the
planner's entities counted against the sandbox. Skipped only when no PostgreSQL binaries are
installed (.ci/run installs them)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.pipeline.conftest import postgres, target_postgres_bin  # noqa: F401 (fixtures)
from tests.pipeline.postgres import PostgresServer
from tests.pipeline.singer_run import (
    SandboxServer,
    discover_catalog,
    run_pipe,
    tap_config,
    write_json,
)

from .conftest import PLANNING_DATE, STREAMS

RAW_SCHEMA = "exact"


@pytest.mark.postgres
@pytest.mark.slow
def test_planning_model_on_postgres(
    tmp_path: Path,
    planning: ModuleType,
    postgres: PostgresServer,  # noqa: F811
    target_postgres_bin: Path,  # noqa: F811
) -> None:
    with SandboxServer(tmp_path / "sandbox", seed=1, divisions=2, scale="small",
                       no_rate_limits=True) as sandbox:
        tap = str(Path(sys.executable).parent / "tap-exact")
        config = write_json(tmp_path / "tap.json", tap_config(
            sandbox.config, token_store_path=str(tmp_path / "tokens.json")))
        catalog = discover_catalog(tap, config, STREAMS, tmp_path / "catalog.json")
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
