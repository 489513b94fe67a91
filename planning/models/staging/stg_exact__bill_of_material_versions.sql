select
    "ID" as bom_version_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    coalesce(cast("IsDefault" as integer), 0) = 1 as is_default,
    cast("BatchQuantity" as double precision) as batch_quantity,
    cast("VersionNumber" as bigint) as version_number,
    {{ to_ts('"VersionDate"') }} as version_date,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'bill_of_material_versions')) }} as deleted_at
from {{ source('exact', 'bill_of_material_versions') }}
