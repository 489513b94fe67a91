"""The planning model's reorder proposals as a Singer stream: target-exact's ``BuyOrders`` input.

    .venv-dbt/bin/python -m scripts.proposals_singer demo/exact.duckdb [schema] \
        | target-exact --config target.json

Reads the ``reorder_proposals`` mart (docs/planning.md) from a DuckDB file and writes one SCHEMA
and one RECORD per row to stdout. It runs with the interpreter of .venv-dbt (the one with the
duckdb that wrote the file), so it imports nothing of this project: stdlib and duckdb only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timezone
from typing import Any, TextIO

STREAM = "BuyOrders"
MART = "reorder_proposals"
# The fields of a BuyOrders record in buy_orders_mode hotglue (README, "#### BuyOrders").
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reference": {"type": "string", "maxLength": 30},
        "division": {"type": "integer"},
        "supplier_remoteId": {"type": "string"},
        "transaction_date": {"type": "string", "format": "date-time"},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "line_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "product_remoteId": {"type": "string"},
                    "quantity": {"type": "number"},
                    "lot_size": {"type": ["number", "null"]},
                },
            },
        },
    },
    "required": ["reference", "supplier_remoteId", "transaction_date", "line_items"],
}


def iso(value: Any) -> str | None:
    """A mart timestamp (naive: the planning day at midnight UTC) as RFC 3339."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    return str(value)


def as_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One mart row as a BuyOrders record (line_items: the mart's JSON text as a list)."""
    return {
        "reference": row["reference"],
        "division": int(row["division"]),
        "supplier_remoteId": row["supplier_remoteId"],
        "transaction_date": iso(row["transaction_date"]),
        "created_at": iso(row["created_at"]),
        "line_items": json.loads(row["line_items"]),
    }


def messages(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    yield {"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["reference"]}
    for row in rows:
        yield {"type": "RECORD", "stream": STREAM, "record": as_record(row)}


def read_mart(duckdb_path: str, schema: str) -> list[dict[str, Any]]:
    import duckdb  # only in .venv-dbt, where this runs

    con = duckdb.connect(duckdb_path, read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()
        name = f'"{catalog[0] if catalog else "main"}"."{schema}"."{MART}"'
        cursor = con.execute(f"select * from {name} order by division, reference")
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()


def write(rows: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    records = 0
    for message in messages(rows):
        out.write(json.dumps(message) + "\n")
        records += message["type"] == "RECORD"
    out.flush()
    return records


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema = argv[1] if len(argv) > 1 else "planning"
    written = write(read_mart(argv[0], schema), sys.stdout)
    print(f"{written} reorder proposals sent as {STREAM} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
