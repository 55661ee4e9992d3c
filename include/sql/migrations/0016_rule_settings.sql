-- Rules adjustable at run time (issue 17): versioned rule settings, what-if proposals, and the
-- settings version every scoring run used.
--   include/config/models.yaml and each model's <ID>.yaml stay the defaults; alerts.rule_settings
--   overrides them, and its latest version is what the scoring runner binds (tianyan.scoring.rulesettings).
--   Only members of tianyan_rules_owner may add a version (apply or rollback); analysts propose
--   (whatif.proposal), which never touches alerts.alert or alerts.scoring_runs.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'tianyan_rules_owner') then
        begin
            create role tianyan_rules_owner nologin;
        exception when duplicate_object or unique_violation then
            null;
        end;
    end if;
end
$$;

-- One row per version. settings is the whole override set in force from this version on
-- ({model_id: {param: value}}; version 0, no row, is the files alone); changes lists what this
-- version changed against the one before ({model_id, param, old, new}; old/new null = the file's value).
create table if not exists alerts.rule_settings (
    version bigint primary key check (version > 0),
    settings jsonb not null,
    changes jsonb not null,
    action text not null check (action in ('apply', 'rollback')),
    rollback_to bigint check (rollback_to >= 0),
    proposal_id text,
    changed_by text not null default current_user,
    changed_at timestamptz not null default now(),
    reason text not null check (length(trim(reason)) > 0)
);
comment on table alerts.rule_settings is
'Versioned model parameter overrides (who, when, old/new values, reason); the latest version is in force';

comment on column alerts.rule_settings.version is 'Settings version (1, 2, ...; 0 = no row, the files alone)';
comment on column alerts.rule_settings.settings is
'Every override in force from this version on: {model_id: {param: value}} over the files'' defaults';
comment on column alerts.rule_settings.changes is
'What this version changed: [{model_id, param, old, new}] (null = the file''s value)';
comment on column alerts.rule_settings.action is 'apply (new values) or rollback (the settings of rollback_to)';
comment on column alerts.rule_settings.rollback_to is 'For a rollback: the version whose settings were restored';
comment on column alerts.rule_settings.proposal_id is 'The what-if proposal (whatif.proposal) that was applied';
comment on column alerts.rule_settings.changed_by is 'Login that applied (a member of tianyan_rules_owner)';
comment on column alerts.rule_settings.changed_at is 'When the version was recorded';
comment on column alerts.rule_settings.reason is 'Why (required)';

create or replace trigger rule_settings_append_only before update or delete on alerts.rule_settings
for each row execute function alerts.refuse_change();
create or replace trigger rule_settings_no_truncate before truncate on alerts.rule_settings
for each statement execute function alerts.refuse_change();

alter table alerts.scoring_runs add column if not exists settings_version bigint;
comment on column alerts.scoring_runs.settings_version is
'alerts.rule_settings version whose parameters the run bound (0: the files'' defaults only)';

-- What-if: a proposal's hits, scored into this scratch schema, never into alerts.
create schema if not exists whatif;
comment on schema whatif is 'What-if scoring: proposed parameters and the alerts they would give';

create table if not exists whatif.proposal (
    proposal_id text primary key,
    model_id text not null,
    model_source text not null,
    overrides jsonb not null,
    params jsonb not null,
    as_of date not null,
    settings_version bigint not null,
    proposed_by text not null default current_user,
    proposed_at timestamptz not null default now(),
    summary jsonb not null
);
comment on table whatif.proposal is
'A what-if run: model, proposed overrides, as-of date and its diff against the live alerts (summary)';

create table if not exists whatif.hit (
    proposal_id text not null references whatif.proposal (proposal_id) on delete cascade,
    alert_id text not null,
    subject_kind text,
    subject_id text,
    evidence_key text,
    region_code text,
    unit_code text,
    amount numeric,
    evidence jsonb,
    primary key (proposal_id, alert_id)
);
comment on table whatif.hit is 'The alerts a proposal would give (same alert_id as scoring would write)';

-- Only rules owners write settings: the pipeline role's default write privilege is taken back.
revoke insert, update, delete, truncate on alerts.rule_settings from tianyan_pipeline;
grant usage on schema alerts, whatif to tianyan_rules_owner;
grant select, insert on alerts.rule_settings to tianyan_rules_owner;
grant select on alerts.rule_settings, alerts.scoring_runs to tianyan_analyst;
grant usage on schema alerts, whatif to tianyan_analyst;
grant select, insert on whatif.proposal to tianyan_analyst, tianyan_rules_owner;
grant select, insert on whatif.hit to tianyan_rules_owner;
grant usage on schema whatif to tianyan_engineer, tianyan_pipeline;
grant select on all tables in schema whatif to tianyan_engineer;
grant select, insert, update, delete on all tables in schema whatif to tianyan_pipeline;
