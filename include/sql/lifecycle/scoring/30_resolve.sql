-- Open alerts of the model that it no longer produces are RESOLVED (resolved by data, never deleted),
-- with their "observed" event in the same statement.
with gone as (
    select
        t.alert_id,
        t.status
    from alerts.alert as t
    where
        t.model_id = :model_id
        and t.status in ('NEW', 'ASSIGNED')
        and not exists (
            select 1 from _alerts as a
            where a.alert_id = t.alert_id
        )
),

resolved as (
    update alerts.alert as t
    set status = 'RESOLVED', resolved_on = cast(:as_of as date)
    from gone as g
    where t.alert_id = g.alert_id
    returning t.alert_id, g.status as from_status
),

events as (
    insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
    select
        'observed|' || r.alert_id || '|'
        || (
            select count(*) from alerts.alert_event as e
            where e.alert_id = r.alert_id
        ) as event_key,
        r.alert_id,
        'observed' as kind,
        cast(cast(:as_of as date) as timestamp) as at,
        'scoring:' || :model_id as actor,
        r.from_status,
        'RESOLVED' as to_status,
        'evidence no longer produced by the model' as note
    from resolved as r
    on conflict (event_key) do nothing
)

select count(*) as alerts_resolved
from resolved
