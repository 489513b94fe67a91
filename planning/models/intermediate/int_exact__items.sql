{{ with_last_live_values('stg_exact__items', 'snp_exact__items', 'item_id') }}
