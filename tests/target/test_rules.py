"""Seed-001 export rules and input parsing: pure functions, no API calls."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from target_exact.mapping.buy_orders import parse_buy_order
from target_exact.mapping.fields import RecordError, day
from target_exact.mapping.rules import (
    next_working_day,
    quantity_in_purchase_units,
    receipt_date,
    round_quantity,
    sku_sort_key,
    unit_factor_for,
)
from target_exact.results import RecordResult, ResultLog

D = Decimal


def qipu(qty: str, lot: str | None, factor: str | None = None, unit: str | None = None) -> Decimal:
    return quantity_in_purchase_units(
        D(qty),
        line_lot_size=D(lot) if lot is not None else None,
        supplier_factor=D(factor) if factor is not None else None,
        unit_factor=D(unit) if unit is not None else None,
        field="line_items[0]",
    )


def test_quantity_divided_by_line_lot_size() -> None:
    assert qipu("480", "12") == D("40")
    assert qipu("10", "3") == D("3.3333")  # rounded half up to 4 decimals
    assert qipu("2", "3") == D("0.6667")


def test_rounding_is_half_up() -> None:
    assert round_quantity(D("2.00005")) == D("2.0001")
    assert round_quantity(D("2.00004")) == D("2.0000")


def test_lot_size_from_supplier_item_when_line_has_none() -> None:
    assert qipu("48", None, factor="12") == D("4")


def test_unit_factor_applies_to_supplier_factor_only() -> None:
    # 3750 ml per gallon: 7500 ml -> 2 gal; supplier packs 2 gal per purchase unit -> 1
    assert qipu("7500", None, factor="2", unit="3750") == D("1")
    # a line lot size is in the same planning unit as the quantity: the factor cancels
    assert qipu("7500", "3750", unit="3750") == D("2")


@pytest.mark.parametrize("lot", ["0", "-1"])
def test_zero_or_negative_lot_size_is_an_error(lot: str) -> None:
    with pytest.raises(RecordError) as err:
        qipu("10", lot)
    assert err.value.field == "line_items[0].lot_size"


@pytest.mark.parametrize("factor", [None, "0"])
def test_missing_lot_size_everywhere_is_an_error(factor: str | None) -> None:
    with pytest.raises(RecordError, match="PurchaseUnitFactor"):
        qipu("10", None, factor=factor)


def test_receipt_date_adds_lead_days_in_calendar_days() -> None:
    assert receipt_date(date(2024, 3, 1), 6) == date(2024, 3, 7)
    assert receipt_date(date(2024, 12, 30), 3) == date(2025, 1, 2)  # across the year end
    assert receipt_date(date(2024, 3, 2), 1) == date(2024, 3, 3)  # may land on a Sunday


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (date(2024, 3, 4), date(2024, 3, 5)),  # Monday -> Tuesday
        (date(2024, 3, 8), date(2024, 3, 11)),  # Friday -> Monday
        (date(2024, 3, 9), date(2024, 3, 11)),  # Saturday -> Monday
        (date(2024, 3, 10), date(2024, 3, 11)),  # Sunday -> Monday
    ],
)
def test_no_lead_days_means_next_working_day(order: date, expected: date) -> None:
    assert next_working_day(order) == expected
    assert receipt_date(order, None) == expected
    assert receipt_date(order, 0) == expected


def test_order_date_is_the_amsterdam_day() -> None:
    assert day("2024-03-01T23:30:00Z", "transaction_date") == date(2024, 3, 2)
    assert day("2024-03-01", "transaction_date") == date(2024, 3, 1)


def test_lines_sort_by_sku() -> None:
    codes = ["B-2", " a-1", None, "A-0"]
    ordered = sorted(range(4), key=lambda i: sku_sort_key(codes[i], i))
    assert [codes[i] for i in ordered] == ["A-0", " a-1", "B-2", None]


def test_unit_factor_by_item_code_then_unit() -> None:
    factors = {"SKU1": 2, "gal": 3750}
    assert unit_factor_for(factors, item_code="SKU1 ", unit="gal") == D(2)
    assert unit_factor_for(factors, item_code="X", unit="GAL  ") == D(3750)
    assert unit_factor_for(factors, item_code="X", unit="pc") is None


def test_parse_accepts_line_items_as_json_string_and_list() -> None:
    base = {"id": 7, "supplier_remoteId": "S1", "transaction_date": "2024-03-01T00:00:00Z"}
    lines = [{"product_remoteId": "I1", "quantity": 5}]
    a = parse_buy_order({**base, "line_items": lines})
    b = parse_buy_order({**base, "line_items": '[{"product_remoteId": "I1", "quantity": 5}]'})
    assert a.lines[0].quantity == b.lines[0].quantity == D(5)
    assert a.source_id == "7"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line_items": "[{not json"}, "line_items"),
        ({"line_items": []}, "line_items"),
        ({"line_items": [{"product_remoteId": "I1", "quantity": "abc"}]}, "line_items[0].quantity"),
        ({"line_items": [{"quantity": 1}]}, "line_items[0].product_remoteId"),
        ({"supplier_remoteId": None}, "supplier_remoteId"),
        ({"transaction_date": "yesterday"}, "transaction_date"),
        ({"remoteId": "not-a-guid"}, "remoteId"),
    ],
)
def test_bad_records_name_the_field(change: dict, field: str) -> None:
    record = {
        "id": 1,
        "supplier_remoteId": "S1",
        "transaction_date": "2024-03-01",
        "line_items": [{"product_remoteId": "I1", "quantity": 1}],
        **change,
    }
    with pytest.raises(RecordError) as err:
        parse_buy_order(record)
    assert err.value.field == field


def test_state_shape() -> None:
    log = ResultLog()
    log.add("BuyOrders", {"id": 1}, RecordResult("created", id="g1", external_id="1"))
    log.add("BuyOrders", {"id": 2}, RecordResult("failed", external_id="2", error="x: bad"))
    log.add("BuyOrders", {"id": 3}, RecordResult("existing", id="g3", external_id="3"))
    state = log.state({"bookmarks": {"purchase_orders": {"partitions": []}}})
    assert state["summary"]["BuyOrders"] == {"success": 1, "fail": 1, "existing": 1, "updated": 0}
    first, second = state["bookmarks"]["BuyOrders"][:2]
    assert set(first) == {"hash", "success", "id", "externalId"}
    assert second["success"] is False and second["error"] == "x: bad"
    assert state["bookmarks"]["purchase_orders"] == {"partitions": []}  # upstream state kept
    assert log.failed == 1
