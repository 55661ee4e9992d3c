-- Monthly totals of each village collective's income and expenditure over the :ledger_months months
-- up to :as_of (entries are not published one by one: they name people).
with bounds as (
    select
        date_trunc('month', cast(:as_of as date)) as last_month,
        date_trunc('month', cast(:as_of as date))
        - make_interval(months => cast(:ledger_months as integer) - 1) as first_month
),

entries as (
    select
        l.village_code,
        l.direction,
        l.category,
        l.amount,
        date_trunc('month', l.entry_date) as month_start
    from agriculture.collective_ledger as l
    cross join bounds as b
    where
        l.entry_date <= cast(:as_of as date)
        and date_trunc('month', l.entry_date) >= b.first_month
)

select
    e.village_code,
    to_char(e.month_start, 'YYYY-MM') as period,
    coalesce(sum(e.amount) filter (where e.direction = 'IN'), 0) as income,
    coalesce(sum(e.amount) filter (where e.direction = 'OUT'), 0) as expense,
    count(*) as entries,
    coalesce(sum(e.amount) filter (where e.direction = 'OUT' and e.category = 'SUBSIDY'), 0) as subsidy_out,
    coalesce(sum(e.amount) filter (where e.direction = 'OUT' and e.category = 'PROJECT'), 0) as project_out
from entries as e
group by e.village_code, e.month_start
order by e.village_code asc, period desc
