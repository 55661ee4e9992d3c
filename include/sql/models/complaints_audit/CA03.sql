-- CA03: audit finding not RECTIFIED whose due_date is strictly before the as-of date.
with hit as (
    select
        f.finding_id,
        f.audited_unit_code,
        f.audit_year,
        f.category,
        f.amount,
        f.rectification_status,
        f.due_date,
        u.region_code
    from audit.findings as f
    left join organization.public_units as u on f.audited_unit_code = u.unit_code
    where
        f.rectification_status <> 'RECTIFIED'
        and f.due_date < cast(:as_of as date)
)

select
    'unit' as subject_kind,
    audited_unit_code as subject_id,
    finding_id as evidence_key,
    region_code,
    audited_unit_code as unit_code,
    amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'audit.findings',
            'key', finding_id,
            'values', jsonb_build_object(
                'audit_year', audit_year,
                'category', category,
                'amount', amount,
                'rectification_status', rectification_status,
                'due_date', due_date,
                'days_overdue', cast(:as_of as date) - due_date
            )
        )
    ) as evidence
from hit
