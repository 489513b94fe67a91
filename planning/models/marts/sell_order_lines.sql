-- One line per product per order: lines of the same product are summed.
-- Incremental (docs/planning.md, "Incremental marts"): every order with a line loaded since the
-- last build is rebuilt whole; the key is the order, so a product that left the order goes too.
{{ config(materialized='incremental', unique_key='sell_order_id', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}
with lines as (
    select * from {{ ref('int_sell_order_lines') }}
    {%- if is_incremental() %}
    where order_id in (
        select order_id from {{ ref('int_sell_order_lines') }} where {{ loaded_since_last_build() }}
    )
    {%- endif %}
)

select
    {{ dbt.concat(['order_id', "'_'", 'item_id']) }} as remote_id,
    min(division) as division,
    order_id as sell_order_id,
    item_id as product_id,
    cast(round(sum(coalesce(quantity, 0))) as integer) as quantity,
    {{ planner_money('sum(coalesce(amount, 0))') }} as subtotal_value,
    greatest(max(modified_at), max(deleted_at)) as updated_at,
    min(created_at) as created_at,
    max(deleted_at) as deleted_at,
    max(loaded_at) as loaded_at
from lines
group by order_id, item_id
