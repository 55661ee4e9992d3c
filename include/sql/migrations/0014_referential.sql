-- The spec's `ref:FEED.COL` rule: "should exist there (reported, not a reason to drop)". After each
-- loaded delivery, tianyan.ingest.referential counts, per ref column, the delivery's loaded rows whose
-- value is absent from the referenced feed's current rows, with a sample of such values. One row per
-- feed, delivery date and ref column, replaced when the date is loaded again. Never drops a row.
create table if not exists meta.referential (
    feed_id text not null,
    delivery_date date not null,
    column_name text not null,
    batch_id text not null,
    ref_feed text not null,
    ref_column text not null,
    checked_rows bigint not null,
    missing_rows bigint not null,
    sample jsonb not null default '[]'::jsonb,
    checked_at timestamptz not null default now(),
    primary key (feed_id, delivery_date, column_name)
);
comment on table meta.referential is
'Per loaded delivery and ref: column, how many loaded values the referenced feed''s current rows lack '
'(reported, never dropped)';
comment on column meta.referential.feed_id is 'Feed id, department.feed_name, of the delivery checked.';
comment on column meta.referential.delivery_date is 'Business date of the delivery checked.';
comment on column meta.referential.column_name is 'The column with the ref: rule.';
comment on column meta.referential.batch_id is 'The delivery batch whose loaded rows were checked (meta.feed_runs).';
comment on column meta.referential.ref_feed is 'The feed the column refers to.';
comment on column meta.referential.ref_column is 'The referenced column of that feed.';
comment on column meta.referential.checked_rows is 'Loaded rows of the batch with a value in the column.';
comment on column meta.referential.missing_rows is
'Of them, rows whose value is not among the referenced feed''s current rows when the delivery was loaded.';
comment on column meta.referential.sample is 'Up to 10 of the missing values (sorted), for the department to look up.';
comment on column meta.referential.checked_at is 'When the check ran.';

-- Feed health shows the missing references of the last loaded delivery.
alter table marts.feed_health add column if not exists ref_missing_last bigint;
comment on column marts.feed_health.ref_missing_last is
'Loaded rows of the last loaded delivery whose ref: value the referenced feed lacks (meta.referential); '
'null = no ref: rule or not checked.';
create or replace view marts_masked.feed_health as select * from marts.feed_health;
