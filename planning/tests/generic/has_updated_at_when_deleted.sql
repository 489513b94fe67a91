{# Soft deletes: a row with deleted_at keeps updated_at (the planner diffs on it). #}
{% test has_updated_at_when_deleted(model) %}
select * from {{ model }} where deleted_at is not null and updated_at is null
{% endtest %}
