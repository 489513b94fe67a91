{% snapshot snp_exact__sales_order_lines %}
{{ config(unique_key='sales_order_line_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select {{ snapshot_columns('stg_exact__sales_order_lines') }} from {{ ref('stg_exact__sales_order_lines') }} where deleted_at is null
{% endsnapshot %}
