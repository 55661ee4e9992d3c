-- SA09 Duplicate assistance payments for one month.
-- The same id_no and period paid more than once (distinct payment_id) across
-- DIBAO_URBAN, DIBAO_RURAL and TEKUN. One alert per person and period; the
-- amount is what was paid beyond the largest single payment.
with paid as (
    select
        p.payment_id,
        p.id_no,
        p.program,
        p.period,
        p.amount,
        p.pay_date,
        p.bank_account,
        p.region_code
    from civil_affairs.assistance_payments as p
    where p.program in ('DIBAO_URBAN', 'DIBAO_RURAL', 'TEKUN')
),

hits as (
    select
        paid.id_no,
        paid.period,
        min(paid.region_code) as region_code,
        sum(paid.amount) - max(paid.amount) as amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'civil_affairs.assistance_payments',
                'key', paid.payment_id,
                'values', jsonb_build_object(
                    'program', paid.program, 'period', paid.period, 'amount', paid.amount,
                    'pay_date', paid.pay_date, 'bank_account', paid.bank_account
                )
            )
            order by paid.payment_id
        ) as evidence
    from paid
    group by paid.id_no, paid.period
    having count(distinct paid.payment_id) > 1
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.period as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    hits.evidence
from hits
