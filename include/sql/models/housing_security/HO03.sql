-- HO03 Lease and subsidy continue after the tenant died or was imprisoned.
-- A lease with monthly_subsidy > 0 still open (end_date null or later; capped
-- at the as-of date) more than :grace_days days after dead(tenant) (earliest
-- death date) or after the start of a PRISON custody of the tenant that
-- overlaps the lease. One alert per lease and cause.
with lease as (
    select
        l.lease_id,
        l.id_no,
        l.region_code,
        l.start_date,
        l.end_date,
        l.monthly_subsidy,
        least(coalesce(l.end_date, cast(:as_of as date)), cast(:as_of as date)) as last_day
    from housing.public_rental_leases as l
    where l.monthly_subsidy > 0 and l.start_date <= cast(:as_of as date)
),

event as (
    select
        lease.lease_id,
        'death' as cause,
        d.death_date as event_date,
        core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source) as item
    from lease
    inner join core.death as d on lease.id_no = d.id_no
    where lease.last_day - d.death_date > :grace_days
    union all
    select
        lease.lease_id,
        c.record_id as cause,
        c.start_date as event_date,
        jsonb_build_object(
            'feed', 'justice.custody_records',
            'key', c.record_id,
            'values', jsonb_build_object(
                'custody_kind', c.custody_kind, 'start_date', c.start_date, 'end_date', c.end_date
            )
        ) as item
    from lease
    inner join core.custody as c on lease.id_no = c.id_no
    where
        c.custody_kind = 'PRISON'
        and (c.end_date is null or c.end_date >= lease.start_date)
        and lease.last_day - c.start_date > :grace_days
)

select
    'person' as subject_kind,
    lease.id_no as subject_id,
    lease.lease_id || '/' || event.cause as evidence_key,
    lease.region_code,
    cast(null as text) as unit_code,
    lease.monthly_subsidy as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'housing.public_rental_leases',
            'key', lease.lease_id,
            'values', jsonb_build_object(
                'start_date', lease.start_date, 'end_date', lease.end_date,
                'monthly_subsidy', lease.monthly_subsidy
            )
        ),
        event.item
    ) as evidence
from event
inner join lease on event.lease_id = lease.lease_id
