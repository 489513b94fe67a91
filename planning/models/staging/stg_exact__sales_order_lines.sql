select
    "ID" as sales_order_line_id,
    "OrderID" as sales_order_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    cast("Quantity" as double precision) as quantity,
    cast("AmountDC" as double precision) as amount_dc,
    cast("AmountFC" as double precision) as amount_fc,
    lower(trim("CostCenter")) as cost_center,
    coalesce(cast("UseDropShipment" as integer), 0) = 1 as is_drop_shipment,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'sales_order_lines')) }} as deleted_at,
    {{ loaded_at(source('exact', 'sales_order_lines'), to_ts('"Modified"')) }} as loaded_at
from {{ source('exact', 'sales_order_lines') }}
