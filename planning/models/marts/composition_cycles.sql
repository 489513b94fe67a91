-- Circular compositions (A->B and B->A) kept out of product_compositions: the report.
select
    a.composed_item_id as composed_product_id,
    a.part_item_id as part_product_id,
    a.division
from {{ ref('int_composition_pairs') }} a
join {{ ref('int_composition_pairs') }} b
    on b.composed_item_id = a.part_item_id and b.part_item_id = a.composed_item_id
