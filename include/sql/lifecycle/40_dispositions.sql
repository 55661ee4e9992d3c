-- Investigators' outcomes (discipline.alert_dispositions, key alert_id + recorded_at) applied on the day
-- they were recorded: one "disposition" event per outcome row, in recorded order, and the latest
-- outcome becomes the alert's status (an outcome ends any overdue flag), in one statement.
-- from_status: the previous outcome of the same alert, else the alert's status before any outcome.
with dispositions as (
    select
        d.alert_id,
        d.outcome,
        d.note,
        d.recorded_by,
        d.recorded_at,
        d.amount_recovered,
        lag(d.outcome) over (partition by d.alert_id order by d.recorded_at) as previous_outcome,
        row_number() over (partition by d.alert_id order by d.recorded_at desc) as recency
    from discipline.alert_dispositions as d
    where d.recorded_at < cast(:as_of as date) + 1
),

fresh as (
    select
        d.*,
        a.status as current_status,
        -- Shanghai wall time: the key's text from before recorded_at became timestamptz (migration 0009)
        'disposition|' || d.alert_id || '|' || cast(d.recorded_at at time zone 'Asia/Shanghai' as text) as event_key
    from dispositions as d
    inner join alerts.alert as a on d.alert_id = a.alert_id
),

events as (
    insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
    select
        f.event_key,
        f.alert_id,
        'disposition' as kind,
        f.recorded_at as at,
        f.recorded_by as actor,
        coalesce(f.previous_outcome, f.current_status) as from_status,
        f.outcome as to_status,
        f.note
    from fresh as f
    where
        not exists (
            select 1 from alerts.alert_event as e
            where e.event_key = f.event_key
        )
    order by f.alert_id, f.recorded_at
    on conflict (event_key) do nothing
    returning 1
),

applied as (
    update alerts.alert as a
    set
        status = l.outcome,
        outcome = l.outcome,
        outcome_at = l.recorded_at,
        outcome_by = l.recorded_by,
        amount_recovered = l.amount_recovered,
        overdue_since = null
    from dispositions as l
    where
        l.recency = 1
        and a.alert_id = l.alert_id
        and (a.status, a.outcome_at, a.outcome_by, a.amount_recovered)
        is distinct from (l.outcome, l.recorded_at, l.recorded_by, l.amount_recovered)
    returning 1
)

select
    (select count(*) from events) as dispositions,
    (select count(*) from applied) as outcomes_applied
