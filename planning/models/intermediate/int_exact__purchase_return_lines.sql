{{ with_last_live_values('stg_exact__purchase_return_lines', 'snp_exact__purchase_return_lines', 'purchase_return_line_id') }}
