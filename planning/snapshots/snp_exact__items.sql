{% snapshot snp_exact__items %}
{{ config(unique_key='item_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select {{ snapshot_columns('stg_exact__items') }} from {{ ref('stg_exact__items') }} where deleted_at is null
{% endsnapshot %}
