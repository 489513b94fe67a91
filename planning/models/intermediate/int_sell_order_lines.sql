-- Sell-order lines from sales orders and/or sales invoices, after the line filters.
-- Both sources on: an invoice line whose SalesOrder is a loaded sales order is left out
-- (the order already counts it); invoices without an order stay.
{%- if not var('use_sales_orders') and not var('use_sales_invoices') %}
{{ exceptions.warn("use_sales_orders and use_sales_invoices are both false: no sell orders") }}
{%- endif %}
with order_lines as (
    select
        l.sales_order_line_id as line_id,
        l.sales_order_id as order_id,
        l.division,
        o.customer_id,
        l.item_id,
        l.quantity,
        l.amount_dc as amount,
        l.cost_center,
        l.is_drop_shipment,
        o.order_date as placed,
        o.status = 21 as is_completed,
        o.amount_dc as order_amount,
        'sales_order' as source,
        l.created_at,
        greatest(l.modified_at, o.modified_at) as modified_at,
        coalesce(l.deleted_at, o.deleted_at,
                 case when o.status = 45 then coalesce(o.modified_at, o.order_date) end) as deleted_at,
        greatest(l.loaded_at, o.loaded_at) as loaded_at
    from {{ ref('int_exact__sales_order_lines') }} l
    join {{ ref('int_exact__sales_orders') }} o on o.sales_order_id = l.sales_order_id
),

deleted_invoices as (
    select
        sales_invoice_id,
        coalesce(min(deleted_at), cast({{ planning_date() }} as timestamp)) as deleted_at,
        max(loaded_at) as loaded_at
    from {{ ref('stg_exact__sales_invoices') }}
    where is_invoice_tombstone
    group by sales_invoice_id
),

invoice_lines as (
    select
        i.sales_invoice_line_id as line_id,
        i.sales_invoice_id as order_id,
        i.division,
        i.customer_id,
        i.item_id,
        i.quantity,
        i.amount_dc as amount,
        i.cost_center,
        false as is_drop_shipment,
        i.invoice_date as placed,
        i.status = 50 as is_completed,
        cast(null as double precision) as order_amount,
        'sales_invoice' as source,
        i.created_at,
        i.modified_at,
        coalesce(i.deleted_at, d.deleted_at) as deleted_at,
        greatest(i.loaded_at, d.loaded_at) as loaded_at,
        i.sales_order_id
    from {{ ref('stg_exact__sales_invoices') }} i
    left join deleted_invoices d on d.sales_invoice_id = i.sales_invoice_id
    where not i.is_invoice_tombstone
),

combined as (
    {%- if var('use_sales_orders') %}
    select * from order_lines
    {%- endif %}
    {%- if var('use_sales_orders') and var('use_sales_invoices') %}
    union all
    {%- endif %}
    {%- if var('use_sales_invoices') %}
    select
        line_id, order_id, division, customer_id, item_id, quantity, amount, cost_center,
        is_drop_shipment, placed, is_completed, order_amount, source, created_at, modified_at,
        deleted_at, loaded_at
    from invoice_lines
    {%- if var('use_sales_orders') %}
    where sales_order_id is null
       or sales_order_id not in (select order_id from order_lines)
    {%- endif %}
    {%- endif %}
    {%- if not var('use_sales_orders') and not var('use_sales_invoices') %}
    select * from order_lines where 1 = 0
    {%- endif %}
)

select * from combined
where item_id is not null
  and not {{ in_list('cost_center', var('filter_CostCenter_Codes')) }}
  and not {{ in_list('lower(customer_id)', var('filter_sellOrder_CustomerIDs')) }}
  {%- if not var('use_drop_shipments') %}
  and not is_drop_shipment
  {%- endif %}
  {%- if not var('pullAllOrders') %}
  and is_completed
  {%- endif %}
