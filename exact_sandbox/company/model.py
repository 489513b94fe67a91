"""The master records the domain modules hand each other (units, warehouses, accounts, items,
supplier items), so a document line can copy the code and name of the row it references.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Unit:
    id: str
    code: str  # padded
    description: str


@dataclass
class Warehouse:
    id: str
    code: str
    description: str


@dataclass
class Account:
    id: str
    code: str
    name: str
    currency: str
    lead_days: int
    contact: str
    contact_name: str
    address: str
    can_drop_ship: bool = False


@dataclass
class Item:
    id: str
    code: str
    description: str
    kind: str
    level: int
    unit: Unit
    cost: float
    price: float
    barcode: str | None
    is_stock: bool
    is_sales: bool
    is_purchase: bool
    is_make: bool
    on_demand: bool
    ended: bool
    vat_code: str
    warehouses: list[Warehouse] = field(default_factory=list)
    stock: dict[str, float] = field(default_factory=dict)  # warehouse id -> on hand
    bom_version: str | None = None
    materials: list[tuple[Item, float]] = field(default_factory=list)


@dataclass
class SupplierItem:
    id: str
    item: Item
    supplier: Account
    factor: float
    unit_code: str
    price: float  # per purchase unit
    moq: float
    lead: int
    main: bool
    code_at_supplier: str
