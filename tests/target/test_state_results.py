"""STATE with the results: HotGlue's shape (default) or kept apart from the upstream tap's state
(``state_results: separate``, for Meltano, which feeds the target's STATE to the tap next run).
Each state is printed once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError

from exact_sandbox.testing import SandboxServer
from tap_exact.tap import TapExact
from target.helpers import BUY_ORDER_SCHEMA, PLANNER, Exact, Run, messages, target_config
from target_exact.target import TargetExact

TAP_CONFIG = {"client_id": "x", "client_secret": "y"}  # loading state needs no network


def upstream_state(division: int, timestamp: int) -> dict[str, Any]:
    """What a singer-sdk tap emits: dict bookmarks, one of them for a stream named BuyOrders."""
    return {
        "bookmarks": {
            "BuyOrders": {
                "replication_key": "updated_at",
                "replication_key_value": f"2024-03-0{timestamp % 9 + 1}T00:00:00+00:00",
            },
            "purchase_orders": {
                "partitions": [
                    {
                        "context": {"Division": division},
                        "replication_key": "Timestamp",
                        "replication_key_value": timestamp,
                    }
                ]
            },
        }
    }


def buy_orders(exact: Exact, prefix: str) -> list[dict[str, Any]]:
    supplier = exact.get(
        "crm/Accounts",
        **{"$filter": "IsSupplier eq true", "$select": "ID,Code", "$top": "1"},
    )[0]
    item = exact.get(
        "logistics/Items",
        **{"$filter": "IsPurchaseItem eq true", "$select": "ID,Code", "$top": "1"},
    )[0]
    line = {"product_remoteId": item["Code"].strip(), "quantity": 12, "lot_size": 12}
    good = {
        "id": f"{prefix}-1",
        "supplier_remoteId": supplier["Code"].strip(),
        "transaction_date": "2024-03-08T10:00:00Z",
        "line_items": [line],
    }
    bad = {**good, "id": f"{prefix}-2", "supplier_remoteId": "NO-SUCH-SUPPLIER"}
    return [good, bad]


def singer_input(division: int, records: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """STATE, records, then a newer STATE (the tap's bookmark moved on): the last one counts."""
    first, last = upstream_state(division, 100), upstream_state(division, 200)
    text = (
        json.dumps({"type": "STATE", "value": first})
        + "\n"
        + messages("BuyOrders", BUY_ORDER_SCHEMA, records)
        + json.dumps({"type": "STATE", "value": last})
        + "\n"
    )
    return text, last


def state_lines(run: Run) -> list[str]:
    return [line for line in run.out.splitlines() if line.startswith("{") and "DRY_RUN" not in line]


def test_separate_keeps_the_upstream_state_loadable_by_a_singer_sdk_tap(
    module_sandbox: SandboxServer, exact: Exact, run_target: Callable[..., Run]
) -> None:
    division = module_sandbox.divisions_list[0]
    text, upstream = singer_input(division, buy_orders(exact, "SR-SEP"))
    config = target_config(module_sandbox, state_results="separate", allow_failures=True, **PLANNER)
    run = run_target(config, text)

    assert run.exit_code == 0
    assert len(state_lines(run)) == 1  # one batch: one STATE, not repeated by the SDK at the end
    state = run.state
    assert {k: v for k, v in state.items() if k != "target_exact"} == upstream  # untouched
    results = state["target_exact"]
    assert [(b["externalId"], b["success"]) for b in results["bookmarks"]["BuyOrders"]] == [
        ("SR-SEP-1", True),
        ("SR-SEP-2", False),
    ]
    assert results["summary"]["BuyOrders"] == {"success": 1, "fail": 1, "existing": 0, "updated": 0}

    # What Meltano does next run: hand the saved state to the tap.
    tap = TapExact(config=TAP_CONFIG, state=state, validate_config=False)
    assert tap.state["bookmarks"]["BuyOrders"] == upstream["bookmarks"]["BuyOrders"]
    po_state = tap.streams["purchase_orders"].get_context_state({"Division": division})
    assert po_state["replication_key_value"] == 200


def test_hotglue_shape_is_the_default(
    module_sandbox: SandboxServer, exact: Exact, run_target: Callable[..., Run]
) -> None:
    division = module_sandbox.divisions_list[0]
    text, upstream = singer_input(division, buy_orders(exact, "SR-HG"))
    run = run_target(target_config(module_sandbox, allow_failures=True, **PLANNER), text)

    assert run.exit_code == 0
    assert len(state_lines(run)) == 1
    state = run.state
    assert "target_exact" not in state
    assert [b["externalId"] for b in state["bookmarks"]["BuyOrders"]] == ["SR-HG-1", "SR-HG-2"]
    assert state["summary"]["BuyOrders"]["fail"] == 1
    # Other upstream bookmarks are kept; the BuyOrders one is replaced by HotGlue's list...
    assert state["bookmarks"]["purchase_orders"] == upstream["bookmarks"]["purchase_orders"]
    # ...which a singer-sdk tap cannot load: the reason for state_results "separate".
    with pytest.raises(AttributeError, match="'list' object has no attribute 'items'"):
        TapExact(config=TAP_CONFIG, state=state, validate_config=False)


def test_states_are_printed_once_per_change(
    module_sandbox: SandboxServer, exact: Exact, run_target: Callable[..., Run]
) -> None:
    # 150 invalid records (no supplier: no API call) = two batches of 100 and 50; then a STATE.
    division = module_sandbox.divisions_list[0]
    records = [
        {"id": f"SR-MANY-{i}", "transaction_date": "2024-03-08T10:00:00Z"} for i in range(150)
    ]
    text = (
        messages("BuyOrders", BUY_ORDER_SCHEMA, records)
        + json.dumps({"type": "STATE", "value": upstream_state(division, 300)})
        + "\n"
    )
    run = run_target(target_config(module_sandbox, state_results="separate", **PLANNER), text)
    assert run.exit_code == 1  # failed records, allow_failures off
    lines = state_lines(run)
    assert len(lines) == 2 and len(set(lines)) == 2
    first, last = (json.loads(line) for line in lines)
    assert first == {"target_exact": first["target_exact"]}  # no upstream state yet
    assert len(first["target_exact"]["bookmarks"]["BuyOrders"]) == 100
    assert last["bookmarks"] == upstream_state(division, 300)["bookmarks"]
    assert last["target_exact"]["summary"]["BuyOrders"]["fail"] == 150


def test_state_results_setting_is_checked_and_documented(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ConfigValidationError):
        TargetExact(
            config={"client_id": "x", "client_secret": "y", "state_results": "both"},
            validate_config=True,
        )
    TargetExact.print_about(output_format="json")
    prop = json.loads(capsys.readouterr().out)["settings"]["properties"]["state_results"]
    assert prop["enum"] == ["hotglue", "separate"]
    assert "Meltano" in prop["description"]
