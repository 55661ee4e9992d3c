-- SA01 Assistance paid after the recipient died.
-- civil_affairs.assistance_payments (program not TEMPORARY) for a period
-- after_death of id_no: the period is later than the month of death (core.death,
-- earliest date across the three sources, death_date <= as-of).
with hits as (
    select
        p.evidence as item,
        p.id_no,
        p.region_code,
        p.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from core.assistance_payment as p
    inner join core.death as d on p.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and p.program <> 'TEMPORARY'
        and core.period_after_death(p.period, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
