-- MI02 Overlapping inpatient stays at two institutions.
-- Two INPATIENT claims of one id_no at different institution_code whose
-- half-open stays [admit_date, discharge_date) overlap by >= 1 day (a same-day
-- transfer does not overlap). A stay without discharge_date runs to the as-of
-- date. One alert per pair of claims.
with stay as (
    select
        s.*,
        coalesce(s.discharge_date, cast(:as_of as date)) as end_date
    from core.inpatient_stay as s
),

pair as (
    select
        a.id_no,
        a.claim_id as claim_a,
        b.claim_id as claim_b,
        least(a.end_date, b.end_date) - greatest(a.admit_date, b.admit_date) as overlap_days
    from stay as a
    inner join stay as b
        on
            a.id_no = b.id_no
            and a.claim_id < b.claim_id
            and a.institution_code <> b.institution_code
            and a.admit_date < b.end_date
            and a.end_date > b.admit_date
    where least(a.end_date, b.end_date) - greatest(a.admit_date, b.admit_date) >= 1
)

select
    'person' as subject_kind,
    pair.id_no as subject_id,
    pair.claim_a || '|' || pair.claim_b as evidence_key,
    i.region_code,
    cast(null as text) as unit_code,
    a.fund_paid + b.fund_paid as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'medical_insurance.claims',
            'key', a.claim_id,
            'values', jsonb_build_object(
                'institution_code', a.institution_code, 'admit_date', a.admit_date,
                'discharge_date', a.discharge_date, 'fund_paid', a.fund_paid
            )
        ),
        jsonb_build_object(
            'feed', 'medical_insurance.claims',
            'key', b.claim_id,
            'values', jsonb_build_object(
                'institution_code', b.institution_code, 'admit_date', b.admit_date,
                'discharge_date', b.discharge_date, 'fund_paid', b.fund_paid,
                'overlap_days', pair.overlap_days
            )
        )
    ) as evidence
from pair
inner join stay as a on pair.claim_a = a.claim_id
inner join stay as b on pair.claim_b = b.claim_id
left join medical_insurance.institutions as i on b.institution_code = i.institution_code
