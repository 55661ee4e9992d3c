-- marts.risk_index_region: the same daily risk index per district (first 6 digits of the region code).
-- Alerts count where they were routed (routed_region: the alert's region, else its unit's), complaints
-- by their region_code, overdue findings by the audited unit's district (from marts.risk_index_unit of
-- the same day, which 30_risk_index_unit.sql has just written). Same weights as the unit index.
-- Idempotent: the day's rows are replaced.
delete from marts.risk_index_region
where as_of = cast(:as_of as date);

insert into marts.risk_index_region (
    as_of, district_code, district_name, open_alerts, confirmed_alerts, alert_score, complaints_90d,
    overdue_findings, risk_index, risk_index_7d_ago, change_7d, avg_28d
)
with weighted_alerts as (
    select
        left(a.routed_region, 6) as district_code,
        a.status in ('NEW', 'ASSIGNED') as is_open,
        case a.severity
            when 'high' then cast(:w_high as numeric)
            when 'medium' then cast(:w_medium as numeric)
            else cast(:w_low as numeric)
        end * case when a.status in ('NEW', 'ASSIGNED') then 1 else 2 end as weight
    from alerts.alert as a
    where
        a.routed_region ~ '^[0-9]{6}'
        and a.first_seen <= cast(:as_of as date)
        and (
            a.status in ('NEW', 'ASSIGNED')
            or (
                a.status in ('CONFIRMED', 'PARTLY_CONFIRMED')
                and a.outcome_at >= cast(:as_of as date) - 365
            )
        )
),

alert_scores as (
    select
        w.district_code,
        count(*) filter (where w.is_open) as open_alerts,
        count(*) filter (where not w.is_open) as confirmed_alerts,
        sum(w.weight) as alert_score
    from weighted_alerts as w
    group by w.district_code
),

complaint_counts as (
    select
        left(c.region_code, 6) as district_code,
        count(*) as complaints_90d
    from discipline.complaints__history as c
    where
        c._valid_from < cast(:as_of as date) + 1
        and (c._valid_to is null or c._valid_to >= cast(:as_of as date) + 1)
        and not c._deleted
        and c.region_code ~ '^[0-9]{6}'
        and c.received_date > cast(:as_of as date) - 90
        and c.received_date <= cast(:as_of as date)
    group by left(c.region_code, 6)
),

finding_counts as (
    select
        r.district_code,
        sum(r.overdue_findings) as overdue_findings
    from marts.risk_index_unit as r
    where r.as_of = cast(:as_of as date) and r.district_code is not null
    group by r.district_code
),

districts as (
    select o.region_prefix as district_code
    from alerts.office as o
    where length(o.region_prefix) = 6
    union
    select a.district_code from alert_scores as a
    union
    select c.district_code from complaint_counts as c
    union
    select f.district_code from finding_counts as f
),

today as (
    select
        d.district_code,
        coalesce(a.open_alerts, 0) as open_alerts,
        coalesce(a.confirmed_alerts, 0) as confirmed_alerts,
        coalesce(a.alert_score, 0) as alert_score,
        coalesce(c.complaints_90d, 0) as complaints_90d,
        coalesce(f.overdue_findings, 0) as overdue_findings,
        coalesce(a.alert_score, 0)
        + cast(:w_complaint as numeric) * coalesce(c.complaints_90d, 0)
        + cast(:w_finding as numeric) * coalesce(f.overdue_findings, 0) as risk_index
    from districts as d
    left join alert_scores as a on d.district_code = a.district_code
    left join complaint_counts as c on d.district_code = c.district_code
    left join finding_counts as f on d.district_code = f.district_code
),

history as (
    select
        r.district_code,
        max(r.risk_index) filter (where r.as_of = cast(:as_of as date) - 7) as risk_index_7d_ago,
        sum(r.risk_index) as sum_27d,
        count(*) as days_27d
    from marts.risk_index_region as r
    where r.as_of >= cast(:as_of as date) - 27 and r.as_of < cast(:as_of as date)
    group by r.district_code
)

select
    cast(:as_of as date) as as_of,
    t.district_code,
    o.name as district_name,
    t.open_alerts,
    t.confirmed_alerts,
    t.alert_score,
    t.complaints_90d,
    t.overdue_findings,
    t.risk_index,
    h.risk_index_7d_ago,
    t.risk_index - h.risk_index_7d_ago as change_7d,
    round((coalesce(h.sum_27d, 0) + t.risk_index) / (coalesce(h.days_27d, 0) + 1), 3) as avg_28d
from today as t
left join history as h on t.district_code = h.district_code
left join alerts.office as o on t.district_code = o.region_prefix;
