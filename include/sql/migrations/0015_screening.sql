-- Point-of-payment screening (tianyan/screen, docs/screening.md).
--   tianyan_screen   the screening service's group role: reads the department feeds and core
--                    definitions (never alerts, meta, marts), makes its own temporary tables, reads
--                    API key hashes and appends to the audit table. The service's login is a member
--                    of it (the service runs `set role tianyan_screen` on every connection).
-- Roles are cluster-wide, so creation tolerates another database having created it already.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'tianyan_screen') then
        begin
            create role tianyan_screen nologin;
        exception when duplicate_object or unique_violation then
            null;
        end;
    end if;
end
$$;

create schema if not exists screen;
comment on schema screen is 'Screening service: API keys (hashed) and the append-only audit of requests';

-- One key per calling system. Only a scrypt hash of the secret part is kept; kinds and regions
-- scope what it may screen (region prefixes; empty array = every region).
create table if not exists screen.api_key (
    key_id text primary key,
    caller text not null,
    secret_hash text not null,
    kinds text[] not null,
    regions text[] not null default '{}',
    rate_per_minute integer not null check (rate_per_minute > 0),
    created_at timestamptz not null default now(),
    revoked_at timestamptz
);
comment on table screen.api_key is
'API keys of calling systems: scrypt hash of the secret, scope (kinds, region prefixes), rate limit';

-- Every request and its answer, without personal identifiers: who, when, how many items of which
-- kinds, which rules hit how often, the HTTP status.
create table if not exists screen.audit (
    audit_id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    key_id text,
    caller text not null,
    channel text not null,
    status integer not null,
    items integer not null,
    kinds jsonb not null default '{}',
    rules_hit jsonb not null default '{}',
    items_failed integer not null default 0,
    duration_ms integer not null,
    detail text
);
comment on table screen.audit is
'Append-only audit of screening requests: caller, time, item kinds, rules hit (no personal identifiers)';

create or replace function screen.audit_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'screen.audit is append-only (% refused)', tg_op;
end
$$;

drop trigger if exists audit_append_only on screen.audit;
create trigger audit_append_only before update or delete on screen.audit
for each row execute function screen.audit_append_only();
drop trigger if exists audit_no_truncate on screen.audit;
create trigger audit_no_truncate before truncate on screen.audit
for each statement execute function screen.audit_append_only();

-- Reads: every department schema (feeds) and core. Schemas of the platform itself are left out.
do $$
declare
    s text;
begin
    for s in select nspname from pg_namespace
        where nspname !~ '^pg_' and nspname not in ('information_schema', 'public', 'meta', 'alerts', 'marts',
                                                    'marts_masked', 'screen')
    loop
        execute format('grant usage on schema %I to tianyan_screen', s);
        execute format('grant select on all tables in schema %I to tianyan_screen', s);
        execute format('alter default privileges in schema %I grant select on tables to tianyan_screen', s);
    end loop;
    execute format('grant connect, temporary on database %I to tianyan_screen', current_database());
end
$$;

grant usage on schema screen to tianyan_screen;
grant select on screen.api_key to tianyan_screen;
grant insert on screen.audit to tianyan_screen;
revoke update, delete, truncate on screen.audit from tianyan_screen;
-- Engineers (0004) read the audit, never the key hashes.
grant usage on schema screen to tianyan_engineer;
grant select on screen.audit to tianyan_engineer;
revoke all on screen.api_key from tianyan_engineer;

-- The loaded rows a screened item is compared with (`context:` of the models' screen declarations)
-- are found through these indexes; tests/screen/test_service.py checks every context column has one.
create index if not exists collective_contracts__history_screen_counterparty_id
on agriculture.collective_contracts__history (counterparty_id);
create index if not exists farm_subsidies__history_screen_id_no on agriculture.farm_subsidies__history (id_no);
create index if not exists assistance_payments__history_screen_bank_account
on civil_affairs.assistance_payments__history (bank_account);
create index if not exists assistance_payments__history_screen_id_no
on civil_affairs.assistance_payments__history (id_no);
create index if not exists relief_payments__history_screen_event_id on emergency.relief_payments__history (event_id);
create index if not exists relief_payments__history_screen_id_no on emergency.relief_payments__history (id_no);
create index if not exists fiscal_payments__history_screen_payee_id on finance.fiscal_payments__history (payee_id);
create index if not exists eco_compensation__history_screen_id_no on forestry.eco_compensation__history (id_no);
create index if not exists claims__history_screen_id_no on medical_insurance.claims__history (id_no);
create index if not exists contracts__history_screen_supplier_uscc
on public_resources.contracts__history (supplier_uscc);
