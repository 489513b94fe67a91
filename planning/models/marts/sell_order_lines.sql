-- One line per product per order: lines of the same product are summed.
select
    {{ dbt.concat(['order_id', "'_'", 'item_id']) }} as remote_id,
    min(division) as division,
    order_id as sell_order_id,
    item_id as product_id,
    cast(round(sum(coalesce(quantity, 0))) as integer) as quantity,
    {{ planner_money('sum(coalesce(amount, 0))') }} as subtotal_value,
    greatest(max(modified_at), max(deleted_at)) as updated_at,
    min(created_at) as created_at,
    max(deleted_at) as deleted_at
from {{ ref('int_sell_order_lines') }}
group by order_id, item_id
