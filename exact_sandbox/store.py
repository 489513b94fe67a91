"""SQLite rows per division and entity, with Exact's per-division rowversion ``Timestamp`` and
deletions.

One table holds every row as JSON text (the union of the entity's fields); ``ts`` is the row's
Timestamp,
``parent`` the header key of a line. Dates are stored as Amsterdam wall-clock epoch ms (see
``edm``).
Writes are serialised by one lock so Timestamps are committed in order: a reader never sees ts N+1
before N, which is what makes ``Timestamp gt`` sync complete.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .catalog import DELETED, DIVISION_ALIASES, DIVISION_TABLE, Catalog, catalog
from .clock import Clock
from .edm import python_value, store_value, to_wall_ms

FIRST_TIMESTAMP = 100_000
# A rowid table: rows are ~1 KB of JSON, which a WITHOUT ROWID table (clustered on the key) stores
# about three times less densely. ``modified`` is the row's last change in wall-clock ms, kept for
# entities that expose no Modified field (SyncTimestamp still needs one).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    id INTEGER PRIMARY KEY,
    division INTEGER NOT NULL,
    entity TEXT NOT NULL,
    key NOT NULL,
    ts INTEGER NOT NULL,
    parent TEXT,
    modified INTEGER,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rows_key ON rows (division, entity, key);
CREATE INDEX IF NOT EXISTS rows_ts ON rows (division, entity, ts);
CREATE INDEX IF NOT EXISTS rows_parent ON rows (division, entity, parent) WHERE parent IS NOT NULL;
CREATE TABLE IF NOT EXISTS counters (division INTEGER PRIMARY KEY, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""
_COLUMNS = "division, entity, key, ts, parent, modified, data"


_decode = msgspec.json.Decoder(dict).decode
_encode = msgspec.json.Encoder().encode


def _modified(data: dict[str, Any], now_ms: int) -> int:
    value = data.get("Modified")
    return value if isinstance(value, int) and not isinstance(value, bool) else now_ms


@dataclass(frozen=True)
class Row:
    key: Any
    ts: int
    data: dict[str, Any]  # stored values (dates as wall-clock ms)


class Store:
    def __init__(self, path: str | Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock or Clock()
        self.catalog: Catalog = catalog()
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._user_id: str | None = None
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        self._migrate(conn)
        conn.executescript(_SCHEMA)
        self._user_id = self.meta_get("user_id")
        if self._user_id is None:
            self._user_id = str(uuid.uuid4())
            self.meta_set("user_id", self._user_id)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Data dirs made before the rowid table: copy the rows over once."""
        row = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rows'"
        ).fetchone()
        if row is None or "modified" in row[0]:
            return
        conn.executescript(
            "BEGIN IMMEDIATE;"
            "DROP INDEX IF EXISTS rows_ts; DROP INDEX IF EXISTS rows_parent;"
            "ALTER TABLE rows RENAME TO rows_old;"
            + _SCHEMA
            + f"INSERT INTO rows ({_COLUMNS}) SELECT division, entity, key, ts, parent, "
            "json_extract(data, '$.Modified'), data FROM rows_old ORDER BY division, entity, key;"
            "DROP TABLE rows_old; COMMIT;"
        )

    # -- connections -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One serialised write transaction (also used by oauth.py for its tables)."""
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def create_tables(self, script: str) -> None:
        with self._write_lock:
            self._conn().executescript(script)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """A read query on this thread's connection."""
        return self._conn().execute(sql, params)

    # -- meta (sandbox identity, oauth)
    # ----------------------------------------------------------------
    def meta_get(self, key: str) -> str | None:
        row = self.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        sql = "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v"
        if conn is not None:
            conn.execute(sql, (key, value))
            return
        with self.transaction() as c:
            c.execute(sql, (key, value))

    @property
    def user_id(self) -> str:
        """The sandbox user (current/Me.UserID, DeletedBy), fixed per data dir."""
        assert self._user_id is not None
        return self._user_id

    # -- divisions
    # ---------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.execute("SELECT 1 FROM counters LIMIT 1").fetchone() is None

    def divisions(self) -> list[int]:
        return [int(r[0]) for r in self.execute("SELECT division FROM counters ORDER BY division")]

    def create_division(self, division: int, *, code: str, description: str, **fields: Any) -> None:
        first = self.is_empty()
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO counters (division, ts) VALUES (?, ?)",
                (int(division), FIRST_TIMESTAMP),
            )
        now = self.clock.now()
        record: dict[str, Any] = {
            "Code": int(division),
            "CustomerCode": code,
            "Description": description,
            "Current": first,
            "Currency": "EUR",
            "Country": "NL",
            "Legislation": "NL",
            "Hid": int(division) % 1000,
            "IsMainDivision": first,
            "IsDossierDivision": False,
            "IsHRDivision": False,
            "IsPracticeDivision": False,
            "Status": 1,
            "BlockingStatus": 0,
            "StartDate": now,
            "DivisionMoveDate": None,
            "ArchiveDate": None,
        }
        record.update(fields)
        self.insert(division, DIVISION_TABLE, record)

    # -- writes
    # --------------------------------------------------------------------------------------------
    def _next_ts(self, conn: sqlite3.Connection, division: int, n: int = 1) -> int:
        """Reserve n Timestamps; returns the first."""
        row = conn.execute(
            "UPDATE counters SET ts = ts + ? WHERE division = ? RETURNING ts", (n, int(division))
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO counters (division, ts) VALUES (?, ?)",
                (int(division), FIRST_TIMESTAMP + n),
            )
            return FIRST_TIMESTAMP + 1
        return int(row[0]) - n + 1

    def _prepare(
        self, division: int, entity: str, record: dict[str, Any], now_ms: int
    ) -> tuple[Any, str | None, dict[str, Any], list[tuple[str, list[dict[str, Any]], str]]]:
        """-> (key, parent, stored data, [(line entity, lines, link)])."""
        data: dict[str, Any] = {}
        lines: list[tuple[str, list[dict[str, Any]], str]] = []
        collections = {lc.field: lc for lc in self.catalog.lines(entity)}
        for name, value in record.items():
            if name in collections and isinstance(value, (list, dict)):
                items = value.get("results", []) if isinstance(value, dict) else value
                lc = collections[name]
                lines.append((lc.line_entity, list(items), lc.link))
                continue
            if name in {"Timestamp", "__metadata"}:
                continue
            data[name] = store_value(value)
        types = self.catalog.field_types(entity)
        key_field = self.catalog.key_field(entity)
        if key_field is not None:
            key = data.get(key_field)
            if key is None:
                key = self._new_key(types.get(key_field))
                data[key_field] = key
            elif isinstance(key, str):
                key = key.lower() if types.get(key_field) == "Edm.Guid" else key
                data[key_field] = key
        else:
            keys = self.catalog.entity(entity).key
            if keys and all(data.get(k) is not None for k in keys):
                key = json.dumps([data[k] for k in keys])
            else:
                key = str(uuid.uuid4())
        if "Division" in types or entity == DELETED:
            data["Division"] = int(division)
        for stamp in ("Created", "Modified"):
            if stamp in types and data.get(stamp) is None:
                data[stamp] = now_ms
        parent_info = self.catalog.line_parent(entity)
        parent = None
        if parent_info is not None:
            link_value = data.get(parent_info[1])
            parent = str(link_value).lower() if link_value is not None else None
        return key, parent, data, lines

    def _new_key(self, edm_type: str | None) -> Any:
        if edm_type in ("Edm.Int32", "Edm.Int64", "Edm.Int16"):
            return int(uuid.uuid4().int % 2_000_000_000)
        return str(uuid.uuid4())

    def insert(self, division: int, entity: str, record: dict) -> dict:
        entity = self.catalog.canonical(entity)
        with self.transaction() as conn:
            key = self._insert(conn, division, entity, record)
        got = self.get(division, entity, key)
        assert got is not None
        return got

    def _insert(self, conn: sqlite3.Connection, division: int, entity: str, record: dict) -> Any:
        now_ms = to_wall_ms(self.clock.now())
        key, parent, data, lines = self._prepare(division, entity, record, now_ms)
        ts = self._next_ts(conn, division)
        conn.execute(
            f"INSERT INTO rows ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (int(division), entity, key, ts, parent, _modified(data, now_ms), _encode(data)),
        )
        for line_entity, items, link in lines:
            for line in items:
                self._insert(conn, division, line_entity, {**line, link: key})
        return key

    def insert_many(self, division: int, entity: str, records: Iterable[dict]) -> int:
        entity = self.catalog.canonical(entity)
        n = 0
        batch: list[dict] = []
        for record in records:
            batch.append(record)
            if len(batch) >= 5000:
                n += self._insert_batch(division, entity, batch)
                batch = []
        if batch:
            n += self._insert_batch(division, entity, batch)
        return n

    def _insert_batch(self, division: int, entity: str, records: list[dict]) -> int:
        now_ms = to_wall_ms(self.clock.now())
        with self.transaction() as conn:
            prepared = [self._prepare(division, entity, r, now_ms) for r in records]
            if any(lines for *_, lines in prepared):
                for r in records:
                    self._insert(conn, division, entity, r)
                return len(records)
            first = self._next_ts(conn, division, len(prepared))
            conn.executemany(
                f"INSERT INTO rows ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        int(division),
                        entity,
                        key,
                        first + i,
                        parent,
                        _modified(data, now_ms),
                        _encode(data),
                    )
                    for i, (key, parent, data, _) in enumerate(prepared)
                ],
            )
        return len(records)

    def update(self, division: int, entity: str, key: Any, changes: dict) -> dict:
        entity = self.catalog.canonical(entity)
        key = self._norm_key(entity, key)
        with self.transaction() as conn:
            row = self._raw(conn, division, entity, key)
            if row is None:
                raise KeyError(f"{entity}({key}) not found in division {division}")
            data = dict(row.data)
            for name, value in changes.items():
                if name not in ("Timestamp", "__metadata"):
                    data[name] = store_value(value)
            types = self.catalog.field_types(entity)
            now_ms = to_wall_ms(self.clock.now())
            if "Modified" in types and "Modified" not in changes:
                data["Modified"] = now_ms
            ts = self._next_ts(conn, division)
            parent_info = self.catalog.line_parent(entity)
            parent = None
            if parent_info is not None and data.get(parent_info[1]) is not None:
                parent = str(data[parent_info[1]]).lower()
            conn.execute(
                "UPDATE rows SET ts = ?, parent = ?, modified = ?, data = ? "
                "WHERE division = ? AND entity = ? AND key = ?",
                (ts, parent, _modified(data, now_ms), _encode(data), int(division), entity, key),
            )
            self._touch_lines(conn, division, entity, key)
        got = self.get(division, entity, key)
        assert got is not None
        return got

    def _touch_lines(self, conn: sqlite3.Connection, division: int, entity: str, key: Any) -> None:
        """A changed header of a line-grained sync entity makes its lines reappear in /sync/."""
        if not self.catalog.entity(entity).line_grained:
            return
        for lc in self.catalog.lines(entity):
            keys = [
                r[0]
                for r in conn.execute(
                    "SELECT key FROM rows WHERE division = ? "
                    "AND entity = ? AND parent = ? ORDER BY ts",
                    (int(division), lc.line_entity, str(key).lower()),
                )
            ]
            if not keys:
                continue
            first = self._next_ts(conn, division, len(keys))
            conn.executemany(
                "UPDATE rows SET ts = ? WHERE division = ? AND entity = ? AND key = ?",
                [(first + i, int(division), lc.line_entity, k) for i, k in enumerate(keys)],
            )

    def delete(self, division: int, entity: str, key: Any) -> None:
        entity = self.catalog.canonical(entity)
        key = self._norm_key(entity, key)
        with self.transaction() as conn:
            if self._raw(conn, division, entity, key) is None:
                raise KeyError(f"{entity}({key}) not found in division {division}")
            conn.execute(
                "DELETE FROM rows WHERE division = ? AND entity = ? AND key = ?",
                (int(division), entity, key),
            )
            for lc in self.catalog.lines(entity):
                conn.execute(
                    "DELETE FROM rows WHERE division = ? AND entity = ? AND parent = ?",
                    (int(division), lc.line_entity, str(key).lower()),
                )
            codes = self.catalog.entity(entity).deleted_entity_types
            if codes:
                self._insert(
                    conn,
                    division,
                    DELETED,
                    {
                        "ID": str(uuid.uuid4()),
                        "EntityKey": str(key),
                        "EntityType": codes[0],
                        "DeletedBy": self.user_id,
                        "DeletedDate": self.clock.now(),
                    },
                )

    def move_division(self, division: int) -> None:
        """Renumber every Timestamp of a division from 1 (a move to another database)."""
        with self.transaction() as conn:
            keys = conn.execute(
                "SELECT entity, key FROM rows WHERE division = ? ORDER BY ts", (int(division),)
            ).fetchall()
            conn.executemany(
                "UPDATE rows SET ts = ? WHERE division = ? AND entity = ? AND key = ?",
                [(i + 1, int(division), e, k) for i, (e, k) in enumerate(keys)],
            )
            conn.execute(
                "UPDATE counters SET ts = ? WHERE division = ?", (len(keys) + 1, int(division))
            )
        self.update(division, DIVISION_TABLE, int(division), {"DivisionMoveDate": self.clock.now()})

    # -- reads
    # -----------------------------------------------------------------------------------------
    def _norm_key(self, entity: str, key: Any) -> Any:
        key_field = self.catalog.key_field(entity)
        if isinstance(key, str) and key_field is not None:
            if self.catalog.field_types(entity).get(key_field) == "Edm.Guid":
                return key.lower()
            if self.catalog.field_types(entity).get(key_field, "").startswith("Edm.Int"):
                return int(key)
        return key

    def _raw(self, conn: sqlite3.Connection, division: int, entity: str, key: Any) -> Row | None:
        row = conn.execute(
            "SELECT key, ts, data FROM rows WHERE division = ? AND entity = ? AND key = ?",
            (int(division), entity, key),
        ).fetchone()
        return None if row is None else Row(row[0], row[1], _decode(row[2]))

    def raw(self, division: int, entity: str, key: Any) -> Row | None:
        entity = self.catalog.canonical(entity)
        if entity in DIVISION_ALIASES:
            rows = self.select(
                division, entity, where="key = ?", params=(self._norm_key(DIVISION_TABLE, key),)
            )
            return rows[0] if rows else None
        return self._raw(self._conn(), division, entity, self._norm_key(entity, key))

    def get(self, division: int, entity: str, key: Any) -> dict | None:
        """One record as Python values (dates aware UTC), with Timestamp."""
        entity = self.catalog.canonical(entity)
        row = self.raw(division, entity, key)
        if row is None:
            return None
        return self.to_python(entity, row)

    def to_python(self, entity: str, row: Row) -> dict:
        types = self.catalog.field_types(entity)
        out = {name: python_value(types.get(name), v) for name, v in row.data.items()}
        out["Timestamp"] = row.ts
        return out

    def select(
        self,
        division: int,
        entity: str,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "key",
        limit: int | None = None,
    ) -> list[Row]:
        return list(
            self.iter_select(division, entity, where=where, params=params, order=order, limit=limit)
        )

    def iter_select(
        self,
        division: int,
        entity: str,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "key",
        limit: int | None = None,
    ) -> Iterator[Row]:
        """Rows of one entity; ``where``/``order`` are SQL over columns key, ts, parent, data."""
        for key, ts, data in self._cursor(division, entity, where, params, order, limit):
            yield Row(key, ts, _decode(data))

    def select_raw(
        self,
        division: int,
        entity: str,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "key",
        limit: int | None = None,
    ) -> list[tuple[Any, int, str]]:
        """Like ``select`` but (key, ts, stored JSON text): for renderers that decode it
        themselves."""
        return self._cursor(division, entity, where, params, order, limit).fetchall()

    def _cursor(  # noqa: PLR0917
        self,
        division: int,
        entity: str,
        where: str,
        params: Sequence[Any],
        order: str,
        limit: int | None,
    ) -> sqlite3.Cursor:
        sql, args = self._scope(division, entity)
        if where:
            sql += f" AND ({where})"
            args.extend(params)
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return self._conn().execute(sql, args)

    def count_where(
        self, division: int, entity: str, *, where: str = "", params: Sequence[Any] = ()
    ) -> int:
        sql, args = self._scope(division, entity)
        sql = sql.replace("SELECT key, ts, data", "SELECT count(*)", 1)
        if where:
            sql += f" AND ({where})"
            args.extend(params)
        return int(self._conn().execute(sql, args).fetchone()[0])

    def _scope(self, division: int, entity: str) -> tuple[str, list[Any]]:
        if entity in DIVISION_ALIASES:
            return "SELECT key, ts, data FROM rows WHERE entity = ?", [DIVISION_TABLE]
        return "SELECT key, ts, data FROM rows WHERE division = ? AND entity = ?", [
            int(division),
            entity,
        ]

    def children(
        self, division: int, line_entity: str, parents: Sequence[Any]
    ) -> dict[str, list[Row]]:
        """Lines of the given header keys, in line order (LineNumber, then key)."""
        out: dict[str, list[Row]] = {str(p).lower(): [] for p in parents}
        if not parents:
            return out
        marks = ",".join("?" * len(out))
        cur = self._conn().execute(
            "SELECT key, ts, data, parent FROM rows WHERE "
            f"division = ? AND entity = ? AND parent IN ({marks})"
            " ORDER BY parent, json_extract(data, '$.LineNumber'), key",
            [int(division), line_entity, *out],
        )
        for key, ts, data, parent in cur:
            out.setdefault(parent, []).append(Row(key, ts, _decode(data)))
        return out

    def get_many(self, division: int, entity: str, keys: Sequence[Any]) -> dict[Any, Row]:
        if not keys:
            return {}
        uniq = list(dict.fromkeys(keys))
        marks = ",".join("?" * len(uniq))
        cur = self._conn().execute(
            "SELECT key, ts, data FROM rows WHERE division "
            f"= ? AND entity = ? AND key IN ({marks})",
            [int(division), entity, *uniq],
        )
        return {k: Row(k, ts, _decode(d)) for k, ts, d in cur}

    def first_ts_modified_since(
        self, division: int, entity: str, since_ms: int, *, header: tuple[str, str] | None = None
    ) -> int | None:
        """The lowest Timestamp among rows changed at or after ``since_ms`` (wall-clock ms), as the
        sync endpoint serves them: its Modified field, else the row's own last change. ``header``
        = (header entity, link field) for line-grained sync rows, whose Modified is the line's
        when the line has one, else the header's."""
        if header is None:
            sql = (
                "SELECT ts FROM rows WHERE division = ? AND entity = ? AND "
                "coalesce(json_extract(data, '$.Modified'), modified) >= ? ORDER BY ts LIMIT 1"
            )
            args: list[Any] = [int(division), entity, since_ms]
        else:
            sql = (
                "SELECT l.ts FROM rows l LEFT JOIN rows h ON h.division = l.division "
                "AND h.entity = ? AND h.key = json_extract(l.data, ?) "
                "WHERE l.division = ? AND l.entity = ? AND coalesce(CASE WHEN "
                "json_type(l.data, '$.Modified') IS NULL THEN json_extract(h.data, '$.Modified') "
                "ELSE json_extract(l.data, '$.Modified') END, l.modified) >= ? "
                "ORDER BY l.ts LIMIT 1"
            )
            args = [header[0], f"$.{header[1]}", int(division), entity, since_ms]
        row = self._conn().execute(sql, args).fetchone()
        return None if row is None else int(row[0])

    def current_ts(self, division: int) -> int:
        """The last Timestamp handed out in a division."""
        row = self.execute(
            "SELECT ts FROM counters WHERE division = ?", (int(division),)
        ).fetchone()
        return int(row[0]) if row else 0

    def count(self, division: int, entity: str) -> int:
        return self.count_where(division, self.catalog.canonical(entity))

    def stats(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {str(d): {} for d in self.divisions()}
        for division, entity, n in self.execute(
            "SELECT division, entity, count(*) FROM rows GROUP "
            "BY division, entity ORDER BY division, entity"
        ):
            out.setdefault(str(division), {})[entity] = int(n)
        return out
