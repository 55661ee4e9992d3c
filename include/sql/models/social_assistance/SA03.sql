-- SA03 Recipient household owns several homes or commercial property.
-- ACTIVE enrollment; household(p) (p included) owns >= 2 ACTIVE RESIDENTIAL
-- titles, or any ACTIVE COMMERCIAL, OFFICE or INDUSTRIAL title (person-owned,
-- current real-estate register).
with enrollment as (
    select
        e.enrollment_id,
        e.id_no,
        e.program,
        e.region_code,
        e.monthly_amount,
        e.start_date
    from civil_affairs.assistance_enrollments as e
    where e.status = 'ACTIVE' and e.start_date <= cast(:as_of as date)
),

member as (
    select
        enrollment.enrollment_id,
        m.id_no as member_id
    from enrollment
    inner join core.person as p on enrollment.id_no = p.id_no
    inner join core.person as m on p.household_id = m.household_id
    union
    select
        enrollment.enrollment_id,
        enrollment.id_no as member_id
    from enrollment
),

title as (
    select distinct
        member.enrollment_id,
        r.certificate_no,
        r.owner_id,
        r.property_type,
        r.area_sqm,
        r.region_code,
        r.registration_date
    from member
    inner join natural_resources.real_estate as r on member.member_id = r.owner_id
    where
        r.owner_kind = 'PERSON'
        and r.status = 'ACTIVE'
        and r.property_type in ('RESIDENTIAL', 'COMMERCIAL', 'OFFICE', 'INDUSTRIAL')
),

hits as (
    select
        title.enrollment_id,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'natural_resources.real_estate',
                'key', title.certificate_no,
                'values', jsonb_build_object(
                    'owner_id', title.owner_id, 'property_type', title.property_type,
                    'area_sqm', title.area_sqm, 'registration_date', title.registration_date
                )
            )
            order by title.certificate_no
        ) as titles
    from title
    group by title.enrollment_id
    having
        count(*) filter (where title.property_type = 'RESIDENTIAL') >= 2
        or count(*) filter (where title.property_type in ('COMMERCIAL', 'OFFICE', 'INDUSTRIAL')) >= 1
)

select
    'person' as subject_kind,
    enrollment.id_no as subject_id,
    enrollment.enrollment_id as evidence_key,
    enrollment.region_code,
    cast(null as text) as unit_code,
    enrollment.monthly_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_enrollments',
            'key', enrollment.enrollment_id,
            'values', jsonb_build_object(
                'program', enrollment.program, 'start_date', enrollment.start_date,
                'monthly_amount', enrollment.monthly_amount, 'status', 'ACTIVE'
            )
        )
    ) || hits.titles as evidence
from hits
inner join enrollment on hits.enrollment_id = enrollment.enrollment_id
