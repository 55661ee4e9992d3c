-- Every delivery attempt leaves a record (issue 12), and a date that waited in vain is visible
-- (issue 11). meta.feed_runs stays one row per feed and date: the date's effective outcome, which a
-- failed attempt never overwrites once the date is LOADED. meta.feed_attempts keeps every attempt.
--   MISSING  the delivery window passed without a delivery (the scheduler waited for it)
--   FAILED   the attempt broke for a reason other than the data (transport, warehouse, a bug);
--            REJECTED stays the verdict on the delivered data itself
alter table meta.feed_runs drop constraint if exists feed_runs_status_check;
alter table meta.feed_runs add constraint feed_runs_status_check check (
    status in ('LOADED', 'REJECTED', 'NO_DELIVERY', 'MISSING', 'FAILED')
);

create table if not exists meta.feed_attempts (
    attempt_id bigint generated always as identity primary key,
    feed_id text not null,
    delivery_date date not null,
    stage text not null check (stage in ('wait', 'land', 'load')),
    status text not null check (
        status in ('LOADED', 'REJECTED', 'NO_DELIVERY', 'MISSING', 'FAILED', 'UNCHANGED')
    ),
    batch_id text,
    delivered integer not null default 0,
    loaded integer not null default 0,
    quarantined integer not null default 0,
    collapsed integer not null default 0,
    reason text,
    files jsonb not null default '[]'::jsonb,
    run_id text,
    started_at timestamptz not null default now(),
    finished_at timestamptz not null default now()
);
create index if not exists feed_attempts_delivery on meta.feed_attempts (feed_id, delivery_date);
comment on table meta.feed_attempts is
'Every attempt to wait for, land or load a delivery, with its outcome; meta.feed_runs keeps the effective one per date';
comment on column meta.feed_attempts.attempt_id is 'Attempt number (increasing).';
comment on column meta.feed_attempts.feed_id is 'Feed id, department.feed_name.';
comment on column meta.feed_attempts.delivery_date is 'Business date the attempt was for.';
comment on column meta.feed_attempts.stage is
'wait (for the delivery), land (transport + archive) or load (read, validate, merge).';
comment on column meta.feed_attempts.status is
'Outcome: LOADED, REJECTED (data refused), NO_DELIVERY, MISSING (window passed), FAILED (not the data''s fault), '
'UNCHANGED (identical redelivery).';
comment on column meta.feed_attempts.batch_id is 'Batch of the delivery when it was landed.';
comment on column meta.feed_attempts.delivered is 'Data rows delivered (0 when not read).';
comment on column meta.feed_attempts.loaded is 'Rows merged by this attempt.';
comment on column meta.feed_attempts.quarantined is 'Rows quarantined by this attempt.';
comment on column meta.feed_attempts.collapsed is 'Exact duplicate rows collapsed by this attempt.';
comment on column meta.feed_attempts.reason is
'Why the attempt did not load: names the feed, the file and the row, never row values.';
comment on column meta.feed_attempts.files is 'JSON array of the files the attempt saw (name, sha256, bytes, ...).';
comment on column meta.feed_attempts.run_id is 'Airflow dag_run id and try (or the CLI run) that made the attempt.';
comment on column meta.feed_attempts.started_at is 'When the attempt started.';
comment on column meta.feed_attempts.finished_at is 'When the attempt ended.';
comment on column meta.feed_runs.status is
'LOADED (rows merged), REJECTED (delivery refused whole, see reason), NO_DELIVERY (nothing delivered when checked), '
'MISSING (the delivery window passed without a delivery) or FAILED (the attempt broke, not the data; see reason). '
'A failed or rejected attempt never replaces a LOADED record (every attempt is in meta.feed_attempts).';
