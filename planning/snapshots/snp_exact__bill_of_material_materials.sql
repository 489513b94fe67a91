{% snapshot snp_exact__bill_of_material_materials %}
{{ config(unique_key='bom_material_id', strategy='check', check_cols='all') }}
-- Every live version seen; a deleted row's last one stays current (hard deletes ignored).
select * from {{ ref('stg_exact__bill_of_material_materials') }} where deleted_at is null
{% endsnapshot %}
