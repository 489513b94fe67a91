"""The planning tests' access to a DuckDB file: through .venv-dbt's duckdb (the test venv has none),
one subprocess per query, rows as dicts."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

QUERY = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
cur = con.execute(sys.argv[2])
names = [d[0] for d in cur.description]
print(json.dumps([dict(zip(names, row)) for row in cur.fetchall()], default=str))
"""


class DuckDBFile:
    """A DuckDB file read with the interpreter of the venv dbt uses."""

    def __init__(self, path: Path, python: Path) -> None:
        self.path = path
        self.python = python

    def rows(self, sql: str) -> list[dict[str, Any]]:
        result = subprocess.run(
            [str(self.python), "-c", QUERY, str(self.path), sql],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"query failed: {sql}\n{result.stderr[-2000:]}")
        rows: list[dict[str, Any]] = json.loads(result.stdout)
        return rows

    def name(self, schema: str, table: str) -> str:
        """Fully qualified: the file's name is a catalog too, and may equal a schema's."""
        return f'"{self.path.stem}"."{schema}"."{table}"'

    def table(self, schema: str, table: str) -> list[dict[str, Any]]:
        return self.rows(f"select * from {self.name(schema, table)}")


def as_number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def as_day(value: Any) -> date | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "")[:19]).date()
