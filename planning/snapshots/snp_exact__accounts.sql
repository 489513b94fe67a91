{% snapshot snp_exact__accounts %}
{{ config(unique_key='account_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select * from {{ ref('stg_exact__accounts') }} where deleted_at is null
{% endsnapshot %}
