-- Merge the model's alerts into alerts.alert. A new alert is born NEW (event "created"); a RESOLVED
-- alert whose evidence is produced again reopens as NEW (event "observed"); any other alert keeps its
-- status and gets the fresh evidence. Each status change and its event are written by this statement.
with incoming as (
    select
        a.alert_id,
        a.subject_kind,
        a.subject_id,
        a.evidence_key,
        a.region_code,
        a.unit_code,
        a.amount,
        a.evidence,
        t.alert_id is null as is_new,
        t.status as old_status
    from _alerts as a
    left join alerts.alert as t on a.alert_id = t.alert_id
),

merged as (
    insert into alerts.alert as t (
        alert_id, model_id, subject_kind, subject_id, evidence_key, region_code, unit_code, severity, amount,
        first_seen, last_seen, status, evidence, model_version
    )
    select
        i.alert_id,
        :model_id,
        i.subject_kind,
        i.subject_id,
        coalesce(i.evidence_key, '') as evidence_key,
        i.region_code,
        i.unit_code,
        :severity,
        i.amount,
        cast(:as_of as date) as first_seen,
        cast(:as_of as date) as last_seen,
        'NEW' as status,
        coalesce(i.evidence, cast('[]' as jsonb)) as evidence,
        :model_version
    from incoming as i
    on conflict (alert_id) do update
        set
            region_code = excluded.region_code,
            unit_code = excluded.unit_code,
            severity = excluded.severity,
            amount = excluded.amount,
            evidence = excluded.evidence,
            model_version = excluded.model_version,
            first_seen = least(t.first_seen, excluded.first_seen),
            last_seen = greatest(t.last_seen, excluded.last_seen),
            status = case when t.status = 'RESOLVED' then 'NEW' else t.status end,
            resolved_on = case when t.status = 'RESOLVED' then null else t.resolved_on end
    returning t.alert_id
),

events as (
    insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
    select
        case
            when i.is_new then 'created|' || i.alert_id
            else
                'observed|' || i.alert_id || '|'
                || (
                    select count(*) from alerts.alert_event as e
                    where e.alert_id = i.alert_id
                )
        end as event_key,
        i.alert_id,
        case when i.is_new then 'created' else 'observed' end as kind,
        cast(cast(:as_of as date) as timestamp) as at,
        'scoring:' || :model_id as actor,
        i.old_status as from_status,
        'NEW' as to_status,
        case
            when i.is_new then 'model version ' || :model_version
            else 'evidence produced again'
        end as note
    from incoming as i
    where i.is_new or i.old_status = 'RESOLVED'
    on conflict (event_key) do nothing
)

select
    count(*) filter (where incoming.is_new) as alerts_new,
    count(*) filter (where not incoming.is_new) as alerts_updated
from incoming
