-- Identical redeliveries (issue 12) and archive retention (issue 13).
-- A delivery whose files are byte-identical to the delivery of the feed's previous loaded date adds
-- nothing: it is recorded LOADED with loaded = 0, its rows counted as collapsed, and same_as naming
-- that date (its attempt in meta.feed_attempts is UNCHANGED).
alter table meta.feed_runs add column if not exists same_as date;
comment on column meta.feed_runs.same_as is
'For an identical redelivery: the earlier delivery date whose files it repeats byte for byte (nothing new '
'was loaded; its rows are counted as collapsed); null otherwise.';
comment on column meta.feed_runs.collapsed is
'Exact duplicate rows collapsed into one (within the delivery, or all rows of an identical redelivery, see '
'same_as).';
comment on column meta.feed_runs.reason is
'Why the delivery was rejected, failed or absent (names the feed, the file and the row, never row values); '
'for LOADED a note when it repeated an earlier delivery, else null.';
comment on column meta.feed_runs.files is
'JSON array of the delivered files (name, source_uri, archive_uri, sha256, bytes; for database extracts also '
'the changed_at window and the source''s row counts).';

-- Archived files older than the configured retention (include/config/pipeline.yaml) are deleted; the
-- record of what was delivered stays.
alter table meta.archive add column if not exists pruned_at timestamptz;
comment on column meta.archive.pruned_at is
'When the archived file was deleted under the archive retention (archive_retention_days); null = still kept.';
