{# Text the planner stores in a bounded column (names and codes: 255). #}
{% test max_length(model, column_name, length) %}
select {{ column_name }} from {{ model }}
where length({{ column_name }}) > {{ length }}
{% endtest %}
