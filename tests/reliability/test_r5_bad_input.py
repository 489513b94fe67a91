"""R5: bad target input gets a clear per-record error naming the record and the field; every other
record is written."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.target_orders import (
    BUY_ORDER_SCHEMA,
    buy_orders,
    messages,
    pick_suppliers_and_items,
)
from exact_sandbox.testing import SandboxServer

from .helpers import run, write_json

pytestmark = pytest.mark.reliability


def _setup(sb: SandboxServer, tmp_path: Path) -> tuple[list[dict[str, Any]], Path]:
    suppliers, items = pick_suppliers_and_items(sb, 5, 20)
    good = buy_orders(suppliers, items, 4, prefix="R5-OK-")
    cfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    cfg["division"] = sb.divisions_list[0]
    cfg["buy_orders_mode"] = "planner"  # string ids as YourRef (HotGlue's OrderNumber is an int)
    return good, write_json(tmp_path / "target.json", cfg)


def _bookmarks(out: str) -> list[dict[str, Any]]:
    marks: list[dict[str, Any]] = []
    for line in out.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            value = value.get("value", value)
            if isinstance(value, dict) and "bookmarks" in value:
                marks = list(value["bookmarks"].get("BuyOrders", []))
    return marks


def test_bad_records_named_with_field_others_written(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    good, config = _setup(sb, tmp_path)
    base = good[0]
    first_item = json.loads(base["line_items"])[0]["product_remoteId"]
    bad = {
        "R5-BAD-MALFORMED": ({**base, "line_items": "[{broken"}, "line_items"),
        "R5-BAD-SCHEMA": ({**base, "transaction_date": 12}, "transaction_date"),
        "R5-BAD-SUPPLIER": ({**base, "supplier_remoteId": "NO-SUCH-SUPPLIER"}, "supplier_remoteId"),
        "R5-BAD-NOLINES": ({**base, "line_items": "[]"}, "line_items"),
        "R5-BAD-LOTSIZE": (
            {
                **base,
                "line_items": json.dumps(
                    [{"product_remoteId": first_item, "quantity": 5, "lot_size": 0}]
                ),
            },
            "lot_size",
        ),
    }
    records = [good[0], *[{**r, "id": ref} for ref, (r, _) in bad.items()], *good[1:]]
    result = run(
        [sys.executable, "-m", "target_exact", "--config", str(config)],
        tmp_path,
        stdin=messages("BuyOrders", BUY_ORDER_SCHEMA, records),
    )
    marks = {str(m.get("externalId")): m for m in _bookmarks(result.stdout)}
    for ref, (_, field_name) in bad.items():
        assert ref in marks, f"no result for {ref}: {sorted(marks)}"
        assert marks[ref].get("success") is False, marks[ref]
        assert field_name in str(marks[ref].get("error", "")), marks[ref]
    for rec in good:
        assert marks[rec["id"]].get("success") is True, marks[rec["id"]]
    assert result.returncode != 0  # failures are reported unless allow_failures


def test_malformed_singer_line_is_reported_and_the_rest_written(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    good, config = _setup(sb, tmp_path)
    text = messages("BuyOrders", BUY_ORDER_SCHEMA, good)
    lines = text.splitlines()
    lines.insert(2, '{"type": "RECORD", "stream": "BuyOrders", "record": {"id": "R5-CUT"')
    result = run(
        [sys.executable, "-m", "target_exact", "--config", str(config)],
        tmp_path,
        stdin="\n".join(lines) + "\n",
    )
    marks = {str(m.get("externalId")): m for m in _bookmarks(result.stdout)}
    written = [r["id"] for r in good if marks.get(r["id"], {}).get("success") is True]
    assert written == [r["id"] for r in good], (
        f"written {written}; exit {result.returncode}; stderr:\n{result.stderr[-1500:]}"
    )
    assert "line 3" in result.stderr, result.stderr[-1500:]
    assert "R5-CUT" not in result.stderr  # the line is named by number; its content is not logged
    assert result.returncode != 0
