-- Alert lifecycle (routing, investigators' outcomes, append-only history) and the marts' stable tables.
-- Data-bearing objects live here so their shape is versioned; include/sql/marts/*.sql only refill
-- them for a date, and tianyan/lifecycle.py moves alerts through their states.

-- alerts.alert gains the lifecycle columns. The scoring runner keeps writing NEW / RESOLVED (by data);
-- everything else is set by tianyan.lifecycle from the discipline.alert_dispositions feed.
alter table alerts.alert add column if not exists routed_region text;
alter table alerts.alert add column if not exists office_code text;
alter table alerts.alert add column if not exists assigned_on date;
alter table alerts.alert add column if not exists outcome text;
alter table alerts.alert add column if not exists outcome_at timestamp;
alter table alerts.alert add column if not exists outcome_by text;
alter table alerts.alert add column if not exists amount_recovered numeric;
alter table alerts.alert add column if not exists overdue_since date;
alter table alerts.alert drop constraint if exists alert_status_known;
alter table alerts.alert add constraint alert_status_known check (
    status in ('NEW', 'ASSIGNED', 'CONFIRMED', 'PARTLY_CONFIRMED', 'NO_ISSUE', 'DUPLICATE', 'RESOLVED')
);
create index if not exists alert_office on alerts.alert (office_code, status);
create index if not exists alert_routed_region on alerts.alert (routed_region);
comment on column alerts.alert.routed_region is
'Region used for routing and row-level security: the alert''s region_code, else its unit''s region';
comment on column alerts.alert.office_code is 'Inspection office responsible (alerts.office, longest region prefix)';
comment on column alerts.alert.overdue_since is
'Date the alert was first seen ASSIGNED without an outcome for too long';

-- Inspection offices: one per district (first 6 digits of the 12-digit region code) plus a city
-- office with the empty prefix that catches alerts without any region. Refilled by lifecycle.apply
-- from organization.public_units and the regions alerts carry.
create table if not exists alerts.office (
    office_code text primary key,
    name text not null,
    region_prefix text not null unique,
    source text not null check (source in ('public_units', 'region_codes', 'default'))
);
comment on table alerts.office is 'Inspection offices and the region prefix each is responsible for';

-- Append-only history: who changed what, when, and why. event_key makes replays idempotent
-- (the same disposition, assignment or observation can be recorded only once).
create table if not exists alerts.alert_event (
    event_id bigserial primary key,
    event_key text not null unique,
    alert_id text not null references alerts.alert (alert_id),
    kind text not null check (kind in ('created', 'observed', 'assigned', 'disposition', 'overdue')),
    at timestamp not null,
    actor text not null,
    from_status text,
    to_status text not null,
    note text,
    recorded_at timestamptz not null default now()
);
create index if not exists alert_event_alert on alerts.alert_event (alert_id, event_id);
comment on table alerts.alert_event is
'Append-only history of every alert status change (update/delete refused by trigger)';

create or replace function alerts.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only (% refused)', tg_table_name, tg_op;
end
$$;
create or replace trigger alert_event_append_only before update or delete on alerts.alert_event
for each row execute function alerts.refuse_change();
create or replace trigger alert_event_no_truncate before truncate on alerts.alert_event
for each statement execute function alerts.refuse_change();

-- Which high-severity alerts were already announced (a retried task must not announce twice).
create table if not exists alerts.notified (
    alert_id text primary key references alerts.alert (alert_id),
    as_of date not null,
    channel text not null,
    notified_at timestamptz not null default now()
);

-- Model catalogue copied from include/sql/models/*/*.yaml at every refresh (domain, title, severity).
create table if not exists alerts.model_catalog (
    model_id text primary key,
    domain text not null,
    title_en text,
    title_zh text,
    severity text,
    enabled boolean not null default true
);

-- Investigators' regions: login -> region prefix (row-level security keys on it, see 0004_roles).
create table if not exists alerts.investigator_region (
    login text not null,
    region_prefix text not null,
    primary key (login, region_prefix)
);
comment on table alerts.investigator_region is
'Which region prefixes each investigator login may see in full detail (row-level security)';

-- Expected cadence per feed, copied from the registry at every refresh (freshness needs it in SQL).
create table if not exists meta.feed_cadence (
    feed_id text primary key,
    department text not null,
    title text,
    cadence text not null check (cadence in ('daily', 'weekly', 'monthly')),
    expected_days integer not null
);

-- ---------------------------------------------------------------- marts (refilled per as_of date)
create table if not exists marts.open_alerts_by_office (
    as_of date not null,
    office_code text not null,
    office_name text not null,
    domain text not null,
    severity text not null,
    open_alerts integer not null,
    new_alerts integer not null,
    assigned_alerts integer not null,
    overdue_alerts integer not null,
    amount_flagged numeric,
    oldest_first_seen date,
    primary key (as_of, office_code, domain, severity)
);
comment on table marts.open_alerts_by_office is
'Open (NEW/ASSIGNED) alerts per office, domain and severity, one snapshot per day';

create table if not exists marts.outcomes_by_model (
    as_of date not null,
    model_id text not null,
    domain text not null,
    title_en text,
    severity text,
    alerts_total integer not null,
    open_alerts integer not null,
    overdue_alerts integer not null,
    resolved_by_data integer not null,
    confirmed integer not null,
    partly_confirmed integer not null,
    no_issue integer not null,
    duplicate integer not null,
    decided integer not null,
    confirmed_share numeric,
    amount_flagged numeric,
    amount_recovered numeric,
    needs_tuning boolean not null,
    primary key (as_of, model_id)
);
comment on table marts.outcomes_by_model is
'Investigators'' feedback per model: confirmed share (precision as investigators saw it), recovered money, tuning flag';

create or replace view marts.outcomes_by_domain as
select
    as_of,
    domain,
    sum(alerts_total) as alerts_total,
    sum(open_alerts) as open_alerts,
    sum(overdue_alerts) as overdue_alerts,
    sum(confirmed) as confirmed,
    sum(partly_confirmed) as partly_confirmed,
    sum(no_issue) as no_issue,
    sum(duplicate) as duplicate,
    sum(decided) as decided,
    round(
        (sum(confirmed) + sum(partly_confirmed))::numeric / nullif(sum(confirmed + partly_confirmed + no_issue), 0), 4
    )
        as confirmed_share,
    sum(amount_flagged) as amount_flagged,
    sum(amount_recovered) as amount_recovered,
    count(*) filter (where needs_tuning) as models_needing_tuning
from marts.outcomes_by_model
group by as_of, domain;
comment on view marts.outcomes_by_domain is 'marts.outcomes_by_model rolled up per domain';

create table if not exists marts.risk_index_unit (
    as_of date not null,
    unit_code text not null,
    unit_name text,
    unit_kind text,
    district_code text,
    open_alerts integer not null,
    confirmed_alerts integer not null,
    alert_score numeric not null,
    complaints_90d integer not null,
    overdue_findings integer not null,
    risk_index numeric not null,
    risk_index_7d_ago numeric,
    change_7d numeric,
    avg_28d numeric,
    primary key (as_of, unit_code)
);
comment on table marts.risk_index_unit is 'Daily risk index per public unit with its trend (one row per unit per day)';

create table if not exists marts.risk_index_region (
    as_of date not null,
    district_code text not null,
    district_name text,
    open_alerts integer not null,
    confirmed_alerts integer not null,
    alert_score numeric not null,
    complaints_90d integer not null,
    overdue_findings integer not null,
    risk_index numeric not null,
    risk_index_7d_ago numeric,
    change_7d numeric,
    avg_28d numeric,
    primary key (as_of, district_code)
);
comment on table marts.risk_index_region is 'Daily risk index per district (first 6 region digits) with its trend';

create table if not exists marts.feed_health (
    as_of date not null,
    feed_id text not null,
    department text not null,
    cadence text not null,
    expected_days integer not null,
    last_delivery_date date,
    last_status text,
    last_reason text,
    last_loaded_date date,
    days_since_loaded integer,
    freshness text not null check (freshness in ('OK', 'LATE', 'MISSING', 'REJECTED')),
    runs_30d integer not null,
    rejected_30d integer not null,
    delivered_30d bigint not null,
    loaded_30d bigint not null,
    quarantined_30d bigint not null,
    quarantined_share_30d numeric,
    loaded_last bigint,
    primary key (as_of, feed_id)
);
comment on table marts.feed_health is
'Per feed and day: freshness against its cadence, quality (quarantined share), volumes';

-- Alert detail with personal identifiers. security_invoker: the reader's own privileges and
-- row-level security on alerts.alert apply (investigators see their region only).
create or replace view marts.alert_detail with (security_invoker = true) as
select
    a.alert_id,
    a.model_id,
    coalesce(m.domain, 'unknown') as domain,
    a.severity,
    a.subject_kind,
    a.subject_id,
    a.evidence_key,
    a.region_code,
    a.unit_code,
    a.routed_region,
    a.office_code,
    o.name as office_name,
    a.status,
    a.first_seen,
    a.last_seen,
    a.assigned_on,
    a.overdue_since,
    a.outcome,
    a.outcome_at,
    a.outcome_by,
    a.amount,
    a.amount_recovered,
    a.evidence
from alerts.alert as a
left join alerts.model_catalog as m on a.model_id = m.model_id
left join alerts.office as o on a.office_code = o.office_code;
comment on view marts.alert_detail is
'One row per alert with full detail (subject identifiers, evidence); row-level security applies';
