{{ with_last_live_values('stg_exact__bill_of_material_versions', 'snp_exact__bill_of_material_versions', 'bom_version_id') }}
