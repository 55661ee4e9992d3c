-- The referential report is read as of the delivery date, so that the load order of feeds and dates
-- cannot change it (tianyan.ingest.referential): the comments say what the columns now hold.
comment on table meta.referential is
'Per loaded delivery and ref: column, how many of its values the referenced feed did not hold at the end '
'of the delivery date (reported, never dropped; re-checked when the referenced feed loads)';
comment on column meta.referential.batch_id is 'The loaded batch of the delivery checked (meta.feed_runs).';
comment on column meta.referential.checked_rows is
'Rows of the delivery with a value in the column: for a snapshot feed its rows in effect at the end of '
'the date, for a delta or append feed the versions its date wrote.';
comment on column meta.referential.missing_rows is
'Of them, rows whose value the referenced feed did not hold at the end of the delivery date.';
comment on column meta.referential.checked_at is
'When the check ran (the delivery''s load, or a later load of the referenced feed).';
