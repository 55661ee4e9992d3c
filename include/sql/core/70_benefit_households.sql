-- Shared blocks of the rules about a benefit's household (include/spec/models.yaml: SA02-SA05 and
-- HO01-HO02): the benefit's household members as of a date, and the alert a hit on the benefit
-- raises. Table functions, not views, because they depend on the as-of date; they are single-select
-- SQL functions, so PostgreSQL inlines them into the calling model like a CTE.

-- ACTIVE assistance enrollments started on or before as_of, one row per member of household(p) of
-- the recipient p (p included, registered or not). last_active_day: end_date, or as_of while open.
create or replace function core.recipient_household(as_of date)
returns table (enrollment_id text, member_id text, start_date date, last_active_day date)
language sql stable parallel safe
as $$
    select
        e.enrollment_id,
        coalesce(h.member_id, e.id_no) as member_id,
        e.start_date,
        least(coalesce(e.end_date, as_of), as_of) as last_active_day
    from civil_affairs.assistance_enrollments as e
    left join core.household as h on e.id_no = h.id_no
    where e.status = 'ACTIVE' and e.start_date <= as_of
$$;

comment on function core.recipient_household(date) is
'Members of household(recipient) of each ACTIVE enrollment started by as_of, with its last active day.';

-- The alert on an ACTIVE enrollment (subject: the recipient; amount: the monthly allowance), its
-- evidence the enrollment followed by the rule's own evidence items.
create or replace function core.enrollment_alert(alert_enrollment_id text, items jsonb)
returns setof core.alert
language sql stable parallel safe
as $$
    select
        'person' as subject_kind,
        e.id_no as subject_id,
        e.enrollment_id as evidence_key,
        e.region_code,
        cast(null as text) as unit_code,
        e.monthly_amount as amount,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'civil_affairs.assistance_enrollments',
                'key', e.enrollment_id,
                'values', jsonb_build_object(
                    'program', e.program, 'start_date', e.start_date,
                    'monthly_amount', e.monthly_amount, 'status', 'ACTIVE'
                )
            )
        ) || items as evidence
    from civil_affairs.assistance_enrollments as e
    where e.enrollment_id = alert_enrollment_id
$$;

comment on function core.enrollment_alert(text, jsonb) is
'Alert columns for a hit on an ACTIVE assistance enrollment; evidence = the enrollment, then the given items.';

-- Public-rental leases started on or before as_of, one row per member of household(tenant) (tenant
-- included). last_day: end_date, or as_of while open.
create or replace function core.tenant_household(as_of date)
returns table (lease_id text, member_id text, last_day date)
language sql stable parallel safe
as $$
    select
        l.lease_id,
        coalesce(h.member_id, l.id_no) as member_id,
        least(coalesce(l.end_date, as_of), as_of) as last_day
    from housing.public_rental_leases as l
    left join core.household as h on l.id_no = h.id_no
    where l.start_date <= as_of
$$;

comment on function core.tenant_household(date) is
'Members of household(tenant) of each lease started by as_of, with the lease''s last active day.';

-- The alert on a lease (subject: the tenant; amount: the monthly subsidy), its evidence the lease
-- followed by the rule's own evidence items.
create or replace function core.lease_alert(alert_lease_id text, items jsonb)
returns setof core.alert
language sql stable parallel safe
as $$
    select
        'person' as subject_kind,
        l.id_no as subject_id,
        l.lease_id as evidence_key,
        l.region_code,
        cast(null as text) as unit_code,
        l.monthly_subsidy as amount,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'housing.public_rental_leases',
                'key', l.lease_id,
                'values', jsonb_build_object(
                    'start_date', l.start_date, 'end_date', l.end_date,
                    'household_size', l.household_size, 'monthly_subsidy', l.monthly_subsidy
                )
            )
        ) || items as evidence
    from housing.public_rental_leases as l
    where l.lease_id = alert_lease_id
$$;

comment on function core.lease_alert(text, jsonb) is
'Alert columns for a hit on a public-rental lease; evidence = the lease, then the given items.';
