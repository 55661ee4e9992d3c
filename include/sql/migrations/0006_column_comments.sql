-- Meanings of every column of the alerts, marts and meta objects, for docs/data-dictionary.md
-- (tianyan dictionary). comment on is idempotent; re-running changes nothing.

-- alerts.alert
comment on column alerts.alert.alert_id is
'Deterministic alert id, md5 of model_id, subject_kind, subject_id and evidence_key joined by |; re-runs update '
'the same row, never duplicate it.';
comment on column alerts.alert.model_id is
'Supervision model that raised the alert (e.g. SA01), see alerts.model_catalog.';
comment on column alerts.alert.subject_kind is
'Kind of subject flagged, one of person, enterprise, unit, tender, village, institution, bank_account, vehicle, '
'household.';
comment on column alerts.alert.subject_id is
'Identifier of the subject by kind (person id18, enterprise uscc, unit_code, tender_id, village_code, '
'institution_code, bank_account, plate_no, household_id).';
comment on column alerts.alert.evidence_key is
'Model-defined key distinguishing several alerts on one subject (e.g. a period or payment id); empty string '
'when the model needs none.';
comment on column alerts.alert.region_code is
'12-digit region code the model gives for routing; null when the model has none (routing then falls back to the '
'unit''s region).';
comment on column alerts.alert.unit_code is
'Responsible public unit, when the model names one; null otherwise.';
comment on column alerts.alert.severity is
'Severity of the model at scoring time, high, medium or low.';
comment on column alerts.alert.amount is
'Money involved in yuan as computed by the model (e.g. the payments made after death); null when the rule '
'involves no amount.';
comment on column alerts.alert.first_seen is
'As-of date of the first scoring run that produced the alert (kept at the earliest date on re-runs).';
comment on column alerts.alert.last_seen is
'Latest as-of date on which a scoring run still produced the alert.';
comment on column alerts.alert.status is
'Lifecycle state, NEW (raised), ASSIGNED (routed to an office), CONFIRMED, PARTLY_CONFIRMED, NO_ISSUE, '
'DUPLICATE (investigators'' outcome) or RESOLVED (the model no longer produces it); open = NEW or ASSIGNED.';
comment on column alerts.alert.resolved_on is
'As-of date of the run that set status RESOLVED (evidence gone); null unless RESOLVED, cleared if the evidence '
'comes back.';
comment on column alerts.alert.evidence is
'JSON array of the evidence rows as the model returned them, each with feed, key and values (contains personal '
'data).';
comment on column alerts.alert.model_version is
'Version hash (12 hex characters) of the model SQL and parameters that last produced the alert.';
comment on column alerts.alert.assigned_on is
'As-of date the alert was routed and moved from NEW to ASSIGNED; null while NEW or never assigned.';
comment on column alerts.alert.outcome is
'Latest investigators'' outcome from discipline.alert_dispositions, CONFIRMED, PARTLY_CONFIRMED, NO_ISSUE or '
'DUPLICATE; null = no outcome yet.';
comment on column alerts.alert.outcome_at is
'recorded_at timestamp of the latest outcome; null = no outcome yet.';
comment on column alerts.alert.outcome_by is
'Investigator login that recorded the latest outcome (recorded_by); null = no outcome yet.';
comment on column alerts.alert.amount_recovered is
'Money recovered in yuan as reported with the latest outcome; null when none reported.';

-- alerts.alert_event
comment on column alerts.alert_event.event_id is
'Sequence number of the event (increasing in recording order).';
comment on column alerts.alert_event.event_key is
'Unique key derived from the cause of the event (e.g. created, assigned, disposition or overdue plus the alert '
'id), so replays record nothing twice.';
comment on column alerts.alert_event.alert_id is
'Alert the event belongs to (alerts.alert).';
comment on column alerts.alert_event.kind is
'Event kind, created (scoring raised it), observed (scoring resolved or reopened it), assigned (routed to an '
'office), disposition (investigators'' outcome) or overdue (no outcome in time).';
comment on column alerts.alert_event.at is
'When the change happened in business time (as-of date for scoring, routing and overdue events, recorded_at for '
'dispositions).';
comment on column alerts.alert_event.actor is
'Who made the change, scoring plus the model id, tianyan.lifecycle, or the investigator login for dispositions.';
comment on column alerts.alert_event.from_status is
'Alert status before the change; null for created events.';
comment on column alerts.alert_event.to_status is
'Alert status after the change (equal to from_status for overdue events).';
comment on column alerts.alert_event.note is
'Free-text explanation, e.g. the model version, the office routed to or the investigator''s note.';
comment on column alerts.alert_event.recorded_at is
'Wall-clock time the event row was written to the warehouse.';

