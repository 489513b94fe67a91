-- Products from Items + StockPositions + SalesItemPrices (or a sales price list) (+ BOMs for `assembled`).
-- Status truth table: docs/planning.md, "products.status".
{%- set assortments = var('assortments') or {} %}
with items as (
    select * from {{ ref('int_exact__items') }}
),

stock as (
    select
        item_id,
        sum(coalesce(current_stock, 0) - coalesce(planning_out, 0)) as stock
    from {{ ref('stg_exact__stock_positions') }}
    where deleted_at is null
    {%- if var('stock_warehouse_ids') %}
      and {{ in_list('warehouse_id', var('stock_warehouse_ids')) }}
    {%- endif %}
    group by item_id
),

stock_limits as (
    select item_id, sum(safety_stock) as minimum_stock, sum(maximum_stock) as maximum_stock
    from {{ ref('stg_exact__item_warehouses') }}
    where deleted_at is null
    group by item_id
),

-- The item's general sales price: no customer, valid on the planning date, smallest quantity
-- tier, latest start.
prices as (
    select item_id, price
    from (
        select
            item_id,
            price,
            row_number() over (
                partition by item_id
                order by coalesce(quantity, 0), start_date desc nulls last, sales_item_price_id
            ) as rank_in_item
        from {{ ref('stg_exact__sales_item_prices') }}
        where deleted_at is null
          and account_id is null
          and (start_date is null or cast(start_date as date) <= {{ planning_date() }})
          and (end_date is null or cast(end_date as date) > {{ planning_date() }})
    ) ranked
    where rank_in_item = 1
),
{%- if var('use_price_lists') %}
{%- if not var('price_list_code') %}
{{ exceptions.raise_compiler_error("use_price_lists is true but price_list_code is not set") }}
{%- endif %}

-- use_price_lists: the item's NewPrice in the price list price_list_code, in a period valid on
-- the planning date, smallest quantity tier, latest period start; items not in it keep `prices`.
list_prices as (
    select item_id, price
    from (
        select
            d.item_id,
            d.price,
            row_number() over (
                partition by d.item_id
                order by coalesce(d.quantity, 0), p.start_date desc nulls last, d.volume_discount_id
            ) as rank_in_item
        from {{ ref('stg_exact__sales_price_list_volume_discounts') }} d
        join {{ ref('stg_exact__sales_price_list_periods') }} p
            on p.price_list_period_id = d.price_list_period_id
        where d.deleted_at is null and p.deleted_at is null
          and {{ in_list('lower(trim(d.price_list_code))', [var('price_list_code')]) }}
          and (p.start_date is null or cast(p.start_date as date) <= {{ planning_date() }})
          and (p.end_date is null or cast(p.end_date as date) > {{ planning_date() }})
    ) ranked
    where rank_in_item = 1
),
{%- endif %}

boms as (
    select distinct v.item_id
    from {{ ref('int_exact__bill_of_material_versions') }} v
    join {{ ref('int_exact__bill_of_material_materials') }} m on m.bom_version_id = v.bom_version_id
    where v.deleted_at is null and m.deleted_at is null
),

flagged as (
    select
        items.*,
        items.end_date is not null and cast(items.end_date as date) <= {{ planning_date() }} as is_ended,
        {{ 'items.is_on_demand_item' if var('use_IsOnDemandItem') else 'false' }} as is_on_demand_off,
        {{ in_list('items.item_group_code', var('prod_ItemGroupCode_filter')) }} as is_group_filtered,
        {{ '(not items.is_purchase_item and not items.is_make_item)' if var('map_IsPurchaseItem') else 'false' }} as is_not_replenished,
        {%- if assortments | length > 0 %}
        not ({% for field, values in assortments.items() %}{{ in_list('lower(items.' ~ (field | lower) ~ ')', values) }}{% if not loop.last %} or {% endif %}{% endfor %}) as is_out_of_assortment
        {%- else %}
        false as is_out_of_assortment
        {%- endif %}
    from items
)

select
    flagged.item_id as remote_id,
    flagged.division,
    left(coalesce(flagged.description, flagged.code, flagged.item_id), 255) as name,
    left(flagged.code, 255) as sku_code,
    left({{ "coalesce(flagged.search_code, flagged.item_id)" if var('map_product_articleCode') else "flagged.item_id" }}, 255) as article_code,
    left(flagged.barcode, 255) as ean_code,
    {{ planner_money('coalesce(list_prices.price, prices.price)' if var('use_price_lists') else 'prices.price') }} as price,
    {{ 'not flagged.is_purchase_item' if var('map_IsPurchaseItem') else 'false' }} as unlimited_stock,
    {%- if var('map_stockLevel') %}
    cast(round(coalesce(stock.stock, 0) * {{ unit_factor('flagged.unit_code') }}) as integer) as stock_level,
    {%- else %}
    cast(null as integer) as stock_level,
    {%- endif %}
    case
        when flagged.deleted_at is not null then 'disabled'
        when flagged.is_ended then 'disabled'
        when flagged.is_on_demand_off then 'disabled'
        when flagged.is_group_filtered then 'disabled'
        when flagged.is_not_replenished then 'disabled'
        when flagged.is_out_of_assortment then 'disabled'
        else 'enabled'
    end as status,
    {{ 'boms.item_id is not null' if var('use_BOM_to_prodAssembled') else 'flagged.is_make_item' }} as assembled,
    flagged.created_at as created_at_remote,
    {{ converted_unit('flagged.unit_code') }} as stock_measurement_unit,
    cast(round(stock_limits.minimum_stock) as integer) as minimum_stock,
    cast(round(stock_limits.maximum_stock) as integer) as maximum_stock,
    greatest(flagged.modified_at, flagged.deleted_at) as updated_at,
    flagged.created_at,
    flagged.deleted_at
from flagged
left join stock on stock.item_id = flagged.item_id
left join stock_limits on stock_limits.item_id = flagged.item_id
left join prices on prices.item_id = flagged.item_id
{%- if var('use_price_lists') %}
left join list_prices on list_prices.item_id = flagged.item_id
{%- endif %}
left join boms on boms.item_id = flagged.item_id
{%- if var('sync_sell_orders_only') %}
where 1 = 0  -- sync_sell_orders_only: this integration sends sell orders only
{%- endif %}
