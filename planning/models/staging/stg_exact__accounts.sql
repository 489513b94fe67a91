select
    "ID" as account_id,
    cast("Division" as bigint) as division,
    "Code" as code,
    "Name" as name,
    "Email" as email,
    coalesce(cast("IsSupplier" as boolean), false) as is_supplier,
    cast("PurchaseLeadDays" as integer) as purchase_lead_days,
    coalesce(cast("Blocked" as boolean), false) as is_blocked,
    {{ to_ts('"Created"') }} as created_at,
    {{ to_ts('"Modified"') }} as modified_at,
    {{ sdc_deleted_at(source('exact', 'accounts')) }} as deleted_at
from {{ source('exact', 'accounts') }}
