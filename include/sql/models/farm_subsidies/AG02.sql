-- AG02 Farm subsidy paid to a dead person.
-- A farm subsidy with subsidy_year > the year of the earliest death date of
-- id_no (core.death, death_date <= as-of).
with hits as (
    select
        f.payment_id,
        f.id_no,
        f.village_code,
        f.subsidy_year,
        f.subsidized_area_mu,
        f.amount,
        f.pay_date,
        d.death_date,
        d.sources,
        d.earliest_source
    from agriculture.farm_subsidies as f
    inner join core.death as d on f.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and f.subsidy_year > extract(year from d.death_date)
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
            'feed', 'agriculture.farm_subsidies',
            'key', hits.payment_id,
            'values', jsonb_build_object(
                'village_code', hits.village_code, 'subsidy_year', hits.subsidy_year,
                'subsidized_area_mu', hits.subsidized_area_mu, 'amount', hits.amount, 'pay_date', hits.pay_date
            )
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
