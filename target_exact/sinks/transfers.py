"""``export_stock_transfers``: a buy order becomes a warehouse transfer (from -> to warehouse).

Line quantities are item units (``unit_factors`` applied, no lot size: a transfer moves items).
The source id is the transfer's key in ``Remarks`` (warehouse transfers have no YourRef).
"""

from __future__ import annotations

from typing import Any

from target_exact.mapping.buy_orders import BuyOrderInput
from target_exact.mapping.fields import RecordError
from target_exact.results import RecordResult
from target_exact.sinks.base import ExactSink
from target_exact.sinks.documents import write_document
from target_exact.specs import WAREHOUSE_TRANSFERS


def write_buy_order_as_transfer(
    sink: ExactSink, division: int, order: BuyOrderInput
) -> RecordResult:
    settings = sink.settings
    if not settings.stock_transfer_from or not settings.stock_transfer_to:
        raise RecordError(
            "stock_transfer_from",
            "export_stock_transfers needs stock_transfer_from and stock_transfer_to in the config",
        )
    record: dict[str, Any] = {
        "id": order.source_id,
        "transaction_date": order.order_date.isoformat(),
        "warehouse_from_id": settings.stock_transfer_from,
        "warehouse_to_id": settings.stock_transfer_to,
        "planned_receipt_date": order.receipt_date.isoformat() if order.receipt_date else None,
        "remarks": order.remarks,
        "line_items": [
            {
                "product_remoteId": line.item_ref,
                "quantity": str(line.quantity),
                "description": line.description,
            }
            for line in order.lines
        ],
    }
    return write_document(sink, WAREHOUSE_TRANSFERS, record, division)
