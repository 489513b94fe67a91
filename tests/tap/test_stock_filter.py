"""stock_warehouse_ids on stock_positions / item_warehouses: rows of other warehouses are dropped
after the read (sync endpoints take no other filter), bookmarks still cover every row read, and the
filter works when the catalog deselects Warehouse."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .conftest import catalog_for, run_tap

STREAMS = ["stock_positions", "item_warehouses"]


def _bookmarks(state: dict[str, Any], stream: str) -> list[Any]:
    parts = state["bookmarks"][stream]["partitions"]
    return sorted((p["context"]["Division"], p["replication_key_value"]) for p in parts)


def test_stock_warehouse_ids_filter(sandbox: Any, tmp_path: Path) -> None:
    (tmp_path / "all").mkdir()
    everything = run_tap(sandbox, tmp_path / "all", STREAMS)
    assert everything.returncode == 0, everything.stderr[-3000:]
    per_warehouse = Counter(r["Warehouse"] for r in everything.records["stock_positions"])
    assert len(per_warehouse) >= 2, "the sandbox should stock more than one warehouse"
    wanted = per_warehouse.most_common(1)[0][0]

    # Comma-separated string, other case: both accepted.
    other = "00000000-0000-0000-0000-000000000000"
    filtered = run_tap(sandbox, tmp_path, STREAMS, stock_warehouse_ids=f"{wanted.upper()}, {other}")
    assert filtered.returncode == 0, filtered.stderr[-3000:]
    for stream in STREAMS:
        expected = sorted(r["ID"] for r in everything.records[stream] if r["Warehouse"] == wanted)
        assert expected, stream
        assert sorted(r["ID"] for r in filtered.records[stream]) == expected, stream
        # The rows dropped were read: the bookmark is where the unfiltered run got to.
        assert _bookmarks(filtered.states[-1], stream) == _bookmarks(
            everything.states[-1], stream
        )

    # Warehouse deselected: still asked for (the filter needs it), not emitted.
    catalog = catalog_for(["stock_positions"], deselect={"stock_positions": ["Warehouse"]})
    hidden = run_tap(sandbox, tmp_path, ["stock_positions"], catalog=catalog,
                     stock_warehouse_ids=[wanted])
    assert hidden.returncode == 0, hidden.stderr[-3000:]
    rows = hidden.records["stock_positions"]
    assert sorted(r["ID"] for r in rows) == sorted(
        r["ID"] for r in everything.records["stock_positions"] if r["Warehouse"] == wanted
    )
    assert all("Warehouse" not in r for r in rows)
