"""Closing the loop, for real: the sandbox company through tap-exact and target-duckdb, `dbt build`,
reorder_points and reorder_proposals against the rules recomputed in Python from the raw rows, the
proposals placed in the sandbox by target-exact (twice: nothing placed again), extracted back, and
the next build proposing nothing for what was ordered. Then deletions: a deleted supplier and
product leave the proposals, a deleted purchase-order line leaves the open quantity."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scripts.reorder_loop import Placement, place_proposals, target_config

from .conftest import ROOT, LoadedCompany
from .expected_reorder import buy_order_record, reorder_points
from .warehouse import DuckDBFile

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("planning-loop")]

COMPARED = ("division", "supplier_id", "supplier_product_id", "stock_level", "open_quantity",
            "demand_quantity", "delivery_time", "reorder_point", "minimum_purchase_quantity",
            "lot_size", "proposed_quantity", "reference")


@pytest.fixture(scope="module")
def day() -> date:
    """The sandbox dates its company from today (UTC): the planning day is today too."""
    return datetime.now(timezone.utc).date()


def build(planning: ModuleType, db: DuckDBFile, work_dir: Path, day: date) -> None:
    result = planning.run_dbt(
        ["build"], planning.dbt_env(db.path), work_dir, {"planning_date": day.isoformat()})
    assert result.returncode == 0, planning.dbt_failures(result.stdout) + result.stderr[-2000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout, result.stdout[-3000:]


def points(db: DuckDBFile) -> dict[str, dict[str, Any]]:
    return {r["product_id"]: r for r in db.rows(
        f"select * from {db.name('planning', 'reorder_points')}")}


def singer_records(planning: ModuleType, db: DuckDBFile) -> list[dict[str, Any]]:
    """What scripts.proposals_singer sends target-exact: SCHEMA first, then the records."""
    result = subprocess.run(
        [str(planning.venv_bin("python")), "-m", "scripts.proposals_singer", str(db.path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    assert messages[0]["type"] == "SCHEMA" and messages[0]["stream"] == "BuyOrders"
    assert messages[0]["key_properties"] == ["reference"]
    return [m["record"] for m in messages[1:] if m["type"] == "RECORD"]


def expected_records(expected: dict[str, dict[str, Any]], day: date) -> list[dict[str, Any]]:
    records = [buy_order_record(p, day) for p in expected.values() if p["proposed_quantity"]]
    return sorted(records, key=lambda r: (r["division"], r["reference"]))


def compare(actual: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> None:
    assert set(actual) == set(expected)
    for product, row in expected.items():
        assert {k: actual[product][k] for k in COMPARED} == {k: row[k] for k in COMPARED}, product


@pytest.fixture(scope="module")
def first_build(planning: ModuleType, loaded_company: LoadedCompany, day: date) -> None:
    build(planning, loaded_company.db, loaded_company.work_dir / "dbt-loop", day)


@pytest.fixture(scope="module")
def placed(
    planning: ModuleType, loaded_company: LoadedCompany, first_build: None
) -> dict[str, Any]:
    """The loop's write step, twice in a row, with the sandbox's API calls of each."""
    company = loaded_company
    config = target_config(company.sandbox.config,
                           token_store_path=str(company.work_dir / "tokens.json"))
    runs: list[tuple[Placement, dict[str, Any]]] = []
    for attempt in (1, 2):
        company.sandbox.reset_calls()
        placement = place_proposals(company.db.path, config, company.work_dir / f"loop-{attempt}",
                                    dbt_python=planning.venv_bin("python"))
        runs.append((placement, company.sandbox.calls()))
    return {"runs": runs, "config": config}


def test_reorder_points_and_proposals_match_python(
    planning: ModuleType, loaded_company: LoadedCompany, first_build: None, day: date
) -> None:
    expected = reorder_points(loaded_company.raw, day)
    compare(points(loaded_company.db), expected)
    records = singer_records(planning, loaded_company.db)
    assert records == expected_records(expected, day)

    # The company has every case the rules distinguish.
    proposed = [p for p in expected.values() if p["proposed_quantity"]]
    not_proposed = [p for p in expected.values() if not p["proposed_quantity"]]
    assert len(proposed) >= 10 and not_proposed
    shortfall = {p["product_id"]: p["reorder_point"] - p["stock_level"] - p["open_quantity"]
                 for p in proposed}
    assert any(p["minimum_purchase_quantity"] > shortfall[p["product_id"]]
               for p in proposed), "no proposal raised to its MOQ"
    assert any(p["lot_size"] > 1 and shortfall[p["product_id"]] % p["lot_size"]
               for p in proposed), "no proposal rounded up to a lot"
    assert all(p["proposed_quantity"] % p["lot_size"] == 0 for p in proposed)
    assert any(p["open_quantity"] for p in expected.values())
    assert any(p["demand_quantity"] for p in proposed)
    # Products with a preferred supplier left out (disabled). The company has no unlimited-stock
    # product with a preferred supplier: the dbt unit test reorder_points_rules covers that case
    # and every other exclusion; deletions are below.
    preferred = {r["item"] for r in loaded_company.raw("supplier_item") if r["mainsupplier"]}
    assert preferred - set(expected), "no product with a preferred supplier left out"


def test_loop_places_each_proposal_once(
    loaded_company: LoadedCompany, placed: dict[str, Any], day: date
) -> None:
    expected = reorder_points(loaded_company.raw, day)
    proposals = [p for p in expected.values() if p["proposed_quantity"]]
    per_division = Counter(str(p["division"]) for p in proposals)
    (first, first_calls), (second, second_calls) = placed["runs"]

    assert (first.created, first.existing, first.failed) == (len(proposals), 0, 0)
    posts = {path: n for path, n in first_calls["by_path"].items() if path.startswith("POST")}
    assert posts == {f"POST /api/v1/{division}/purchaseorder/PurchaseOrders": n
                     for division, n in per_division.items()}
    # Per division: one GET each for suppliers, items and existing YourRefs (<= 25 per call).
    lookups = sum(3 * -(-n // 25) for n in per_division.values())
    assert first_calls["total"] == len(proposals) + lookups, first_calls["by_path"]

    # The same proposals again: every one found by its YourRef, nothing posted.
    assert (second.created, second.existing, second.failed) == (0, len(proposals), 0)
    assert not [p for p in second_calls["by_path"] if p.startswith("POST")]
    assert second_calls["total"] == lookups


def test_loop_orders_come_back_and_close_the_proposals(
    planning: ModuleType, loaded_company: LoadedCompany, placed: dict[str, Any], day: date
) -> None:
    """Extract again: each proposal is one purchase order with YourRef = reference; the next
    build counts it as open, so nothing is proposed for it, and a third loop places nothing."""
    company = loaded_company
    before = {p["reference"]: p for p in reorder_points(company.raw, day).values()
              if p["proposed_quantity"]}
    copy = company.work_dir / "after_loop.duckdb"
    copy.write_bytes(company.db.path.read_bytes())
    company.extract_again(copy)
    after = DuckDBFile(copy, company.db.python)
    orders = [r for r in after.table("exact", "purchase_orders")
              if str(r.get("yourref") or "").startswith("rp-")]
    assert Counter(r["yourref"] for r in orders) == dict.fromkeys(before, 1)
    for line in orders:
        proposal = before[line["yourref"]]
        assert (line["item"], line["supplier"], int(line["division"])) == (
            proposal["product_id"], proposal["supplier_id"], proposal["division"])
        assert line["quantity"] == proposal["proposed_quantity"]
        assert line["quantityinpurchaseunits"] == proposal["proposed_quantity"] // proposal[
            "lot_size"]

    build(planning, after, company.work_dir / "dbt-after-loop", day)

    def raw(table: str) -> list[dict[str, Any]]:
        return after.table("exact", table)

    expected = reorder_points(raw, day)
    compare(points(after), expected)
    for reference, proposal in before.items():
        row = expected[proposal["product_id"]]
        assert row["reference"] == reference
        assert row["open_quantity"] >= proposal["proposed_quantity"]
        assert row["proposed_quantity"] == 0
    assert singer_records(planning, after) == expected_records(expected, day) == []

    company.sandbox.reset_calls()
    again = place_proposals(copy, placed["config"], company.work_dir / "loop-3",
                            dbt_python=planning.venv_bin("python"))
    assert (again.sent, again.created) == (0, 0)
    assert company.sandbox.calls()["total"] == 0


def test_deletions_leave_the_proposals_and_the_open_quantity(
    planning: ModuleType, loaded_company: LoadedCompany, placed: dict[str, Any], day: date
) -> None:
    """A deleted supplier and a deleted product leave reorder_points; a purchase-order line
    deleted from an order that stays (DELETE on its line, as a user does in Exact) is no longer
    open: the next extract shows it deleted, and buy_order_lines gives it deleted_at."""
    company = loaded_company
    proposals = sorted((p for p in reorder_points(company.raw, day).values()
                        if p["proposed_quantity"]), key=lambda p: p["reference"])
    supplier = proposals[0]["supplier_id"]
    product = next(p for p in proposals if p["supplier_id"] != supplier)
    lines = [r for r in company.raw("purchase_orders") if r.get("_sdc_deleted_at") is None]
    per_order = Counter(r["purchaseorderid"] for r in lines)
    line = next(r for r in lines if per_order[r["purchaseorderid"]] > 1
                and r["orderstatus"] in (10, 20) and r["item"] != product["product_id"])
    accounts = {r["id"]: r for r in company.raw("accounts")}
    company.sandbox.delete_rows(int(accounts[supplier]["division"]), "crm/Accounts", [supplier])
    company.sandbox.delete_rows(product["division"], "logistics/Items", [product["product_id"]])
    path = f"{{division}}/purchaseorder/PurchaseOrderLines(guid'{line['id']}')"
    answer = company.sandbox.session().delete(
        company.sandbox.api_url(path, int(line["division"])))
    assert answer.status_code == 204, answer.text

    copy = company.work_dir / "after_deletions.duckdb"
    copy.write_bytes(company.db.path.read_bytes())
    company.extract_again(copy)
    after = DuckDBFile(copy, company.db.python)
    build(planning, after, company.work_dir / "dbt-after-deletions", day)

    def raw(table: str) -> list[dict[str, Any]]:
        return after.table("exact", table)

    expected = reorder_points(raw, day)
    compare(points(after), expected)
    assert product["product_id"] not in expected
    assert not [p for p in expected.values() if p["supplier_id"] == supplier]
    assert any(p["supplier_id"] == supplier for p in proposals)

    buy_order_lines = {r["remote_id"]: r for r in after.rows(
        f"select * from {after.name('planning', 'buy_order_lines')}")}
    assert buy_order_lines[line["id"]]["deleted_at"] is not None, "a phantom open line"
    siblings = [r for r in buy_order_lines.values()
                if r["buy_order_id"] == line["purchaseorderid"] and r["remote_id"] != line["id"]]
    assert siblings and all(r["deleted_at"] is None for r in siblings)
