{{ with_last_live_values('stg_exact__supplier_item', 'snp_exact__supplier_item', 'supplier_item_id') }}
