"""Stock: warehouse transfers between warehouses, then stock positions and item warehouses per
item and warehouse. Runs after the order domains so planned in/out adds up their open lines.
"""

from __future__ import annotations

from collections import defaultdict

from exact_sandbox.company.context import Company


def transfers(c: Company) -> None:
    if len(c.warehouses) < 2:
        return
    stock_items = [i for i in c.items if i.is_stock and not i.ended]
    for n in range(1, c.spec.transfers + 1):
        src, dst = c.rng.sample(c.warehouses, 2)
        status = c.weighted(((10, 30), (50, 70)))  # 10 open, 50 processed (medium)
        age = c.rng.randint(0, 10) if status == 10 else c.rng.randint(5, c.spec.history_days)
        tid = c.v.guid()
        c.add(
            "inventory/WarehouseTransfers",
            {
                "TransferID": tid,
                "TransferNumber": n,
                "EntryDate": c.v.day(-age),
                "PlannedDeliveryDate": c.v.day(-age + 1),
                "PlannedReceiptDate": c.v.day(-age + 2),
                "TransferDate": c.v.day(-age + 2) if status == 50 else None,
                "Status": status,
                "Source": 1,
                "WarehouseFrom": src.id,
                "WarehouseFromCode": src.code,
                "WarehouseFromDescription": src.description,
                "WarehouseTo": dst.id,
                "WarehouseToCode": dst.code,
                "WarehouseToDescription": dst.description,
                "Description": f"Replenish {dst.description}",
                **c.audit(age),
            },
        )
        for line_no, item in enumerate(
            c.rng.sample(stock_items, min(len(stock_items), c.rng.randint(1, 4))), start=1
        ):
            qty = float(c.rng.randint(1, 30))
            c.add(
                "inventory/WarehouseTransferLines",
                {
                    "ID": c.v.guid(),
                    "TransferID": tid,
                    "LineNumber": line_no,
                    "Item": item.id,
                    "ItemCode": item.code,
                    "ItemDescription": item.description,
                    "Description": item.description,
                    "Quantity": qty,
                    "UnitCode": item.unit.code,
                    "UnitDescription": item.unit.description,
                    **c.audit(age),
                },
            )
            if status == 10:
                c.planned_out[(item.id, src.id)] += qty
                c.planned_in[(item.id, dst.id)] += qty


def stock(c: Company) -> None:
    """StockPositions and ItemWarehouses: on hand, plus the open orders' planned in/out."""
    warehouses = {w.id: w for w in c.warehouses}
    planned_at: dict[str, set[str]] = defaultdict(set)
    for item_id, wid in (*c.planned_in, *c.planned_out):
        planned_at[item_id].add(wid)
    for item in c.items:
        if not item.is_stock:
            continue
        # planned receipts can target a warehouse that holds no stock of the item yet
        whs = {w.id for w in item.warehouses} | planned_at.get(item.id, set())
        for wid in sorted(whs, key=lambda w: warehouses[w].code):
            wh = warehouses[wid]
            on_hand = item.stock.get(wid, 0.0)
            p_in = round(c.planned_in.get((item.id, wid), 0.0), 4)
            p_out = round(c.planned_out.get((item.id, wid), 0.0), 4)
            reserved = float(round(min(on_hand, p_out) * c.rng.uniform(0, 0.5)))
            reorder = float(c.rng.randint(0, 20) * 5)
            c.add(
                "inventory/StockPositions",
                {
                    "ID": c.v.guid(),
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
            c.add(
                "inventory/ItemWarehouses",
                {
                    "ID": c.v.guid(),
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
                    "SafetyStock": float(c.rng.randint(0, 10) * 2),
                    "MaximumStock": reorder * 4 or None,
                    "ReorderQuantity": float(c.rng.randint(1, 10) * 10),
                    "OrderPolicy": c.v.pick((1, 2, 3)),
                    "ReplenishmentType": 2 if item.is_make else 1,
                    **c.audit(c.rng.randint(1, 300)),
                },
            )
