-- Receipt lines: goods receipts (QuantityReceived x lot size) and purchase returns (negative).
-- Incremental (docs/planning.md, "Incremental marts"): a line is rebuilt when it, its order line,
-- or the supplier item (or item) that gives its lot size was loaded since the last build.
{{ config(materialized='incremental', unique_key='remote_id', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}
with order_lines as (
    select purchase_order_line_id, supplier_id, item_id, loaded_at
    from {{ ref('stg_exact__purchase_orders') }}
    where not is_order_tombstone
),

lot_sizes as (
    select product_id, supplier_id, max(lot_size) as lot_size
    from {{ ref('supplier_products') }}
    where deleted_at is null
    group by product_id, supplier_id
),

-- When the inputs of a lot size last changed (a deletion included).
lot_size_loaded as (
    select si.item_id, si.supplier_id, greatest(max(si.loaded_at), max(items.loaded_at)) as loaded_at
    from {{ ref('int_exact__supplier_item') }} si
    left join {{ ref('int_exact__items') }} items on items.item_id = si.item_id
    group by si.item_id, si.supplier_id
),

receipts as (
    select
        goods_receipt_line_id as remote_id, division, purchase_order_line_id,
        quantity_received as quantity, goods_receipt_id as reference,
        created_at, modified_at, deleted_at, loaded_at
    from {{ ref('int_exact__goods_receipt_lines') }}
    union all
    select
        purchase_return_line_id, division, purchase_order_line_id,
        -1 * return_quantity, purchase_return_id,
        created_at, modified_at, deleted_at, loaded_at
    from {{ ref('int_exact__purchase_return_lines') }}
),

shaped as (
    select
        receipts.remote_id,
        receipts.division,
        cast(round(coalesce(receipts.quantity, 0) * coalesce(lot_sizes.lot_size, 1)) as integer) as quantity,
        receipts.purchase_order_line_id as buy_order_line_id,
        coalesce(receipts.created_at, receipts.modified_at) as occurred,
        receipts.reference,
        greatest(receipts.modified_at, receipts.deleted_at) as updated_at,
        receipts.created_at,
        receipts.deleted_at,
        greatest(receipts.loaded_at, order_lines.loaded_at, lot_size_loaded.loaded_at) as loaded_at
    from receipts
    left join order_lines on order_lines.purchase_order_line_id = receipts.purchase_order_line_id
    left join lot_sizes
        on lot_sizes.product_id = order_lines.item_id and lot_sizes.supplier_id = order_lines.supplier_id
    left join lot_size_loaded
        on lot_size_loaded.item_id = order_lines.item_id
       and lot_size_loaded.supplier_id = order_lines.supplier_id
)

select * from shaped
{%- if is_incremental() %}
where {{ loaded_since_last_build() }}
{%- endif %}
