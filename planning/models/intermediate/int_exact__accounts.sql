{{ with_last_live_values('stg_exact__accounts', 'snp_exact__accounts', 'account_id') }}
