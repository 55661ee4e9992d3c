-- AG05 Forest compensation paid to a dead person.
-- An eco_compensation payment with comp_year > the year of the earliest death date of
-- id_no (core.death, death_date <= as-of).
with hits as (
    select
        jsonb_build_object(
            'feed', 'forestry.eco_compensation',
            'key', c.payment_id,
            'values', jsonb_build_object(
                'village_code', c.village_code, 'comp_year', c.comp_year,
                'forest_area_mu', c.forest_area_mu, 'amount', c.amount
            )
        ) as item,
        c.id_no,
        c.village_code as region_code,
        c.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from forestry.eco_compensation as c
    inner join core.death as d on c.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.year_after_death(c.comp_year, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
