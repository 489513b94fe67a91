{# Small helpers shared by the models; each works on DuckDB and PostgreSQL. #}

{# A loader column by its Exact name. Quoted: target-postgres keeps Exact's case; DuckDB matches
   quoted names case-insensitively, so the lower-case columns target-duckdb writes match too. #}
{% macro exact_col(name) -%}
    "{{ name }}"
{%- endmacro %}

{# A loader timestamp (TIMESTAMP, TIMESTAMPTZ or ISO text) as a plain UTC timestamp. #}
{% macro to_ts(expr) -%}
    cast(replace(left(cast({{ expr }} as {{ dbt.type_string() }}), 19), 'T', ' ') as timestamp)
{%- endmacro %}

{# `expr in (values...)`, never null (a null expr is in no list, so `not in_list` keeps it), or
   false when the list is empty (SQL has no empty IN list). #}
{% macro in_list(expr, values) -%}
    {%- set values = values or [] -%}
    {%- if values is string -%}{%- set values = values.split(',') -%}{%- endif -%}
    {%- if values | length == 0 -%} (1 = 0)
    {%- else -%} (coalesce({{ expr }}, '') in ({% for v in values %}'{{ (v | string | trim | lower) | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}))
    {%- endif -%}
{%- endmacro %}

{# The day EndDate-style rules compare with: var planning_date, else today. #}
{% macro planning_date() -%}
    {%- if var('planning_date') -%} cast('{{ var("planning_date") }}' as date)
    {%- else -%} current_date
    {%- endif -%}
{%- endmacro %}

{# Money as the planner takes it: 2 decimals; above 9,999,999.99 the value is 0 (seed 001). #}
{% macro planner_money(expr) -%}
    case when round(cast({{ expr }} as numeric(38, 6)), 2) > 9999999.99 then cast(0 as numeric(17, 2))
         else cast(round(cast({{ expr }} as numeric(38, 6)), 2) as numeric(17, 2)) end
{%- endmacro %}

{# A whole quantity >= 1 (MOQ, lot size, part quantity): rounded up, null or < 1 -> 1. #}
{% macro at_least_one(expr) -%}
    cast(greatest(coalesce(ceil(cast({{ expr }} as numeric(38, 6))), 1), 1) as integer)
{%- endmacro %}

{# The unit_factors factor for an Exact unit code (1 when unit_filter is off or unit unlisted). #}
{% macro unit_factor(unit_expr) -%}
    {%- set factors = var('unit_factors') or {} -%}
    {%- if var('unit_filter') and factors | length > 0 -%}
    case lower(trim({{ unit_expr }}))
        {%- for code, spec in factors.items() %}
        when '{{ code | lower | trim }}' then cast({{ spec['factor'] }} as numeric(38, 6))
        {%- endfor %}
        else cast(1 as numeric(38, 6)) end
    {%- else -%} cast(1 as numeric(38, 6))
    {%- endif -%}
{%- endmacro %}

{# The converted unit name, only when unit conversion is on (stock_measurement_unit). #}
{% macro converted_unit(unit_expr) -%}
    {%- set factors = var('unit_factors') or {} -%}
    {%- if var('unit_filter') and factors | length > 0 -%}
    case lower(trim({{ unit_expr }}))
        {%- for code, spec in factors.items() %}
        when '{{ code | lower | trim }}' then '{{ spec["unit"] }}'
        {%- endfor %}
        else trim({{ unit_expr }}) end
    {%- else -%} cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{# The row's tombstone time. target-duckdb writes _sdc_deleted_at only with add_metadata_columns
   (target-postgres: add_record_metadata); without it no deletion is visible, and this is null. #}
{% macro sdc_deleted_at(relation) -%}
    {{ optional_ts(relation, '_sdc_deleted_at') }}
{%- endmacro %}

{# The lower-case column names of a loaded table (none while dbt only parses). #}
{% macro relation_columns(relation) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}

{# A staging model's rows where a deleted row (a loader tombstone keeps only its key) gets back
   the last live values its snapshot saw; deleted_at stays the tombstone's. #}
{% macro with_last_live_values(staging, snapshot, key) -%}
    {%- set columns = adapter.get_columns_in_relation(ref(staging)) if execute else [] -%}
    select
    {%- for column in columns %}
        {%- set name = column.name | lower %}
        {%- if name in (key, 'deleted_at', 'loaded_at') %}
        current_row.{{ name }}
        {%- else %}
        case when current_row.deleted_at is not null and last_live.{{ key }} is not null
             then last_live.{{ name }} else current_row.{{ name }} end as {{ name }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref(staging) }} current_row
    left join {{ ref(snapshot) }} last_live
        on last_live.{{ key }} = current_row.{{ key }} and last_live.dbt_valid_to is null
{%- endmacro %}

{# When the loader wrote the row: _sdc_batched_at (both loaders write it with their metadata
   columns on), else the fallback (Exact's Modified; null = unknown, always reprocessed). The
   incremental marts take the rows loaded since their last build from it. #}
{% macro loaded_at(relation, fallback='cast(null as timestamp)') -%}
    {%- set names = relation_columns(relation) -%}
    {#- to the microsecond (not to_ts): one load's rows fall in the same second -#}
    {%- if '_sdc_batched_at' in names -%} cast("_sdc_batched_at" as timestamp)
    {%- else -%} {{ fallback }}
    {%- endif -%}
{%- endmacro %}

{# A snapshot's columns: the staging model's, without loaded_at (a reload alone is no new version). #}
{% macro snapshot_columns(staging) -%}
    {%- set columns = adapter.get_columns_in_relation(ref(staging)) if execute else [] -%}
    {%- for column in columns if column.name | lower != 'loaded_at' -%}
    {{ column.name | lower }}{{ ', ' if not loop.last }}
    {%- endfor -%}
    {%- if not columns %}*{% endif -%}
{%- endmacro %}

{# Incremental marts: only rows loaded since the last build, less incremental_lookback_hours
   (batches committed out of order still arrive); a null loaded_at is always taken. #}
{% macro loaded_since_last_build(column='loaded_at') -%}
    ({{ column }} is null or {{ column }} >= (
        select coalesce(max(loaded_at), cast('1900-01-01' as timestamp))
               - {{ hours_interval(var('incremental_lookback_hours')) }}
        from {{ this }}))
{%- endmacro %}

{% macro hours_interval(hours) -%}
    {%- if target.type == 'postgres' -%} interval '{{ hours | int }} hours'
    {%- else -%} to_hours(cast({{ hours | int }} as bigint))
    {%- endif -%}
{%- endmacro %}

{# A timestamp column the loaded table may lack (written by newer taps, or by loader metadata):
   the column as a timestamp, else null. #}
{% macro optional_ts(relation, name) -%}
    {%- set names = relation_columns(relation) -%}
    {%- if name | lower in names -%} {{ to_ts('"' ~ name ~ '"') }}
    {%- else -%} cast(null as timestamp)
    {%- endif -%}
{%- endmacro %}
