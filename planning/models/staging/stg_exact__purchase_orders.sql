-- One row per purchase-order line (the tap's stream is line grained). A tombstone of a deleted
-- order carries the order id in both "ID" and "PurchaseOrderID" (see README, "Deletions").
select
    "ID" as purchase_order_line_id,
    "PurchaseOrderID" as purchase_order_id,
    cast("Division" as bigint) as division,
    "ID" = "PurchaseOrderID" as is_order_tombstone,
    "Supplier" as supplier_id,
    "Item" as item_id,
    cast("OrderNumber" as bigint) as order_number,
    cast("OrderStatus" as {{ dbt.type_string() }}) as order_status,
    cast("ReceiptStatus" as {{ dbt.type_string() }}) as receipt_status,
    cast("Quantity" as double precision) as quantity,
    cast("ReceivedQuantity" as double precision) as received_quantity,
    cast("AmountDC" as double precision) as amount_dc,
    cast("AmountFC" as double precision) as amount_fc,
    "YourRef" as your_ref,
    {{ to_ts('"OrderDate"') }} as order_date,
    {{ to_ts('"ReceiptDate"') }} as receipt_date,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'purchase_orders')) }} as deleted_at,
    {{ loaded_at(source('exact', 'purchase_orders'), to_ts('"Modified"')) }} as loaded_at,
    -- when the tap's read that emitted this line started (docs/planning.md, "Deletions")
    {{ optional_ts(source('exact', 'purchase_orders'), '_sdc_order_read_at') }} as order_read_at
from {{ source('exact', 'purchase_orders') }}
