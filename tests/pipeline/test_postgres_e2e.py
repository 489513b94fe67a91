"""tap-exact | target-postgres into a real PostgreSQL: every row arrives, a deletion follows.

The loader is MeltanoLabs' target-postgres from PyPI in its own venv, the database a cluster
started for this test. Skipped only when no PostgreSQL binaries are installed (.ci/run installs
them).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from exact_online.timeconv import wall_ms_to_utc

from .conftest import project_script
from .postgres import PostgresServer
from .singer_run import (
    SandboxServer,
    discover_catalog,
    entity_count,
    run_pipe,
    tap_config,
    write_json,
)

STREAMS = ("items", "accounts", "supplier_item", "warehouses")
SCHEMA = "exact"


def live_rows(pg: PostgresServer, table: str) -> int:
    columns = {row[0] for row in pg.query(
        "select column_name from information_schema.columns "
        f"where table_schema = '{SCHEMA}' and table_name = '{table}'"
    )}
    where = ' where "_sdc_deleted_at" is null' if "_sdc_deleted_at" in columns else ""
    return int(pg.scalar(f'select count(*) from "{SCHEMA}"."{table}"{where}'))


@pytest.mark.postgres
@pytest.mark.slow
def test_tap_exact_to_target_postgres(
    tmp_path: Path, postgres: PostgresServer, target_postgres_bin: Path
) -> None:
    with SandboxServer(tmp_path / "sandbox", seed=7, divisions=2, scale="small",
                       no_rate_limits=True) as sandbox:
        tap = project_script("tap-exact")
        config = write_json(tmp_path / "tap.json", tap_config(
            sandbox.config, token_store_path=str(tmp_path / "tokens.json")))
        catalog = discover_catalog(tap, config, STREAMS, tmp_path / "catalog.json")
        pg_config = write_json(tmp_path / "pg.json", {
            **postgres.target_config(SCHEMA), "hard_delete": True, "add_record_metadata": True,
            "load_method": "upsert",
        })
        loader = [str(target_postgres_bin), "--config", str(pg_config)]

        first = run_pipe([[tap, "--config", str(config), "--catalog", str(catalog)], loader],
                         cwd=tmp_path)
        assert first.returncodes == [0, 0], first.stderrs[0][-3000:] + first.stderrs[1][-3000:]
        stats = sandbox.stats()
        for stream in STREAMS:
            assert live_rows(postgres, stream) == entity_count(stats, stream), stream

        # Datetimes leave the tap with Amsterdam's offset (datetime_output: amsterdam); the
        # loader's `timestamp` column holds the same instant as UTC wall time (as in utc mode).
        division, item_id, stored = postgres.query(
            f'select "Division", "ID", "Modified"::text from "{SCHEMA}"."items" '
            'order by "ID" limit 1')[0]
        raw = sandbox.session().get(
            sandbox.api_url("{division}/logistics/Items", int(division)),
            params={"$select": "Modified", "$filter": f"ID eq guid'{item_id}'"},
        ).json()["d"]["results"][0]["Modified"]
        instant = wall_ms_to_utc(int(raw[6:-2]))
        assert datetime.fromisoformat(stored) == instant.replace(tzinfo=None), (stored, instant)

        # Delete one item in Exact; the incremental run's tombstone removes it downstream.
        division, item_id = postgres.query(
            f'select "Division", "ID" from "{SCHEMA}"."items" order by "ID" limit 1')[0]
        sandbox.delete_rows(int(division), "logistics/Items", [item_id])
        state = write_json(tmp_path / "state.json", first.states[-1])
        second = run_pipe(
            [[tap, "--config", str(config), "--catalog", str(catalog), "--state", str(state)],
             loader],
            cwd=tmp_path,
        )
        assert second.returncodes == [0, 0], second.stderrs[0][-3000:] + second.stderrs[1][-3000:]
        assert live_rows(postgres, "items") == entity_count(sandbox.stats(), "items")
        still_live = postgres.query(
            f'select count(*) from "{SCHEMA}"."items" where "ID" = \'{item_id}\''
            + (' and "_sdc_deleted_at" is null')
        )
        assert still_live == [["0"]]

        # BATCH: the tap writes gzipped JSONL files, only their names cross the pipe.
        batch_config = write_json(tmp_path / "tap-batch.json", {
            **json.loads(config.read_text()),
            "batch_config": {
                "encoding": {"format": "jsonl", "compression": "gzip"},
                "storage": {"root": (tmp_path / "batches").as_uri(), "prefix": "exact-"},
            },
        })
        (tmp_path / "batches").mkdir()
        batch_pg = write_json(tmp_path / "pg-batch.json", {
            **postgres.target_config("exact_batch"), "add_record_metadata": True,
        })
        batched = run_pipe(
            [[tap, "--config", str(batch_config), "--catalog", str(catalog)],
             [str(target_postgres_bin), "--config", str(batch_pg)]],
            cwd=tmp_path,
        )
        assert batched.returncodes == [0, 0], "".join(err[-3000:] for err in batched.stderrs)
        assert list((tmp_path / "batches").glob("exact-*.json.gz"))
        assert int(postgres.scalar('select count(*) from "exact_batch"."accounts"')) == (
            entity_count(sandbox.stats(), "accounts")
        )