-- alerts.alert_evidence
comment on table alerts.alert_evidence is
'Evidence rows of each alert, one per element of alerts.alert.evidence, replaced on every scoring run that '
'produces the alert';
comment on column alerts.alert_evidence.alert_id is
'Alert the evidence belongs to (alerts.alert).';
comment on column alerts.alert_evidence.seq is
'Position of the evidence row in the alert''s evidence array, from 1.';
comment on column alerts.alert_evidence.source_feed is
'Feed id the evidence row comes from, e.g. civil_affairs.assistance_payments.';
comment on column alerts.alert_evidence.source_key is
'Key of the source row in that feed, as given by the model.';
comment on column alerts.alert_evidence.matched is
'JSON object of the source row''s values that made the rule match (contains personal data).';

-- alerts.investigator_region
comment on column alerts.investigator_region.login is
'Database login of an investigator (compared with current_user by row-level security).';
comment on column alerts.investigator_region.region_prefix is
'Region code prefix the login may see; an alert is visible when its routed_region starts with it (the empty '
'prefix shows everything).';

-- alerts.model_catalog
comment on table alerts.model_catalog is
'Supervision model catalogue copied from include/sql/models YAML files at every marts refresh';
comment on column alerts.model_catalog.model_id is
'Model id, e.g. SA01.';
comment on column alerts.model_catalog.domain is
'Supervision domain of the model, e.g. social_assistance.';
comment on column alerts.model_catalog.title_en is
'English title of the model.';
comment on column alerts.model_catalog.title_zh is
'Chinese title of the model.';
comment on column alerts.model_catalog.severity is
'Severity the model assigns to its alerts, high, medium or low.';
comment on column alerts.model_catalog.enabled is
'False when the model is disabled in its YAML and no longer scored.';

-- alerts.notified
comment on table alerts.notified is
'High-severity alerts already announced, so a retried task never announces an alert twice';
comment on column alerts.notified.alert_id is
'Alert that was announced (alerts.alert); one row per alert.';
comment on column alerts.notified.as_of is
'As-of date of the run that announced it.';
comment on column alerts.notified.channel is
'Channel the message went out through, webhook or email.';
comment on column alerts.notified.notified_at is
'Wall-clock time the announcement was recorded (after the message was sent).';

-- alerts.office
comment on column alerts.office.office_code is
'Office code, INSP- plus the 6-digit district prefix, or INSP-CITY for the city office.';
comment on column alerts.office.name is
'Office name (the district party committee''s discipline office where the unit register names one).';
comment on column alerts.office.region_prefix is
'Region code prefix the office covers (6 digits = a district; empty for the city office, which takes everything '
'else); alerts go to the longest matching prefix.';
comment on column alerts.office.source is
'Why the office exists, public_units (district in the unit register), region_codes (district only seen in '
'alerts) or default (the city office).';

-- alerts.pseudonym
comment on column alerts.pseudonym.value is
'Personal identifier being pseudonymised (a person-like subject_id or an investigator login).';
comment on column alerts.pseudonym.ref is
'Stable salted pseudonym shown in marts_masked, P plus 16 hex characters; the same value always gets the same '
'ref in this warehouse.';

