{{ with_last_live_values('stg_exact__bill_of_material_materials', 'snp_exact__bill_of_material_materials', 'bom_material_id') }}
