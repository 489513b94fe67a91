-- Supplier products from SupplierItem (+ PurchaseItemPrices / Items for the price).
{%- set price_source = var('map_purchase_price') %}
with supplier_items as (
    select * from {{ ref('int_exact__supplier_item') }}
),

items as (
    select * from {{ ref('int_exact__items') }}
),

purchase_prices as (
    select item_id, account_id, price
    from (
        select
            item_id, account_id, price,
            row_number() over (
                partition by item_id, account_id
                order by coalesce(quantity, 0), start_date desc nulls last, purchase_item_price_id
            ) as rank_in_pair
        from {{ ref('stg_exact__purchase_item_prices') }}
        where deleted_at is null
          and (start_date is null or cast(start_date as date) <= {{ planning_date() }})
          and (end_date is null or cast(end_date as date) > {{ planning_date() }})
    ) ranked
    where rank_in_pair = 1
)

select
    si.supplier_item_id as remote_id,
    si.division,
    si.item_id as product_id,
    si.supplier_id,
    left(coalesce(si.item_description, items.description, items.code), 255) as name,
    {%- if price_source == 'default' %}
    {{ planner_money('si.purchase_price') }} as price,
    {%- elif price_source == 'Product Cost' %}
    {{ planner_money('items.cost_price_standard') }} as price,
    {%- elif price_source == 'Purchase Prices' %}
    {{ planner_money('purchase_prices.price') }} as price,
    {%- elif price_source == 'none' %}
    cast(null as numeric(17, 2)) as price,
    {%- else %}
    {{ exceptions.raise_compiler_error("map_purchase_price must be one of: default, Product Cost, Purchase Prices, none; got " ~ price_source) }}
    {%- endif %}
    {%- if var('useMOQ') %}
    {{ at_least_one('si.minimum_quantity * ' ~ unit_factor('items.unit_code')) }} as minimum_purchase_quantity,
    {%- else %}
    1 as minimum_purchase_quantity,
    {%- endif %}
    {%- if var('useLOT') %}
    {{ at_least_one(('si.purchase_lot_size' if var('useLOT_PurchaseLotSize') else 'si.purchase_unit_factor') ~ ' * ' ~ unit_factor('items.unit_code')) }} as lot_size,
    {%- else %}
    1 as lot_size,
    {%- endif %}
    {{ 'si.is_main_supplier' if var('map_preferred_supplier') else 'false' }} as preferred,
    {%- if var('sync_leadTime_supProducts') %}
    case when si.purchase_lead_time >= 1 then si.purchase_lead_time end as delivery_time,
    {%- else %}
    cast(null as integer) as delivery_time,
    {%- endif %}
    case
        when si.deleted_at is not null then 'disabled'
        when si.end_date is not null and cast(si.end_date as date) <= {{ planning_date() }} then 'disabled'
        else 'enabled'
    end as status,
    greatest(si.modified_at, si.deleted_at) as updated_at,
    si.created_at,
    si.deleted_at
from supplier_items si
left join items on items.item_id = si.item_id
left join purchase_prices
    on purchase_prices.item_id = si.item_id and purchase_prices.account_id = si.supplier_id
