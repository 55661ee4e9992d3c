-- Outcomes for unknown alert ids: recorded in meta.quarantine with the raw values (once per row version).
with unknown as (
    select
        h._delivery_date,
        h._batch_id,
        jsonb_build_object(
            'alert_id', h.alert_id, 'outcome', h.outcome, 'amount_recovered', h.amount_recovered,
            'note', h.note, 'recorded_by', h.recorded_by, 'recorded_at', h.recorded_at at time zone 'Asia/Shanghai'
        ) as raw
    from discipline.alert_dispositions__history as h
    where
        h._valid_to is null
        and not h._deleted
        and h.recorded_at < cast(:as_of as date) + 1
        and not exists (
            select 1 from alerts.alert as a
            where a.alert_id = h.alert_id
        )
)

insert into meta.quarantine (
    feed_id, delivery_date, batch_id, source_file, row_no, rule, column_name, message, raw
)
select
    :feed_id,
    u._delivery_date as delivery_date,
    u._batch_id as batch_id,
    'warehouse:discipline.alert_dispositions__history' as source_file,
    0 as row_no,
    'unknown_alert' as rule,
    'alert_id' as column_name,
    'outcome recorded for an alert id the warehouse does not know' as message,
    u.raw
from unknown as u
where not exists (
    select 1 from meta.quarantine as q
    where
        q.feed_id = :feed_id
        and q.rule = 'unknown_alert'
        and q.batch_id = u._batch_id
        and q.raw = u.raw
)
