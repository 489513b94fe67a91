"""External references (the idempotency keys) that Exact could not find again are refused.

A NUL or another control character in a source id made the lookup by ``YourRef`` find nothing, so
every rerun created another purchase order; an over-long id would be cut by Exact, with the same
effect. Such a record fails, naming its field, and nothing is posted."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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
from target.test_native import NATIVE_SCHEMA
from target.test_state_results import buy_orders

Runner = Callable[..., Run]


def _posts(sb: SandboxServer) -> int:
    return sum(n for path, n in sb.calls()["by_path"].items() if path.startswith("POST"))


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("RK-NUL\x00A", "control character (U+0000 at position 7)"),
        ("RK-TAB\tA", "control character (U+0009"),
        ("RK-DEL\x7f", "control character (U+007F"),
        ("RK-C1\x85A", "control character (U+0085"),
        ("RK-" + "9" * 28, "is 31 characters; the external reference (YourRef) holds at most 30"),
    ],
)
def test_buy_order_with_an_unusable_reference_fails_on_every_run(
    module_sandbox: SandboxServer, exact: Exact, run_target: Runner, ref: str, problem: str
) -> None:
    good, _ = buy_orders(exact, "RK")
    text = messages("BuyOrders", BUY_ORDER_SCHEMA, [{**good, "id": ref}])
    for _run in range(2):  # a rerun must not create anything either
        module_sandbox.reset_calls()
        run = run_target(target_config(module_sandbox, **PLANNER, allow_failures=True), text)
        (mark,) = run.bookmarks("BuyOrders")
        assert mark["success"] is False
        assert mark["error"].startswith("id: contains") or mark["error"].startswith("id: is 31")
        assert problem in mark["error"]
        assert _posts(module_sandbox) == 0
        # not even looked up: the bad value never reaches a $filter
        assert not [p for p in module_sandbox.calls()["by_path"] if "PurchaseOrders" in p]


def test_thirty_characters_and_inner_spaces_are_fine(
    module_sandbox: SandboxServer, exact: Exact, run_target: Runner
) -> None:
    good, _ = buy_orders(exact, "RK")
    refs = ["RK-" + "7" * 27, "RK ok  spaced"]
    records = [{**good, "id": ref} for ref in refs]
    run = run_target(
        target_config(module_sandbox, **PLANNER),
        messages("BuyOrders", BUY_ORDER_SCHEMA, records),
    )
    assert run.exit_code == 0
    assert [m["externalId"] for m in run.bookmarks("BuyOrders")] == refs
    again = run_target(
        target_config(module_sandbox, **PLANNER),
        messages("BuyOrders", BUY_ORDER_SCHEMA, records),
    )
    assert again.summary("BuyOrders") == {"success": 0, "fail": 0, "existing": 2, "updated": 0}


def test_document_and_native_references_are_checked_too(
    module_sandbox: SandboxServer, exact: Exact, run_target: Runner
) -> None:
    shop = {"id": "RK-SO\x00", "product_remoteId": "FG-00002", "quantity": 1}
    run = run_target(
        target_config(module_sandbox, **PLANNER, allow_failures=True),
        messages("ShopOrders", schema_for(*shop), [shop]),
    )
    (mark,) = run.bookmarks("ShopOrders")
    assert mark["success"] is False and mark["error"].startswith("id: contains a control")

    item = {"sku": "RK-ITEM-\x01", "name": "Refused"}
    run = run_target(
        target_config(module_sandbox, **PLANNER, allow_failures=True),
        messages("Items", schema_for(*item), [item]),
    )
    (mark,) = run.bookmarks("Items")
    assert mark["success"] is False and mark["error"].startswith("sku: contains a control")

    native = {
        "Supplier": exact.id_of("crm/Accounts", "20001"),
        "YourRef": "RK-N\x1f",
        "OrderDate": "2024-03-04T00:00:00Z",
        "PurchaseOrderLines": [
            {"Item": exact.id_of("logistics/Items", "TR-00009"), "QuantityInPurchaseUnits": 1}
        ],
    }
    module_sandbox.reset_calls()
    run = run_target(
        target_config(module_sandbox, **PLANNER, allow_failures=True),
        messages("purchase_orders", NATIVE_SCHEMA, [native]),
    )
    (mark,) = run.bookmarks("purchase_orders")
    assert mark["success"] is False and mark["error"].startswith("YourRef: contains a control")
    assert _posts(module_sandbox) == 0
