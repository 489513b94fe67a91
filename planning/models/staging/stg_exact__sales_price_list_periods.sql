-- Only built with use_price_lists: the tables are loaded only when a price list is used.
{{ config(enabled=var('use_price_lists')) }}
select
    "ID" as price_list_period_id,
    cast("Division" as bigint) as division,
    "PriceList" as price_list_id,
    {{ to_ts('"StartDate"') }} as start_date,
    {{ to_ts('"EndDate"') }} as end_date,
    {{ sdc_deleted_at(source('exact', 'sales_price_list_periods')) }} as deleted_at
from {{ source('exact', 'sales_price_list_periods') }}
