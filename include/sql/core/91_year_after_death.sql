-- after_death for a yearly payment (AG02 farm subsidy, AG05 forest compensation): the payment's year
-- is later than the year of death, as period_after_death is for a monthly one (00_functions.sql).
-- A single immutable expression: PostgreSQL inlines it.
create or replace function core.year_after_death(payment_year bigint, death_date date) returns boolean
language sql immutable parallel safe
as $$ select payment_year > extract(year from death_date) $$;

comment on function core.year_after_death(bigint, date) is
'after_death for yearly payments: the payment year is later than the year of death.';
