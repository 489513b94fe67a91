"""Logistics master data: units, warehouses, item groups and items (with their starting stock).
Items carry a production level so bills of material can only consume lower levels.
"""

from __future__ import annotations

from collections import defaultdict

from exact_sandbox.company.chart import VAT
from exact_sandbox.company.context import Company
from exact_sandbox.company.media import item_picture_fields
from exact_sandbox.company.model import Item, Unit, Warehouse
from exact_sandbox.company.names import ADJECTIVES, KINDS, NOUNS, PREFIX
from exact_sandbox.company.values import ean13, short_code


def logistics_master(c: Company) -> None:
    for code, desc, unit_type in (
        ("pc", "Piece", "A"),
        ("kg", "Kilogram", "W"),
        ("m", "Meter", "L"),
        ("l", "Liter", "V"),
        ("box", "Box", "A"),
        ("set", "Set", "A"),
        ("hr", "Hour", "T"),
    ):
        uid = c.v.guid()
        c.units[code] = Unit(uid, short_code(code), desc)
        c.add(
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
    for n in range(c.rng.randint(2, 4)):
        wid = c.v.guid()
        wh = Warehouse(wid, str(n + 1), names[n])
        c.warehouses.append(wh)
        uid, _ = c.v.pick(c.users)
        c.add(
            "inventory/Warehouses",
            {
                "ID": wid,
                "Code": wh.code,
                "Description": wh.description,
                "Main": int(n == 0),
                "UseStorageLocations": 0,
                "ManagerUser": uid,
                "EMail": f"warehouse{n + 1}@demo-company.example",
                **c.audit(900),
            },
        )
    for kind, *_ in KINDS:
        gid = c.v.guid()
        code = PREFIX[kind]
        desc = kind.replace("ondemand", "on demand").title()
        c.groups[kind] = (gid, code, desc)
        costs, revenue, stock = c.gl["7000"], c.gl["8000"], c.gl["3000"]
        c.add(
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
                **c.audit(900),
            },
        )


def make_items(c: Company) -> None:
    kinds = [k[0] for k in KINDS]
    weights = [k[1] for k in KINDS]
    spec = {k[0]: k for k in KINDS}
    seq: dict[str, int] = defaultdict(int)
    for n in range(c.spec.items):
        kind = kinds[n] if n < len(kinds) else c.rng.choices(kinds, weights)[0]
        _, _, level, stock, sales, purchase, make, on_demand = spec[kind]
        seq[kind] += 1
        code = f"{PREFIX[kind]}-{seq[kind]:05d}"
        noun = c.v.pick(NOUNS[kind])
        desc = f"{c.v.pick(ADJECTIVES).title()} {noun}"
        unit_code = (
            "hr"
            if kind == "service"
            else c.weighted((("pc", 80), ("kg", 6), ("m", 6), ("l", 4), ("set", 4)))
            if kind in ("raw", "packaging")
            else "pc"
        )
        cost = round(c.rng.lognormvariate(2.3, 1.0) * (1 + level), 2)
        price = round(cost * c.rng.uniform(1.3, 2.2), 2)
        item = Item(
            id=c.v.guid(),
            code=code,
            description=desc,
            kind=kind,
            level=level,
            unit=c.units[unit_code],
            cost=cost,
            price=price,
            barcode=ean13(c.rng) if stock and c.rng.random() < 0.75 else None,
            is_stock=stock,
            is_sales=sales,
            is_purchase=purchase,
            is_make=make,
            on_demand=on_demand,
            ended=c.rng.random() < 0.05,
            vat_code="2" if kind != "service" or c.rng.random() < 0.7 else "1",
        )
        if stock:
            item.warehouses = [c.warehouses[0]] + [
                w for w in c.warehouses[1:] if c.rng.random() < 0.2
            ]
            for w in item.warehouses:
                on_hand = (
                    0.0 if c.rng.random() < 0.12 else float(round(c.rng.lognormvariate(3.5, 1.2)))
                )
                item.stock[w.id] = on_hand
        c.items.append(item)
    for item in c.items:
        _item_row(c, item)


def _item_row(c: Company, item: Item) -> None:
    gid, gcode, gdesc = c.groups[item.kind]
    costs, revenue, stock = c.gl["7000"], c.gl["8000"], c.gl["3000"]
    days = c.rng.randint(30, 1500)
    c.add(
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
            "IsWebshopItem": int(item.is_sales and c.rng.random() < 0.5),
            "IsTime": int(item.kind == "service"),
            "IsTaxableItem": 1,
            "ItemGroup": gid,
            "ItemGroupCode": gcode,
            "ItemGroupDescription": gdesc,
            "CostPriceStandard": item.cost,
            "AverageCost": round(item.cost * c.rng.uniform(0.95, 1.05), 2),
            "CostPriceCurrency": "EUR",
            "StandardSalesPrice": item.price if item.is_sales else 0.0,
            "Stock": float(sum(item.stock.values())),
            "SalesVatCode": item.vat_code,
            "SalesVatCodeDescription": VAT[item.vat_code][0],
            "GLCosts": costs[0],
            "GLCostsCode": "7000",
            "GLCostsDescription": costs[1],
            "GLRevenue": revenue[0],
            "GLRevenueCode": "8000",
            "GLRevenueDescription": revenue[1],
            "GLStock": stock[0] if item.is_stock else None,
            "GLStockCode": "3000" if item.is_stock else None,
            "GLStockDescription": stock[1] if item.is_stock else None,
            "NetWeight": round(c.rng.uniform(0.1, 40), 2),
            "NetWeightUnit": "kg",
            "GrossWeight": None,
            "AssembledLeadDays": 2 if item.kind == "assembled" else 0,
            "Class_01": c.v.pick(("A", "B", "C")),
            "StartDate": c.v.day(-days),
            "EndDate": c.v.day(-c.rng.randint(1, 200)) if item.ended else None,
            "Notes": None,
            **item_picture_fields(c.division, item.id, item.code),
            **c.audit(days),
        },
    )
