-- Buy-order lines; a line of a deleted order carries the order's deleted_at.
-- Incremental: the lines loaded since the last build (docs/planning.md, "Incremental marts").
{{ config(materialized='incremental', unique_key='remote_id', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}
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
    deleted_at,
    loaded_at
from {{ ref('int_buy_order_lines') }}
{%- if is_incremental() %}
where {{ loaded_since_last_build() }}
{%- endif %}
