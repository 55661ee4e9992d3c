-- Proportional daily re-score (issue 14): a model whose input feeds did not change since its last run
-- and whose rule does not depend on the as-of date carries that run's result forward to a new date
-- (status CARRIED) instead of running again. Its last run's hits are kept in alerts.model_hits, and
-- every run records the date-free fingerprint of what it read (data_fingerprint).
alter table alerts.scoring_runs add column if not exists data_fingerprint text;
alter table alerts.scoring_runs drop constraint if exists scoring_runs_status_check;
alter table alerts.scoring_runs add constraint scoring_runs_status_check check (
    status in ('SUCCESS', 'FAILED', 'SKIPPED', 'CARRIED')
);

create table if not exists alerts.model_hits (
    model_id text not null,
    alert_id text not null references alerts.alert (alert_id),
    primary key (model_id, alert_id)
);

comment on table alerts.model_hits is
'The alerts each model produced in its latest run (SUCCESS), replaced by every run; a run carried forward to '
'a new date (scoring_runs status CARRIED) produces exactly these again.';
comment on column alerts.model_hits.model_id is
'Model whose latest run produced the alert.';
comment on column alerts.model_hits.alert_id is
'Alert the run produced (alerts.alert).';
comment on column alerts.scoring_runs.data_fingerprint is
'Hash of the model version and severity, core definitions and every loaded batch of its input feeds (no date); '
'a model whose rule does not depend on the date and whose data fingerprint equals its last run''s is CARRIED '
'to a new date.';
comment on column alerts.scoring_runs.status is
'SUCCESS, FAILED, SKIPPED (same date, inputs unchanged since the model''s last run) or CARRIED (new date, '
'inputs unchanged and the rule independent of the date: the last run''s alerts carried forward).';
comment on column alerts.scoring_runs.input_fingerprint is
'Hash of the data fingerprint and the as-of date; a run with the same fingerprint as the model''s last run is '
'SKIPPED.';
comment on table alerts.scoring_runs is
'One row per model run (SUCCESS, FAILED, SKIPPED or CARRIED), with counts and the input fingerprints';
