-- HO01 Public-housing tenant household owns a home.
-- A lease active at some d (start_date to end_date, or the as-of date while
-- open) while household(tenant) (tenant included, household registration)
-- owns an ACTIVE RESIDENTIAL title registered on or before d, i.e. registered
-- on or before the lease's last active day.
with lease as (
    select
        l.lease_id,
        l.id_no,
        l.household_size,
        l.region_code,
        l.start_date,
        l.end_date,
        l.monthly_subsidy,
        least(coalesce(l.end_date, cast(:as_of as date)), cast(:as_of as date)) as last_day
    from housing.public_rental_leases as l
    where l.start_date <= cast(:as_of as date)
),

member as (
    select
        lease.lease_id,
        m.id_no as member_id
    from lease
    inner join core.person as p on lease.id_no = p.id_no
    inner join core.person as m on p.household_id = m.household_id
    union
    select
        lease.lease_id,
        lease.id_no as member_id
    from lease
),

hits as (
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
    from member
    inner join lease on member.lease_id = lease.lease_id
    inner join natural_resources.real_estate as r on member.member_id = r.owner_id
    where
        r.owner_kind = 'PERSON'
        and r.status = 'ACTIVE'
        and r.property_type = 'RESIDENTIAL'
        and r.registration_date <= lease.last_day
    group by member.lease_id
)

select
    'person' as subject_kind,
    lease.id_no as subject_id,
    lease.lease_id as evidence_key,
    lease.region_code,
    cast(null as text) as unit_code,
    lease.monthly_subsidy as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'housing.public_rental_leases',
            'key', lease.lease_id,
            'values', jsonb_build_object(
                'start_date', lease.start_date, 'end_date', lease.end_date,
                'household_size', lease.household_size, 'monthly_subsidy', lease.monthly_subsidy
            )
        )
    ) || hits.titles as evidence
from hits
inner join lease on hits.lease_id = lease.lease_id
