select
    "ID" as purchase_item_price_id,
    cast("Division" as bigint) as division,
    "Item" as item_id,
    "Account" as account_id,
    cast("Price" as double precision) as price,
    cast("Quantity" as double precision) as quantity,
    {{ to_ts('"StartDate"') }} as start_date,
    {{ to_ts('"EndDate"') }} as end_date,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'purchase_item_prices')) }} as deleted_at
from {{ source('exact', 'purchase_item_prices') }}
