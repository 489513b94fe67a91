{% snapshot snp_exact__sales_orders %}
{{ config(unique_key='sales_order_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select {{ snapshot_columns('stg_exact__sales_orders') }} from {{ ref('stg_exact__sales_orders') }} where deleted_at is null
{% endsnapshot %}
