select
    "ID" as item_warehouse_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    lower("Warehouse") as warehouse_id,
    cast("SafetyStock" as double precision) as safety_stock,
    cast("MaximumStock" as double precision) as maximum_stock,
    cast("ReorderPoint" as double precision) as reorder_point,
    {{ sdc_deleted_at(source('exact', 'item_warehouses')) }} as deleted_at
from {{ source('exact', 'item_warehouses') }}
