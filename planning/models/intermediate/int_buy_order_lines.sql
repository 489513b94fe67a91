-- Every buy-order line before the planner's shape: purchase-order lines, plus assembly orders
-- (use_assembly_orders) and shop orders (use_production_orders) as one-line orders.
{%- set completed = var('bo_completed_status') %}
{%- set amount = 'amount_fc' if var('map_buyOrders_AmountFC') else 'amount_dc' %}
with purchase_lines as (
    select * from {{ ref('stg_exact__purchase_orders') }}
),

-- A deleted order's tombstone row; without loader metadata its time is unknown: the planning date.
deleted_orders as (
    select
        purchase_order_id,
        coalesce(min(deleted_at), cast({{ planning_date() }} as timestamp)) as deleted_at,
        max(loaded_at) as loaded_at
    from purchase_lines
    where is_order_tombstone
    group by purchase_order_id
),

-- Exact re-stamps every line of a changed order, so the tap's latest read of an order emits all
-- its lines: a line an earlier read emitted and the latest did not was deleted from the order.
latest_reads as (
    select purchase_order_id, max(order_read_at) as read_at, max(loaded_at) as loaded_at
    from purchase_lines
    where not is_order_tombstone
    group by purchase_order_id
)

select
    l.purchase_order_line_id as line_id,
    l.purchase_order_id as order_id,
    l.division,
    l.supplier_id,
    l.item_id,
    l.quantity,
    l.{{ amount }} as amount,
    l.order_date,
    l.receipt_date,
    l.your_ref,
    {{ in_list('l.order_status', completed) }} as is_completed,
    false as is_assembly,
    l.created_at,
    l.modified_at,
    coalesce(
        l.deleted_at, d.deleted_at,
        case when l.order_read_at < r.read_at then r.read_at end
    ) as deleted_at,
    -- a line is rebuilt when any line of its order was loaded again: it may have been deleted
    greatest(l.loaded_at, d.loaded_at, r.loaded_at) as loaded_at
from purchase_lines l
left join deleted_orders d on d.purchase_order_id = l.purchase_order_id
left join latest_reads r on r.purchase_order_id = l.purchase_order_id
where not l.is_order_tombstone
{%- if var('use_assembly_orders') %}
union all
select
    assembly_order_id, assembly_order_id, division, cast(null as {{ dbt.type_string() }}), item_id,
    planned_quantity, cast(null as double precision), order_date, assembly_date,
    cast(null as {{ dbt.type_string() }}),
    -- AssemblyOrders.OrderStatus: 20 = finished
    order_status = '20', true, order_date, coalesce(finished_date, order_date), deleted_at, loaded_at
from {{ ref('stg_exact__assembly_orders') }}
{%- endif %}
{%- if var('use_production_orders') %}
union all
select
    shop_order_id, shop_order_id, division, cast(null as {{ dbt.type_string() }}), item_id,
    planned_quantity, cast(null as double precision), entry_date, planned_date, your_ref,
    -- ShopOrders.Status: 40 = completed, 50 = financially completed
    status in (40, 50), true, created_at, modified_at, deleted_at, loaded_at
from {{ ref('stg_exact__shop_orders') }}
{%- endif %}
