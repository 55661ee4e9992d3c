-- Pipeline bookkeeping: deliveries, quarantine, archive, alerts, scoring runs.
create schema if not exists meta;
create schema if not exists alerts;
create schema if not exists core;
create schema if not exists marts;

create table if not exists meta.feed_runs (
    feed_id text not null,
    delivery_date date not null,
    batch_id text,
    status text not null check (status in ('LOADED', 'REJECTED', 'NO_DELIVERY')),
    delivered integer not null default 0,
    loaded integer not null default 0,
    quarantined integer not null default 0,
    collapsed integer not null default 0,
    reason text,
    files jsonb not null default '[]'::jsonb,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    primary key (feed_id, delivery_date),
    constraint feed_runs_counts_add_up check (
        status <> 'LOADED' or delivered = loaded + quarantined + collapsed
    )
);
comment on table meta.feed_runs is 'One row per feed delivery: delivered = loaded + quarantined + collapsed';

create table if not exists meta.quarantine (
    feed_id text not null,
    delivery_date date not null,
    batch_id text not null,
    source_file text not null,
    row_no integer not null,
    rule text not null,
    column_name text,
    message text not null,
    raw jsonb not null
);
create index if not exists quarantine_delivery on meta.quarantine (feed_id, delivery_date);
comment on table meta.quarantine is 'Rows refused by validation, with the failed rule and the raw values as delivered';

create table if not exists meta.archive (
    batch_id text not null,
    feed_id text not null,
    delivery_date date not null,
    name text not null,
    source_uri text not null,
    archive_uri text not null,
    sha256 text not null,
    bytes bigint not null,
    archived_at timestamptz not null default now(),
    primary key (batch_id, name)
);
comment on table meta.archive is 'Every raw delivery file, archived immutably with its checksum';

create table if not exists alerts.alert (
    alert_id text primary key,
    model_id text not null,
    subject_kind text not null,
    subject_id text not null,
    evidence_key text not null,
    region_code text,
    unit_code text,
    severity text not null,
    amount numeric,
    first_seen date not null,
    last_seen date not null,
    status text not null default 'NEW',
    resolved_on date,
    evidence jsonb not null default '[]'::jsonb,
    model_version text
);
create index if not exists alert_model on alerts.alert (model_id);
create index if not exists alert_subject on alerts.alert (subject_kind, subject_id);
comment on table alerts.alert is
'Deduplicated supervision alerts: alert_id = md5(model|subject kind|subject|evidence key)';

create table if not exists alerts.alert_evidence (
    alert_id text not null references alerts.alert (alert_id),
    seq integer not null,
    source_feed text,
    source_key text,
    matched jsonb,
    primary key (alert_id, seq)
);

create table if not exists alerts.scoring_runs (
    run_id bigserial primary key,
    model_id text not null,
    as_of date not null,
    model_version text not null,
    params jsonb not null,
    status text not null,
    rows_scanned bigint,
    hits integer,
    alerts_new integer,
    alerts_updated integer,
    alerts_resolved integer,
    duration_ms integer,
    error text,
    started_at timestamptz not null default now()
);
create index if not exists scoring_runs_model on alerts.scoring_runs (model_id, as_of);
