-- Buy orders: one per purchase order (and per assembly/shop order when their flags are on).
with lines as (
    select * from {{ ref('int_buy_order_lines') }}
),

suppliers as (
    select remote_id, delivery_time from {{ ref('suppliers') }}
)

select
    lines.order_id as remote_id,
    min(lines.division) as division,
    min(lines.order_date) as placed,
    {{ planner_money('sum(coalesce(lines.amount, 0))') }} as total_value,
    min(lines.supplier_id) as supplier_id,
    case when bool_and(lines.is_completed) then max(lines.modified_at) end as completed,
    coalesce(
        min(lines.receipt_date),
        min(lines.order_date) + cast(coalesce(min(suppliers.delivery_time), 0) as integer) * interval '1 day'
    ) as expected_delivery_date,
    min(lines.your_ref) as reference,
    bool_or(lines.is_assembly) as assembly,
    greatest(max(lines.modified_at), max(lines.deleted_at)) as updated_at,
    min(lines.created_at) as created_at,
    max(lines.deleted_at) as deleted_at
from lines
left join suppliers on suppliers.remote_id = lines.supplier_id
group by lines.order_id
