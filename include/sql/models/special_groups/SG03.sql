-- SG03 Disability subsidy paid after death.
-- A disability subsidy for a period after_death of id_no: the period is later
-- than the month of the earliest death date (core.death, death_date <= as-of).
-- Region: the person's registration (core.person).
with hits as (
    select
        jsonb_build_object(
            'feed', 'disabled_persons.subsidies',
            'key', s.payment_id,
            'values', jsonb_build_object('subsidy_type', s.subsidy_type, 'period', s.period, 'amount', s.amount)
        ) as item,
        s.id_no,
        per.region_code,
        s.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from disabled_persons.subsidies as s
    inner join core.death as d on s.id_no = d.id_no
    left join core.person as per on s.id_no = per.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.period_after_death(s.period, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