-- alerts.scoring_runs
comment on table alerts.scoring_runs is
'One row per model run (SUCCESS, FAILED or SKIPPED), with counts and the input fingerprint';
comment on column alerts.scoring_runs.run_id is
'Sequence number of the run.';
comment on column alerts.scoring_runs.model_id is
'Model that was run.';
comment on column alerts.scoring_runs.as_of is
'As-of date (logical date) the model was scored for.';
comment on column alerts.scoring_runs.model_version is
'Version hash of the model SQL and parameters used.';
comment on column alerts.scoring_runs.params is
'JSON object of the parameter values used (thresholds such as car_price_min).';
comment on column alerts.scoring_runs.status is
'SUCCESS, FAILED or SKIPPED (inputs unchanged since the model''s last successful run).';
comment on column alerts.scoring_runs.rows_scanned is
'Estimated number of rows in the history tables of the model''s input feeds (planner statistics, not an exact '
'count).';
comment on column alerts.scoring_runs.hits is
'Distinct alerts produced by the run (after deduplication on alert_id).';
comment on column alerts.scoring_runs.alerts_new is
'Hits whose alert_id did not exist before the run.';
comment on column alerts.scoring_runs.alerts_updated is
'Hits that updated an existing alert (hits minus alerts_new).';
comment on column alerts.scoring_runs.alerts_resolved is
'Open (NEW or ASSIGNED) alerts of the model set to RESOLVED because the run no longer produced them.';
comment on column alerts.scoring_runs.duration_ms is
'Wall-clock duration of the run in milliseconds.';
comment on column alerts.scoring_runs.error is
'Exception class and message of a FAILED run (up to 2000 characters); null otherwise.';
comment on column alerts.scoring_runs.started_at is
'Wall-clock time the run was recorded.';
comment on column alerts.scoring_runs.input_fingerprint is
'Hash of the model version, core definitions, as-of date and loaded input batches; a run with the same '
'fingerprint as the last successful one is SKIPPED.';

-- marts.open_alerts_by_office
comment on column marts.open_alerts_by_office.as_of is
'Date of the snapshot (the marts refresh''s as-of date); one set of rows per day, replaced when the day is '
'refreshed.';
comment on column marts.open_alerts_by_office.office_code is
'Inspection office holding the alerts (INSP-CITY for alerts not routed yet).';
comment on column marts.open_alerts_by_office.office_name is
'Office name (the code when the office is unknown).';
comment on column marts.open_alerts_by_office.domain is
'Supervision domain of the alerts'' models (unknown when the model is not in the catalogue).';
comment on column marts.open_alerts_by_office.severity is
'Alert severity, high, medium or low.';
comment on column marts.open_alerts_by_office.open_alerts is
'Alerts first seen on or before as_of with status NEW or ASSIGNED.';
comment on column marts.open_alerts_by_office.new_alerts is
'Of those, alerts with status NEW (not yet assigned).';
comment on column marts.open_alerts_by_office.assigned_alerts is
'Of those, alerts with status ASSIGNED.';
comment on column marts.open_alerts_by_office.overdue_alerts is
'Of those, alerts flagged overdue (assigned without an outcome for longer than the overdue limit, 30 days by '
'default).';
comment on column marts.open_alerts_by_office.amount_flagged is
'Sum of the open alerts'' amounts in yuan; null when none carries an amount.';
comment on column marts.open_alerts_by_office.oldest_first_seen is
'Earliest first_seen among the open alerts (age of the backlog).';

