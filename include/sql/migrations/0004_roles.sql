-- Access for downstream tools. Group roles (NOLOGIN); people and tools log in as members.
--   tianyan_pipeline      writes (the Airflow warehouse connection's user, or the tables' owner)
--   tianyan_engineer      reads everything, writes nothing
--   tianyan_analyst       reads schema marts_masked only: marts with personal identifiers masked
--   tianyan_investigator  reads marts and alert detail, rows limited to their own region (RLS)
-- Roles are cluster-wide, so creation tolerates another database having created them already.
do $$
declare
    r text;
begin
    foreach r in array array['tianyan_pipeline', 'tianyan_engineer', 'tianyan_analyst', 'tianyan_investigator'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            begin
                execute format('create role %I nologin', r);
            exception when duplicate_object or unique_violation then
                null;
            end;
        end if;
    end loop;
end
$$;

-- A random salt (per warehouse) for pseudonyms: analysts can count distinct subjects without being
-- able to recover an identity number by hashing candidates (id numbers are a small, structured space).
create table if not exists meta.secret (
    name text primary key,
    value text not null
);
insert into meta.secret (name, value) values ('pseudonym_salt', gen_random_uuid()::text)
on conflict (name) do nothing;

create schema if not exists marts_masked;
comment on schema marts_masked is 'Marts for analysts: personal identifiers masked or pseudonymised';

-- Subject kinds that identify a natural person (directly or through their household, account, car).
create or replace function marts_masked.is_personal(kind text) returns boolean
language sql immutable as $$
    select lower(kind) in ('person', 'household', 'bank_account', 'vehicle')
$$;

-- Stable pseudonyms (same subject -> same token in this warehouse), filled by tianyan.lifecycle from
-- the salt. A table rather than a function: a callable hash would let analysts test candidate ids.
create table if not exists alerts.pseudonym (
    value text primary key,
    ref text not null unique
);
comment on table alerts.pseudonym is 'Salted pseudonyms of personal identifiers, for the masked marts';

-- Owner-rights views: analysts need no privilege on the underlying tables (and the salt stays hidden).
create or replace view marts_masked.alert_detail as
select
    a.alert_id,
    a.model_id,
    coalesce(m.domain, 'unknown') as domain,
    a.severity,
    a.subject_kind,
    case
        when marts_masked.is_personal(a.subject_kind) then ps.ref
        else a.subject_id
    end as subject_ref,
    case
        when lower(a.subject_kind) = 'person' then left(a.subject_id, 6) || '************'
        when marts_masked.is_personal(a.subject_kind) then '***'
        else a.subject_id
    end as subject_masked,
    a.region_code,
    a.unit_code,
    a.office_code,
    o.name as office_name,
    a.status,
    a.first_seen,
    a.last_seen,
    a.assigned_on,
    a.overdue_since,
    a.outcome,
    a.outcome_at,
    pb.ref as outcome_by_ref,
    a.amount,
    a.amount_recovered
from alerts.alert as a
left join alerts.model_catalog as m on a.model_id = m.model_id
left join alerts.office as o on a.office_code = o.office_code
left join alerts.pseudonym as ps on a.subject_id = ps.value
left join alerts.pseudonym as pb on a.outcome_by = pb.value;
comment on view marts_masked.alert_detail is
'Alerts without personal identifiers: person-like subjects pseudonymised, evidence and evidence keys left out';

create or replace view marts_masked.open_alerts_by_office as select * from marts.open_alerts_by_office;
create or replace view marts_masked.outcomes_by_model as select * from marts.outcomes_by_model;
create or replace view marts_masked.outcomes_by_domain as select * from marts.outcomes_by_domain;
create or replace view marts_masked.risk_index_unit as select * from marts.risk_index_unit;
create or replace view marts_masked.risk_index_region as select * from marts.risk_index_region;
create or replace view marts_masked.feed_health as select * from marts.feed_health;

-- Engineers read every schema; the pipeline role writes them. Default privileges cover objects
-- created later by the migrating user (later migrations, new feeds).
do $$
declare
    s text;
begin
    for s in select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' loop
        execute format('grant usage on schema %I to tianyan_engineer, tianyan_pipeline', s);
        execute format('grant select on all tables in schema %I to tianyan_engineer', s);
        execute format('grant select, insert, update, delete on all tables in schema %I to tianyan_pipeline', s);
        execute format('grant usage, select on all sequences in schema %I to tianyan_pipeline', s);
        execute format('alter default privileges in schema %I grant select on tables to tianyan_engineer', s);
        execute format(
            'alter default privileges in schema %I grant select, insert, update, delete on tables to tianyan_pipeline', s
        );
        execute format('alter default privileges in schema %I grant usage, select on sequences to tianyan_pipeline', s);
    end loop;
end
$$;
-- The salt is not for reading by people, engineers included.
revoke all on meta.secret from tianyan_engineer;

-- Analysts: the masked schema only.
grant usage on schema marts_masked to tianyan_analyst;
grant select on all tables in schema marts_masked to tianyan_analyst;
alter default privileges in schema marts_masked grant select on tables to tianyan_analyst;

-- Investigators: marts (aggregates, no personal data) and alert detail, filtered by row-level security.
grant usage on schema marts, alerts to tianyan_investigator;
grant select on all tables in schema marts to tianyan_investigator;
grant select on alerts.alert, alerts.alert_event, alerts.alert_evidence, alerts.office, alerts.model_catalog,
alerts.investigator_region to tianyan_investigator;

-- Row-level security. Table owners (the migrating user) bypass it; the group roles do not.
alter table alerts.alert enable row level security;
alter table alerts.alert_event enable row level security;
alter table alerts.alert_evidence enable row level security;
alter table alerts.investigator_region enable row level security;

drop policy if exists engineer_read on alerts.alert;
create policy engineer_read on alerts.alert for select to tianyan_engineer using (true);
drop policy if exists pipeline_all on alerts.alert;
create policy pipeline_all on alerts.alert for all to tianyan_pipeline using (true) with check (true);
drop policy if exists investigator_region on alerts.alert;
create policy investigator_region on alerts.alert for select to tianyan_investigator using (
    exists (
        select 1 from alerts.investigator_region as r
        where r.login = current_user and starts_with(coalesce(alert.routed_region, ''), r.region_prefix)
    )
);

-- Events and evidence follow their alert: visible when the alert is (its own policy applies inside).
drop policy if exists engineer_read on alerts.alert_event;
create policy engineer_read on alerts.alert_event for select to tianyan_engineer using (true);
drop policy if exists pipeline_all on alerts.alert_event;
create policy pipeline_all on alerts.alert_event for all to tianyan_pipeline using (true) with check (true);
drop policy if exists investigator_region on alerts.alert_event;
create policy investigator_region on alerts.alert_event for select to tianyan_investigator using (
    exists (
        select 1 from alerts.alert as a
        where a.alert_id = alert_event.alert_id
    )
);

drop policy if exists engineer_read on alerts.alert_evidence;
create policy engineer_read on alerts.alert_evidence for select to tianyan_engineer using (true);
drop policy if exists pipeline_all on alerts.alert_evidence;
create policy pipeline_all on alerts.alert_evidence for all to tianyan_pipeline using (true) with check (true);
drop policy if exists investigator_region on alerts.alert_evidence;
create policy investigator_region on alerts.alert_evidence for select to tianyan_investigator using (
    exists (
        select 1 from alerts.alert as a
        where a.alert_id = alert_evidence.alert_id
    )
);

drop policy if exists engineer_read on alerts.investigator_region;
create policy engineer_read on alerts.investigator_region for select to tianyan_engineer using (true);
drop policy if exists pipeline_all on alerts.investigator_region;
create policy pipeline_all on alerts.investigator_region for all to tianyan_pipeline using (true) with check (true);
drop policy if exists own_rows on alerts.investigator_region;
create policy own_rows on alerts.investigator_region for select to tianyan_investigator using (login = current_user);
