"""The store's table layout: a data dir written by an older sandbox (WITHOUT ROWID table) is
converted on open and keeps every row."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from exact_sandbox.store import Store

OLD_SCHEMA = """
CREATE TABLE rows (
    division INTEGER NOT NULL, entity TEXT NOT NULL, key NOT NULL, ts INTEGER NOT NULL,
    parent TEXT, data TEXT NOT NULL, PRIMARY KEY (division, entity, key)
) WITHOUT ROWID;
CREATE INDEX rows_ts ON rows (division, entity, ts);
CREATE INDEX rows_parent ON rows (division, entity, parent);
CREATE TABLE counters (division INTEGER PRIMARY KEY, ts INTEGER NOT NULL);
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""
KEY = "0b9d4a8e-47a3-4a0c-9a51-6f3b8a5e6d21"


def test_old_data_dir_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA)
    conn.execute("INSERT INTO counters VALUES (3001001, 100005)")
    data = {"ID": KEY, "Code": "A1", "Modified": 1_700_000_000_000}
    conn.execute(
        "INSERT INTO rows VALUES (3001001, 'logistics/Items', ?, 100004, NULL, ?)",
        (KEY, json.dumps(data)),
    )
    conn.commit()
    conn.close()

    store = Store(path)
    row = store.raw(3001001, "logistics/Items", KEY)
    assert row is not None and row.ts == 100004 and row.data["Code"] == "A1"
    sql = store.execute("SELECT sql FROM sqlite_master WHERE name = 'rows'").fetchone()[0]
    assert "WITHOUT ROWID" not in sql and "modified" in sql
    assert store.first_ts_modified_since(3001001, "logistics/Items", 1_600_000_000_000) == 100004
    added = store.insert(3001001, "logistics/Items", {"Code": "A2", "Description": "new"})
    assert added["Timestamp"] == 100006
    store.close()
    assert Store(path).count(3001001, "logistics/Items") == 2  # opening again changes nothing
