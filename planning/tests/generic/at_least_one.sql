{# A whole quantity the planner divides by or rounds to (MOQ, lot size, part quantity): >= 1. #}
{% test at_least_one(model, column_name) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} is null or {{ column_name }} < 1
{% endtest %}
