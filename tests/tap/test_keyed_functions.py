"""Keyed function streams against the sandbox: refused with a clear warning unless named in
``keyed_functions``; then one call per parent key (counted), every row carrying its key; a division
without enough calls left today is skipped with a warning before any function call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exact_online.keyed_functions import KEY_PARAMETERS
from exact_sandbox.keyed_functions import generated_extra_fields
from exact_sandbox.testing import SandboxServer
from tap_exact.keyed_functions import keyed_function_streams
from tap_exact.settings import KEYED_FUNCTION_STREAMS, TapSettings

from .conftest import path_calls, run_tap

Fresh = Callable[..., SandboxServer]
EXTRA = "/read/logistics/ItemExtraField"


def _item_ids(sb: SandboxServer, division: int) -> list[str]:
    s = sb.session()
    url = sb.api_url("{division}/sync/Logistics/Items", division)
    r = s.get(url, params={"$select": "ID", "$filter": "Timestamp gt 1L"}, timeout=30)
    r.raise_for_status()
    return [row["ID"] for row in r.json()["d"]["results"]]


def test_a_keyed_function_not_named_in_the_setting_says_why_and_reads_nothing(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox.reset_calls()
    run = run_tap(sandbox, tmp_path, ["item_extra_field"])
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.records.get("item_extra_field", []) == []
    assert "item_extra_field: selected, but it answers for one itemId at a time" in run.stderr
    assert "keyed_functions setting" in run.stderr
    assert run.stderr.count("item_extra_field: selected, but") == 1  # once, not per division
    assert path_calls(sandbox.calls(), EXTRA) == 0


def test_item_extra_field_runs_once_per_item(fresh_sandbox: Fresh, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    divisions = sb.divisions_list
    first = divisions[0]
    item = _item_ids(sb, first)[0]
    sb.insert_rows(first, "read/logistics/ItemExtraField", [
        {"ItemID": item, "Number": 41, "Description": "Colour", "Value": "red"},
        {"ItemID": item, "Number": 42, "Description": "Material", "Value": "oak"},
    ])
    items = {d: _item_ids(sb, d) for d in divisions}
    sb.reset_calls()
    run = run_tap(sb, tmp_path, ["item_extra_field"], keyed_functions=["item_extra_field"])
    assert run.returncode == 0, run.stderr[-3000:]
    calls = sb.calls()
    keys = sum(len(v) for v in items.values())
    assert path_calls(calls, EXTRA) == keys  # one call per item
    assert path_calls(calls, "/sync/Logistics/Items") == len(divisions)  # the keys: one page each
    for d in divisions:
        assert f"{len(items[d])} keys of items in division {d} (1 calls to list them)" in run.stderr
    rows = run.records["item_extra_field"]
    assert all(r["itemId"] == r["ItemID"] for r in rows)  # each row carries the key it answers
    ours = sorted((r["Number"], r["Value"]) for r in rows if r["itemId"] == item)
    assert (41, "red") in ours and (42, "oak") in ours
    # The others: the sandbox's generated colour and material (none for one item in four).
    generated = sum(len(generated_extra_fields(i)) for d in divisions for i in items[d]
                    if i != item)
    assert generated > 0
    assert len(rows) == generated + 2
    assert all(r["Modified"] for r in rows)


@pytest.mark.parametrize("response_format", ["json", "xml"])
def test_account_documents_count_answers_one_number_per_account(
    fresh_sandbox: Fresh, tmp_path: Path, response_format: str
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    division = sb.divisions_list[0]
    s = sb.session()
    accounts = s.get(sb.api_url("{division}/sync/CRM/Accounts", division),
                     params={"$select": "ID", "$filter": "Timestamp gt 1L"}, timeout=30).json()
    account = accounts["d"]["results"][0]["ID"]
    sb.reset_calls()
    before = s.get(sb.api_url("{division}/read/crm/AccountDocumentsCount", division),
                   params={"accountId": f"guid'{account}'"}, timeout=30).json()
    sb.insert_rows(division, "documents/Documents", [{"Account": account, "Subject": "a"},
                                                     {"Account": account, "Subject": "b"}])
    run = run_tap(sb, tmp_path, ["account_documents_count"],
                  keyed_functions="account_documents_count", response_format=response_format)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = {r["accountId"]: r["AccountDocumentsCount"] for r in run.records[
        "account_documents_count"]}
    assert len(rows) == len(accounts["d"]["results"])
    assert rows[account] == before["d"]["AccountDocumentsCount"] + 2
    assert all(isinstance(n, int) for n in rows.values())


def test_a_division_without_enough_calls_left_is_skipped_before_any_call(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    sb = fresh_sandbox(divisions=1, daily_limit=40)
    division = sb.divisions_list[0]
    assert len(_item_ids(sb, division)) > 40  # the small company has more items than that
    sb.reset_calls()
    run = run_tap(sb, tmp_path, ["item_extra_field"], keyed_functions=["item_extra_field"])
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"item_extra_field: not read in division {division}" in run.stderr
    assert path_calls(sb.calls(), EXTRA) == 0


def test_without_the_key_the_sandbox_answers_400_naming_the_parameter(sandbox: Any) -> None:
    s = sandbox.session()
    r = s.get(sandbox.api_url("{division}/read/logistics/ItemExtraField"), timeout=30)
    assert r.status_code == 400
    assert "itemId" in r.text


def test_the_setting_names_only_keyed_function_streams() -> None:
    assert sorted(keyed_function_streams()) == sorted(KEYED_FUNCTION_STREAMS)
    assert len(KEY_PARAMETERS) == len(KEYED_FUNCTION_STREAMS)
    with pytest.raises(ValueError, match="keyed_functions: \\['items'\\]"):
        TapSettings.from_config({"client_id": "x", "client_secret": "y",
                                 "keyed_functions": ["items"]})
