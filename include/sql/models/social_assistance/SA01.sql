-- SA01 Assistance paid after the recipient died.
-- civil_affairs.assistance_payments (program not TEMPORARY) for a period
-- after_death of id_no: the period is later than the month of death (core.death,
-- earliest date across the three sources, death_date <= as-of).
with dead as (
    select
        d.id_no,
        d.death_date,
        d.sources,
        d.earliest_source
    from core.death as d
    where d.death_date <= cast(:as_of as date)
),

hits as (
    select
        p.payment_id,
        p.id_no,
        p.program,
        p.period,
        p.amount,
        p.pay_date,
        p.bank_account,
        p.region_code,
        dead.death_date,
        dead.sources,
        dead.earliest_source
    from civil_affairs.assistance_payments as p
    inner join dead on p.id_no = dead.id_no
    where
        p.program <> 'TEMPORARY'
        and core.period_after_death(p.period, dead.death_date)
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.payment_id as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_payments',
            'key', hits.payment_id,
            'values', jsonb_build_object(
                'program', hits.program, 'period', hits.period, 'amount', hits.amount,
                'pay_date', hits.pay_date, 'bank_account', hits.bank_account
            )
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
