select
    "ID" as supplier_item_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    "Supplier" as supplier_id,
    "ItemDescription" as item_description,
    "SupplierItemCode" as supplier_item_code,
    cast("PurchasePrice" as double precision) as purchase_price,
    cast("MinimumQuantity" as double precision) as minimum_quantity,
    cast("PurchaseUnitFactor" as double precision) as purchase_unit_factor,
    cast("PurchaseLotSize" as double precision) as purchase_lot_size,
    cast("PurchaseLeadTime" as integer) as purchase_lead_time,
    coalesce(cast("MainSupplier" as boolean), false) as is_main_supplier,
    trim("ItemUnitCode") as item_unit_code,
    {{ to_ts('"EndDate"') }} as end_date,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'supplier_item')) }} as deleted_at
from {{ source('exact', 'supplier_item') }}
