-- Treasury payments of each budget unit over the :ledger_months months up to :as_of, totalled by
-- month and purpose (payees are not published).
with bounds as (
    select
        date_trunc('month', cast(:as_of as date))
        - make_interval(months => cast(:ledger_months as integer) - 1) as first_month
)

select
    f.budget_unit_code as unit_code,
    to_char(f.pay_date, 'YYYY-MM') as period,
    f.purpose,
    count(*) as payments,
    sum(f.amount) as amount
from finance.fiscal_payments as f
cross join bounds as b
where
    f.pay_date <= cast(:as_of as date)
    and f.pay_date >= b.first_month
group by f.budget_unit_code, to_char(f.pay_date, 'YYYY-MM'), f.purpose
order by unit_code asc, period desc, amount desc
