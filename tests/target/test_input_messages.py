"""Malformed Singer messages fail alone: valid JSON without ``stream``/``record``/``value``, a
RECORD before its SCHEMA, a RECORD of a stream target-exact cannot write. Each is named by line
number, type and stream - never by its content - counted, and every other record is written."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer
from target.helpers import BUY_ORDER_SCHEMA, PLANNER, Exact, Run, target_config
from target.test_state_results import buy_orders

SECRET = "ACME-CONFIDENTIAL"
IBAN = "NL91ABNA0417164300"


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message)


def test_malformed_messages_fail_alone_and_are_never_logged(
    module_sandbox: SandboxServer,
    exact: Exact,
    run_target: Callable[..., Run],
    caplog: pytest.LogCaptureFixture,
) -> None:
    good, _ = buy_orders(exact, "IM-OK")
    second = {**good, "id": "IM-OK-2"}
    data = {"customer": SECRET, "iban": IBAN}
    schema = {"type": "SCHEMA", "stream": "BuyOrders", "schema": BUY_ORDER_SCHEMA}
    lines = [
        _line({"type": "RECORD", "stream": "BuyOrders", "record": {**good, **data}}),  # 1: early
        _line(schema),  # 2
        _line({"type": "RECORD", "record": data}),  # 3: no stream
        _line({"type": "RECORD", "stream": "BuyOrders", "data": data}),  # 4: no record
        _line({"type": "RECORD", "stream": "BuyOrders", "record": [SECRET]}),  # 5: not an object
        _line({"type": "STATE", "val": data}),  # 6: no value
        _line({"type": ["RECORD"], "record": data}),  # 7: type is not a name
        _line({"type": "SCHEMA", "stream": "BuyOrders", "schema": {"type": "object"}}),  # 8
        _line({"type": "RECORD", "stream": "BuyOrders", "record": good}),  # 9: written
        _line({"type": "SCHEMA", "stream": "customers", "schema": {"properties": {}}}),  # 10
        _line({"type": "RECORD", "stream": "customers", "record": data}),  # 11: unwritable
        _line({"type": "RECORD", "stream": "customers", "record": data}),  # 12: unwritable
        _line({"type": "RECORD", "stream": "Suppliers", "record": data}),  # 13: no SCHEMA yet
        _line({"type": "ACTIVATE_VERSION", "stream": "BuyOrders"}),  # 14: no version
        _line({"type": "RECORD", "stream": "BuyOrders", "record": second}),  # 15: written
    ]
    with caplog.at_level(logging.DEBUG):
        run = run_target(target_config(module_sandbox, **PLANNER), "\n".join(lines) + "\n")

    assert run.exit_code == 1  # failures are reported unless allow_failures
    marks = {m["externalId"]: m for m in run.bookmarks("BuyOrders")}
    assert marks["IM-OK-1"]["success"] is True and marks["IM-OK-2"]["success"] is True
    assert run.summary("BuyOrders") == {"success": 2, "fail": 0, "existing": 0, "updated": 0}
    flt = f"Division eq {exact.division} and YourRef eq 'IM-OK-1'"
    rows = exact.get(
        "purchaseorder/PurchaseOrders", **{"$filter": flt, "$select": "PurchaseOrderID"}
    )
    assert len(rows) == 1

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged and IBAN not in logged and SECRET not in run.out
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    expected = {
        1: "RECORD before the SCHEMA of its stream, stream 'BuyOrders'",
        3: "RECORD with no 'stream'",
        4: "RECORD with no 'record'",
        5: "RECORD with no 'record'",
        6: "STATE with no 'value'",
        7: "not a Singer message (type is not a name)",
        8: "SCHEMA with a schema without a 'properties' object, stream 'BuyOrders'",
        11: "RECORD for a stream target-exact cannot write, stream 'customers'",
        12: "RECORD for a stream target-exact cannot write, stream 'customers'",
        13: "RECORD before the SCHEMA of its stream, stream 'Suppliers'",
        14: "ACTIVATE_VERSION with no 'version'",
    }
    for number, text in expected.items():
        assert any(f"Input line {number}: {text}" in e for e in errors), (number, errors)
    assert any("Input line 10: target-exact cannot write stream 'customers'" in e for e in errors)
    assert any(e.startswith("11 input message(s) failed") for e in errors), errors
    assert any("11 record(s) failed" in e for e in errors), errors


def test_input_failures_with_allow_failures_exit_zero(
    module_sandbox: SandboxServer, run_target: Callable[..., Run]
) -> None:
    text = _line({"type": "RECORD", "stream": "BuyOrders", "record": {"id": "IM-EARLY"}}) + "\n"
    run = run_target(target_config(module_sandbox, **PLANNER, allow_failures=True), text)
    assert run.exit_code == 0
    assert run.out == ""  # no record reached a sink and no state came in: nothing to report
