-- The reorder calculation behind reorder_proposals: one row per product a planner may reorder
-- (enabled, live, stock kept, with a stock level) and its preferred supplier (live, enabled, the
-- supplier not ignored). docs/planning.md, "reorder_points / reorder_proposals", gives the rules.
{%- set window_days = var('reorder_demand_window_days') | int %}
{%- set review_days = var('reorder_review_period_days') | int %}
{%- set default_delivery = var('reorder_default_delivery_days') | int %}
{%- if window_days < 1 or review_days < 0 or default_delivery < 0 %}
{{ exceptions.raise_compiler_error("reorder_demand_window_days must be >= 1, reorder_review_period_days and reorder_default_delivery_days >= 0") }}
{%- endif %}
with products as (
    select remote_id, division, stock_level, minimum_stock
    from {{ ref('products') }}
    where deleted_at is null
      and status = 'enabled'
      and not unlimited_stock
      and stock_level is not null  -- map_stockLevel off: the stock is unknown, nothing to plan
),

-- The preferred supplier product of each product; several preferred: the lowest remote_id.
preferred as (
    select *
    from (
        select
            sp.remote_id as supplier_product_id,
            sp.product_id,
            sp.supplier_id,
            sp.minimum_purchase_quantity,
            sp.lot_size,
            coalesce(sp.delivery_time, s.delivery_time, {{ default_delivery }}) as delivery_time,
            row_number() over (partition by sp.product_id order by sp.remote_id) as rank_in_product
        from {{ ref('supplier_products') }} sp
        join {{ ref('suppliers') }} s on s.remote_id = sp.supplier_id
        where sp.preferred
          and sp.deleted_at is null
          and sp.status = 'enabled'
          and s.deleted_at is null
          and not s.ignored
    ) ranked
    where rank_in_product = 1
),

-- Sell-order demand of the window: live orders placed in the N days up to the planning date.
demand as (
    select l.product_id, sum(l.quantity) as quantity
    from {{ ref('sell_order_lines') }} l
    join {{ ref('sell_orders') }} o on o.remote_id = l.sell_order_id
    where l.deleted_at is null
      and o.deleted_at is null
      and cast(o.placed as date) > {{ planning_date() }} - {{ window_days }}
      and cast(o.placed as date) <= {{ planning_date() }}
    group by l.product_id
),

received as (
    select buy_order_line_id, sum(quantity) as quantity
    from {{ ref('receipt_lines') }}
    where deleted_at is null
    group by buy_order_line_id
),

-- What is still to arrive: lines of live, not completed buy orders, minus what was received.
open_orders as (
    select
        l.product_id,
        sum(greatest(l.quantity - coalesce(r.quantity, 0), 0)) as quantity
    from {{ ref('buy_order_lines') }} l
    join {{ ref('buy_orders') }} o on o.remote_id = l.buy_order_id
    left join received r on r.buy_order_line_id = l.remote_id
    where l.deleted_at is null
      and o.deleted_at is null
      and o.completed is null
    group by l.product_id
),

positions as (
    select
        p.remote_id as product_id,
        p.division,
        sp.supplier_id,
        sp.supplier_product_id,
        p.stock_level,
        cast(coalesce(oo.quantity, 0) as integer) as open_quantity,
        p.stock_level + cast(coalesce(oo.quantity, 0) as integer) as stock_position,
        cast(greatest(coalesce(d.quantity, 0), 0) as integer) as demand_quantity,
        cast(sp.delivery_time as integer) as delivery_time,
        coalesce(p.minimum_stock, 0) as minimum_stock,
        sp.minimum_purchase_quantity,
        sp.lot_size
    from products p
    join preferred sp on sp.product_id = p.remote_id
    left join demand d on d.product_id = p.remote_id
    left join open_orders oo on oo.product_id = p.remote_id
),

-- Reorder point: the demand expected over delivery time + review period, times the safety
-- factor, rounded up, plus Exact's safety stock (ItemWarehouses.SafetyStock).
points as (
    select
        positions.*,
        cast(ceil(round(
            cast(demand_quantity * (delivery_time + {{ review_days }}) as numeric(38, 6))
            * cast({{ var('reorder_safety_factor') }} as numeric(38, 6))
            / {{ window_days }}, 6)) as integer) + minimum_stock as reorder_point
    from positions
),

-- Below the reorder point: fill up to it, at least the MOQ, in whole lots.
proposed as (
    select
        points.*,
        case when stock_position < reorder_point then
            cast(ceil(cast(greatest(reorder_point - stock_position, minimum_purchase_quantity) as numeric(38, 6))
                      / lot_size) as integer) * lot_size
        else 0 end as proposed_quantity
    from points
)

select
    product_id,
    division,
    supplier_id,
    supplier_product_id,
    stock_level,
    open_quantity,
    stock_position,
    demand_quantity,
    delivery_time,
    minimum_stock,
    reorder_point,
    minimum_purchase_quantity,
    lot_size,
    proposed_quantity,
    cast({{ planning_date() }} as date) as planning_date,
    cast({{ planning_date() }} + delivery_time as date) as expected_delivery_date,
    -- The order's YourRef: the same product, supplier and day give the same reference, so a
    -- rerun is found in Exact and not placed twice (target-exact's look-up by YourRef, <= 30 chars).
    'rp-' || left({{ dbt.hash(dbt.concat([
        'cast(division as ' ~ dbt.type_string() ~ ')', "'|'", 'supplier_id', "'|'", 'product_id', "'|'",
        'cast(' ~ planning_date() ~ ' as ' ~ dbt.type_string() ~ ')'])) }}, 27) as reference
from proposed
