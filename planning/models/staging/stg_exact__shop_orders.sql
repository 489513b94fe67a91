select
    "ID" as shop_order_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    cast("Status" as integer) as status,
    cast("PlannedQuantity" as double precision) as planned_quantity,
    cast("ProducedQuantity" as double precision) as produced_quantity,
    "YourRef" as your_ref,
    {{ to_ts('"EntryDate"') }} as entry_date,
    {{ to_ts('"PlannedDate"') }} as planned_date,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'shop_orders')) }} as deleted_at,
    {{ loaded_at(source('exact', 'shop_orders'), to_ts('"Modified"')) }} as loaded_at
from {{ source('exact', 'shop_orders') }}
