-- AG02 Farm subsidy paid to a dead person.
-- A farm subsidy with subsidy_year > the year of the earliest death date of
-- id_no (core.death, death_date <= as-of).
with hits as (
    select
        f.evidence as item,
        f.id_no,
        f.village_code as region_code,
        f.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from core.farm_subsidy as f
    inner join core.death as d on f.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.year_after_death(f.subsidy_year, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
