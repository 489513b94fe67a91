{# Money as the planner takes it: at most 2 decimals and never above 9,999,999.99. #}
{% test planner_money(model, column_name) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} is not null
  and ({{ column_name }} > 9999999.99 or {{ column_name }} <> round({{ column_name }}, 2))
{% endtest %}
