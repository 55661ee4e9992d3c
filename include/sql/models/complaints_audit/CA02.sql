-- CA02: complaint surge for a unit: complaints received in (as_of - 90, as_of] >= count_min and
-- >= growth_min x those received in (as_of - 180, as_of - 90].
with complaint as (
    select
        complaint_id,
        received_date,
        region_code,
        trim(subject_unit_code) as unit_code,
        received_date > cast(:as_of as date) - 90 as is_recent
    from discipline.complaints
    where
        nullif(trim(subject_unit_code), '') is not null
        and received_date > cast(:as_of as date) - 180
        and received_date <= cast(:as_of as date)
),

unit_count as (
    select
        unit_code,
        count(*) filter (where is_recent) as recent_count,
        count(*) filter (where not is_recent) as prior_count,
        array_agg(complaint_id order by received_date, complaint_id) filter (where is_recent)
            as recent_ids,
        (array_agg(region_code order by received_date desc, complaint_id desc))[1]
            as latest_region_code
    from complaint
    group by unit_code
)

select
    'unit' as subject_kind,
    c.unit_code as subject_id,
    c.unit_code as evidence_key,
    coalesce(u.region_code, c.latest_region_code) as region_code,
    c.unit_code,
    cast(null as numeric) as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'discipline.complaints',
            'key', c.unit_code,
            'values', jsonb_build_object(
                'recent_from', cast(:as_of as date) - 89,
                'recent_to', cast(:as_of as date),
                'recent_count', c.recent_count,
                'prior_count', c.prior_count,
                'recent_complaint_ids', to_jsonb(c.recent_ids)
            )
        )
    ) as evidence
from unit_count as c
left join organization.public_units as u on c.unit_code = u.unit_code
where
    c.recent_count >= cast(:count_min as integer)
    and c.recent_count >= cast(:growth_min as numeric) * c.prior_count
