-- Product compositions; a pair whose reverse also exists (A->B and B->A) is never emitted: it
-- is listed in composition_cycles instead.
with pairs as (
    select * from {{ ref('int_composition_pairs') }}
),

items as (
    select item_id, unit_code from {{ ref('int_exact__items') }}
)

select
    pairs.bom_material_id as remote_id,
    pairs.division,
    pairs.composed_item_id as composed_product_id,
    pairs.part_item_id as part_product_id,
    {%- if var('calc_part_quantity') %}
    {{ at_least_one('pairs.quantity / pairs.batch_quantity * ' ~ unit_factor('items.unit_code')) }} as part_quantity,
    {%- else %}
    {{ at_least_one('pairs.quantity * ' ~ unit_factor('items.unit_code')) }} as part_quantity,
    {%- endif %}
    greatest(pairs.modified_at, pairs.deleted_at) as updated_at,
    pairs.created_at,
    pairs.deleted_at
from pairs
left join items on items.item_id = pairs.part_item_id
where not exists (
    select 1 from pairs reverse_pair
    where reverse_pair.composed_item_id = pairs.part_item_id
      and reverse_pair.part_item_id = pairs.composed_item_id
)
