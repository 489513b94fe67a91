-- Exact names these two fields in lower case (syscreated, sysmodified).
select
    "ID" as bom_material_id,
    cast("Division" as bigint) as division,
    "ItemVersion" as bom_version_id,
    "PartItem" as part_item_id,
    cast("Quantity" as double precision) as quantity,
    cast("QuantityBatch" as double precision) as quantity_batch,
    {{ to_ts('"syscreated"') }} as created_at,
    {{ to_ts('"sysmodified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'bill_of_material_materials')) }} as deleted_at
from {{ source('exact', 'bill_of_material_materials') }}
