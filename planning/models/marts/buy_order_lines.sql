-- Buy-order lines; a line of a deleted order carries the order's deleted_at.
select
    line_id as remote_id,
    division,
    order_id as buy_order_id,
    cast(round(coalesce(quantity, 0)) as integer) as quantity,
    item_id as product_id,
    {{ planner_money('coalesce(amount, 0)') }} as subtotal_value,
    coalesce(receipt_date, order_date) as expected_delivery_date,
    greatest(modified_at, deleted_at) as updated_at,
    created_at,
    deleted_at
from {{ ref('int_buy_order_lines') }}