-- marts.outcomes_by_model
comment on column marts.outcomes_by_model.as_of is
'Date of the snapshot (the marts refresh''s as-of date); one set of rows per day, replaced when the day is '
'refreshed.';
comment on column marts.outcomes_by_model.model_id is
'Model the figures are for (alerts first seen on or before as_of, current statuses).';
comment on column marts.outcomes_by_model.domain is
'Supervision domain of the model (unknown when not in the catalogue).';
comment on column marts.outcomes_by_model.title_en is
'English title of the model; null when not in the catalogue.';
comment on column marts.outcomes_by_model.severity is
'Severity of the model; null when not in the catalogue.';
comment on column marts.outcomes_by_model.alerts_total is
'All alerts of the model first seen on or before as_of, whatever their status.';
comment on column marts.outcomes_by_model.open_alerts is
'Alerts with status NEW or ASSIGNED.';
comment on column marts.outcomes_by_model.overdue_alerts is
'Alerts currently flagged overdue (assigned without an outcome in time).';
comment on column marts.outcomes_by_model.resolved_by_data is
'Alerts with status RESOLVED (the model stopped producing them, no investigator outcome).';
comment on column marts.outcomes_by_model.confirmed is
'Alerts with outcome status CONFIRMED.';
comment on column marts.outcomes_by_model.partly_confirmed is
'Alerts with outcome status PARTLY_CONFIRMED.';
comment on column marts.outcomes_by_model.no_issue is
'Alerts with outcome status NO_ISSUE (investigators found nothing wrong).';
comment on column marts.outcomes_by_model.duplicate is
'Alerts with outcome status DUPLICATE (raised twice, not counted as wrong).';
comment on column marts.outcomes_by_model.decided is
'Alerts with any investigators'' outcome (confirmed + partly_confirmed + no_issue + duplicate).';
comment on column marts.outcomes_by_model.confirmed_share is
'(confirmed + partly_confirmed) / (confirmed + partly_confirmed + no_issue), 4 decimals, the precision as '
'investigators saw it; null when that denominator is 0.';
comment on column marts.outcomes_by_model.amount_flagged is
'Sum of the alerts'' amounts in yuan; null when none carries an amount.';
comment on column marts.outcomes_by_model.amount_recovered is
'Sum of the amounts recovered in yuan reported with outcomes; 0 when none.';
comment on column marts.outcomes_by_model.needs_tuning is
'True when at least min_decided (default 5) alerts are confirmed, partly confirmed or no issue and '
'confirmed_share is below min_confirmed_share (default 0.3).';

-- marts.outcomes_by_domain
comment on column marts.outcomes_by_domain.as_of is
'Date of the snapshot, as in marts.outcomes_by_model.';
comment on column marts.outcomes_by_domain.domain is
'Supervision domain the models are rolled up into.';
comment on column marts.outcomes_by_domain.alerts_total is
'Sum of alerts_total over the domain''s models.';
comment on column marts.outcomes_by_domain.open_alerts is
'Sum of open (NEW or ASSIGNED) alerts over the domain''s models.';
comment on column marts.outcomes_by_domain.overdue_alerts is
'Sum of overdue alerts over the domain''s models.';
comment on column marts.outcomes_by_domain.confirmed is
'Sum of CONFIRMED alerts over the domain''s models.';
comment on column marts.outcomes_by_domain.partly_confirmed is
'Sum of PARTLY_CONFIRMED alerts over the domain''s models.';
comment on column marts.outcomes_by_domain.no_issue is
'Sum of NO_ISSUE alerts over the domain''s models.';
comment on column marts.outcomes_by_domain.duplicate is
'Sum of DUPLICATE alerts over the domain''s models.';
comment on column marts.outcomes_by_domain.decided is
'Sum of alerts with an investigators'' outcome over the domain''s models.';
comment on column marts.outcomes_by_domain.confirmed_share is
'(confirmed + partly_confirmed) / (confirmed + partly_confirmed + no_issue) over the domain, 4 decimals; null '
'when that denominator is 0.';
comment on column marts.outcomes_by_domain.amount_flagged is
'Sum of flagged amounts in yuan over the domain''s models.';
comment on column marts.outcomes_by_domain.amount_recovered is
'Sum of recovered amounts in yuan over the domain''s models.';
comment on column marts.outcomes_by_domain.models_needing_tuning is
'Number of the domain''s models with needs_tuning true.';

