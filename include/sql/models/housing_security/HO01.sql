-- HO01 Public-housing tenant household owns a home.
-- A lease active at some d (start_date to end_date, or the as-of date while
-- open) while household(tenant) (tenant included, household registration)
-- owns an ACTIVE RESIDENTIAL title registered on or before d, i.e. registered
-- on or before the lease's last active day.
with hits as (
    select
        member.lease_id,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'natural_resources.real_estate',
                'key', r.certificate_no,
                'values', jsonb_build_object(
                    'owner_id', r.owner_id, 'property_type', r.property_type, 'area_sqm', r.area_sqm,
                    'registration_date', r.registration_date, 'status', r.status
                )
            )
            order by r.certificate_no
        ) as titles
    from core.tenant_household(cast(:as_of as date)) as member
    inner join natural_resources.real_estate as r on member.member_id = r.owner_id
    where
        r.owner_kind = 'PERSON'
        and r.status = 'ACTIVE'
        and r.property_type = 'RESIDENTIAL'
        and r.registration_date <= member.last_day
    group by member.lease_id
)

select a.*
from hits
cross join lateral core.lease_alert(hits.lease_id, hits.titles) as a
