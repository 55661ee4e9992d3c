-- marts.risk_index_unit: daily risk index per public unit (the "political ecology" picture), with trend.
--   alert_score      sum over the unit's alerts that still signal risk on :as_of: open ones (NEW,
--                    ASSIGNED) weigh their severity (:w_high / :w_medium / :w_low); alerts confirmed or
--                    partly confirmed in the last 365 days weigh twice that (an investigator agreed).
--                    NO_ISSUE, DUPLICATE and RESOLVED alerts weigh nothing.
--   complaints_90d   complaints naming the unit received in the 90 days up to :as_of (x :w_complaint)
--   overdue_findings audit findings of the unit past their due date and not rectified (x :w_finding)
-- Units, complaints and findings are read as they were known on :as_of (history tables), so a
-- replayed day gives the same index. One row per unit per day keeps the trend: risk_index_7d_ago,
-- change_7d and avg_28d come from earlier days of this table. Idempotent: the day's rows are replaced.
delete from marts.risk_index_unit
where as_of = cast(:as_of as date);

insert into marts.risk_index_unit (
    as_of, unit_code, unit_name, unit_kind, district_code, open_alerts, confirmed_alerts, alert_score,
    complaints_90d, overdue_findings, risk_index, risk_index_7d_ago, change_7d, avg_28d
)
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
        a.status in ('NEW', 'ASSIGNED') as is_open,
        case a.severity
            when 'high' then cast(:w_high as numeric)
            when 'medium' then cast(:w_medium as numeric)
            else cast(:w_low as numeric)
        end * case when a.status in ('NEW', 'ASSIGNED') then 1 else 2 end as weight
    from alerts.alert as a
    where
        a.unit_code is not null
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
        w.unit_code,
        count(*) filter (where w.is_open) as open_alerts,
        count(*) filter (where not w.is_open) as confirmed_alerts,
        sum(w.weight) as alert_score
    from weighted_alerts as w
    group by w.unit_code
),

complaint_counts as (
    select
        c.subject_unit_code as unit_code,
        count(*) as complaints_90d
    from discipline.complaints__history as c
    where
        c._valid_from < cast(:as_of as date) + 1
        and (c._valid_to is null or c._valid_to >= cast(:as_of as date) + 1)
        and not c._deleted
        and c.subject_unit_code is not null
        and c.received_date > cast(:as_of as date) - 90
        and c.received_date <= cast(:as_of as date)
    group by c.subject_unit_code
),

finding_counts as (
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

today as (
    select
        u.unit_code,
        u.name as unit_name,
        u.kind as unit_kind,
        u.district_code,
        coalesce(a.open_alerts, 0) as open_alerts,
        coalesce(a.confirmed_alerts, 0) as confirmed_alerts,
        coalesce(a.alert_score, 0) as alert_score,
        coalesce(c.complaints_90d, 0) as complaints_90d,
        coalesce(f.overdue_findings, 0) as overdue_findings,
        coalesce(a.alert_score, 0)
        + cast(:w_complaint as numeric) * coalesce(c.complaints_90d, 0)
        + cast(:w_finding as numeric) * coalesce(f.overdue_findings, 0) as risk_index
    from units as u
    left join alert_scores as a on u.unit_code = a.unit_code
    left join complaint_counts as c on u.unit_code = c.unit_code
    left join finding_counts as f on u.unit_code = f.unit_code
),

history as (
    select
        r.unit_code,
        max(r.risk_index) filter (where r.as_of = cast(:as_of as date) - 7) as risk_index_7d_ago,
        sum(r.risk_index) as sum_27d,
        count(*) as days_27d
    from marts.risk_index_unit as r
    where r.as_of >= cast(:as_of as date) - 27 and r.as_of < cast(:as_of as date)
    group by r.unit_code
)

select
    cast(:as_of as date) as as_of,
    t.unit_code,
    t.unit_name,
    t.unit_kind,
    t.district_code,
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
left join history as h on t.unit_code = h.unit_code;
