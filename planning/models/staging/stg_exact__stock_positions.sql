select
    "ID" as stock_position_id,
    cast("Division" as bigint) as division,
    "ItemId" as item_id,
    lower("Warehouse") as warehouse_id,
    cast("CurrentStock" as double precision) as current_stock,
    cast("PlanningOut" as double precision) as planning_out,
    cast("PlanningIn" as double precision) as planning_in,
    cast("FreeStock" as double precision) as free_stock,
    {{ sdc_deleted_at(source('exact', 'stock_positions')) }} as deleted_at
from {{ source('exact', 'stock_positions') }}
