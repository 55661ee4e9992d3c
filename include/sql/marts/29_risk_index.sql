-- The daily risk index (the "political ecology" picture) of every public unit and every district
-- (first 6 digits of the region code) on :as_of, computed once here and published by
-- 30_risk_index_unit.sql and 31_risk_index_region.sql.
--   alert_score      sum over the alerts that still signal risk on :as_of: open ones (NEW, ASSIGNED)
--                    weigh their severity (:w_high / :w_medium / :w_low); alerts confirmed or partly
--                    confirmed in the last 365 days weigh twice that (an investigator agreed).
--                    NO_ISSUE, DUPLICATE and RESOLVED alerts weigh nothing. A unit counts the alerts
--                    of its unit_code, a district those routed there (routed_region: the alert's
--                    region, else its unit's).
--   complaints_90d   complaints received in the 90 days up to :as_of naming the unit, or with a
--                    region_code in the district (x :w_complaint)
--   overdue_findings audit findings past their due date and not rectified, of the unit or of the
--                    district's units (x :w_finding)
-- Units, complaints and findings are read as they were known on :as_of (history tables), so a
-- replayed day gives the same index. The trend (risk_index_7d_ago, change_7d, avg_28d) comes from
-- the earlier days of the two marts. Districts: those with an inspection office, a unit, an alert or
-- a complaint.
create temp table _risk_index on commit drop as
with units as (
    select
        u.unit_code,
        u.name,
        u.kind,
        left(u.region_code, 6) as district_code
    from organization.public_units__history as u
    where
        u._valid_from < cast(:as_of as date) + 1
        and (u._valid_to is null or u._valid_to >= cast(:as_of as date) + 1)
        and not u._deleted
),

weighted_alerts as (
    select
        a.unit_code,
        a.routed_region,
        a.status in ('NEW', 'ASSIGNED') as is_open,
        case a.severity
            when 'high' then cast(:w_high as numeric)
            when 'medium' then cast(:w_medium as numeric)
            else cast(:w_low as numeric)
        end * case when a.status in ('NEW', 'ASSIGNED') then 1 else 2 end as weight
    from alerts.alert as a
    where
        a.first_seen <= cast(:as_of as date)
        and (
            a.status in ('NEW', 'ASSIGNED')
            or (
                a.status in ('CONFIRMED', 'PARTLY_CONFIRMED')
                and a.outcome_at >= cast(:as_of as date) - 365
            )
        )
),

keyed_alerts as (
    select
        'unit' as index_level,
        w.unit_code as index_key,
        w.is_open,
        w.weight
    from weighted_alerts as w
    where w.unit_code is not null
    union all
    select
        'district' as index_level,
        left(w.routed_region, 6) as index_key,
        w.is_open,
        w.weight
    from weighted_alerts as w
    where w.routed_region ~ '^[0-9]{6}'
),

alert_scores as (
    select
        k.index_level,
        k.index_key,
        count(*) filter (where k.is_open) as open_alerts,
        count(*) filter (where not k.is_open) as confirmed_alerts,
        sum(k.weight) as alert_score
    from keyed_alerts as k
    group by k.index_level, k.index_key
),

complaints as (
    select
        c.subject_unit_code,
        c.region_code
    from discipline.complaints__history as c
    where
        c._valid_from < cast(:as_of as date) + 1
        and (c._valid_to is null or c._valid_to >= cast(:as_of as date) + 1)
        and not c._deleted
        and c.received_date > cast(:as_of as date) - 90
        and c.received_date <= cast(:as_of as date)
),

complaint_counts as (
    select
        'unit' as index_level,
        c.subject_unit_code as index_key,
        count(*) as complaints_90d
    from complaints as c
    where c.subject_unit_code is not null
    group by c.subject_unit_code
    union all
    select
        'district' as index_level,
        left(c.region_code, 6) as index_key,
        count(*) as complaints_90d
    from complaints as c
    where c.region_code ~ '^[0-9]{6}'
    group by left(c.region_code, 6)
),

unit_findings as (
    select
        f.audited_unit_code as unit_code,
        count(*) as overdue_findings
    from audit.findings__history as f
    where
        f._valid_from < cast(:as_of as date) + 1
        and (f._valid_to is null or f._valid_to >= cast(:as_of as date) + 1)
        and not f._deleted
        and f.due_date < cast(:as_of as date)
        and f.rectification_status <> 'RECTIFIED'
    group by f.audited_unit_code
),

finding_counts as (
    select
        'unit' as index_level,
        u.unit_code as index_key,
        coalesce(f.overdue_findings, 0) as overdue_findings
    from units as u
    left join unit_findings as f on u.unit_code = f.unit_code
    union all
    select
        'district' as index_level,
        u.district_code as index_key,
        sum(coalesce(f.overdue_findings, 0)) as overdue_findings
    from units as u
    left join unit_findings as f on u.unit_code = f.unit_code
    where u.district_code is not null
    group by u.district_code
),

indexed as (
    select
        'unit' as index_level,
        u.unit_code as index_key,
        u.name,
        u.kind as unit_kind,
        u.district_code
    from units as u
    union all
    select
        'district' as index_level,
        d.district_code as index_key,
        o.name,
        cast(null as text) as unit_kind,
        d.district_code
    from (
        select x.region_prefix as district_code
        from alerts.office as x
        where length(x.region_prefix) = 6
        union
        select k.index_key from alert_scores as k
        where k.index_level = 'district'
        union
        select k.index_key from complaint_counts as k
        where k.index_level = 'district'
        union
        select k.index_key from finding_counts as k
        where k.index_level = 'district'
    ) as d
    left join alerts.office as o on d.district_code = o.region_prefix
),

today as (
    select
        i.index_level,
        i.index_key,
        i.name,
        i.unit_kind,
        i.district_code,
        coalesce(a.open_alerts, 0) as open_alerts,
        coalesce(a.confirmed_alerts, 0) as confirmed_alerts,
        coalesce(a.alert_score, 0) as alert_score,
        coalesce(c.complaints_90d, 0) as complaints_90d,
        coalesce(f.overdue_findings, 0) as overdue_findings,
        coalesce(a.alert_score, 0)
        + cast(:w_complaint as numeric) * coalesce(c.complaints_90d, 0)
        + cast(:w_finding as numeric) * coalesce(f.overdue_findings, 0) as risk_index
    from indexed as i
    left join alert_scores as a on i.index_level = a.index_level and i.index_key = a.index_key
    left join complaint_counts as c on i.index_level = c.index_level and i.index_key = c.index_key
    left join finding_counts as f on i.index_level = f.index_level and i.index_key = f.index_key
),

earlier as (
    select
        'unit' as index_level,
        r.unit_code as index_key,
        r.as_of,
        r.risk_index
    from marts.risk_index_unit as r
    union all
    select
        'district' as index_level,
        r.district_code as index_key,
        r.as_of,
        r.risk_index
    from marts.risk_index_region as r
),

history as (
    select
        e.index_level,
        e.index_key,
        max(e.risk_index) filter (where e.as_of = cast(:as_of as date) - 7) as risk_index_7d_ago,
        sum(e.risk_index) as sum_27d,
        count(*) as days_27d
    from earlier as e
    where e.as_of >= cast(:as_of as date) - 27 and e.as_of < cast(:as_of as date)
    group by e.index_level, e.index_key
)

select
    t.*,
    h.risk_index_7d_ago,
    t.risk_index - h.risk_index_7d_ago as change_7d,
    round((coalesce(h.sum_27d, 0) + t.risk_index) / (coalesce(h.days_27d, 0) + 1), 3) as avg_28d
from today as t
left join history as h on t.index_level = h.index_level and t.index_key = h.index_key
