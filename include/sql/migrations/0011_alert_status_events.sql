-- Alert status has one owner (tianyan.lifecycle): every status change now writes its event in the
-- same statement, and the daily lifecycle no longer reconstructs "created" and "observed" events by
-- comparing alerts with their last event. This migration records, once, the events such a comparison
-- would still have found in a warehouse scored since its last lifecycle run.

-- Alerts without any event yet: their birth (scoring wrote them NEW on first_seen).
insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'created|' || a.alert_id as event_key,
    a.alert_id,
    'created' as kind,
    cast(a.first_seen as timestamp) as at,
    'scoring:' || a.model_id as actor,
    null as from_status,
    'NEW' as to_status,
    'model version ' || coalesce(a.model_version, 'unknown') as note
from alerts.alert as a
where
    not exists (
        select 1 from alerts.alert_event as e
        where e.alert_id = a.alert_id
    )
on conflict (event_key) do nothing;

-- Scoring's changes since the last event (RESOLVED by data, NEW when the evidence returned).
with last_event as (
    select distinct on (e.alert_id)
        e.alert_id,
        e.to_status,
        count(*) over (partition by e.alert_id) as n_events
    from alerts.alert_event as e
    order by e.alert_id asc, e.event_id desc
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'observed|' || a.alert_id || '|' || l.n_events as event_key,
    a.alert_id,
    'observed' as kind,
    cast(
        case when a.status = 'RESOLVED' then coalesce(a.resolved_on, a.last_seen) else a.last_seen end
        as timestamp
    ) as at,
    'scoring:' || a.model_id as actor,
    l.to_status as from_status,
    a.status as to_status,
    case
        when a.status = 'RESOLVED' then 'evidence no longer produced by the model'
        else 'evidence produced again'
    end as note
from alerts.alert as a
inner join last_event as l on a.alert_id = l.alert_id
where a.status <> l.to_status and a.status in ('NEW', 'RESOLVED')
on conflict (event_key) do nothing;
