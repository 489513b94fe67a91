{% snapshot snp_exact__goods_receipt_lines %}
{{ config(unique_key='goods_receipt_line_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select {{ snapshot_columns('stg_exact__goods_receipt_lines') }} from {{ ref('stg_exact__goods_receipt_lines') }} where deleted_at is null
{% endsnapshot %}
