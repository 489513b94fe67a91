{# No two rows share these columns (e.g. one sell-order line per product per order). #}
{% test unique_combination(model, columns, where_sql=none) %}
select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
{% if where_sql %}where {{ where_sql }}{% endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
