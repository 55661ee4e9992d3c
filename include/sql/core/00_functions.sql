-- Shared definitions, part 0: the core schema and small date helpers.
-- Implements the calendar side of the spec's "after_death" definition
-- (include/spec/models.yaml header): a monthly payment is after death when its
-- period is later than the month of death; a dated event is after death when it
-- is more than 31 days after the death date.
-- All helpers are single-expression immutable SQL functions, so PostgreSQL
-- inlines them into the calling query (no per-row function call).

create schema if not exists core;

-- First day of a 'YYYY-MM' period (make_date is immutable, unlike to_date or a text cast).
create or replace function core.period_start(p text) returns date
language sql immutable parallel safe
as $$ select make_date(cast(left(p, 4) as int), cast(substr(p, 6, 2) as int), 1) $$;

comment on function core.period_start(text) is
'First day of a YYYY-MM period, e.g. 2024-03 gives 2024-03-01.';

-- Last day of a 'YYYY-MM' period.
create or replace function core.period_end(p text) returns date
language sql immutable parallel safe
as $$
    select cast(make_date(cast(left(p, 4) as int), cast(substr(p, 6, 2) as int), 1) + interval '1 month' as date) - 1
$$;

comment on function core.period_end(text) is
'Last day of a YYYY-MM period, e.g. 2024-02 gives 2024-02-29.';

-- First day of the month of a date.
create or replace function core.month_start(d date) returns date
language sql immutable parallel safe
as $$ select d - cast(extract(day from d) as int) + 1 $$;

comment on function core.month_start(date) is 'First day of the month containing d.';

-- after_death for a monthly period: the period is later than the month of death.
create or replace function core.period_after_death(p text, death_date date) returns boolean
language sql immutable parallel safe
as $$ select make_date(cast(left(p, 4) as int), cast(substr(p, 6, 2) as int), 1)
             > death_date - cast(extract(day from death_date) as int) + 1 $$;

comment on function core.period_after_death(text, date) is
'Spec after_death for monthly payments: period later than the month of death.';

-- after_death for a dated event or payment: more than 31 days after the death date.
create or replace function core.date_after_death(event_date date, death_date date) returns boolean
language sql immutable parallel safe
as $$ select event_date - death_date > 31 $$;

comment on function core.date_after_death(date, date) is
'Spec after_death for dated events and payments: more than 31 days after death.';
