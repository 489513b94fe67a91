-- One row per sales-invoice line (the tap's stream is line grained).
select
    "ID" as sales_invoice_line_id,
    "InvoiceID" as sales_invoice_id,
    cast("Division" as bigint) as division,
    "ID" = "InvoiceID" as is_invoice_tombstone,
    cast("InvoiceNumber" as bigint) as invoice_number,
    "InvoiceTo" as customer_id,
    "SalesOrder" as sales_order_id,
    cast("Status" as integer) as status,
    "Item" as item_id,
    cast("Quantity" as double precision) as quantity,
    cast("AmountDC" as double precision) as amount_dc,
    cast("AmountFC" as double precision) as amount_fc,
    lower(trim("CostCenter")) as cost_center,
    {{ to_ts('"InvoiceDate"') }} as invoice_date,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'sales_invoices')) }} as deleted_at,
    {{ loaded_at(source('exact', 'sales_invoices'), to_ts('"Modified"')) }} as loaded_at
from {{ source('exact', 'sales_invoices') }}
