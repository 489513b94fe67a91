"""Each STATE during a run carries only the results since the previous STATE (plus the running
summary); the last one carries every result, in the shape HotGlue reads. Both ``state_results``
modes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer
from target.helpers import BUY_ORDER_SCHEMA, PLANNER, Run, messages, target_config
from target.test_state_results import state_lines, upstream_state
from target_exact.results import PARTIAL_KEY

# Records without a supplier fail before any API call: 250 = batches of 100, 100 and 50.
N = 250


def _records(prefix: str) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}-{i}", "transaction_date": "2024-03-08T10:00:00Z"} for i in range(N)]


@pytest.mark.parametrize("shape", ["hotglue", "separate"])
def test_progress_states_carry_the_latest_batch_and_the_last_state_everything(
    module_sandbox: SandboxServer, run_target: Callable[..., Run], shape: str
) -> None:
    division = module_sandbox.divisions_list[0]
    upstream = upstream_state(division, 400)
    text = (
        json.dumps({"type": "STATE", "value": upstream})
        + "\n"
        + messages("BuyOrders", BUY_ORDER_SCHEMA, _records(f"SP-{shape}"))
    )
    run = run_target(
        target_config(module_sandbox, **PLANNER, state_results=shape, allow_failures=True), text
    )
    assert run.exit_code == 0
    states = [json.loads(line) for line in state_lines(run)]
    # two full batches print progress; the last batch goes into the final state only
    assert len(states) == 3

    def results(state: dict[str, Any]) -> dict[str, Any]:
        return state["target_exact"] if shape == "separate" else state

    progress, final = states[:-1], states[-1]
    for i, state in enumerate(progress, start=1):
        assert results(state)[PARTIAL_KEY] is True
        entries = results(state)["bookmarks"]["BuyOrders"]
        assert [e["externalId"] for e in entries] == [
            f"SP-{shape}-{n}" for n in range((i - 1) * 100, i * 100)
        ]  # this batch only, not everything so far
        assert results(state)["summary"]["BuyOrders"]["fail"] == i * 100  # running summary
    assert PARTIAL_KEY not in results(final)
    assert len(results(final)["bookmarks"]["BuyOrders"]) == N
    assert results(final)["summary"]["BuyOrders"] == {
        "success": 0,
        "fail": N,
        "existing": 0,
        "updated": 0,
    }
    if shape == "separate":  # the upstream state passes through untouched, every time
        assert all({k: v for k, v in s.items() if k != "target_exact"} == upstream for s in states)
    else:  # other upstream bookmarks are kept beside ours
        assert all(
            s["bookmarks"]["purchase_orders"] == upstream["bookmarks"]["purchase_orders"]
            for s in states
        )
        assert set(final) == {"bookmarks", "summary"}  # HotGlue's shape, nothing else


def test_a_new_upstream_state_alone_is_printed_once(
    module_sandbox: SandboxServer, run_target: Callable[..., Run]
) -> None:
    division = module_sandbox.divisions_list[0]
    text = "".join(
        json.dumps({"type": "STATE", "value": upstream_state(division, ts)}) + "\n"
        for ts in (500, 501, 501)
    )
    run = run_target(target_config(module_sandbox, **PLANNER, state_results="separate"), text)
    assert run.exit_code == 0
    (line,) = state_lines(run)
    assert json.loads(line) == {
        **upstream_state(division, 501),
        "target_exact": {"bookmarks": {}, "summary": {}},
    }
