"""Who buys and sells at what price: supplier items with purchase prices (one main supplier per
purchase item, which purchasing and drop shipment order from) and the sales price lists,
volume discounts and item sales prices.
"""

from __future__ import annotations

from exact_sandbox.company.context import Company
from exact_sandbox.company.model import Account, SupplierItem
from exact_sandbox.company.values import short_code


def sourcing(c: Company) -> None:
    """SupplierItem (one main supplier per purchase item) and purchase prices."""
    for item in c.items:
        if not item.is_purchase:
            continue
        count = c.weighted(((1, 60), (2, 30), (3, 10)))
        picks = c.rng.sample(c.suppliers, min(count, len(c.suppliers)))
        for n, supplier in enumerate(picks):
            factor = (
                1.0
                if item.unit.code.strip() != "pc"
                else float(c.weighted(((1, 55), (6, 10), (12, 15), (24, 10), (100, 10))))
            )
            unit_code = item.unit.code if factor == 1 else short_code("box")
            unit = item.unit if factor == 1 else c.units["box"]
            si = SupplierItem(
                id=c.v.guid(),
                item=item,
                supplier=supplier,
                factor=factor,
                unit_code=unit_code,
                price=round(item.cost * factor * c.rng.uniform(0.85, 1.05), 2),
                moq=float(c.weighted(((1, 50), (5, 20), (10, 15), (50, 10), (250, 5)))),
                lead=supplier.lead_days + c.rng.randint(0, 10),
                main=n == 0,
                code_at_supplier=f"S{c.rng.randint(100000, 999999)}",
            )
            c.supplier_items.append(si)
            c.by_supplier[supplier.id].append(si)
            if si.main:
                c.main_supplier[item.id] = si
            days = c.rng.randint(30, 900)
            c.add(
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
                    "PurchaseLotSize": int(c.weighted(((1, 60), (5, 15), (10, 15), (25, 10)))),
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
                    "StartDate": c.v.day(-days),
                    "EndDate": None,
                    **c.audit(days),
                },
            )
            breaks = [0.0] + ([si.moq * 10] if c.rng.random() < 0.15 else [])
            for b, qty in enumerate(breaks):
                c.add(
                    "logistics/PurchaseItemPrices",
                    {
                        "ID": c.v.guid(),
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
                        "StartDate": c.v.day(-days),
                        "EndDate": None,
                        **c.audit(days),
                    },
                )


def sales_prices(c: Company) -> None:
    for pid, code, desc in c.price_lists:
        c.add(
            "sales/SalesPriceLists",
            {
                "ID": pid,
                "Code": code,
                "Description": desc,
                "Currency": "EUR",
                "Type": 1,
                "Entity": 1,
                "Notes": None,
                **c.audit(700),
            },
        )
        period = c.v.guid()
        c.add(
            "sales/SalesPriceListPeriods",
            {
                "ID": period,
                "PriceList": pid,
                "Currency": "EUR",
                "Type": 1,
                "StartDate": c.v.day(-365),
                "EndDate": None,
                **c.audit(365),
            },
        )
        linked = [a for a in c.customers if c.rng.random() < 0.1][:50]
        for customer in linked:
            c.add(
                "sales/SalesPriceListLinkedAccounts",
                {
                    "ID": c.v.guid(),
                    "PriceList": pid,
                    "Code": customer.code,
                    "Name": customer.name,
                    **c.audit(300),
                },
            )
        for item in c.rng.sample(c.items, min(len(c.items), 30)):
            if not item.is_sales:
                continue
            for qty, discount in ((1.0, 0.05), (10.0, 0.10), (50.0, 0.15)):
                c.add(
                    "sales/SalesPriceListVolumeDiscounts",
                    {
                        "ID": c.v.guid(),
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
                        **c.audit(300),
                    },
                )
    for item in c.items:
        if not item.is_sales:
            continue
        rows: list[tuple[Account | None, float, float]] = [(None, 0.0, item.price)]
        if c.rng.random() < 0.3:
            rows.append((None, 25.0, round(item.price * 0.92, 2)))
        if c.rng.random() < 0.15:
            rows.append((c.v.pick(c.customers), 0.0, round(item.price * 0.9, 2)))
        for account, qty, price in rows:
            days = c.rng.randint(10, 600)
            c.add(
                "logistics/SalesItemPrices",
                {
                    "ID": c.v.guid(),
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
                    "StartDate": c.v.day(-days),
                    "EndDate": None,
                    **c.audit(days),
                },
            )
