-- SG04 Veteran benefit paid after death.
-- A veterans benefit payment for a period after_death of id_no: the period is later
-- than the month of the earliest death date (core.death, death_date <= as-of).
-- Region: the person's registration (core.person).
with hits as (
    select
        jsonb_build_object(
            'feed', 'veterans.benefit_payments',
            'key', b.payment_id,
            'values', jsonb_build_object('benefit_type', b.benefit_type, 'period', b.period, 'amount', b.amount)
        ) as item,
        b.id_no,
        per.region_code,
        b.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from veterans.benefit_payments as b
    inner join core.death as d on b.id_no = d.id_no
    left join core.person as per on b.id_no = per.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.period_after_death(b.period, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
