select
    "ID" as goods_receipt_line_id,
    "GoodsReceiptID" as goods_receipt_id,
    cast("Division" as bigint) as division,
    "PurchaseOrderLineID" as purchase_order_line_id,
    "Item" as item_id,
    cast("QuantityReceived" as double precision) as quantity_received,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'goods_receipt_lines')) }} as deleted_at,
    {{ loaded_at(source('exact', 'goods_receipt_lines'), to_ts('"Modified"')) }} as loaded_at
from {{ source('exact', 'goods_receipt_lines') }}
