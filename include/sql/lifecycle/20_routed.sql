-- Routing: the alert's own region, else the region of its unit; the office with the longest matching
-- prefix. Assigned alerts keep their office (the assignment happened); new or unrouted ones follow data.
with target as (
    select
        a.alert_id,
        coalesce(nullif(a.region_code, ''), u.region_code) as region
    from alerts.alert as a
    left join organization.public_units as u on a.unit_code = u.unit_code
    where a.office_code is null or a.status = 'NEW'
),

routed as (
    select
        t.alert_id,
        t.region,
        best.office_code
    from target as t
    cross join lateral (
        select o.office_code
        from alerts.office as o
        where starts_with(coalesce(t.region, ''), o.region_prefix)
        order by length(o.region_prefix) desc
        limit 1
    ) as best
)

update alerts.alert as a
set routed_region = r.region, office_code = r.office_code
from routed as r
where
    a.alert_id = r.alert_id
    and (a.routed_region is distinct from r.region or a.office_code is distinct from r.office_code)
