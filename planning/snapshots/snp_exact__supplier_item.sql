{% snapshot snp_exact__supplier_item %}
{{ config(unique_key='supplier_item_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select {{ snapshot_columns('stg_exact__supplier_item') }} from {{ ref('stg_exact__supplier_item') }} where deleted_at is null
{% endsnapshot %}
