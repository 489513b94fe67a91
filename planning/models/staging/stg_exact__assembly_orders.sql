select
    "ID" as assembly_order_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    cast("OrderStatus" as {{ dbt.type_string() }}) as order_status,
    cast("PlannedQuantity" as double precision) as planned_quantity,
    cast("FinishedQuantity" as double precision) as finished_quantity,
    {{ to_ts('"OrderDate"') }} as order_date,
    {{ to_ts('"AssemblyDate"') }} as assembly_date,
    {{ to_ts('"FinishedAssemblyDate"') }} as finished_date,
    {{ sdc_deleted_at(source('exact', 'assembly_orders')) }} as deleted_at,
    {{ loaded_at(source('exact', 'assembly_orders')) }} as loaded_at
from {{ source('exact', 'assembly_orders') }}
