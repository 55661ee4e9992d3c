-- Shared definition: the term of a collective contract (agriculture.collective_contracts) in years,
-- (end_date - start_date) / 365.25 rounded to 0.1 year. A contract's value is annual_rent x this term
-- (VC01, VC03, VC06); VC02 scales the rent shortfall by it. A single immutable expression: PostgreSQL
-- inlines it.
create or replace function core.lease_term_years(start_date date, end_date date)
returns numeric
language sql immutable parallel safe
as $$
    select round((end_date - start_date) / 365.25, 1)
$$;

comment on function core.lease_term_years(date, date) is
'Term of a collective contract in years: (end_date - start_date) / 365.25, rounded to 0.1 year.';