-- marts.risk_index_unit
comment on column marts.risk_index_unit.as_of is
'Date of the snapshot (the marts refresh''s as-of date); one set of rows per day, replaced when the day is '
'refreshed.';
comment on column marts.risk_index_unit.unit_code is
'Public unit (organization.public_units as registered on as_of).';
comment on column marts.risk_index_unit.unit_name is
'Unit name as registered on as_of.';
comment on column marts.risk_index_unit.unit_kind is
'Unit kind, PARTY, GOVERNMENT, PUBLIC_INSTITUTION, TOWNSHIP or VILLAGE_COMMITTEE.';
comment on column marts.risk_index_unit.district_code is
'District of the unit (first 6 digits of its region code).';
comment on column marts.risk_index_unit.open_alerts is
'Open (NEW or ASSIGNED) alerts whose unit_code is this unit, first seen on or before as_of.';
comment on column marts.risk_index_unit.confirmed_alerts is
'Alerts whose unit_code is this unit that investigators CONFIRMED or PARTLY_CONFIRMED with the outcome recorded '
'in the 365 days up to as_of.';
comment on column marts.risk_index_unit.alert_score is
'Sum of alert weights, severity weight (high 5, medium 3, low 1) for open alerts and twice that for recently '
'confirmed ones; NO_ISSUE, DUPLICATE and RESOLVED alerts weigh 0.';
comment on column marts.risk_index_unit.complaints_90d is
'Complaints naming the unit received in the 90 days up to as_of (as_of - 90, as_of], as known on as_of.';
comment on column marts.risk_index_unit.overdue_findings is
'Audit findings of the unit past their due date and not RECTIFIED on as_of.';
comment on column marts.risk_index_unit.risk_index is
'alert_score + 1 x complaints_90d + 2 x overdue_findings (default weights); higher = more risk.';
comment on column marts.risk_index_unit.risk_index_7d_ago is
'risk_index of the same row 7 days earlier; null when that day was not computed.';
comment on column marts.risk_index_unit.change_7d is
'risk_index minus risk_index_7d_ago; null when risk_index_7d_ago is null.';
comment on column marts.risk_index_unit.avg_28d is
'Mean risk_index over the computed days among the 28 days up to as_of (today included), 3 decimals.';

-- marts.risk_index_region
comment on column marts.risk_index_region.as_of is
'Date of the snapshot (the marts refresh''s as-of date); one set of rows per day, replaced when the day is '
'refreshed.';
comment on column marts.risk_index_region.district_code is
'District, the first 6 digits of the 12-digit region code.';
comment on column marts.risk_index_region.district_name is
'Name of the district''s inspection office; null when the district has no office.';
comment on column marts.risk_index_region.open_alerts is
'Open (NEW or ASSIGNED) alerts whose routed_region lies in the district, first seen on or before as_of.';
comment on column marts.risk_index_region.confirmed_alerts is
'Alerts whose routed_region lies in the district that investigators CONFIRMED or PARTLY_CONFIRMED with the '
'outcome recorded in the 365 days up to as_of.';
comment on column marts.risk_index_region.alert_score is
'Sum of alert weights, severity weight (high 5, medium 3, low 1) for open alerts and twice that for recently '
'confirmed ones; NO_ISSUE, DUPLICATE and RESOLVED alerts weigh 0.';
comment on column marts.risk_index_region.complaints_90d is
'Complaints with a region_code in the district received in the 90 days up to as_of (as_of - 90, as_of], as '
'known on as_of.';
comment on column marts.risk_index_region.overdue_findings is
'Audit findings of the district''s units past their due date and not RECTIFIED on as_of.';
comment on column marts.risk_index_region.risk_index is
'alert_score + 1 x complaints_90d + 2 x overdue_findings (default weights); higher = more risk.';
comment on column marts.risk_index_region.risk_index_7d_ago is
'risk_index of the same row 7 days earlier; null when that day was not computed.';
comment on column marts.risk_index_region.change_7d is
'risk_index minus risk_index_7d_ago; null when risk_index_7d_ago is null.';
comment on column marts.risk_index_region.avg_28d is
'Mean risk_index over the computed days among the 28 days up to as_of (today included), 3 decimals.';

