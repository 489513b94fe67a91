-- Reorder proposals as target-exact's BuyOrders input (buy_orders_mode: hotglue): one order per
-- product below its reorder point, to its preferred supplier. The numbers behind each row are in
-- reorder_points; docs/planning.md says which field comes from where.
select
    reference,
    division,
    supplier_id as "supplier_remoteId",
    cast(planning_date as timestamp) as transaction_date,
    -- HotGlue's created_at becomes the order's ReceiptDate
    cast(expected_delivery_date as timestamp) as created_at,
    -- quantity / lot_size = QuantityInPurchaseUnits: whole purchase units
    '[{"product_remoteId": "' || product_id || '", "quantity": '
        || cast(proposed_quantity as {{ dbt.type_string() }}) || ', "lot_size": '
        || cast(lot_size as {{ dbt.type_string() }}) || '}]' as line_items
from {{ ref('reorder_points') }}
where proposed_quantity > 0
