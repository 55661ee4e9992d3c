-- marts.risk_index_unit: the daily risk index per public unit (computed in 29_risk_index.sql), one
-- row per unit per day so the trend has a history. Idempotent: the day's rows are replaced.
delete from marts.risk_index_unit
where as_of = cast(:as_of as date);

insert into marts.risk_index_unit (
    as_of, unit_code, unit_name, unit_kind, district_code, open_alerts, confirmed_alerts, alert_score,
    complaints_90d, overdue_findings, risk_index, risk_index_7d_ago, change_7d, avg_28d
)
select
    cast(:as_of as date) as as_of,
    r.index_key as unit_code,
    r.name as unit_name,
    r.unit_kind,
    r.district_code,
    r.open_alerts,
    r.confirmed_alerts,
    r.alert_score,
    r.complaints_90d,
    r.overdue_findings,
    r.risk_index,
    r.risk_index_7d_ago,
    r.change_7d,
    r.avg_28d
from _risk_index as r
where r.index_level = 'unit';
