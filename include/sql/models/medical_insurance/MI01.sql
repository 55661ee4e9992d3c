-- MI01 Medical claim after the patient died.
-- Claim admit_date after_death of id_no: more than 31 days after the earliest
-- death date (core.death, death_date <= as-of).
with hits as (
    select
        c.claim_id,
        c.id_no,
        c.institution_code,
        c.claim_type,
        c.admit_date,
        c.discharge_date,
        c.total_amount,
        c.fund_paid,
        d.death_date,
        d.sources,
        d.earliest_source,
        i.region_code
    from medical_insurance.claims as c
    inner join core.death as d on c.id_no = d.id_no
    left join medical_insurance.institutions as i on c.institution_code = i.institution_code
    where
        d.death_date <= cast(:as_of as date)
        and core.date_after_death(c.admit_date, d.death_date)
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.claim_id as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.fund_paid as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'medical_insurance.claims',
            'key', hits.claim_id,
            'values', jsonb_build_object(
                'institution_code', hits.institution_code, 'claim_type', hits.claim_type,
                'admit_date', hits.admit_date, 'discharge_date', hits.discharge_date,
                'total_amount', hits.total_amount, 'fund_paid', hits.fund_paid
            )
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
