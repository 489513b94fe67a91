select
    "OrderID" as sales_order_id,
    cast("Division" as bigint) as division,
    cast("OrderNumber" as bigint) as order_number,
    "OrderedBy" as customer_id,
    cast("Status" as integer) as status,
    cast("AmountDC" as double precision) as amount_dc,
    cast("AmountFC" as double precision) as amount_fc,
    {{ to_ts('"OrderDate"') }} as order_date,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'sales_orders')) }} as deleted_at,
    {{ loaded_at(source('exact', 'sales_orders'), to_ts('"Modified"')) }} as loaded_at
from {{ source('exact', 'sales_orders') }}
