-- SA03 Recipient household owns several homes or commercial property.
-- ACTIVE enrollment; household(p) (p included) owns >= 2 ACTIVE RESIDENTIAL
-- titles, or any ACTIVE COMMERCIAL, OFFICE or INDUSTRIAL title (person-owned,
-- current real-estate register).
with title as (
    select distinct
        member.enrollment_id,
        r.certificate_no,
        r.owner_id,
        r.property_type,
        r.area_sqm,
        r.region_code,
        r.registration_date
    from core.recipient_household(cast(:as_of as date)) as member
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

select a.*
from hits
cross join lateral core.enrollment_alert(hits.enrollment_id, hits.titles) as a
