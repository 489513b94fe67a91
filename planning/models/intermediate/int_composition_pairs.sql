-- (composed, part) pairs from bill-of-material materials, one per pair: the default version's
-- line wins, then the newest version. use_bill_of_materials_versions: default versions only.
with materials as (
    select
        m.bom_material_id,
        m.division,
        v.item_id as composed_item_id,
        m.part_item_id,
        m.quantity,
        coalesce(nullif(m.quantity_batch, 0), nullif(v.batch_quantity, 0), 1) as batch_quantity,
        v.is_default,
        v.version_number,
        m.created_at,
        greatest(m.modified_at, v.modified_at) as modified_at,
        coalesce(m.deleted_at, v.deleted_at) as deleted_at
    from {{ ref('int_exact__bill_of_material_materials') }} m
    join {{ ref('int_exact__bill_of_material_versions') }} v on v.bom_version_id = m.bom_version_id
    where m.part_item_id is not null and v.item_id is not null and m.part_item_id <> v.item_id
    {%- if var('use_bill_of_materials_versions') %}
      and v.is_default
    {%- endif %}
)

select * from (
    select
        materials.*,
        row_number() over (
            partition by composed_item_id, part_item_id
            order by deleted_at is null desc, is_default desc, version_number desc, bom_material_id
        ) as rank_in_pair
    from materials
) ranked
where rank_in_pair = 1
