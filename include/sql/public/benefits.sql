-- Benefit and subsidy payments to residents over the :benefit_months months up to :as_of, by the
-- village (12-digit region code) they were paid in: one row per recipient, program and month. The
-- recipient's name comes from the household register and is masked before publication; no id
-- number or bank account leaves this query.
with bounds as (
    select
        to_char(cast(:as_of as date), 'YYYY-MM') as last_month,
        to_char(
            date_trunc('month', cast(:as_of as date))
            - make_interval(months => cast(:benefit_months as integer) - 1),
            'YYYY-MM'
        ) as first_month
),

paid as (
    select
        p.region_code,
        p.id_no,
        case p.program
            when 'DIBAO_URBAN' then '城市最低生活保障'
            when 'DIBAO_RURAL' then '农村最低生活保障'
            when 'TEKUN' then '特困人员供养'
            when 'TEMPORARY' then '临时救助'
            else p.program
        end as program_name,
        '民政局' as issuer,
        p.period,
        p.amount
    from civil_affairs.assistance_payments as p
    union all
    select
        s.region_code,
        s.id_no,
        s.subsidy_type as program_name,
        s.issuing_department as issuer,
        to_char(s.pay_date, 'YYYY-MM') as period,
        s.amount
    from finance.subsidy_payments as s
    union all
    select
        f.village_code as region_code,
        f.id_no,
        '耕地地力保护补贴' as program_name,
        '农业农村局' as issuer,
        to_char(f.pay_date, 'YYYY-MM') as period,
        f.amount
    from agriculture.farm_subsidies as f
),

recent as (
    select p.*
    from paid as p
    cross join bounds as b
    where p.period between b.first_month and b.last_month
)

select
    r.region_code,
    r.program_name,
    r.issuer,
    r.period,
    h.name as recipient_name,
    sum(r.amount) as amount
from recent as r
left join public_security.household_registration as h on r.id_no = h.id_no
group by r.region_code, r.program_name, r.issuer, r.period, r.id_no, h.name
order by r.region_code asc, r.period desc, r.program_name asc, r.id_no asc
