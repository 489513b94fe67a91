-- Sell orders; cancelled (Status 45) and deleted orders carry deleted_at.
select
    order_id as remote_id,
    min(division) as division,
    min(placed) as placed,
    {{ planner_money('sum(coalesce(amount, 0))') }} as total_value,
    case when bool_and(is_completed) then coalesce(max(modified_at), min(placed)) end as completed,
    min(source) as source,
    greatest(max(modified_at), max(deleted_at)) as updated_at,
    min(created_at) as created_at,
    max(deleted_at) as deleted_at
from {{ ref('int_sell_order_lines') }}
group by order_id
