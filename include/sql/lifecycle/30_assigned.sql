-- NEW -> ASSIGNED, with the event, in one statement (the CTE's update feeds the insert).
with assigned as (
    update alerts.alert as a
    set status = 'ASSIGNED', assigned_on = cast(:as_of as date), overdue_since = null
    where a.status = 'NEW' and a.first_seen <= cast(:as_of as date) and a.office_code is not null
    returning a.alert_id, a.office_code
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'assigned|' || x.alert_id || '|'
    || (
        select count(*) from alerts.alert_event as e
        where e.alert_id = x.alert_id
    )
        as event_key,
    x.alert_id,
    'assigned' as kind,
    cast(cast(:as_of as date) as timestamp) as at,
    :actor,
    'NEW' as from_status,
    'ASSIGNED' as to_status,
    'routed to ' || x.office_code || ' ' || coalesce(o.name, '') as note
from assigned as x
left join alerts.office as o on x.office_code = o.office_code
on conflict (event_key) do nothing
