-- Only built with use_price_lists: the tables are loaded only when a price list is used.
{{ config(enabled=var('use_price_lists')) }}
select
    "ID" as volume_discount_id,
    cast("Division" as bigint) as division,
    "PriceListCode" as price_list_code,
    "PriceListPeriod" as price_list_period_id,
    "Item" as item_id,
    cast("Quantity" as double precision) as quantity,
    cast("NewPrice" as double precision) as price,
    {{ sdc_deleted_at(source('exact', 'sales_price_list_volume_discounts')) }} as deleted_at
from {{ source('exact', 'sales_price_list_volume_discounts') }}
