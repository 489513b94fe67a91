"""How big a demo company is: counts per business area for ``--scale small|medium|large``.

The numbers drive every domain module, so a scale always gives the same shape of company;
``large`` also sets a row total that older invoice history tops up to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    items: int
    suppliers: int
    customers: int
    employees: int
    purchase_orders: int
    sales_orders: int
    direct_invoices: int
    shop_orders: int
    assembly_orders: int
    transfers: int
    history_days: int
    generic_rows: int = 3
    total_rows: int = 0  # rows across all divisions to reach by topping up invoice history


SCALES: dict[str, Scale] = {
    "small": Scale(
        items=50,
        suppliers=6,
        customers=12,
        employees=5,
        purchase_orders=20,
        sales_orders=25,
        direct_invoices=5,
        shop_orders=6,
        assembly_orders=3,
        transfers=4,
        history_days=120,
    ),
    "medium": Scale(
        items=2000,
        suppliers=120,
        customers=400,
        employees=20,
        purchase_orders=600,
        sales_orders=750,
        direct_invoices=150,
        shop_orders=200,
        assembly_orders=60,
        transfers=120,
        history_days=540,
    ),
    "large": Scale(
        items=10000,
        suppliers=400,
        customers=2000,
        employees=40,
        purchase_orders=6000,
        sales_orders=9000,
        direct_invoices=1500,
        shop_orders=1000,
        assembly_orders=300,
        transfers=600,
        history_days=1095,
        total_rows=1_000_000,
    ),
}
