-- SG03 Disability subsidy paid after death.
-- A disability subsidy for a period after_death of id_no: the period is later
-- than the month of the earliest death date (core.death, death_date <= as-of).
with hits as (
    select
        s.payment_id,
        s.id_no,
        s.subsidy_type,
        s.period,
        s.amount,
        d.death_date,
        d.sources,
        d.earliest_source
    from disabled_persons.subsidies as s
    inner join core.death as d on s.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.period_after_death(s.period, d.death_date)
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
            'feed', 'disabled_persons.subsidies',
            'key', hits.payment_id,
            'values', jsonb_build_object(
                'subsidy_type', hits.subsidy_type, 'period', hits.period, 'amount', hits.amount
            )
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
left join core.person as per on hits.id_no = per.id_no
