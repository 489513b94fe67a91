{% snapshot snp_exact__bill_of_material_versions %}
{{ config(unique_key='bom_version_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select * from {{ ref('stg_exact__bill_of_material_versions') }} where deleted_at is null
{% endsnapshot %}
