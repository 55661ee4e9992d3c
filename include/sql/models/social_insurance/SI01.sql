-- SI01 Pension paid after death.
-- Pension payment for a period after_death of id_no: the period is later than
-- the month of the earliest death date (core.death, death_date <= as-of).
-- Region: the person's registration (core.person).
with hits as (
    select
        jsonb_build_object(
            'feed', 'human_resources.pension_payments',
            'key', p.payment_id,
            'values', jsonb_build_object('period', p.period, 'amount', p.amount, 'pay_date', p.pay_date)
        ) as item,
        p.id_no,
        per.region_code,
        p.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from human_resources.pension_payments as p
    inner join core.death as d on p.id_no = d.id_no
    left join core.person as per on p.id_no = per.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.period_after_death(p.period, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
