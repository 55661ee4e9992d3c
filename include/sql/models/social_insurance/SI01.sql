-- SI01 Pension paid after death.
-- Pension payment for a period after_death of id_no: the period is later than
-- the month of the earliest death date (core.death, death_date <= as-of).
with hits as (
    select
        p.payment_id,
        p.id_no,
        p.period,
        p.amount,
        p.pay_date,
        d.death_date,
        d.sources,
        d.earliest_source
    from human_resources.pension_payments as p
    inner join core.death as d on p.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.period_after_death(p.period, d.death_date)
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.payment_id as evidence_key,
    per.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'human_resources.pension_payments',
            'key', hits.payment_id,
            'values', jsonb_build_object('period', hits.period, 'amount', hits.amount, 'pay_date', hits.pay_date)
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
left join core.person as per on hits.id_no = per.id_no
