-- ASSIGNED for overdue_days without an outcome: flagged once per assignment, with its event.
with flagged as (
    update alerts.alert as a
    set overdue_since = cast(:as_of as date)
    where
        a.status = 'ASSIGNED'
        and a.overdue_since is null
        and a.assigned_on <= cast(:as_of as date) - cast(:overdue_days as integer)
    returning a.alert_id, a.assigned_on
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'overdue|' || f.alert_id || '|' || cast(f.assigned_on as text) as event_key,
    f.alert_id,
    'overdue' as kind,
    cast(cast(:as_of as date) as timestamp) as at,
    :actor,
    'ASSIGNED' as from_status,
    'ASSIGNED' as to_status,
    'no outcome ' || cast(:overdue_days as text) || ' days after assignment on ' || cast(f.assigned_on as text)
        as note
from flagged as f
on conflict (event_key) do nothing
