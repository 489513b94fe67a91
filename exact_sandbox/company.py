"""The demo company: a consistent supply-chain business per division.

``generate(store, divisions=, seed=, scale=)`` fills a fresh store. Everything comes from
``random.Random(seed + division)``, so a seed always gives the same rows (dates are relative to
``today``, which defaults to the current UTC date; pass it to pin them). References are real:
every line's item exists, codes and names are copied from the record they name, bills of
material only consume lower-level items (no cycles), stock positions add up the open orders.
Entities the supply chain does not model get a few type-correct generic rows each.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from exact_online.registry import load_registry
from exact_sandbox.company_rows import (
    STORE_OWNED,
    Sink,
    StoreLike,
    Values,
    account_code,
    ean13,
    generic_rows,
    short_code,
)

__all__ = ["SCALES", "Scale", "generate"]


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

# Exact status codes.
PO_OPEN, PO_PARTIAL, PO_COMPLETE, PO_CANCELLED = 10, 20, 30, 40
SO_OPEN, SO_PARTIAL, SO_COMPLETE, SO_CANCELLED = 12, 20, 21, 45
INV_DRAFT, INV_OPEN, INV_CANCELLED, INV_PROCESSED = 10, 20, 45, 50
SALES_INVOICE, DIRECT_SALES_INVOICE = 8020, 8023

_STATUS_TEXT = {
    12: "Open",
    20: "Partial",
    21: "Complete",
    45: "Cancelled",
    10: "Draft",
    50: "Processed",
}


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
        company = _Company(
            store,
            division=division,
            divisions=divisions,
            rng=random.Random(seed + division),
            today=day,
            spec=spec,
        )
        company.build(per_division_target)


@dataclass
class _Unit:
    id: str
    code: str  # padded
    description: str


@dataclass
class _Warehouse:
    id: str
    code: str
    description: str


@dataclass
class _Account:
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
class _Item:
    id: str
    code: str
    description: str
    kind: str
    level: int
    unit: _Unit
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
    warehouses: list[_Warehouse] = field(default_factory=list)
    stock: dict[str, float] = field(default_factory=dict)  # warehouse id -> on hand
    bom_version: str | None = None
    materials: list[tuple[_Item, float]] = field(default_factory=list)


@dataclass
class _SupplierItem:
    id: str
    item: _Item
    supplier: _Account
    factor: float
    unit_code: str
    price: float  # per purchase unit
    moq: float
    lead: int
    main: bool
    code_at_supplier: str


# (kind, weight, level, stock, sales, purchase, make, on-demand)
_KINDS = (
    ("raw", 28, 0, True, False, True, False, False),
    ("packaging", 6, 0, True, False, True, False, False),
    ("trade", 30, 0, True, True, True, False, False),
    ("ondemand", 8, 0, True, True, True, False, True),
    ("service", 4, 0, False, True, False, False, False),
    ("subassembly", 8, 1, True, False, False, True, False),
    ("assembled", 4, 1, True, True, False, True, False),
    ("finished", 12, 2, True, True, False, True, False),
)
_PREFIX = {
    "raw": "RM",
    "packaging": "PK",
    "trade": "TR",
    "ondemand": "OD",
    "service": "SV",
    "subassembly": "SA",
    "assembled": "AS",
    "finished": "FG",
}
_NOUNS = {
    "raw": (
        "steel sheet",
        "aluminium bar",
        "copper wire",
        "oak plank",
        "pvc tube",
        "glass pane",
        "rubber seal",
        "bolt M8",
        "nut M8",
        "hinge",
        "spring",
        "bearing",
    ),
    "packaging": ("carton box", "pallet wrap", "bubble bag", "label roll", "tape"),
    "trade": (
        "desk lamp",
        "office chair",
        "monitor arm",
        "cable tray",
        "whiteboard",
        "coat rack",
        "bike rack",
        "planter",
        "notice board",
        "footrest",
    ),
    "ondemand": ("custom sign", "engraved plate", "special cabinet", "bespoke shelf"),
    "service": ("installation", "delivery service", "maintenance visit", "consultancy hour"),
    "subassembly": ("frame", "drawer unit", "base plate", "lamp head", "panel set"),
    "assembled": ("tool kit", "starter bundle", "spare parts set"),
    "finished": ("standing desk", "storage cabinet", "workbench", "locker", "shelving unit"),
}
_ADJ = (
    "compact",
    "large",
    "heavy-duty",
    "light",
    "premium",
    "basic",
    "black",
    "white",
    "oak",
    "steel",
    "mini",
    "pro",
)
_COMPANY_A = (
    "Van Dijk",
    "De Vries",
    "Bakker",
    "Jansen",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Brouwer",
    "Kok",
    "Vermeulen",
)
_COMPANY_B = (
    "Metaal",
    "Logistiek",
    "Handel",
    "Techniek",
    "Kantoor",
    "Interieur",
    "Groothandel",
    "Productie",
    "Trading",
    "Supplies",
    "Industries",
    "Components",
)
_COMPANY_C = ("B.V.", "B.V.", "B.V.", "N.V.", "GmbH", "Ltd", "V.O.F.")
_FIRST = (
    "Anna",
    "Bram",
    "Daan",
    "Emma",
    "Fleur",
    "Lars",
    "Lotte",
    "Milan",
    "Noor",
    "Ruben",
    "Sanne",
    "Thijs",
    "Sophie",
    "Jesse",
    "Eva",
    "Lucas",
)
_LAST = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
)
_COUNTRIES = (
    ("NL", 60, "EUR"),
    ("BE", 12, "EUR"),
    ("DE", 14, "EUR"),
    ("GB", 5, "GBP"),
    ("US", 4, "USD"),
    ("CN", 5, "USD"),
)
_CITIES = {
    "NL": ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Zwolle", "Breda"),
    "BE": ("Antwerpen", "Gent", "Brussel"),
    "DE": ("Düsseldorf", "Köln", "Hamburg"),
    "GB": ("London", "Manchester"),
    "US": ("Chicago", "Houston"),
    "CN": ("Shenzhen", "Ningbo"),
}
_VAT = {
    "0": ("No VAT", 0.0),
    "1": ("VAT low 9%", 0.09),
    "2": ("VAT high 21%", 0.21),
    "3": ("VAT 0% EU", 0.0),
    "5": ("Reverse charge", 0.0),
}
# (code, description, type, balance side, balance type)
_GL = (
    ("0300", "Machines and equipment", 12, "D", "B"),
    ("1100", "Bank", 12, "D", "B"),
    ("1300", "Accounts receivable", 20, "D", "B"),
    ("1500", "VAT to pay", 30, "C", "B"),
    ("1520", "VAT to claim", 30, "D", "B"),
    ("1600", "Accounts payable", 22, "C", "B"),
    ("3000", "Stock", 32, "D", "B"),
    ("3100", "Work in progress", 32, "D", "B"),
    ("4000", "Salaries", 110, "D", "W"),
    ("4300", "Housing costs", 110, "D", "W"),
    ("4500", "Transport costs", 110, "D", "W"),
    ("7000", "Cost of goods sold", 110, "D", "W"),
    ("7100", "Purchase price differences", 110, "D", "W"),
    ("7200", "Stock variance", 110, "D", "W"),
    ("8000", "Revenue goods", 111, "C", "W"),
    ("8100", "Revenue services", 111, "C", "W"),
    ("8900", "Revenue work in progress", 111, "C", "W"),
)


class _Company:
    def __init__(
        self,
        store: StoreLike,
        *,
        division: int,
        divisions: list[int],
        rng: random.Random,
        today: date,
        spec: Scale,
    ) -> None:
        self.store = store
        self.division = division
        self.divisions = divisions
        self.rng = rng
        self.v = Values(rng, today)
        self.spec = spec
        self.sink = Sink(store, division)
        self.users: list[tuple[str, str]] = []  # (user guid, full name)
        self.gl: dict[str, tuple[str, str]] = {}  # code -> (id, description)
        self.units: dict[str, _Unit] = {}
        self.warehouses: list[_Warehouse] = []
        self.groups: dict[str, tuple[str, str, str]] = {}  # kind -> (id, code, description)
        self.suppliers: list[_Account] = []
        self.customers: list[_Account] = []
        self.items: list[_Item] = []
        self.supplier_items: list[_SupplierItem] = []
        self.by_supplier: dict[str, list[_SupplierItem]] = defaultdict(list)
        self.main_supplier: dict[str, _SupplierItem] = {}
        self.price_lists: list[tuple[str, str, str]] = []
        # (item id, warehouse id) -> quantity planned in / out
        self.planned_in: dict[tuple[str, str], float] = defaultdict(float)
        self.planned_out: dict[tuple[str, str], float] = defaultdict(float)
        self.drop_lines: list[tuple[dict, dict]] = []  # (sales order header, line)
        self.entry_no = 0

    # ---- helpers ---------------------------------------------------------------------------

    def add(self, entity: str, record: dict) -> dict:
        return self.sink.add(entity, record)

    def audit(self, days_ago: float) -> dict[str, Any]:
        """Created/Modified and their users, ``days_ago`` before today."""
        uid, name = self.v.pick(self.users) if self.users else (None, None)
        created = self.v.moment(-days_ago)
        modified = self.v.moment(-max(0.0, days_ago - self.rng.uniform(0, days_ago)))
        return {
            "Created": created,
            "Creator": uid,
            "CreatorFullName": name,
            "Modified": modified,
            "Modifier": uid,
            "ModifierFullName": name,
        }

    def weighted(self, options: tuple[tuple[Any, int], ...]) -> Any:
        values = [o for o, _ in options]
        weights = [w for _, w in options]
        return self.rng.choices(values, weights)[0]

    def next_entry(self) -> int:
        self.entry_no += 1
        return self.v.today.year * 100000 + self.entry_no

    # ---- the build ---------------------------------------------------------------------------

    def build(self, target_rows: int) -> None:
        self.people()
        self.finance()
        self.logistics_master()
        self.accounts()
        self.make_items()
        self.sourcing()
        self.sales_prices()
        self.bills_of_material()
        self.production()
        self.sales()
        self.purchasing()
        self.transfers()
        self.stock()
        self.sink.flush()
        self.generic()
        if target_rows:
            self.top_up(target_rows)
        self.sink.flush()

    def people(self) -> None:
        for _ in range(self.spec.employees):
            first, last = self.v.pick(_FIRST), self.v.pick(_LAST)
            user, full = self.v.guid(), f"{first} {last}"
            self.users.append((user, full))
        for n, (user, full) in enumerate(self.users, start=1):
            first, last = full.split(" ", 1)
            city = self.v.pick(_CITIES["NL"])
            self.add(
                "payroll/Employees",
                {
                    "ID": self.v.guid(),
                    "Code": str(n),
                    "HID": n,
                    "EmployeeHID": n,
                    "FirstName": first,
                    "LastName": last,
                    "FullName": full,
                    "Initials": first[0] + ".",
                    "User": user,
                    "UserFullName": full,
                    "Email": f"{first.lower()}.{n}@demo-company.example",
                    "City": city,
                    "Country": "NL",
                    "Language": "NL",
                    "IsActive": True,
                    "ActiveEmployment": 1,
                    "StartDate": self.v.day(-self.rng.randint(200, 3000)),
                    "EndDate": None,
                    "Gender": self.v.pick(("M", "V", "O")),
                    **self.audit(400),
                },
            )
            self.add(
                "users/UserRolesPerDivision",
                {
                    "ID": self.v.guid(),
                    "UserID": user,
                    "Role": 10,
                    "RoleLevel": 2,
                    "Description": "Purchase" if n % 2 else "Sales",
                    "StartDate": self.v.day(-400),
                    "EndDate": None,
                    **self.audit(400),
                },
            )

    def finance(self) -> None:
        for code, desc, amount_precision in (
            ("EUR", "Euro", 0.01),
            ("USD", "US Dollar", 0.01),
            ("GBP", "Pound sterling", 0.01),
        ):
            self.add(
                "general/Currencies",
                {
                    "Code": code,
                    "Description": desc,
                    "AmountPrecision": amount_precision,
                    "PricePrecision": 0.0001,
                    "Created": self.v.moment(-900),
                    "Modified": self.v.moment(-900),
                },
            )
        for code, desc, gl_type, side, btype in _GL:
            gid = self.v.guid()
            self.gl[code] = (gid, desc)
            self.add(
                "financial/GLAccounts",
                {
                    "ID": gid,
                    "Code": code,
                    "Description": desc,
                    "SearchCode": desc[:10].upper(),
                    "Type": gl_type,
                    "BalanceSide": side,
                    "BalanceType": btype,
                    "IsBlocked": False,
                    "VATCode": "2" if code.startswith("8") else None,
                    **self.audit(900),
                },
            )
        for code, (desc, pct) in _VAT.items():
            self.add(
                "vat/VATCodes",
                {
                    "ID": self.v.guid(),
                    "Code": code,
                    "Description": desc,
                    "Percentage": pct,
                    "Charged": pct > 0,
                    "IsBlocked": False,
                    "Country": "NL",
                    "Type": "E" if code in ("0", "1", "2") else "B",
                    "VATTransactionType": "B",
                    "GLToPay": self.gl["1500"][0],
                    "GLToPayCode": "1500",
                    "GLToPayDescription": self.gl["1500"][1],
                    "GLToClaim": self.gl["1520"][0],
                    "GLToClaimCode": "1520",
                    "GLToClaimDescription": self.gl["1520"][1],
                    **self.audit(900),
                },
            )
        for code, desc, jtype, gl in (
            ("70", "Sales journal", 20, "1300"),
            ("60", "Purchase journal", 21, "1600"),
            ("20", "Bank", 12, "1100"),
            ("90", "Memorial", 90, "3000"),
        ):
            self.add(
                "financial/Journals",
                {
                    "ID": self.v.guid(),
                    "Code": code,
                    "Description": desc,
                    "Type": jtype,
                    "Currency": "EUR",
                    "GLAccount": self.gl[gl][0],
                    "GLAccountCode": gl,
                    "GLAccountDescription": self.gl[gl][1],
                    "AllowVAT": jtype in (20, 21),
                    "IsBlocked": False,
                    **self.audit(900),
                },
            )
        months = max(12, self.spec.history_days // 30 + 2)
        for m in range(months):
            y, mo = divmod(self.v.today.year * 12 + self.v.today.month - 1 - m, 12)
            start = self.v.day((date(y, mo + 1, 1) - self.v.today).days)
            for source, base in (("USD", 0.92), ("GBP", 1.17)):
                self.add(
                    "financial/ExchangeRates",
                    {
                        "ID": self.v.guid(),
                        "SourceCurrency": source,
                        "SourceCurrencyDescription": "US Dollar"
                        if source == "USD"
                        else "Pound sterling",
                        "TargetCurrency": "EUR",
                        "TargetCurrencyDescription": "Euro",
                        "Rate": round(base * self.rng.uniform(0.97, 1.03), 4),
                        "StartDate": start,
                        **self.audit(m * 30 + 1),
                    },
                )
            self.add(
                "financial/FinancialPeriods",
                {
                    "ID": self.v.guid(),
                    "FinYear": y,
                    "FinPeriod": mo + 1,
                    "StartDate": start,
                    "EndDate": self.v.day(
                        (date(y + (mo + 1) // 12, (mo + 1) % 12 + 1, 1) - self.v.today).days - 1
                    ),
                    **self.audit(m * 30 + 1),
                },
            )

    def logistics_master(self) -> None:
        for code, desc, unit_type in (
            ("pc", "Piece", "A"),
            ("kg", "Kilogram", "W"),
            ("m", "Meter", "L"),
            ("l", "Liter", "V"),
            ("box", "Box", "A"),
            ("set", "Set", "A"),
            ("hr", "Hour", "T"),
        ):
            uid = self.v.guid()
            self.units[code] = _Unit(uid, short_code(code), desc)
            self.add(
                "logistics/Units",
                {
                    "ID": uid,
                    "Code": short_code(code),
                    "Description": desc,
                    "Active": True,
                    "Main": 1 if code == "pc" else 0,
                    "Type": unit_type,
                    "TimeUnit": "h" if code == "hr" else None,
                },
            )
        names = ("Main warehouse", "Distribution centre", "Production site", "Showroom")
        for n in range(self.rng.randint(2, 4)):
            wid = self.v.guid()
            wh = _Warehouse(wid, str(n + 1), names[n])
            self.warehouses.append(wh)
            uid, _ = self.v.pick(self.users)
            self.add(
                "inventory/Warehouses",
                {
                    "ID": wid,
                    "Code": wh.code,
                    "Description": wh.description,
                    "Main": int(n == 0),
                    "UseStorageLocations": 0,
                    "ManagerUser": uid,
                    "EMail": f"warehouse{n + 1}@demo-company.example",
                    **self.audit(900),
                },
            )
        for kind, *_ in _KINDS:
            gid = self.v.guid()
            code = _PREFIX[kind]
            desc = kind.replace("ondemand", "on demand").title()
            self.groups[kind] = (gid, code, desc)
            costs, revenue, stock = self.gl["7000"], self.gl["8000"], self.gl["3000"]
            self.add(
                "logistics/ItemGroups",
                {
                    "ID": gid,
                    "Code": code,
                    "Description": desc,
                    "IsDefault": int(kind == "trade"),
                    "GLCosts": costs[0],
                    "GLCostsCode": "7000",
                    "GLCostsDescription": costs[1],
                    "GLRevenue": revenue[0],
                    "GLRevenueCode": "8000",
                    "GLRevenueDescription": revenue[1],
                    "GLStock": stock[0],
                    "GLStockCode": "3000",
                    "GLStockDescription": stock[1],
                    **self.audit(900),
                },
            )

    def _account(self, number: int, *, supplier: bool) -> _Account:
        country = self.weighted(tuple((c, w) for c, w, _ in _COUNTRIES))
        currency = next(cur for c, _, cur in _COUNTRIES if c == country)
        name = f"{self.v.pick(_COMPANY_A)} {self.v.pick(_COMPANY_B)} {self.v.pick(_COMPANY_C)}"
        acc = _Account(
            self.v.guid(),
            account_code(number),
            name,
            currency,
            self.rng.randint(2, 45) if supplier else 0,
            self.v.guid(),
            "",
            self.v.guid(),
            can_drop_ship=supplier and self.rng.random() < 0.3,
        )
        manager, manager_name = self.v.pick(self.users)
        manager_hid = self.users.index((manager, manager_name)) + 1
        city = self.v.pick(_CITIES[country])
        blocked = self.rng.random() < 0.03
        status = "A" if supplier else self.weighted((("C", 85), ("P", 10), ("S", 5)))
        first, last = self.v.pick(_FIRST), self.v.pick(_LAST)
        acc.contact_name = f"{first} {last}"
        street = f"{self.v.pick(_LAST).split()[-1]}straat {self.rng.randint(1, 200)}"
        postcode = f"{self.rng.randint(1000, 9999)} {self.v.pick(('AB', 'CD', 'KL', 'XZ'))}"
        days = self.rng.randint(60, 2000)
        self.add(
            "crm/Accounts",
            {
                "ID": acc.id,
                "Code": acc.code,
                "Name": name,
                "SearchCode": name[:8].upper(),
                "IsSupplier": supplier,
                "IsPurchase": supplier,
                "IsSales": not supplier,
                "Status": status,
                "StatusSince": self.v.day(-days),
                "Blocked": blocked,
                "PurchaseLeadDays": acc.lead_days if supplier else None,
                "ShippingLeadDays": None if supplier else self.rng.randint(1, 5),
                "CanDropShip": acc.can_drop_ship,
                "AccountManager": manager,
                "AccountManagerFullName": manager_name,
                "AccountManagerHID": manager_hid,
                "MainContact": acc.contact,
                "AddressLine1": street,
                "City": city,
                "Postcode": postcode,
                "Country": country,
                "Currency": currency,
                "PurchaseCurrency": currency if supplier else None,
                "SalesCurrency": None if supplier else currency,
                "Email": f"info@{name.split(maxsplit=1)[0].lower()}{number}.example",
                "Phone": f"+31 {self.rng.randint(10, 79)} {self.rng.randint(1000000, 9999999)}",
                "VATNumber": f"{country}{self.rng.randint(100000000, 999999999)}B01",
                "ChamberOfCommerce": str(self.rng.randint(10000000, 99999999)),
                "PaymentConditionPurchase": "30" if supplier else None,
                "PaymentConditionSales": None if supplier else self.v.pick(("14", "30")),
                "PriceList": (
                    self.v.pick(self.price_lists)[0]
                    if not supplier and self.price_lists and self.rng.random() < 0.4
                    else None
                ),
                "CustomerSince": None if supplier else self.v.day(-days),
                "StartDate": self.v.day(-days),
                "EndDate": None,
                "Language": "NL" if country in ("NL", "BE") else "EN",
                **self.audit(days),
            },
        )
        self.add(
            "crm/Contacts",
            {
                "ID": acc.contact,
                "Account": acc.id,
                "AccountName": name,
                "AccountIsSupplier": supplier,
                "AccountIsCustomer": not supplier,
                "AccountMainContact": acc.contact,
                "IsMainContact": True,
                "FirstName": first,
                "LastName": last,
                "FullName": acc.contact_name,
                "Initials": first[0] + ".",
                "Email": f"{first.lower()}@{number}.example",
                "City": city,
                "Country": country,
                "JobTitleDescription": "Purchasing" if not supplier else "Sales",
                "StartDate": self.v.day(-days),
                **self.audit(days),
            },
        )
        for addr_type in (1, 4) if not supplier else (1,):  # 1 visit, 4 delivery
            addr_id = acc.address if addr_type == 1 else self.v.guid()
            self.add(
                "crm/Addresses",
                {
                    "ID": addr_id,
                    "Account": acc.id,
                    "AccountName": name,
                    "AccountIsSupplier": supplier,
                    "Type": addr_type,
                    "Main": addr_type == 1,
                    "AddressLine1": street,
                    "City": city,
                    "Postcode": postcode,
                    "Country": country,
                    "Contact": acc.contact,
                    "ContactName": acc.contact_name,
                    **self.audit(days),
                },
            )
        return acc

    def accounts(self) -> None:
        # price lists first: customers link to them
        for n in range(3 if self.spec.items < 500 else 6):
            pid = self.v.guid()
            code, desc = (
                f"PL{n + 1:02d}",
                ("Retail", "Wholesale", "Export", "Partner", "Promotion", "Key accounts")[n],
            )
            self.price_lists.append((pid, code, desc))
        self.suppliers = [
            self._account(20001 + n, supplier=True) for n in range(self.spec.suppliers)
        ]
        self.customers = [
            self._account(10001 + n, supplier=False) for n in range(self.spec.customers)
        ]

    def make_items(self) -> None:
        kinds = [k[0] for k in _KINDS]
        weights = [k[1] for k in _KINDS]
        spec = {k[0]: k for k in _KINDS}
        seq: dict[str, int] = defaultdict(int)
        for n in range(self.spec.items):
            kind = kinds[n] if n < len(kinds) else self.rng.choices(kinds, weights)[0]
            _, _, level, stock, sales, purchase, make, on_demand = spec[kind]
            seq[kind] += 1
            code = f"{_PREFIX[kind]}-{seq[kind]:05d}"
            noun = self.v.pick(_NOUNS[kind])
            desc = f"{self.v.pick(_ADJ).title()} {noun}"
            unit_code = (
                "hr"
                if kind == "service"
                else self.weighted((("pc", 80), ("kg", 6), ("m", 6), ("l", 4), ("set", 4)))
                if kind in ("raw", "packaging")
                else "pc"
            )
            cost = round(self.rng.lognormvariate(2.3, 1.0) * (1 + level), 2)
            price = round(cost * self.rng.uniform(1.3, 2.2), 2)
            item = _Item(
                id=self.v.guid(),
                code=code,
                description=desc,
                kind=kind,
                level=level,
                unit=self.units[unit_code],
                cost=cost,
                price=price,
                barcode=ean13(self.rng) if stock and self.rng.random() < 0.75 else None,
                is_stock=stock,
                is_sales=sales,
                is_purchase=purchase,
                is_make=make,
                on_demand=on_demand,
                ended=self.rng.random() < 0.05,
                vat_code="2" if kind != "service" or self.rng.random() < 0.7 else "1",
            )
            if stock:
                item.warehouses = [self.warehouses[0]] + [
                    w for w in self.warehouses[1:] if self.rng.random() < 0.2
                ]
                for w in item.warehouses:
                    on_hand = (
                        0.0
                        if self.rng.random() < 0.12
                        else float(round(self.rng.lognormvariate(3.5, 1.2)))
                    )
                    item.stock[w.id] = on_hand
            self.items.append(item)
        for item in self.items:
            self._item_row(item)

    def _item_row(self, item: _Item) -> None:
        gid, gcode, gdesc = self.groups[item.kind]
        costs, revenue, stock = self.gl["7000"], self.gl["8000"], self.gl["3000"]
        days = self.rng.randint(30, 1500)
        self.add(
            "logistics/Items",
            {
                "ID": item.id,
                "Code": item.code,
                "Description": item.description,
                "SearchCode": item.code.replace("-", "")[:10],
                "Barcode": item.barcode,
                "Unit": item.unit.code,
                "UnitDescription": item.unit.description,
                "UnitType": "A",
                "IsStockItem": item.is_stock,
                "IsSalesItem": item.is_sales,
                "IsPurchaseItem": item.is_purchase,
                "IsMakeItem": int(item.is_make),
                "IsOnDemandItem": int(item.on_demand),
                "IsSubcontractedItem": False,
                "IsFractionAllowedItem": item.unit.code.strip() in ("kg", "m", "l"),
                "IsSerialItem": False,
                "IsBatchItem": 0,
                "IsPackageItem": False,
                "IsWebshopItem": int(item.is_sales and self.rng.random() < 0.5),
                "IsTime": int(item.kind == "service"),
                "IsTaxableItem": 1,
                "ItemGroup": gid,
                "ItemGroupCode": gcode,
                "ItemGroupDescription": gdesc,
                "CostPriceStandard": item.cost,
                "AverageCost": round(item.cost * self.rng.uniform(0.95, 1.05), 2),
                "CostPriceCurrency": "EUR",
                "StandardSalesPrice": item.price if item.is_sales else 0.0,
                "Stock": float(sum(item.stock.values())),
                "SalesVatCode": item.vat_code,
                "SalesVatCodeDescription": _VAT[item.vat_code][0],
                "GLCosts": costs[0],
                "GLCostsCode": "7000",
                "GLCostsDescription": costs[1],
                "GLRevenue": revenue[0],
                "GLRevenueCode": "8000",
                "GLRevenueDescription": revenue[1],
                "GLStock": stock[0] if item.is_stock else None,
                "GLStockCode": "3000" if item.is_stock else None,
                "GLStockDescription": stock[1] if item.is_stock else None,
                "NetWeight": round(self.rng.uniform(0.1, 40), 2),
                "NetWeightUnit": "kg",
                "GrossWeight": None,
                "AssembledLeadDays": 2 if item.kind == "assembled" else 0,
                "Class_01": self.v.pick(("A", "B", "C")),
                "StartDate": self.v.day(-days),
                "EndDate": self.v.day(-self.rng.randint(1, 200)) if item.ended else None,
                "Notes": None,
                **self.audit(days),
            },
        )

    def sourcing(self) -> None:
        """SupplierItem (one main supplier per purchase item) and purchase prices."""
        for item in self.items:
            if not item.is_purchase:
                continue
            count = self.weighted(((1, 60), (2, 30), (3, 10)))
            picks = self.rng.sample(self.suppliers, min(count, len(self.suppliers)))
            for n, supplier in enumerate(picks):
                factor = (
                    1.0
                    if item.unit.code.strip() != "pc"
                    else float(self.weighted(((1, 55), (6, 10), (12, 15), (24, 10), (100, 10))))
                )
                unit_code = item.unit.code if factor == 1 else short_code("box")
                unit = item.unit if factor == 1 else self.units["box"]
                si = _SupplierItem(
                    id=self.v.guid(),
                    item=item,
                    supplier=supplier,
                    factor=factor,
                    unit_code=unit_code,
                    price=round(item.cost * factor * self.rng.uniform(0.85, 1.05), 2),
                    moq=float(self.weighted(((1, 50), (5, 20), (10, 15), (50, 10), (250, 5)))),
                    lead=supplier.lead_days + self.rng.randint(0, 10),
                    main=n == 0,
                    code_at_supplier=f"S{self.rng.randint(100000, 999999)}",
                )
                self.supplier_items.append(si)
                self.by_supplier[supplier.id].append(si)
                if si.main:
                    self.main_supplier[item.id] = si
                days = self.rng.randint(30, 900)
                self.add(
                    "logistics/SupplierItem",
                    {
                        "ID": si.id,
                        "Item": item.id,
                        "ItemCode": item.code,
                        "ItemDescription": item.description,
                        "Supplier": supplier.id,
                        "SupplierCode": supplier.code,
                        "SupplierDescription": supplier.name,
                        "SupplierItemCode": si.code_at_supplier,
                        "MainSupplier": si.main,
                        "MinimumQuantity": si.moq,
                        "PurchaseLotSize": int(
                            self.weighted(((1, 60), (5, 15), (10, 15), (25, 10)))
                        ),
                        "PurchaseUnitFactor": factor,
                        "PurchaseUnit": unit_code,
                        "PurchaseUnitDescription": unit.description,
                        "ItemUnit": item.unit.id,
                        "ItemUnitCode": item.unit.code,
                        "ItemUnitDescription": item.unit.description,
                        "PurchasePrice": si.price,
                        "Currency": supplier.currency,
                        "PurchaseLeadTime": si.lead,
                        "DropShipment": int(item.on_demand and supplier.can_drop_ship),
                        "PurchaseVATCode": "2",
                        "Barcode": item.barcode,
                        "CountryOfOrigin": None,
                        "StartDate": self.v.day(-days),
                        "EndDate": None,
                        **self.audit(days),
                    },
                )
                breaks = [0.0] + ([si.moq * 10] if self.rng.random() < 0.15 else [])
                for b, qty in enumerate(breaks):
                    self.add(
                        "logistics/PurchaseItemPrices",
                        {
                            "ID": self.v.guid(),
                            "Account": supplier.id,
                            "AccountName": supplier.name,
                            "Item": item.id,
                            "ItemCode": item.code,
                            "ItemDescription": item.description,
                            "Barcode": item.barcode,
                            "Currency": supplier.currency,
                            "Price": round(si.price * (1 - 0.05 * b), 2),
                            "Quantity": qty,
                            "Unit": unit_code,
                            "UnitDescription": unit.description,
                            "DefaultItemUnit": item.unit.code,
                            "DefaultItemUnitDescription": item.unit.description,
                            "NumberOfItemsPerUnit": factor,
                            "StartDate": self.v.day(-days),
                            "EndDate": None,
                            **self.audit(days),
                        },
                    )

    def sales_prices(self) -> None:
        for pid, code, desc in self.price_lists:
            self.add(
                "sales/SalesPriceLists",
                {
                    "ID": pid,
                    "Code": code,
                    "Description": desc,
                    "Currency": "EUR",
                    "Type": 1,
                    "Entity": 1,
                    "Notes": None,
                    **self.audit(700),
                },
            )
            period = self.v.guid()
            self.add(
                "sales/SalesPriceListPeriods",
                {
                    "ID": period,
                    "PriceList": pid,
                    "Currency": "EUR",
                    "Type": 1,
                    "StartDate": self.v.day(-365),
                    "EndDate": None,
                    **self.audit(365),
                },
            )
            linked = [c for c in self.customers if self.rng.random() < 0.1][:50]
            for c in linked:
                self.add(
                    "sales/SalesPriceListLinkedAccounts",
                    {
                        "ID": self.v.guid(),
                        "PriceList": pid,
                        "Code": c.code,
                        "Name": c.name,
                        **self.audit(300),
                    },
                )
            for item in self.rng.sample(self.items, min(len(self.items), 30)):
                if not item.is_sales:
                    continue
                for qty, discount in ((1.0, 0.05), (10.0, 0.10), (50.0, 0.15)):
                    self.add(
                        "sales/SalesPriceListVolumeDiscounts",
                        {
                            "ID": self.v.guid(),
                            "PriceListCode": code,
                            "PriceListDescription": desc,
                            "PriceListPeriod": period,
                            "Item": item.id,
                            "ItemCode": item.code,
                            "ItemDescription": item.description,
                            "Quantity": qty,
                            "Discount": discount,
                            "EntryMethod": 1,
                            "BasePriceAmount": item.price,
                            "NewPrice": round(item.price * (1 - discount), 2),
                            "NumberOfItemsPerUnit": 1.0,
                            "Unit": item.unit.code,
                            "UnitDescription": item.unit.description,
                            **self.audit(300),
                        },
                    )
        for item in self.items:
            if not item.is_sales:
                continue
            rows: list[tuple[_Account | None, float, float]] = [(None, 0.0, item.price)]
            if self.rng.random() < 0.3:
                rows.append((None, 25.0, round(item.price * 0.92, 2)))
            if self.rng.random() < 0.15:
                rows.append((self.v.pick(self.customers), 0.0, round(item.price * 0.9, 2)))
            for account, qty, price in rows:
                days = self.rng.randint(10, 600)
                self.add(
                    "logistics/SalesItemPrices",
                    {
                        "ID": self.v.guid(),
                        "Account": account.id if account else None,
                        "AccountName": account.name if account else None,
                        "Item": item.id,
                        "ItemCode": item.code,
                        "ItemDescription": item.description,
                        "Barcode": item.barcode,
                        "Currency": "EUR",
                        "Price": price,
                        "Quantity": qty,
                        "Unit": item.unit.code,
                        "UnitDescription": item.unit.description,
                        "DefaultItemUnit": item.unit.code,
                        "DefaultItemUnitDescription": item.unit.description,
                        "NumberOfItemsPerUnit": 1.0,
                        "StartDate": self.v.day(-days),
                        "EndDate": None,
                        **self.audit(days),
                    },
                )

    def bills_of_material(self) -> None:
        """One or two versions per make item; materials strictly from lower levels (acyclic)."""
        by_level: dict[int, list[_Item]] = defaultdict(list)
        for item in self.items:
            if item.is_stock and not item.ended:
                by_level[item.level].append(item)
        for item in self.items:
            if not item.is_make:
                continue
            candidates = [
                i for lvl in range(item.level) for i in by_level[lvl] if i.kind != "ondemand"
            ]
            if not candidates:
                continue
            versions = self.weighted(((1, 80), (2, 20)))
            for vno in range(1, versions + 1):
                vid = self.v.guid()
                default = vno == versions
                if default:
                    item.bom_version = vid
                days = self.rng.randint(30, 700)
                self.add(
                    "manufacturing/BillOfMaterialVersions",
                    {
                        "ID": vid,
                        "Item": item.id,
                        "ItemDescription": item.description,
                        "Description": f"{item.description} v{vno}",
                        "VersionNumber": vno,
                        "VersionDate": self.v.day(-days),
                        "IsDefault": int(default),
                        "Status": 20 if default else 30,
                        "StatusDescription": (
                            "Engineering change approved" if default else "Historic"
                        ),
                        "Type": 1,
                        "TypeDescription": "Manufacturing",
                        "BatchQuantity": 1.0,
                        "CalculatedCostPrice": item.cost,
                        "ProductionLeadDays": self.rng.randint(1, 10),
                        "OrderLeadDays": 0,
                        **self.audit(days),
                    },
                )
                parts = self.rng.sample(candidates, min(len(candidates), self.rng.randint(2, 6)))
                materials = []
                for line, part in enumerate(parts, start=1):
                    qty = float(self.weighted(((1, 50), (2, 25), (4, 15), (10, 10))))
                    materials.append((part, qty))
                    self.add(
                        "manufacturing/BillOfMaterialMaterials",
                        {
                            "ID": self.v.guid(),
                            "ItemVersion": vid,
                            "LineNumber": line,
                            "PartItem": part.id,
                            "PartItemCode": part.code,
                            "PartItemDescription": part.description,
                            "Description": part.description,
                            "PartItemCostPriceStandard": part.cost,
                            "PartItemAverageCost": part.cost,
                            "Quantity": qty,
                            "QuantityBatch": qty,
                            "CostBatch": round(part.cost * qty, 2),
                            "Type": 1,
                            "CalculatorType": 1,
                            "Backflush": 0,
                            "WastePercentage": 0.0,
                            "syscreated": self.v.moment(-days),
                            "sysmodified": self.v.moment(-days),
                            "syscreator": self.users[0][0],
                            "sysmodifier": self.users[0][0],
                            "CreatorFullName": self.users[0][1],
                        },
                    )
                if default:
                    item.materials = materials

    def production(self) -> None:
        makeable = [i for i in self.items if i.is_make and i.materials]
        if not makeable:
            return
        assembled = [i for i in makeable if i.kind == "assembled"] or makeable
        manufactured = [i for i in makeable if i.kind != "assembled"] or makeable
        for n in range(1, self.spec.shop_orders + 1):
            item = self.v.pick(manufactured)
            wh = item.warehouses[0]
            status = self.weighted(((10, 30), (20, 25), (30, 10), (40, 35)))
            qty = float(self.rng.randint(1, 50) * 5)
            produced = {
                10: 0.0,
                20: float(round(qty * self.rng.uniform(0.1, 0.9))),
                30: qty,
                40: qty,
            }[status]
            age = self.rng.randint(1, self.spec.history_days)
            planned = self.v.day(-age + self.rng.randint(5, 30))
            sid = self.v.guid()
            self.add(
                "manufacturing/ShopOrders",
                {
                    "ID": sid,
                    "ShopOrderNumber": n,
                    "ShopOrderNumberString": str(n),
                    "Item": item.id,
                    "ItemCode": item.code,
                    "ItemDescription": item.description,
                    "ItemBarcode": item.barcode,
                    "ItemVersion": item.bom_version,
                    "ItemVersionDescription": f"{item.description} default",
                    "Description": f"Produce {item.description}",
                    "PlannedQuantity": qty,
                    "ProducedQuantity": produced,
                    "ReadyToShipQuantity": produced,
                    "PlannedStartDate": self.v.day(-age),
                    "PlannedDate": planned,
                    "EntryDate": self.v.day(-age),
                    "Status": status,
                    "Type": 1,
                    "IsReleased": int(status >= 20),
                    "IsOnHold": 0,
                    "IsInPlanning": 0,
                    "IsBatch": 0,
                    "IsSerial": 0,
                    "IsFractionAllowedItem": 0,
                    "Unit": item.unit.code,
                    "UnitDescription": item.unit.description,
                    "Warehouse": wh.id,
                    "WarehouseCode": wh.code,
                    "WarehouseDescription": wh.description,
                    "ShopOrderMaterialPlanCount": len(item.materials),
                    "SubShopOrderCount": 0,
                    "YourRef": f"PRJ-{self.rng.randint(1000, 9999)}"
                    if self.rng.random() < 0.2
                    else None,
                    **self.audit(age),
                },
            )
            open_qty = max(0.0, qty - produced) if status in (10, 20) else 0.0
            self.planned_in[(item.id, wh.id)] += open_qty
            for line, (part, per) in enumerate(item.materials, start=1):
                need = per * qty
                self.add(
                    "manufacturing/ShopOrderMaterialPlans",
                    {
                        "ID": self.v.guid(),
                        "ShopOrder": sid,
                        "LineNumber": line,
                        "Item": part.id,
                        "ItemCode": part.code,
                        "ItemDescription": part.description,
                        "Description": part.description,
                        "Barcode": part.barcode,
                        "PlannedQuantity": need,
                        "PlannedQuantityFactor": per,
                        "PlannedPriceFC": part.cost,
                        "PlannedAmountFC": round(part.cost * need, 2),
                        "PlannedDate": self.v.day(-age),
                        "Unit": part.unit.code,
                        "UnitDescription": part.unit.description,
                        "Status": 10 if open_qty else 30,
                        "Type": 1,
                        "CalculatorType": 1,
                        "Backflush": 0,
                        "WastePercentage": 0.0,
                        **self.audit(age),
                    },
                )
                if open_qty:
                    self.planned_out[(part.id, wh.id)] += per * open_qty
        for n in range(1, self.spec.assembly_orders + 1):
            item = self.v.pick(assembled)
            wh = item.warehouses[0]
            status = self.weighted(((20, 40), (30, 60)))  # 20 open, 30 finished (medium)
            qty = float(self.rng.randint(1, 20))
            age = self.rng.randint(1, self.spec.history_days)
            self.add(
                "inventory/AssemblyOrders",
                {
                    "ID": self.v.guid(),
                    "OrderNumber": n,
                    "Item": item.id,
                    "ItemCode": item.code,
                    "ItemDescription": item.description,
                    "Description": f"Assemble {item.description}",
                    "PlannedQuantity": qty,
                    "FinishedQuantity": qty if status == 30 else 0.0,
                    "OrderDate": self.v.day(-age),
                    "AssemblyDate": self.v.day(-age + 2),
                    "FinishedAssemblyDate": self.v.day(-age + 2) if status == 30 else None,
                    "OrderStatus": status,
                    "Type": 1,
                    "Unit": item.unit.id,
                    "UnitCode": item.unit.code,
                    "UnitDescription": item.unit.description,
                    "Warehouse": wh.id,
                    "WarehouseCode": wh.code,
                    "WarehouseDescription": wh.description,
                },
            )
            if status == 20:
                self.planned_in[(item.id, wh.id)] += qty
                for part, per in item.materials:
                    self.planned_out[(part.id, wh.id)] += per * qty

    # ---- sales ---------------------------------------------------------------------------------

    def sales(self) -> None:
        sellable = [i for i in self.items if i.is_sales and not i.ended] or [
            i for i in self.items if i.is_sales
        ]
        invoice_no = self.v.today.year * 10000
        for n in range(1, self.spec.sales_orders + 1):
            customer = self.v.pick(self.customers)
            statuses = ((SO_OPEN, 28), (SO_PARTIAL, 10), (SO_COMPLETE, 57), (SO_CANCELLED, 5))
            status = statuses[n - 1][0] if n <= len(statuses) else self.weighted(statuses)
            age = (
                self.rng.randint(0, 30)
                if status in (SO_OPEN, SO_PARTIAL)
                else self.rng.randint(3, self.spec.history_days)
            )
            wh = self.warehouses[0]
            oid = self.v.guid()
            sp, sp_name = self.v.pick(self.users)
            header = {
                "OrderID": oid,
                "OrderNumber": n,
                "OrderDate": self.v.day(-age),
                "DeliveryDate": self.v.day(-age + self.rng.randint(1, 14)),
                "OrderedBy": customer.id,
                "OrderedByName": customer.name,
                "OrderedByContactPerson": customer.contact,
                "OrderedByContactPersonFullName": customer.contact_name,
                "InvoiceTo": customer.id,
                "InvoiceToName": customer.name,
                "DeliverTo": customer.id,
                "DeliverToName": customer.name,
                "DeliveryAddress": customer.address,
                "Currency": "EUR",
                "Status": status,
                "StatusDescription": _STATUS_TEXT[status],
                "DeliveryStatus": status,
                "DeliveryStatusDescription": _STATUS_TEXT[status],
                "InvoiceStatus": status,
                "InvoiceStatusDescription": _STATUS_TEXT[status],
                "ApprovalStatus": 1,
                "Salesperson": sp,
                "SalespersonFullName": sp_name,
                "WarehouseID": wh.id,
                "WarehouseCode": wh.code,
                "WarehouseDescription": wh.description,
                "PaymentCondition": "30",
                "YourRef": f"PO{self.rng.randint(10000, 99999)}"
                if self.rng.random() < 0.6
                else None,
                "Description": f"Order {customer.name}",
                **self.audit(age),
            }
            lines = []
            total = vat_total = 0.0
            for line_no, item in enumerate(
                self.rng.sample(sellable, min(len(sellable), self.rng.randint(1, 5))), start=1
            ):
                qty = float(self.rng.randint(1, 20))
                delivered = {
                    SO_OPEN: 0.0,
                    SO_PARTIAL: float(self.rng.randint(0, int(qty))),
                    SO_COMPLETE: qty,
                    SO_CANCELLED: 0.0,
                }[status]
                discount = self.v.pick((0.0, 0.0, 0.0, 0.05, 0.1))
                net = round(item.price * (1 - discount), 2)
                amount = round(net * qty, 2)
                pct = _VAT[item.vat_code][1]
                drop = int(item.on_demand and self.rng.random() < 0.5 and status != SO_CANCELLED)
                line = {
                    "ID": self.v.guid(),
                    "OrderID": oid,
                    "OrderNumber": n,
                    "LineNumber": line_no,
                    "Item": item.id,
                    "ItemCode": item.code,
                    "ItemDescription": item.description,
                    "Description": item.description,
                    "Quantity": qty,
                    "QuantityDelivered": delivered,
                    "QuantityInvoiced": delivered if status in (SO_PARTIAL, SO_COMPLETE) else 0.0,
                    "UnitCode": item.unit.code,
                    "UnitDescription": item.unit.description,
                    "UnitPrice": item.price,
                    "NetPrice": net,
                    "Discount": discount,
                    "AmountFC": amount,
                    "AmountDC": amount,
                    "VATCode": item.vat_code,
                    "VATCodeDescription": _VAT[item.vat_code][0],
                    "VATPercentage": pct,
                    "VATAmount": round(amount * pct, 2),
                    "CostPriceFC": item.cost,
                    "Margin": round(amount - item.cost * qty, 2),
                    "DeliveryDate": header["DeliveryDate"],
                    "Status": status,
                    "StatusDescription": _STATUS_TEXT[status],
                    "DeliveryStatus": status,
                    "DeliveryStatusDescription": _STATUS_TEXT[status],
                    "OrderStatus": status,
                    "InvoiceStatus": status,
                    "InvoiceStatusDescription": _STATUS_TEXT[status],
                    "UseDropShipment": drop,
                    **self.audit(age),
                }
                lines.append(line)
                total += amount
                vat_total += round(amount * pct, 2)
                if drop:
                    self.drop_lines.append((header, line))
                elif item.is_stock and status in (SO_OPEN, SO_PARTIAL):
                    self.planned_out[(item.id, wh.id)] += qty - delivered
            header.update(
                {
                    "AmountFC": round(total, 2),
                    "AmountDC": round(total, 2),
                    "AmountFCExclVat": round(total, 2),
                    "VATAmount": round(vat_total, 2),
                    "AmountDiscount": 0.0,
                    "AmountDiscountExclVat": 0.0,
                    "Discount": 0.0,
                }
            )
            # drop-ship lines get their purchase order link before being written
            self.add("salesorder/SalesOrders", header)
            self._drop_ship_orders(header, lines, age)
            for line in lines:
                self.add("salesorder/SalesOrderLines", line)
            delivered_lines = [ln for ln in lines if ln["QuantityDelivered"] > 0]
            if delivered_lines:
                self._delivery(header, delivered_lines, customer, age)
                invoice_no += 1
                self._sales_invoice(invoice_no, customer, delivered_lines, age, header)
        for _ in range(self.spec.direct_invoices):
            invoice_no += 1
            self._direct_invoice(invoice_no, sellable, self.rng.randint(1, self.spec.history_days))

    def _drop_ship_orders(self, header: dict, lines: list[dict], age: int) -> None:
        """A drop-shipped sales line is bought from a drop-ship supplier who delivers directly."""
        drop = [ln for ln in lines if ln["UseDropShipment"]]
        if not drop:
            return
        by_supplier: dict[str, list[tuple[dict, _SupplierItem]]] = defaultdict(list)
        for ln in drop:
            si = self.main_supplier.get(ln["Item"])
            if si is None:
                ln["UseDropShipment"] = 0
                continue
            by_supplier[si.supplier.id].append((ln, si))
        for pairs in by_supplier.values():
            supplier = pairs[0][1].supplier
            status = PO_COMPLETE if header["Status"] == SO_COMPLETE else PO_OPEN
            po = self._purchase_header(supplier, status, age, drop_ship=header)
            po_lines = []
            for line_no, (ln, si) in enumerate(pairs, start=1):
                qty_pu = math.ceil(ln["Quantity"] / si.factor)
                pol = self._purchase_line(po, line_no, si, qty_pu=qty_pu, status=status, age=age)
                pol.update(
                    {
                        "SalesOrder": header["OrderID"],
                        "SalesOrderLine": ln["ID"],
                        "SalesOrderLineNumber": ln["LineNumber"],
                        "SalesOrderNumber": header["OrderNumber"],
                    }
                )
                ln.update(
                    {
                        "PurchaseOrder": po["PurchaseOrderID"],
                        "PurchaseOrderLine": pol["ID"],
                        "PurchaseOrderLineNumber": line_no,
                        "PurchaseOrderNumber": po["OrderNumber"],
                    }
                )
                po_lines.append(pol)
            self._finish_purchase(po, po_lines)
            if header["Status"] == SO_COMPLETE:
                self._drop_shipment(header, pairs, po_lines, age)

    def _drop_shipment(
        self, header: dict, pairs: list[tuple[dict, _SupplierItem]], po_lines: list[dict], age: int
    ) -> None:
        eid = self.v.guid()
        self.add(
            "salesorder/DropShipments",
            {
                "EntryID": eid,
                "EntryNumber": self.next_entry(),
                "DeliveryNumber": self.next_entry(),
                "DeliveryAccount": header["DeliverTo"],
                "DeliveryAccountName": header["DeliverToName"],
                "DeliveryAddress": header["DeliveryAddress"],
                "DeliveryDate": header["DeliveryDate"],
                "Description": f"Drop shipment order {header['OrderNumber']}",
                **self.audit(age),
            },
        )
        for line_no, ((ln, _si), pol) in enumerate(zip(pairs, po_lines, strict=True), start=1):
            self.add(
                "salesorder/DropShipmentLines",
                {
                    "ID": self.v.guid(),
                    "EntryID": eid,
                    "LineNumber": line_no,
                    "Item": ln["Item"],
                    "ItemCode": ln["ItemCode"],
                    "ItemDescription": ln["ItemDescription"],
                    "QuantityOrdered": ln["Quantity"],
                    "QuantityDelivered": ln["Quantity"],
                    "SalesOrderLineID": ln["ID"],
                    "SalesOrderLineNumber": ln["LineNumber"],
                    "SalesOrderNumber": header["OrderNumber"],
                    "PurchaseOrderLineID": pol["ID"],
                    "DeliveryDate": header["DeliveryDate"],
                    "Unitcode": ln["UnitCode"],
                    **self.audit(age),
                },
            )

    def _delivery(self, header: dict, lines: list[dict], customer: _Account, age: int) -> None:
        stock_lines = [ln for ln in lines if not ln["UseDropShipment"]]
        if not stock_lines:
            return
        eid = self.v.guid()
        wh = self.warehouses[0]
        self.add(
            "salesorder/GoodsDeliveries",
            {
                "EntryID": eid,
                "EntryNumber": self.next_entry(),
                "DeliveryNumber": self.next_entry(),
                "DeliveryAccount": customer.id,
                "DeliveryAccountCode": customer.code,
                "DeliveryAccountName": customer.name,
                "DeliveryAddress": customer.address,
                "DeliveryContact": customer.contact,
                "DeliveryContactPersonFullName": customer.contact_name,
                "DeliveryDate": header["DeliveryDate"],
                "Warehouse": wh.id,
                "WarehouseCode": wh.code,
                "WarehouseDescription": wh.description,
                "Description": f"Delivery order {header['OrderNumber']}",
                **self.audit(age),
            },
        )
        for line_no, ln in enumerate(stock_lines, start=1):
            self.add(
                "salesorder/GoodsDeliveryLines",
                {
                    "ID": self.v.guid(),
                    "EntryID": eid,
                    "LineNumber": line_no,
                    "Item": ln["Item"],
                    "ItemCode": ln["ItemCode"],
                    "ItemDescription": ln["ItemDescription"],
                    "QuantityOrdered": ln["Quantity"],
                    "QuantityDelivered": ln["QuantityDelivered"],
                    "SalesOrderLineID": ln["ID"],
                    "SalesOrderLineNumber": ln["LineNumber"],
                    "SalesOrderNumber": header["OrderNumber"],
                    "DeliveryDate": header["DeliveryDate"],
                    "Unitcode": ln["UnitCode"],
                    **self.audit(age),
                },
            )

    def _invoice_status(self, age: int) -> int:
        if age < 3:
            return self.weighted(((INV_DRAFT, 50), (INV_OPEN, 50)))
        return self.weighted(((INV_PROCESSED, 92), (INV_OPEN, 4), (INV_CANCELLED, 4)))

    def _sales_invoice(
        self, number: int, customer: _Account, so_lines: list[dict], age: int, order: dict | None
    ) -> None:
        status = self._invoice_status(age)
        inv_id = self.v.guid()
        inv_age = max(0, age - self.rng.randint(0, 3))
        lines = []
        for line_no, so in enumerate(so_lines, start=1):
            qty = so["QuantityDelivered"] if order else so["Quantity"]
            amount = round(so["NetPrice"] * qty, 2)
            pct = so["VATPercentage"]
            lines.append(
                {
                    "ID": self.v.guid(),
                    "InvoiceID": inv_id,
                    "LineNumber": line_no,
                    "Item": so["Item"],
                    "ItemCode": so["ItemCode"],
                    "ItemDescription": so["ItemDescription"],
                    "Description": so["Description"],
                    "Quantity": qty,
                    "UnitCode": so["UnitCode"],
                    "UnitDescription": so["UnitDescription"],
                    "UnitPrice": so["UnitPrice"],
                    "NetPrice": so["NetPrice"],
                    "Discount": so["Discount"],
                    "AmountFC": amount,
                    "AmountDC": amount,
                    "VATCode": so["VATCode"],
                    "VATCodeDescription": so["VATCodeDescription"],
                    "VATPercentage": pct,
                    "VATAmountFC": round(amount * pct, 2),
                    "VATAmountDC": round(amount * pct, 2),
                    "DeliveryDate": so.get("DeliveryDate"),
                    "GLAccount": self.gl["8000"][0],
                    "GLAccountDescription": self.gl["8000"][1],
                    "SalesOrder": order["OrderID"] if order else None,
                    "SalesOrderLine": so["ID"] if order else None,
                    "SalesOrderLineNumber": so["LineNumber"] if order else None,
                    "SalesOrderNumber": order["OrderNumber"] if order else None,
                }
            )
        total = round(sum(ln["AmountFC"] for ln in lines), 2)
        vat = round(sum(ln["VATAmountFC"] for ln in lines), 2)
        drop = order is not None and any(so["UseDropShipment"] for so in so_lines)
        self.add(
            "salesinvoice/SalesInvoices",
            {
                "InvoiceID": inv_id,
                "InvoiceNumber": number,
                "InvoiceDate": self.v.day(-inv_age),
                "DueDate": self.v.day(-inv_age + 30),
                "OrderDate": self.v.day(-age),
                "OrderNumber": order["OrderNumber"] if order else None,
                "OrderedBy": customer.id,
                "OrderedByName": customer.name,
                "InvoiceTo": customer.id,
                "InvoiceToName": customer.name,
                "DeliverTo": customer.id,
                "DeliverToName": customer.name,
                "DeliverToAddress": customer.address,
                "Currency": "EUR",
                "Status": status,
                "StatusDescription": _STATUS_TEXT[status],
                "Type": SALES_INVOICE if order else DIRECT_SALES_INVOICE,
                "TypeDescription": "Sales invoice" if order else "Direct sales invoice",
                "Journal": "70",
                "JournalDescription": "Sales journal",
                "AmountFC": round(total + vat, 2),
                "AmountDC": round(total + vat, 2),
                "AmountFCExclVat": total,
                "VATAmountFC": vat,
                "VATAmountDC": vat,
                "AmountDiscount": 0.0,
                "AmountDiscountExclVat": 0.0,
                "Discount": 0.0,
                "PaymentCondition": "30",
                "YourRef": order.get("YourRef") if order else None,
                "Description": ("Drop shipment " if drop else "") + f"invoice {number}",
                "Warehouse": None if drop else self.warehouses[0].id,
                **self.audit(inv_age),
            },
        )
        for ln in lines:
            self.add("salesinvoice/SalesInvoiceLines", ln)
        if status == INV_PROCESSED:
            self._journal_sales(number, customer, lines, total=total, vat=vat, age=inv_age)

    def _direct_invoice(self, number: int, sellable: list[_Item], age: int) -> None:
        customer = self.v.pick(self.customers)
        pseudo = []
        for line_no, item in enumerate(
            self.rng.sample(sellable, min(len(sellable), self.rng.randint(1, 4))), start=1
        ):
            pct = _VAT[item.vat_code][1]
            pseudo.append(
                {
                    "ID": None,
                    "LineNumber": line_no,
                    "Item": item.id,
                    "ItemCode": item.code,
                    "ItemDescription": item.description,
                    "Description": item.description,
                    "Quantity": float(self.rng.randint(1, 10)),
                    "UnitCode": item.unit.code,
                    "UnitDescription": item.unit.description,
                    "UnitPrice": item.price,
                    "NetPrice": item.price,
                    "Discount": 0.0,
                    "VATCode": item.vat_code,
                    "VATCodeDescription": _VAT[item.vat_code][0],
                    "VATPercentage": pct,
                    "UseDropShipment": 0,
                }
            )
        self._sales_invoice(number, customer, pseudo, age, None)

    def _journal_sales(
        self,
        number: int,
        customer: _Account,
        lines: list[dict],
        *,
        total: float,
        vat: float,
        age: int,
    ) -> None:
        """Journal lines of a processed sales invoice: debit debtor, credit revenue and VAT."""
        entry = self.v.guid()
        day = self.v.day(-age)
        common = {
            "EntryID": entry,
            "EntryNumber": number,
            "InvoiceNumber": number,
            "Date": day,
            "FinancialYear": day.year,
            "FinancialPeriod": day.month,
            "JournalCode": "70",
            "JournalDescription": "Sales journal",
            "Type": 20,
            "Account": customer.id,
            "AccountCode": customer.code,
            "AccountName": customer.name,
            "Currency": "EUR",
            "ExchangeRate": 1.0,
            "Status": 50,
            "DocumentNumber": number,
            **self.audit(age),
        }
        self._tl(common, 0, "1300", round(total + vat, 2), f"Invoice {number}", due=age)
        for ln in lines:
            self._tl(
                common,
                ln["LineNumber"],
                "8000",
                -ln["AmountFC"],
                ln["Description"],
                item=ln,
                vat_code=ln["VATCode"],
                vat_pct=ln["VATPercentage"],
            )
        if vat:
            self._tl(common, len(lines) + 1, "1500", -vat, "VAT")

    def _tl(
        self,
        common: dict,
        line_no: int,
        gl: str,
        amount: float,
        desc: str,
        *,
        item: dict | None = None,
        vat_code: str | None = None,
        vat_pct: float = 0.0,
        due: int | None = None,
    ) -> None:
        gid, gdesc = self.gl[gl]
        self.add(
            "financialtransaction/TransactionLines",
            {
                **common,
                "ID": self.v.guid(),
                "LineNumber": line_no,
                "GLAccount": gid,
                "GLAccountCode": gl,
                "GLAccountDescription": gdesc,
                "AmountDC": amount,
                "AmountFC": amount,
                "Description": desc,
                "LineType": 0 if line_no == 0 else 1,
                "Item": item["Item"] if item else None,
                "ItemCode": item["ItemCode"] if item else None,
                "ItemDescription": item["ItemDescription"] if item else None,
                "Quantity": item["Quantity"] if item else None,
                "VATCode": vat_code,
                "VATPercentage": vat_pct,
                "DueDate": self.v.day(-due + 30) if due is not None else None,
            },
        )

    # ---- purchasing ------------------------------------------------------------------------

    def _purchase_header(
        self, supplier: _Account, status: int, age: int, drop_ship: dict | None = None
    ) -> dict:
        wh = (
            self.warehouses[0]
            if drop_ship or self.rng.random() < 0.8
            else self.v.pick(self.warehouses)
        )
        agent, agent_name = self.v.pick(self.users)
        number = self.v.seq("po", 1)
        header = {
            "PurchaseOrderID": self.v.guid(),
            "OrderNumber": number,
            "OrderDate": self.v.day(-age),
            "Supplier": supplier.id,
            "SupplierCode": supplier.code,
            "SupplierName": supplier.name,
            "SupplierContact": supplier.contact,
            "SupplierContactPersonFullName": supplier.contact_name,
            "Currency": supplier.currency,
            "ExchangeRate": 1.0
            if supplier.currency == "EUR"
            else round(self.rng.uniform(0.85, 1.2), 4),
            "OrderStatus": status,
            "ReceiptStatus": {PO_OPEN: 10, PO_PARTIAL: 20, PO_COMPLETE: 30, PO_CANCELLED: 10}[
                status
            ],
            "InvoiceStatus": 30 if status == PO_COMPLETE else 10,
            "ReceiptDate": self.v.day(-age + supplier.lead_days),
            "Warehouse": wh.id,
            "WarehouseCode": wh.code,
            "WarehouseDescription": wh.description,
            "PurchaseAgent": agent,
            "PurchaseAgentFullName": agent_name,
            "ApprovalStatus": 1,
            "DropShipment": drop_ship is not None,
            "PaymentCondition": "30",
            "Description": f"Purchase {supplier.name}",
            "Source": 1,
            "YourRef": (
                f"OPT-{self.rng.randint(100000, 999999)}" if self.rng.random() < 0.25 else None
            ),
            **self.audit(age),
        }
        if drop_ship:
            header.update(
                {
                    "SalesOrder": drop_ship["OrderID"],
                    "SalesOrderNumber": drop_ship["OrderNumber"],
                    "DeliveryAccount": drop_ship["DeliverTo"],
                    "DeliveryAccountName": drop_ship["DeliverToName"],
                    "DeliveryAddress": drop_ship["DeliveryAddress"],
                }
            )
        return header

    def _purchase_line(
        self, po: dict, line_no: int, si: _SupplierItem, *, qty_pu: float, status: int, age: int
    ) -> dict:
        item = si.item
        qty = qty_pu * si.factor
        received = {
            PO_OPEN: 0.0,
            PO_PARTIAL: float(math.floor(qty * self.rng.uniform(0.2, 0.8))),
            PO_COMPLETE: qty,
            PO_CANCELLED: 0.0,
        }[status]
        discount = self.v.pick((0.0, 0.0, 0.02, 0.05))
        net = round(si.price * (1 - discount), 4)
        amount = round(net * qty_pu, 2)
        receipt = (
            po["ReceiptDate"]
            if self.rng.random() < 0.8
            else self.v.day(-age + si.lead + self.rng.randint(-3, 10))
        )
        return {
            "ID": self.v.guid(),
            "PurchaseOrderID": po["PurchaseOrderID"],
            "LineNumber": line_no,
            "Item": item.id,
            "ItemCode": item.code,
            "ItemDescription": item.description,
            "ItemBarcode": item.barcode,
            "Description": item.description,
            "SupplierItemCode": si.code_at_supplier,
            "QuantityInPurchaseUnits": float(qty_pu),
            "Quantity": qty,
            "Unit": si.unit_code,
            "UnitDescription": "Box" if si.factor != 1 else item.unit.description,
            "UnitPrice": si.price,
            "NetPrice": net,
            "Discount": discount,
            "AmountFC": amount,
            "AmountDC": round(amount * po["ExchangeRate"], 2),
            "VATCode": "2",
            "VATDescription": _VAT["2"][0],
            "VATPercentage": 0.21,
            "VATAmount": round(amount * 0.21, 2),
            "ReceiptDate": receipt,
            "ReceivedQuantity": received,
            "InvoicedQuantity": received if status == PO_COMPLETE else 0.0,
            "ItemDivisable": item.unit.code.strip() in ("kg", "m", "l"),
            "IsBatchNumberItem": 0,
            "IsSerialNumberItem": 0,
            **self.audit(age),
        }

    def _finish_purchase(self, po: dict, lines: list[dict]) -> None:
        total = round(sum(ln["AmountFC"] for ln in lines), 2)
        po.update(
            {
                "AmountFC": total,
                "AmountFCExclVat": total,
                "AmountDC": round(total * po["ExchangeRate"], 2),
                "VATAmount": round(sum(ln["VATAmount"] for ln in lines), 2),
                "AmountDiscount": 0.0,
                "AmountDiscountExclVat": 0.0,
                "Discount": 0.0,
                "PurchaseOrderLineCount": len(lines),
            }
        )
        self.add("purchaseorder/PurchaseOrders", po)
        for ln in lines:
            self.add("purchaseorder/PurchaseOrderLines", ln)
            if po["OrderStatus"] in (PO_OPEN, PO_PARTIAL) and not po["DropShipment"]:
                self.planned_in[(ln["Item"], po["Warehouse"])] += (
                    ln["Quantity"] - ln["ReceivedQuantity"]
                )

    def purchasing(self) -> None:
        suppliers = [s for s in self.suppliers if self.by_supplier[s.id]]
        if not suppliers:
            return
        statuses = ((PO_OPEN, 30), (PO_PARTIAL, 12), (PO_COMPLETE, 53), (PO_CANCELLED, 5))
        for n in range(self.spec.purchase_orders):
            supplier = self.v.pick(suppliers)
            # the first orders show every status, even at the smallest scale
            status = statuses[n][0] if n < len(statuses) else self.weighted(statuses)
            age = (
                self.rng.randint(0, max(1, supplier.lead_days + 10))
                if status in (PO_OPEN, PO_PARTIAL)
                else self.rng.randint(supplier.lead_days + 1, self.spec.history_days + 60)
            )
            po = self._purchase_header(supplier, status, age)
            options = [si for si in self.by_supplier[supplier.id] if not si.item.ended]
            options = options or self.by_supplier[supplier.id]
            chosen = self.rng.sample(
                options,
                min(len(options), self.weighted(((1, 35), (2, 25), (3, 15), (5, 15), (8, 10)))),
            )
            lines = []
            for line_no, si in enumerate(chosen, start=1):
                qty_pu = max(si.moq, float(self.rng.randint(1, 40)))
                lines.append(
                    self._purchase_line(po, line_no, si, qty_pu=qty_pu, status=status, age=age)
                )
            if status in (PO_PARTIAL, PO_COMPLETE):
                self._receipts(po, lines, supplier, age)  # may lower ReceivedQuantity (returns)
            self._finish_purchase(po, lines)
            if status == PO_COMPLETE and self.rng.random() < 0.85:
                self._purchase_entry(po, lines, supplier, age)

    def _receipts(self, po: dict, lines: list[dict], supplier: _Account, age: int) -> None:
        """Goods receipts adding up to each line's ReceivedQuantity; some include a return."""
        split = po["OrderStatus"] == PO_COMPLETE and self.rng.random() < 0.2
        parts: list[dict[str, float]] = []
        if split:
            first = {ln["ID"]: float(math.floor(ln["ReceivedQuantity"] / 2)) for ln in lines}
            parts = [first, {ln["ID"]: ln["ReceivedQuantity"] - first[ln["ID"]] for ln in lines}]
        else:
            parts = [{ln["ID"]: ln["ReceivedQuantity"] for ln in lines}]
        # at least one return per division, so every scale shows negative receipt lines
        returned = self.rng.random() < 0.06 or not self.sink.counts["purchaseorder/PurchaseReturns"]
        receipt_age = max(0, age - supplier.lead_days)
        for n, part in enumerate(parts):
            rid = self.v.guid()
            number = self.v.seq("receipt", 1)
            rlines = []
            for line_no, ln in enumerate(lines, start=1):
                qty = part[ln["ID"]]
                if qty <= 0:
                    continue
                rlines.append(
                    {
                        "ID": self.v.guid(),
                        "GoodsReceiptID": rid,
                        "LineNumber": line_no,
                        "Item": ln["Item"],
                        "ItemCode": ln["ItemCode"],
                        "ItemDescription": ln["ItemDescription"],
                        "Description": ln["Description"],
                        "ItemUnitCode": ln["Unit"],
                        "PurchaseOrderID": po["PurchaseOrderID"],
                        "PurchaseOrderLineID": ln["ID"],
                        "PurchaseOrderNumber": po["OrderNumber"],
                        "QuantityOrdered": ln["Quantity"],
                        "QuantityReceived": qty,
                        "SupplierItemCode": ln["SupplierItemCode"],
                        "Location": None,
                        "Rebill": False,
                        **self.audit(receipt_age),
                    }
                )
            last = n == len(parts) - 1
            if returned and last and rlines:
                # a return: a negative receipt line, and the PurchaseReturn that documents it
                victim = rlines[0]
                back = float(max(1, math.floor(victim["QuantityReceived"] * 0.25)))
                neg = dict(
                    victim, ID=self.v.guid(), LineNumber=len(lines) + 1, QuantityReceived=-back
                )
                rlines.append(neg)
                for ln in lines:
                    if ln["ID"] == victim["PurchaseOrderLineID"]:
                        ln["ReceivedQuantity"] -= back
                self._purchase_return(
                    po,
                    supplier=supplier,
                    receipt_line=victim,
                    qty=back,
                    age=receipt_age,
                    receipt_number=number,
                )
            if not rlines:
                continue
            self.add(
                "purchaseorder/GoodsReceipts",
                {
                    "ID": rid,
                    "ReceiptNumber": number,
                    "EntryNumber": self.next_entry(),
                    "ReceiptDate": self.v.day(-receipt_age),
                    "Supplier": supplier.id,
                    "SupplierCode": supplier.code,
                    "SupplierName": supplier.name,
                    "SupplierContact": supplier.contact,
                    "SupplierContactFullName": supplier.contact_name,
                    "Warehouse": po["Warehouse"],
                    "WarehouseCode": po["WarehouseCode"],
                    "WarehouseDescription": po["WarehouseDescription"],
                    "YourRef": po["YourRef"],
                    "Description": f"Receipt PO {po['OrderNumber']}",
                    "GoodsReceiptLineCount": len(rlines),
                    **self.audit(receipt_age),
                },
            )
            for rl in rlines:
                self.add("purchaseorder/GoodsReceiptLines", rl)
            receipt_age = max(0, receipt_age - self.rng.randint(1, 10))

    def _purchase_return(
        self,
        po: dict,
        *,
        supplier: _Account,
        receipt_line: dict,
        qty: float,
        age: int,
        receipt_number: int,
    ) -> None:
        rid = self.v.guid()
        self.add(
            "purchaseorder/PurchaseReturns",
            {
                "ID": rid,
                "ReturnNumber": self.v.seq("return", 1),
                "ReturnDate": self.v.day(-age),
                "Supplier": supplier.id,
                "SupplierContact": supplier.contact,
                "SupplierContactFullName": supplier.contact_name,
                "Status": 20,
                "Warehouse": po["Warehouse"],
                "WarehouseCode": po["WarehouseCode"],
                "WarehouseDescription": po["WarehouseDescription"],
                "YourRef": po["YourRef"],
                "Description": "Damaged on arrival",
                **self.audit(age),
            },
        )
        self.add(
            "purchaseorder/PurchaseReturnLines",
            {
                "ID": self.v.guid(),
                "EntryID": rid,
                "LineNumber": 1,
                "GoodsReceiptLineID": receipt_line["ID"],
                "Item": receipt_line["Item"],
                "ItemCode": receipt_line["ItemCode"],
                "ItemDescription": receipt_line["ItemDescription"],
                "PurchaseOrderLineID": receipt_line["PurchaseOrderLineID"],
                "PurchaseOrderNumber": po["OrderNumber"],
                "ReceiptNumber": receipt_number,
                "ReceivedQuantity": receipt_line["QuantityReceived"],
                "ReturnQuantity": qty,
                "ReturnReasonCodeDescription": "Damaged",
                "CreateCredit": True,
                "UnitCode": receipt_line["ItemUnitCode"],
                "SupplierItemCode": receipt_line["SupplierItemCode"],
                **self.audit(age),
            },
        )

    def _purchase_entry(self, po: dict, lines: list[dict], supplier: _Account, age: int) -> None:
        """The supplier's invoice: a purchase entry with its journal lines, and often a
        purchase invoice matched to the order lines."""
        entry = self.v.guid()
        number = self.next_entry()
        day_age = max(0, age - supplier.lead_days - self.rng.randint(0, 10))
        day = self.v.day(-day_age)
        total = po["AmountFC"]
        vat = po["VATAmount"]
        rate = po["ExchangeRate"]
        self.add(
            "purchaseentry/PurchaseEntries",
            {
                "EntryID": entry,
                "EntryNumber": number,
                "EntryDate": day,
                "DueDate": self.v.day(-day_age + 30),
                "Supplier": supplier.id,
                "SupplierName": supplier.name,
                "Currency": po["Currency"],
                "Rate": rate,
                "AmountFC": round(total + vat, 2),
                "AmountDC": round((total + vat) * rate, 2),
                "VATAmountFC": vat,
                "VATAmountDC": round(vat * rate, 2),
                "Journal": "60",
                "JournalDescription": "Purchase journal",
                "OrderNumber": po["OrderNumber"],
                "YourRef": po["YourRef"] or f"INV-{self.rng.randint(10000, 99999)}",
                "Description": f"Invoice PO {po['OrderNumber']}",
                "Status": 20,
                "StatusDescription": "Open",
                "Type": 30,
                "TypeDescription": "Purchase entry",
                "ReportingYear": day.year,
                "ReportingPeriod": day.month,
                "Reversal": False,
                "PaymentCondition": "30",
                **self.audit(day_age),
            },
        )
        stock = self.gl["3000"]
        for ln in lines:
            self.add(
                "purchaseentry/PurchaseEntryLines",
                {
                    "ID": self.v.guid(),
                    "EntryID": entry,
                    "LineNumber": ln["LineNumber"],
                    "GLAccount": stock[0],
                    "GLAccountCode": "3000",
                    "GLAccountDescription": stock[1],
                    "Description": ln["Description"],
                    "Quantity": ln["Quantity"],
                    "AmountFC": ln["AmountFC"],
                    "AmountDC": ln["AmountDC"],
                    "VATCode": "2",
                    "VATCodeDescription": _VAT["2"][0],
                    "VATPercentage": 0.21,
                    "VATAmountFC": ln["VATAmount"],
                    "VATAmountDC": round(ln["VATAmount"] * rate, 2),
                    "VATBaseAmountFC": ln["AmountFC"],
                    "VATBaseAmountDC": ln["AmountDC"],
                    "Type": 30,
                },
            )
        common = {
            "EntryID": entry,
            "EntryNumber": number,
            "Date": day,
            "FinancialYear": day.year,
            "FinancialPeriod": day.month,
            "JournalCode": "60",
            "JournalDescription": "Purchase journal",
            "Type": 30,
            "Account": supplier.id,
            "AccountCode": supplier.code,
            "AccountName": supplier.name,
            "Currency": po["Currency"],
            "ExchangeRate": rate,
            "Status": 50,
            "OrderNumber": po["OrderNumber"],
            "YourRef": po["YourRef"],
            **self.audit(day_age),
        }
        self._tl(
            common, 0, "1600", -round((total + vat) * rate, 2), f"Invoice {number}", due=day_age
        )
        for ln in lines:
            self._tl(
                common,
                ln["LineNumber"],
                "3000",
                ln["AmountDC"],
                ln["Description"],
                item=ln,
                vat_code="2",
                vat_pct=0.21,
            )
        self._tl(common, len(lines) + 1, "1520", round(vat * rate, 2), "VAT")
        if self.rng.random() < 0.5:
            inv = self.v.guid()
            self.add(
                "purchase/PurchaseInvoices",
                {
                    "ID": inv,
                    "Supplier": supplier.id,
                    "InvoiceDate": day,
                    "DueDate": self.v.day(-day_age + 30),
                    "Currency": po["Currency"],
                    "ExchangeRate": rate,
                    "Amount": round(total + vat, 2),
                    "AmountDC": round((total + vat) * rate, 2),
                    "AmountFCExclVat": total,
                    "VATAmount": vat,
                    "Discount": 0.0,
                    "AmountDiscount": 0.0,
                    "AmountDiscountExclVat": 0.0,
                    "EntryNumber": number,
                    "Journal": "60",
                    "FinancialYear": day.year,
                    "FinancialPeriod": day.month,
                    "Status": 20,
                    "Type": 1,
                    "Source": 1,
                    "Warehouse": po["Warehouse"],
                    "YourRef": po["YourRef"],
                    "Description": f"Invoice PO {po['OrderNumber']}",
                    "PaymentCondition": "30",
                    "Modified": self.v.moment(-day_age),
                },
            )
            for ln in lines:
                self.add(
                    "purchase/PurchaseInvoiceLines",
                    {
                        "ID": self.v.guid(),
                        "InvoiceID": inv,
                        "LineNumber": ln["LineNumber"],
                        "Item": ln["Item"],
                        "Description": ln["Description"],
                        "PurchaseOrderLine": ln["ID"],
                        "Quantity": ln["QuantityInPurchaseUnits"],
                        "QuantityInDefaultUnits": ln["Quantity"],
                        "Unit": ln["Unit"],
                        "ItemUnit": ln["Unit"],
                        "UnitPrice": ln["UnitPrice"],
                        "NetPrice": ln["NetPrice"],
                        "Discount": ln["Discount"],
                        "Amount": ln["AmountFC"],
                        "AmountDC": ln["AmountDC"],
                        "Currency": po["Currency"],
                        "VATCode": "2",
                        "VATPercentage": 0.21,
                        "VATAmount": ln["VATAmount"],
                        "Rebill": False,
                        "Modified": self.v.moment(-day_age),
                    },
                )

    # ---- stock ---------------------------------------------------------------------------

    def transfers(self) -> None:
        if len(self.warehouses) < 2:
            return
        stock_items = [i for i in self.items if i.is_stock and not i.ended]
        for n in range(1, self.spec.transfers + 1):
            src, dst = self.rng.sample(self.warehouses, 2)
            status = self.weighted(((10, 30), (50, 70)))  # 10 open, 50 processed (medium)
            age = (
                self.rng.randint(0, 10)
                if status == 10
                else self.rng.randint(5, self.spec.history_days)
            )
            tid = self.v.guid()
            self.add(
                "inventory/WarehouseTransfers",
                {
                    "TransferID": tid,
                    "TransferNumber": n,
                    "EntryDate": self.v.day(-age),
                    "PlannedDeliveryDate": self.v.day(-age + 1),
                    "PlannedReceiptDate": self.v.day(-age + 2),
                    "TransferDate": self.v.day(-age + 2) if status == 50 else None,
                    "Status": status,
                    "Source": 1,
                    "WarehouseFrom": src.id,
                    "WarehouseFromCode": src.code,
                    "WarehouseFromDescription": src.description,
                    "WarehouseTo": dst.id,
                    "WarehouseToCode": dst.code,
                    "WarehouseToDescription": dst.description,
                    "Description": f"Replenish {dst.description}",
                    **self.audit(age),
                },
            )
            for line_no, item in enumerate(
                self.rng.sample(stock_items, min(len(stock_items), self.rng.randint(1, 4))), start=1
            ):
                qty = float(self.rng.randint(1, 30))
                self.add(
                    "inventory/WarehouseTransferLines",
                    {
                        "ID": self.v.guid(),
                        "TransferID": tid,
                        "LineNumber": line_no,
                        "Item": item.id,
                        "ItemCode": item.code,
                        "ItemDescription": item.description,
                        "Description": item.description,
                        "Quantity": qty,
                        "UnitCode": item.unit.code,
                        "UnitDescription": item.unit.description,
                        **self.audit(age),
                    },
                )
                if status == 10:
                    self.planned_out[(item.id, src.id)] += qty
                    self.planned_in[(item.id, dst.id)] += qty

    def stock(self) -> None:
        """StockPositions and ItemWarehouses: on hand, plus the open orders' planned in/out."""
        warehouses = {w.id: w for w in self.warehouses}
        planned_at: dict[str, set[str]] = defaultdict(set)
        for item_id, wid in (*self.planned_in, *self.planned_out):
            planned_at[item_id].add(wid)
        for item in self.items:
            if not item.is_stock:
                continue
            # planned receipts can target a warehouse that holds no stock of the item yet
            whs = {w.id for w in item.warehouses} | planned_at.get(item.id, set())
            for wid in sorted(whs, key=lambda w: warehouses[w].code):
                wh = warehouses[wid]
                on_hand = item.stock.get(wid, 0.0)
                p_in = round(self.planned_in.get((item.id, wid), 0.0), 4)
                p_out = round(self.planned_out.get((item.id, wid), 0.0), 4)
                reserved = float(round(min(on_hand, p_out) * self.rng.uniform(0, 0.5)))
                reorder = float(self.rng.randint(0, 20) * 5)
                self.add(
                    "inventory/StockPositions",
                    {
                        "ID": self.v.guid(),
                        "ItemId": item.id,
                        "ItemCode": item.code,
                        "ItemDescription": item.description,
                        "Warehouse": wid,
                        "WarehouseCode": wh.code,
                        "WarehouseDescription": wh.description,
                        "UnitCode": item.unit.code,
                        "UnitDescription": item.unit.description,
                        "CurrentStock": on_hand,
                        "PlanningIn": p_in,
                        "PlanningOut": p_out,
                        "ProjectedStock": round(on_hand + p_in - p_out, 4),
                        "FreeStock": on_hand - reserved,
                        "ReservedStock": float(reserved),
                        "ReorderPoint": reorder,
                    },
                )
                self.add(
                    "inventory/ItemWarehouses",
                    {
                        "ID": self.v.guid(),
                        "Item": item.id,
                        "ItemCode": item.code,
                        "ItemDescription": item.description,
                        "ItemBarcode": item.barcode,
                        "ItemUnit": item.unit.code,
                        "ItemUnitDescription": item.unit.description,
                        "ItemIsStockItem": True,
                        "ItemIsFractionAllowedItem": False,
                        "ItemEndDate": None,
                        "Warehouse": wid,
                        "WarehouseCode": wh.code,
                        "WarehouseDescription": wh.description,
                        "CurrentStock": on_hand,
                        "PlannedStockIn": p_in,
                        "PlannedStockOut": p_out,
                        "ProjectedStock": round(on_hand + p_in - p_out, 4),
                        "ReservedStock": float(reserved),
                        "ReorderPoint": reorder,
                        "SafetyStock": float(self.rng.randint(0, 10) * 2),
                        "MaximumStock": reorder * 4 or None,
                        "ReorderQuantity": float(self.rng.randint(1, 10) * 10),
                        "OrderPolicy": self.v.pick((1, 2, 3)),
                        "ReplenishmentType": 2 if item.is_make else 1,
                        **self.audit(self.rng.randint(1, 300)),
                    },
                )

    # ---- the rest ----------------------------------------------------------------------------

    def details(self) -> dict[str, dict[str, Any]]:
        """What a generic row copies next to a reference it picked (codes and names)."""
        out: dict[str, dict[str, Any]] = {}
        for i in self.items[:200]:
            out[i.id] = {"ItemCode": i.code, "ItemDescription": i.description}
        for a in self.customers[:100] + self.suppliers[:50]:
            out[a.id] = {"AccountCode": a.code, "AccountName": a.name}
        for w in self.warehouses:
            out[w.id] = {"WarehouseCode": w.code, "WarehouseDescription": w.description}
        for code, (gid, desc) in self.gl.items():
            out[gid] = {"GLAccountCode": code, "GLAccountDescription": desc}
        return out

    def refs(self) -> dict[str, list[str]]:
        return {
            "User": [u for u, _ in self.users],
            "Item": [i.id for i in self.items[:200]],
            "Account": [a.id for a in (self.customers[:100] + self.suppliers[:50])],
            "Warehouse": [w.id for w in self.warehouses],
            "GLAccount": [g for g, _ in self.gl.values()],
        }

    def generic(self) -> None:
        done = set(self.sink.counts) | STORE_OWNED
        refs, details = self.refs(), self.details()
        for entity in load_registry().readable():
            name = entity.qualified_name
            if (
                name in done
                or not entity.key
                or not any(k in ("plain", "bulk", "sync") for k in entity.endpoints)
                or self.store.count(self.division, name)
            ):
                continue
            for row in generic_rows(
                entity,
                self.division,
                self.v,
                count=self.spec.generic_rows,
                refs=refs,
                details=details,
            ):
                self.add(name, row)

    def top_up(self, target_rows: int) -> None:
        """Large scale: older invoice history (with journal lines) until the row target."""
        sellable = [i for i in self.items if i.is_sales] or self.items
        number = self.v.today.year * 10000 + 5_000_000
        for _ in _bounded(target_rows):
            if self.sink.total >= target_rows:
                return
            number += 1
            self._direct_invoice(
                number,
                sellable,
                self.rng.randint(self.spec.history_days, self.spec.history_days * 3),
            )


def _bounded(limit: int) -> Iterator[int]:
    yield from range(max(0, limit))