-- marts.feed_health
comment on column marts.feed_health.as_of is
'Date of the snapshot (the marts refresh''s as-of date); one set of rows per day, replaced when the day is '
'refreshed.';
comment on column marts.feed_health.feed_id is
'Feed id, department.feed_name, for every feed of the registry.';
comment on column marts.feed_health.department is
'Department (warehouse schema) delivering the feed.';
comment on column marts.feed_health.cadence is
'Expected delivery cadence, daily, weekly or monthly.';
comment on column marts.feed_health.expected_days is
'Days a delivery may be old before the feed is LATE (daily 1, weekly 7, monthly 31).';
comment on column marts.feed_health.last_delivery_date is
'Latest delivery date up to as_of that was LOADED or REJECTED (NO_DELIVERY days ignored); null when none.';
comment on column marts.feed_health.last_status is
'Status of that delivery, LOADED or REJECTED; null when none.';
comment on column marts.feed_health.last_reason is
'Reason given when that delivery was rejected; null otherwise.';
comment on column marts.feed_health.last_loaded_date is
'Latest delivery date up to as_of that was LOADED; null = never loaded.';
comment on column marts.feed_health.days_since_loaded is
'as_of minus last_loaded_date in days; null = never loaded.';
comment on column marts.feed_health.freshness is
'MISSING (never loaded), REJECTED (latest delivery refused whole), LATE (days_since_loaded > expected_days) or '
'OK.';
comment on column marts.feed_health.runs_30d is
'Deliveries (LOADED or REJECTED) with a delivery date in the 30 days up to as_of.';
comment on column marts.feed_health.rejected_30d is
'REJECTED deliveries in those 30 days.';
comment on column marts.feed_health.delivered_30d is
'Rows delivered in those 30 days.';
comment on column marts.feed_health.loaded_30d is
'Rows loaded in those 30 days.';
comment on column marts.feed_health.quarantined_30d is
'Rows quarantined in those 30 days.';
comment on column marts.feed_health.quarantined_share_30d is
'quarantined_30d / delivered_30d, 4 decimals; null when nothing was delivered.';
comment on column marts.feed_health.loaded_last is
'Rows loaded by the last LOADED delivery; null = never loaded.';

-- marts.alert_detail
comment on column marts.alert_detail.alert_id is
'Alert id (alerts.alert).';
comment on column marts.alert_detail.model_id is
'Model that raised the alert.';
comment on column marts.alert_detail.domain is
'Supervision domain of the model (unknown when not in the catalogue).';
comment on column marts.alert_detail.severity is
'Alert severity, high, medium or low.';
comment on column marts.alert_detail.subject_kind is
'Kind of subject flagged (person, enterprise, unit, tender, village, institution, bank_account, vehicle, '
'household).';
comment on column marts.alert_detail.subject_id is
'Identifier of the subject (personal data for person-like kinds).';
comment on column marts.alert_detail.evidence_key is
'Model-defined key distinguishing several alerts on one subject; empty when none.';
comment on column marts.alert_detail.region_code is
'Region code given by the model; null when none.';
comment on column marts.alert_detail.unit_code is
'Responsible public unit named by the model; null when none.';
comment on column marts.alert_detail.routed_region is
'Region used for routing and row-level security (region_code, else the unit''s region).';
comment on column marts.alert_detail.office_code is
'Inspection office the alert is routed to.';
comment on column marts.alert_detail.office_name is
'Name of that office.';
comment on column marts.alert_detail.status is
'Lifecycle state, NEW, ASSIGNED, CONFIRMED, PARTLY_CONFIRMED, NO_ISSUE, DUPLICATE or RESOLVED.';
comment on column marts.alert_detail.first_seen is
'As-of date the alert was first produced.';
comment on column marts.alert_detail.last_seen is
'Latest as-of date the alert was produced.';
comment on column marts.alert_detail.assigned_on is
'As-of date the alert was assigned to its office; null while NEW.';
comment on column marts.alert_detail.overdue_since is
'Date the alert was flagged overdue (ASSIGNED without an outcome in time); null when not overdue.';
comment on column marts.alert_detail.outcome is
'Latest investigators'' outcome; null = none yet.';
comment on column marts.alert_detail.outcome_at is
'When the latest outcome was recorded; null = none yet.';
comment on column marts.alert_detail.outcome_by is
'Investigator login that recorded the latest outcome; null = none yet.';
comment on column marts.alert_detail.amount is
'Money involved in yuan; null when the rule involves none.';
comment on column marts.alert_detail.amount_recovered is
'Money recovered in yuan reported with the latest outcome; null when none.';
comment on column marts.alert_detail.evidence is
'JSON array of evidence rows (feed, key, values).';

-- meta.alembic_version
comment on table meta.alembic_version is
'Applied migration revision (the file name stem of the latest include/sql/migrations file applied)';
comment on column meta.alembic_version.version_num is
'Revision applied last, e.g. 0006_column_comments.';

