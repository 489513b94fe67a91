"""Production: bills of material (acyclic: materials only from lower levels), shop orders with
their material plans and assembly orders. Open orders add to the stock's planned in/out.
"""

from __future__ import annotations

from collections import defaultdict

from exact_sandbox.company.context import Company
from exact_sandbox.company.model import Item


def bills_of_material(c: Company) -> None:
    """One or two versions per make item; materials strictly from lower levels (acyclic)."""
    by_level: dict[int, list[Item]] = defaultdict(list)
    for item in c.items:
        if item.is_stock and not item.ended:
            by_level[item.level].append(item)
    for item in c.items:
        if not item.is_make:
            continue
        candidates = [i for lvl in range(item.level) for i in by_level[lvl] if i.kind != "ondemand"]
        if not candidates:
            continue
        versions = c.weighted(((1, 80), (2, 20)))
        for vno in range(1, versions + 1):
            vid = c.v.guid()
            default = vno == versions
            if default:
                item.bom_version = vid
            days = c.rng.randint(30, 700)
            c.add(
                "manufacturing/BillOfMaterialVersions",
                {
                    "ID": vid,
                    "Item": item.id,
                    "ItemDescription": item.description,
                    "Description": f"{item.description} v{vno}",
                    "VersionNumber": vno,
                    "VersionDate": c.v.day(-days),
                    "IsDefault": int(default),
                    "Status": 20 if default else 30,
                    "StatusDescription": ("Engineering change approved" if default else "Historic"),
                    "Type": 1,
                    "TypeDescription": "Manufacturing",
                    "BatchQuantity": 1.0,
                    "CalculatedCostPrice": item.cost,
                    "ProductionLeadDays": c.rng.randint(1, 10),
                    "OrderLeadDays": 0,
                    **c.audit(days),
                },
            )
            parts = c.rng.sample(candidates, min(len(candidates), c.rng.randint(2, 6)))
            materials = []
            for line, part in enumerate(parts, start=1):
                qty = float(c.weighted(((1, 50), (2, 25), (4, 15), (10, 10))))
                materials.append((part, qty))
                c.add(
                    "manufacturing/BillOfMaterialMaterials",
                    {
                        "ID": c.v.guid(),
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
                        "syscreated": c.v.moment(-days),
                        "sysmodified": c.v.moment(-days),
                        "syscreator": c.users[0][0],
                        "sysmodifier": c.users[0][0],
                        "CreatorFullName": c.users[0][1],
                    },
                )
            if default:
                item.materials = materials


def production(c: Company) -> None:
    makeable = [i for i in c.items if i.is_make and i.materials]
    if not makeable:
        return
    assembled = [i for i in makeable if i.kind == "assembled"] or makeable
    manufactured = [i for i in makeable if i.kind != "assembled"] or makeable
    for n in range(1, c.spec.shop_orders + 1):
        item = c.v.pick(manufactured)
        wh = item.warehouses[0]
        status = c.weighted(((10, 30), (20, 25), (30, 10), (40, 35)))
        qty = float(c.rng.randint(1, 50) * 5)
        produced = {
            10: 0.0,
            20: float(round(qty * c.rng.uniform(0.1, 0.9))),
            30: qty,
            40: qty,
        }[status]
        age = c.rng.randint(1, c.spec.history_days)
        planned = c.v.day(-age + c.rng.randint(5, 30))
        sid = c.v.guid()
        c.add(
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
                "PlannedStartDate": c.v.day(-age),
                "PlannedDate": planned,
                "EntryDate": c.v.day(-age),
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
                "YourRef": f"PRJ-{c.rng.randint(1000, 9999)}" if c.rng.random() < 0.2 else None,
                **c.audit(age),
            },
        )
        open_qty = max(0.0, qty - produced) if status in (10, 20) else 0.0
        c.planned_in[(item.id, wh.id)] += open_qty
        for line, (part, per) in enumerate(item.materials, start=1):
            need = per * qty
            c.add(
                "manufacturing/ShopOrderMaterialPlans",
                {
                    "ID": c.v.guid(),
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
                    "PlannedDate": c.v.day(-age),
                    "Unit": part.unit.code,
                    "UnitDescription": part.unit.description,
                    "Status": 10 if open_qty else 30,
                    "Type": 1,
                    "CalculatorType": 1,
                    "Backflush": 0,
                    "WastePercentage": 0.0,
                    **c.audit(age),
                },
            )
            if open_qty:
                c.planned_out[(part.id, wh.id)] += per * open_qty
    for n in range(1, c.spec.assembly_orders + 1):
        item = c.v.pick(assembled)
        wh = item.warehouses[0]
        status = c.weighted(((20, 40), (30, 60)))  # 20 open, 30 finished (medium)
        qty = float(c.rng.randint(1, 20))
        age = c.rng.randint(1, c.spec.history_days)
        c.add(
            "inventory/AssemblyOrders",
            {
                "ID": c.v.guid(),
                "OrderNumber": n,
                "Item": item.id,
                "ItemCode": item.code,
                "ItemDescription": item.description,
                "Description": f"Assemble {item.description}",
                "PlannedQuantity": qty,
                "FinishedQuantity": qty if status == 30 else 0.0,
                "OrderDate": c.v.day(-age),
                "AssemblyDate": c.v.day(-age + 2),
                "FinishedAssemblyDate": c.v.day(-age + 2) if status == 30 else None,
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
            c.planned_in[(item.id, wh.id)] += qty
            for part, per in item.materials:
                c.planned_out[(part.id, wh.id)] += per * qty
