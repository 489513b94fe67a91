{{ with_last_live_values('stg_exact__sales_order_lines', 'snp_exact__sales_order_lines', 'sales_order_line_id') }}
