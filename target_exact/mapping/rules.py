"""The buy-order export rules of a production Exact integration (seed 001, "Buy Order Export").

* ``QuantityInPurchaseUnits = quantity / lot_size``, rounded half up to ``QUANTITY_DECIMALS``
  decimals. The lot size comes from the line, else from Exact's supplier item
  (``PurchaseUnitFactor``); a zero, negative or missing lot size is an error for that record,
  never a division by zero.
* ``unit_factors`` convert planning quantities into Exact item units (``exact = quantity /
  factor``); a lot size given on the line is in the planning unit of the quantity, so the factor
  cancels.
* ``ReceiptDate`` = order date + the supplier's delivery time (``PurchaseLeadDays``) in calendar
  days; without a delivery time (missing or 0) the next working day (Mon-Fri) after the order date.
* Lines are sorted by item code (SKU) ascending.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from target_exact.mapping.fields import RecordError

QUANTITY_DECIMALS = 4
_QUANT = Decimal(1).scaleb(-QUANTITY_DECIMALS)


def round_quantity(value: Decimal) -> Decimal:
    """Round half up to ``QUANTITY_DECIMALS`` places (2.00005 -> 2.0001, 2.00004 -> 2.0000)."""
    return value.quantize(_QUANT, rounding=ROUND_HALF_UP)


def quantity_in_purchase_units(
    quantity: Decimal,
    *,
    line_lot_size: Decimal | None,
    supplier_factor: Decimal | None,
    unit_factor: Decimal | None,
    field: str,
) -> Decimal:
    """``quantity`` (planning units) as Exact purchase units.

    ``line_lot_size`` is in planning units; ``supplier_factor`` (PurchaseUnitFactor) is in Exact
    item units per purchase unit, so with a unit factor the quantity becomes item units first.
    """
    if line_lot_size is not None:
        if line_lot_size <= 0:
            raise RecordError(f"{field}.lot_size", f"must be greater than 0, got {line_lot_size}")
        return round_quantity(quantity / line_lot_size)
    if supplier_factor is None or supplier_factor <= 0:
        why = "missing" if supplier_factor is None else f"{supplier_factor}"
        raise RecordError(
            f"{field}.lot_size",
            "no lot_size on the line and the supplier item's PurchaseUnitFactor is "
            f"{why} (logistics/SupplierItem for this supplier and item)",
        )
    item_quantity = to_item_units(quantity, unit_factor, field=field)
    return round_quantity(item_quantity / supplier_factor)


def to_item_units(quantity: Decimal, unit_factor: Decimal | None, *, field: str) -> Decimal:
    """Planning quantity -> Exact item units with an optional ``unit_factors`` factor."""
    if unit_factor is None:
        return quantity
    if unit_factor <= 0:
        raise RecordError(
            f"{field}.quantity", f"unit factor must be greater than 0, got {unit_factor}"
        )
    return quantity / unit_factor


def unit_factor_for(
    factors: Mapping[str, Any] | None, *, item_code: str | None, unit: str | None
) -> Decimal | None:
    """The configured factor for an item: by item code first, then by the item's unit code."""
    if not factors:
        return None
    for raw_key in (item_code, unit):
        if raw_key is None:
            continue
        key = raw_key.strip()
        for name, value in factors.items():
            if name.strip().lower() == key.lower():
                return Decimal(str(value))
    return None


def next_working_day(day: date) -> date:
    """The first Monday-Friday strictly after ``day`` (Friday/Saturday/Sunday -> Monday)."""
    result = day + timedelta(days=1)
    while result.weekday() >= 5:
        result += timedelta(days=1)
    return result


def receipt_date(order_date: date, lead_days: int | None) -> date:
    """Order date + supplier delivery time in calendar days, else the next working day."""
    if lead_days is not None and lead_days > 0:
        return order_date + timedelta(days=lead_days)
    return next_working_day(order_date)


def sku_sort_key(code: str | None, index: int) -> tuple[int, str, int]:
    """Lines by item code ascending (trimmed, case-insensitive); stable; codeless lines last."""
    if code is None or not code.strip():
        return (1, "", index)
    return (0, code.strip().casefold(), index)


def as_float(value: Decimal) -> float | int:
    """A JSON number for Exact (integers stay integers)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
