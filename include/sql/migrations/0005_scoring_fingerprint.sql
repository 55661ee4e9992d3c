-- What a scoring run saw: model version, shared definitions and the input feeds' batches.
-- A run whose fingerprint equals the last successful one for the same model and date is skipped.
alter table alerts.scoring_runs add column if not exists input_fingerprint text;
alter table alerts.scoring_runs drop constraint if exists scoring_runs_status_check;
alter table alerts.scoring_runs add constraint scoring_runs_status_check check (
    status in ('SUCCESS', 'FAILED', 'SKIPPED')
);
