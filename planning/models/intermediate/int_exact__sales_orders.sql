{{ with_last_live_values('stg_exact__sales_orders', 'snp_exact__sales_orders', 'sales_order_id') }}
