-- AG05 Forest compensation paid to a dead person.
-- An eco_compensation payment with comp_year > the year of the earliest death date of
-- id_no (core.death, death_date <= as-of).
with hits as (
    select
        f.payment_id,
        f.id_no,
        f.village_code,
        f.comp_year,
        f.forest_area_mu,
        f.amount,
        d.death_date,
        d.sources,
        d.earliest_source
    from forestry.eco_compensation as f
    inner join core.death as d on f.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and f.comp_year > extract(year from d.death_date)
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.payment_id as evidence_key,
    hits.village_code as region_code,
    cast(null as text) as unit_code,
    hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'forestry.eco_compensation',
            'key', hits.payment_id,
            'values', jsonb_build_object(
                'village_code', hits.village_code, 'comp_year', hits.comp_year,
                'forest_area_mu', hits.forest_area_mu, 'amount', hits.amount
            )
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
