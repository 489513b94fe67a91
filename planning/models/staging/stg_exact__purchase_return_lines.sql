select
    "ID" as purchase_return_line_id,
    "EntryID" as purchase_return_id,
    cast("Division" as bigint) as division,
    "PurchaseOrderLineID" as purchase_order_line_id,
    "GoodsReceiptLineID" as goods_receipt_line_id,
    "Item" as item_id,
    cast("ReturnQuantity" as double precision) as return_quantity,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'purchase_return_lines')) }} as deleted_at,
    {{ loaded_at(source('exact', 'purchase_return_lines'), to_ts('"Modified"')) }} as loaded_at
from {{ source('exact', 'purchase_return_lines') }}
