"""The planning rules written a second time, in Python, over the raw rows the loader wrote: the
tests compare dbt's marts with these (docs/planning.md is the spec of both)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .warehouse import as_day, as_number

Row = Mapping[str, Any]
PRICE_CAP = Decimal("9999999.99")


def whole(value: Decimal | int) -> int:
    """SQL round(): half away from zero."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money(value: Any) -> Decimal | None:
    number = as_number(value)
    if number is None:
        return None
    cents = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Decimal("0.00") if cents > PRICE_CAP else cents


def at_least_one(value: Any) -> int:
    number = as_number(value)
    return max(1, math.ceil(number)) if number is not None else 1


def live(rows: Iterable[Row]) -> list[Row]:
    return [r for r in rows if r.get("_sdc_deleted_at") is None]


def stock_levels(positions: Iterable[Row], warehouses: set[str] | None = None) -> dict[str, int]:
    """CurrentStock - PlanningOut summed per item over the chosen warehouses."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in live(positions):
        if warehouses and str(row["warehouse"]).lower() not in warehouses:
            continue
        sums[row["itemid"]] += (as_number(row["currentstock"]) or 0) - (
            as_number(row["planningout"]) or 0)
    return {item: whole(total) for item, total in sums.items()}


def valid_on(row: Row, day: date) -> bool:
    start, end = as_day(row.get("startdate")), as_day(row.get("enddate"))
    return (start is None or start <= day) and (end is None or end > day)


def sales_prices(prices: Iterable[Row], day: date) -> dict[str, Decimal | None]:
    """Per item: the general price (no account) valid on `day`, smallest quantity, latest start."""
    best: dict[str, Row] = {}
    for row in live(prices):
        if row.get("account") is not None or not valid_on(row, day):
            continue
        key = (as_number(row.get("quantity")) or 0, -day_ordinal(row.get("startdate")), row["id"])
        current = best.get(row["item"])
        if current is None or key < (
            as_number(current.get("quantity")) or 0, -day_ordinal(current.get("startdate")),
            current["id"],
        ):
            best[row["item"]] = row
    return {item: money(row["price"]) for item, row in best.items()}


def day_ordinal(value: Any) -> int:
    day = as_day(value)
    return day.toordinal() if day else -(10**9)  # nulls last in "start desc"


def product_status(item: Row, day: date, flags: Mapping[str, Any]) -> str:
    """The truth table of docs/planning.md, first matching row wins."""
    end = as_day(item.get("enddate"))
    if item.get("_sdc_deleted_at") is not None:
        return "disabled"
    if end is not None and end <= day:
        return "disabled"
    if flags.get("use_IsOnDemandItem") and item.get("isondemanditem") == 1:
        return "disabled"
    groups = {str(g).lower() for g in flags.get("prod_ItemGroupCode_filter") or []}
    if str(item.get("itemgroupcode") or "").strip().lower() in groups:
        return "disabled"
    if flags.get("map_IsPurchaseItem", True) and not item.get("ispurchaseitem") and (
        item.get("ismakeitem") != 1
    ):
        return "disabled"
    return "enabled"


def composition_pairs(
    materials: Iterable[Row], versions: Iterable[Row], default_only: bool = False
) -> dict[tuple[str, str], Row]:
    """(composed item, part item) -> the winning material row, cycles and self-parts removed."""
    by_version = {v["id"]: v for v in versions}
    pairs: dict[tuple[str, str], tuple[tuple[Any, ...], Row]] = {}
    for row in materials:
        version = by_version.get(row["itemversion"])
        if version is None or row.get("partitem") is None or version.get("item") is None:
            continue
        if row["partitem"] == version["item"] or (default_only and version["isdefault"] != 1):
            continue
        rank = (row.get("_sdc_deleted_at") is not None, -(version["isdefault"] or 0),
                -(version["versionnumber"] or 0), row["id"])
        pair = (version["item"], row["partitem"])
        if pair not in pairs or rank < pairs[pair][0]:
            pairs[pair] = (rank, {**row, "_batch": version.get("batchquantity")})
    return {
        pair: found for pair, (_rank, found) in pairs.items() if (pair[1], pair[0]) not in pairs
    }


def price_list_prices(
    discounts: Iterable[Row], periods: Iterable[Row], code: str, day: date
) -> dict[str, Decimal | None]:
    """Per item: NewPrice in price list `code` (a period valid on `day`), smallest quantity, latest
    period start."""
    valid = {p["id"]: p for p in live(periods) if valid_on(p, day)}
    best: dict[str, tuple[tuple[Any, ...], Row]] = {}
    for row in live(discounts):
        period = valid.get(row["pricelistperiod"])
        if period is None or str(row["pricelistcode"] or "").strip().lower() != code.lower():
            continue
        rank = (as_number(row["quantity"]) or 0, -day_ordinal(period.get("startdate")), row["id"])
        if row["item"] not in best or rank < best[row["item"]][0]:
            best[row["item"]] = (rank, row)
    return {item: money(row["newprice"]) for item, (_rank, row) in best.items()}
