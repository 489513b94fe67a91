"""``generate``: one demo company per division, the domains built in a fixed order.

The order matters twice: later domains reference earlier ones (orders need items, items need
units and G/L accounts), and all draw from one ``random.Random(seed + division)``, so changing
the order changes every row after it.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timezone

from exact_sandbox.company import (
    accounts,
    finance,
    generic,
    invoices,
    masters,
    people,
    prices,
    production,
    purchasing,
    sales,
    stock,
)
from exact_sandbox.company.context import Company
from exact_sandbox.company.scales import SCALES
from exact_sandbox.company.sink import StoreLike


def generate(
    store: StoreLike, *, divisions: list[int], seed: int, scale: str, today: date | None = None
) -> None:
    """Fill each division with a demo company (after ``create_division`` for each)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    spec = SCALES[scale]
    day = today or datetime.now(timezone.utc).date()
    per_division_target = math.ceil(spec.total_rows / len(divisions)) if divisions else 0
    for division in divisions:
        company = Company(
            store,
            division=division,
            divisions=divisions,
            rng=random.Random(seed + division),
            today=day,
            spec=spec,
        )
        build(company, per_division_target)


def build(c: Company, target_rows: int) -> None:
    people.people(c)
    finance.finance(c)
    masters.logistics_master(c)
    accounts.accounts(c)
    masters.make_items(c)
    prices.sourcing(c)
    prices.sales_prices(c)
    production.bills_of_material(c)
    production.production(c)
    sales.sales(c)
    purchasing.purchasing(c)
    stock.transfers(c)
    stock.stock(c)
    c.sink.flush()
    generic.generic(c)
    if target_rows:
        invoices.top_up(c, target_rows)
    c.sink.flush()
