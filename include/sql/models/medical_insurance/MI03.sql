-- MI03 Inpatient claim while in prison or detention.
-- INPATIENT claim whose admit_date is in_custody(id_no): a PRISON or DETENTION
-- interval (core.custody, closed [start_date, end_date], open = ongoing) covers it.
with hits as (
    select
        s.claim_id,
        s.id_no,
        s.institution_code,
        s.admit_date,
        s.discharge_date,
        s.fund_paid,
        min(k.record_id) as record_id
    from core.inpatient_stay as s
    inner join core.custody as k
        on
            s.id_no = k.id_no
            and s.admit_date >= k.start_date
            and (k.end_date is null or s.admit_date <= k.end_date)
    group by s.claim_id, s.id_no, s.institution_code, s.admit_date, s.discharge_date, s.fund_paid
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.claim_id as evidence_key,
    i.region_code,
    cast(null as text) as unit_code,
    hits.fund_paid as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'medical_insurance.claims',
            'key', hits.claim_id,
            'values', jsonb_build_object(
                'institution_code', hits.institution_code, 'claim_type', 'INPATIENT',
                'admit_date', hits.admit_date, 'discharge_date', hits.discharge_date, 'fund_paid', hits.fund_paid
            )
        ),
        jsonb_build_object(
            'feed', 'justice.custody_records',
            'key', k.record_id,
            'values', jsonb_build_object(
                'custody_kind', k.custody_kind, 'start_date', k.start_date, 'end_date', k.end_date
            )
        )
    ) as evidence
from hits
inner join core.custody as k on hits.record_id = k.record_id
left join medical_insurance.institutions as i on hits.institution_code = i.institution_code
