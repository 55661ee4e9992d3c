-- marts.open_alerts_by_office: the open (NEW / ASSIGNED) alerts each inspection office holds on :as_of,
-- per domain and severity. One snapshot per day, so backlog trends can be charted.
-- Idempotent: the day's rows are replaced.
delete from marts.open_alerts_by_office
where as_of = cast(:as_of as date);

insert into marts.open_alerts_by_office (
    as_of, office_code, office_name, domain, severity, open_alerts, new_alerts, assigned_alerts,
    overdue_alerts, amount_flagged, oldest_first_seen
)
with open_alerts as (
    select
        coalesce(a.office_code, 'INSP-CITY') as office_code,
        coalesce(m.domain, 'unknown') as domain,
        a.severity,
        a.status,
        a.overdue_since,
        a.amount,
        a.first_seen
    from alerts.alert as a
    left join alerts.model_catalog as m on a.model_id = m.model_id
    where a.status in ('NEW', 'ASSIGNED') and a.first_seen <= cast(:as_of as date)
)

select
    cast(:as_of as date) as as_of,
    oa.office_code,
    coalesce(o.name, oa.office_code) as office_name,
    oa.domain,
    oa.severity,
    count(*) as open_alerts,
    count(*) filter (where oa.status = 'NEW') as new_alerts,
    count(*) filter (where oa.status = 'ASSIGNED') as assigned_alerts,
    count(*) filter (where oa.overdue_since is not null) as overdue_alerts,
    sum(oa.amount) as amount_flagged,
    min(oa.first_seen) as oldest_first_seen
from open_alerts as oa
left join alerts.office as o on oa.office_code = o.office_code
group by oa.office_code, o.name, oa.domain, oa.severity;
