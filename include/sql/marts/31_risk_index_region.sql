-- marts.risk_index_region: the same daily risk index per district (first 6 digits of the region
-- code; computed in 29_risk_index.sql), named after its inspection office. Idempotent: the day's
-- rows are replaced.
delete from marts.risk_index_region
where as_of = cast(:as_of as date);

insert into marts.risk_index_region (
    as_of, district_code, district_name, open_alerts, confirmed_alerts, alert_score, complaints_90d,
    overdue_findings, risk_index, risk_index_7d_ago, change_7d, avg_28d
)
select
    cast(:as_of as date) as as_of,
    r.index_key as district_code,
    r.name as district_name,
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
where r.index_level = 'district';
