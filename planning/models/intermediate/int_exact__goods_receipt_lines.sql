{{ with_last_live_values('stg_exact__goods_receipt_lines', 'snp_exact__goods_receipt_lines', 'goods_receipt_line_id') }}
