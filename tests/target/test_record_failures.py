"""Any exception while handling one record is that record's failure: the others are written,
STATE holds every result, the exit code says so; only run-fatal failures stop the run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from exact_online.errors import AuthError, DailyLimitReached, ServerError
from exact_sandbox.testing import SandboxServer
from target.helpers import (
    BUY_ORDER_SCHEMA,
    PLANNER,
    Exact,
    Run,
    messages,
    schema_for,
    target_config,
)
from target_exact.sinks.base import describe, run_fatal

Runner = Callable[..., Run]
SUPPLIER = "20001"  # demo company (seed 1)
ITEM = "TR-00009"


def buy_order(ref: str, quantity: Any = 24, lot_size: Any = 12) -> dict[str, Any]:
    line = {"product_remoteId": ITEM, "quantity": quantity, "lot_size": lot_size}
    return {
        "id": ref,
        "supplier_remoteId": SUPPLIER,
        "transaction_date": "2024-03-08T10:00:00Z",
        "line_items": json.dumps([line]),
    }


def orders_in_exact(exact: Exact, refs: list[str]) -> list[str]:
    """The refs that have a purchase order in Exact (a ref with two orders counts twice)."""
    found = []
    for ref in refs:
        flt = f"Division eq {exact.division} and YourRef eq '{ref}'"
        rows = exact.get("purchaseorder/PurchaseOrders", **{"$filter": flt, "$select": "YourRef"})
        found += [str(r["YourRef"]) for r in rows]
    return found


def posts(sb: SandboxServer) -> int:
    return sum(n for key, n in sb.calls()["by_path"].items() if key.startswith("POST"))


def test_out_of_range_quantities_fail_alone(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    records = [
        buy_order("RF-OK-1"),
        buy_order("RF-HUGE", quantity=1e30, lot_size=1),  # decimal.InvalidOperation before
        buy_order("RF-E25", quantity="1e25", lot_size=1),
        # in range, but the quotient overflows the rules' rounding: not a RecordError
        buy_order("RF-TINYLOT", quantity="1e14", lot_size="1e-14"),
        buy_order("RF-OK-2"),
    ]
    module_sandbox.reset_calls()
    result = run_target(
        target_config(module_sandbox, **PLANNER),
        messages("BuyOrders", BUY_ORDER_SCHEMA, records),
    )
    assert result.exit_code == 1
    marks = {b["externalId"]: b for b in result.bookmarks("BuyOrders")}
    assert set(marks) == {r["id"] for r in records}
    assert marks["RF-HUGE"]["error"] == "line_items[0].quantity: value 1e+30 is out of range"
    assert marks["RF-E25"]["error"] == "line_items[0].quantity: value 1e25 is out of range"
    assert not marks["RF-TINYLOT"]["success"]
    assert "out of range" in marks["RF-TINYLOT"]["error"]
    assert marks["RF-OK-1"]["success"] and marks["RF-OK-2"]["success"]
    assert result.summary("BuyOrders") == {"success": 2, "fail": 3, "existing": 0, "updated": 0}
    assert orders_in_exact(exact, [r["id"] for r in records]) == ["RF-OK-1", "RF-OK-2"]
    assert posts(module_sandbox) == 2


def test_native_division_not_a_number_fails_alone(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    records = [
        {"Code": "RF-N1", "Description": "native one"},
        {"Code": "RF-N2", "Description": "native two", "Division": "abc"},
        {
            "Code": "RF-N3",
            "Description": "native three",
            "Division": module_sandbox.divisions_list[0],
        },
    ]
    module_sandbox.reset_calls()
    result = run_target(
        target_config(module_sandbox, **PLANNER),
        messages("items", schema_for("Code", "Description", "Division"), records),
    )
    assert result.exit_code == 1
    marks = result.bookmarks("items")
    assert [m["success"] for m in marks] == [True, False, True]
    assert marks[1]["error"] == "Division: not a number: 'abc'"
    assert posts(module_sandbox) == 2
    for code in ("RF-N1", "RF-N3"):
        exact.id_of("logistics/Items", code)  # exactly one each
    rows = exact.get("logistics/Items", **{"$filter": "trim(Code) eq 'RF-N2'", "$select": "ID"})
    assert rows == []


@pytest.mark.parametrize("allow_failures", [False, True])
def test_one_bad_record_among_many(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact, allow_failures: bool
) -> None:
    prefix = f"RF-MANY-{int(allow_failures)}-"
    records = [buy_order(f"{prefix}{i:02d}") for i in range(25)]
    records[12] = buy_order(f"{prefix}12", quantity="1e30", lot_size=1)
    config = target_config(
        module_sandbox, **PLANNER, batch_size_rows=10, allow_failures=allow_failures
    )
    module_sandbox.reset_calls()
    result = run_target(config, messages("BuyOrders", BUY_ORDER_SCHEMA, records))
    assert result.exit_code == (0 if allow_failures else 1)
    marks = {b["externalId"]: b for b in result.bookmarks("BuyOrders")}
    assert len(result.bookmarks("BuyOrders")) == 25 and set(marks) == {r["id"] for r in records}
    assert [r["id"] for r in records if not marks[r["id"]]["success"]] == [f"{prefix}12"]
    assert marks[f"{prefix}12"]["error"] == "line_items[0].quantity: value 1e30 is out of range"
    assert result.summary("BuyOrders") == {"success": 24, "fail": 1, "existing": 0, "updated": 0}
    good = [r["id"] for r in records if r["id"] != f"{prefix}12"]
    assert orders_in_exact(exact, [r["id"] for r in records]) == good
    assert posts(module_sandbox) == 24
    assert len(result.states) >= 3  # a STATE after every batch of 10


def test_what_stops_a_run() -> None:
    assert run_fatal(AuthError("refresh token refused"))
    assert run_fatal(DailyLimitReached(1, datetime(2025, 5, 2, tzinfo=timezone.utc)))
    assert run_fatal(BrokenPipeError(32, "Broken pipe"))  # our own stdout
    assert not run_fatal(requests.ConnectionError("reset"))  # a request: its record fails
    assert not run_fatal(ServerError(500, "boom"))
    assert not run_fatal(ValueError("invalid literal for int() with base 10: 'abc'"))
    assert describe(ValueError("bad")) == "ValueError: bad"
    assert describe(KeyError("Item")) == "KeyError: 'Item'"


def test_record_without_its_key_property_fails_alone(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    records = [buy_order("RF-KEY-1"), buy_order("RF-KEY-2"), buy_order("RF-KEY-3")]
    del records[1]["id"]
    lines = [
        {
            "type": "SCHEMA",
            "stream": "BuyOrders",
            "schema": BUY_ORDER_SCHEMA,
            "key_properties": ["id"],
        },
        *({"type": "RECORD", "stream": "BuyOrders", "record": r} for r in records),
    ]
    module_sandbox.reset_calls()
    result = run_target(
        target_config(module_sandbox, **PLANNER),
        "".join(json.dumps(x) + "\n" for x in lines),
    )
    assert result.exit_code == 1
    marks = result.bookmarks("BuyOrders")
    assert [m["success"] for m in marks] == [True, False, True]
    assert marks[1]["error"] == "id: is missing (a key property of the stream)"
    assert orders_in_exact(exact, ["RF-KEY-1", "RF-KEY-3"]) == ["RF-KEY-1", "RF-KEY-3"]
    assert posts(module_sandbox) == 2
