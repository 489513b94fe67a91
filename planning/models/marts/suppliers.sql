-- Suppliers from Accounts flagged IsSupplier; a deleted supplier is kept, ignored.
select
    account_id as remote_id,
    division,
    left(coalesce(name, code, account_id), 255) as name,
    {%- if var('map_supplier_mail') %}
    case when email is not null and trim(email) <> '' then trim(email) end as emails,
    {%- else %}
    cast(null as {{ dbt.type_string() }}) as emails,
    {%- endif %}
    {%- if var('sync_leadTime_suppliers') %}
    case when purchase_lead_days >= 1 then least(purchase_lead_days, 365) end as delivery_time,
    {%- else %}
    cast(null as integer) as delivery_time,
    {%- endif %}
    cast(null as numeric(17, 2)) as minimum_order_value,
    deleted_at is not null as ignored,
    'vendor' as type,
    greatest(modified_at, deleted_at) as updated_at,
    created_at,
    deleted_at
from {{ ref('int_exact__accounts') }}
where is_supplier or deleted_at is not null and account_id in (
    select supplier_id from {{ ref('int_exact__supplier_item') }}
    union select supplier_id from {{ ref('stg_exact__purchase_orders') }} where supplier_id is not null
)
