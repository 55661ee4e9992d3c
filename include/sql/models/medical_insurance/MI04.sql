-- MI04 Claims at an institution after its licence was revoked or suspended.
-- Claims with admit_date >= license_status_date at an institution whose
-- license_status is REVOKED or SUSPENDED. One alert per institution and licence
-- status change; the evidence lists up to 50 claims (count and fund total cover all).
with institution as (
    select
        i.institution_code,
        i.name,
        i.region_code,
        i.license_status,
        i.license_status_date
    from medical_insurance.institutions as i
    where i.license_status in ('REVOKED', 'SUSPENDED') and i.license_status_date is not null
),

claim as (
    select
        c.claim_id,
        c.institution_code,
        c.id_no,
        c.claim_type,
        c.admit_date,
        c.fund_paid,
        row_number() over (partition by c.institution_code order by c.admit_date, c.claim_id) as rn
    from medical_insurance.claims as c
    inner join institution on c.institution_code = institution.institution_code
    where c.admit_date >= institution.license_status_date
),

hits as (
    select
        claim.institution_code,
        count(*) as claims,
        sum(claim.fund_paid) as amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'medical_insurance.claims',
                'key', claim.claim_id,
                'values', jsonb_build_object(
                    'id_no', claim.id_no, 'claim_type', claim.claim_type,
                    'admit_date', claim.admit_date, 'fund_paid', claim.fund_paid
                )
            )
            order by claim.rn
        ) filter (where claim.rn <= 50) as claim_items
    from claim
    group by claim.institution_code
)

select
    'institution' as subject_kind,
    institution.institution_code as subject_id,
    institution.license_status || '/' || cast(institution.license_status_date as text) as evidence_key,
    institution.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'medical_insurance.institutions',
            'key', institution.institution_code,
            'values', jsonb_build_object(
                'name', institution.name, 'license_status', institution.license_status,
                'license_status_date', institution.license_status_date, 'claims_after', hits.claims
            )
        )
    ) || hits.claim_items as evidence
from hits
inner join institution on hits.institution_code = institution.institution_code