-- meta.archive
comment on column meta.archive.batch_id is
'Delivery batch, feed id plus delivery date plus a hash of the files'' checksums; the _batch_id of the rows '
'loaded from it.';
comment on column meta.archive.feed_id is
'Feed the file was delivered for.';
comment on column meta.archive.delivery_date is
'Delivery date (the drop folder''s date).';
comment on column meta.archive.name is
'File name (for paged http deliveries the page file).';
comment on column meta.archive.source_uri is
'Where the file was fetched from (never carries credentials).';
comment on column meta.archive.archive_uri is
'Where the immutable archived copy is kept.';
comment on column meta.archive.sha256 is
'SHA-256 checksum of the file, hex.';
comment on column meta.archive.bytes is
'File size in bytes.';
comment on column meta.archive.archived_at is
'Wall-clock time the archive row was written.';

-- meta.feed_cadence
comment on table meta.feed_cadence is
'Expected delivery cadence per feed, copied from the registry at every marts refresh';
comment on column meta.feed_cadence.feed_id is
'Feed id, department.feed_name.';
comment on column meta.feed_cadence.department is
'Department (warehouse schema) of the feed.';
comment on column meta.feed_cadence.title is
'Feed title from the registry.';
comment on column meta.feed_cadence.cadence is
'Delivery cadence, daily, weekly or monthly.';
comment on column meta.feed_cadence.expected_days is
'Maximum age in days of the last loaded delivery before the feed is LATE (daily 1, weekly 7, monthly 31).';

-- meta.feed_runs
comment on column meta.feed_runs.feed_id is
'Feed id, department.feed_name.';
comment on column meta.feed_runs.delivery_date is
'Delivery date checked (one row per feed and date).';
comment on column meta.feed_runs.batch_id is
'Batch written by the delivery (meta.archive, _batch_id of loaded rows); null for NO_DELIVERY.';
comment on column meta.feed_runs.status is
'LOADED (rows merged), REJECTED (delivery refused whole, see reason) or NO_DELIVERY (nothing delivered that '
'day).';
comment on column meta.feed_runs.delivered is
'Data rows delivered; for LOADED equals loaded + quarantined + collapsed.';
comment on column meta.feed_runs.loaded is
'Rows that passed validation and were merged into the history (0 when REJECTED).';
comment on column meta.feed_runs.quarantined is
'Rows refused by validation and written to meta.quarantine.';
comment on column meta.feed_runs.collapsed is
'Exact duplicate rows within the delivery, collapsed into one.';
comment on column meta.feed_runs.reason is
'Why the delivery was rejected or absent; null for LOADED.';
comment on column meta.feed_runs.files is
'JSON array of the delivered files (name, source_uri, archive_uri, sha256, bytes).';
comment on column meta.feed_runs.started_at is
'Wall-clock time the run record was first written.';
comment on column meta.feed_runs.finished_at is
'Wall-clock time the run record was last written.';

-- meta.quarantine
comment on column meta.quarantine.feed_id is
'Feed the refused row was delivered in.';
comment on column meta.quarantine.delivery_date is
'Delivery date of the refused row.';
comment on column meta.quarantine.batch_id is
'Batch of the delivery (meta.archive).';
comment on column meta.quarantine.source_file is
'File the row came from (warehouse source for rows refused after loading, e.g. unknown alert ids).';
comment on column meta.quarantine.row_no is
'1-based data row number within the file, header excluded (item index for json pages); 0 for rows refused in '
'the warehouse.';
comment on column meta.quarantine.rule is
'Failed rule, required, id18, uscc, region, period, enum, type, bound, unique, or unknown_alert for '
'dispositions of unknown alerts.';
comment on column meta.quarantine.column_name is
'Column that failed the rule (comma-separated key columns for unique); null when not column-specific.';
comment on column meta.quarantine.message is
'Human-readable description of the failure.';
comment on column meta.quarantine.raw is
'JSON object of the row''s values exactly as delivered (contains personal data).';

-- meta.secret
comment on table meta.secret is
'Per-warehouse secrets (the pseudonym salt); not readable by engineers or analysts';
comment on column meta.secret.name is
'Secret name, e.g. pseudonym_salt.';
comment on column meta.secret.value is
'Secret value (the random salt behind alerts.pseudonym).';
