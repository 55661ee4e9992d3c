-- Shared definition dead(p, d) (include/spec/models.yaml header):
-- p has a death date <= d from ANY of health.death_certificates,
-- civil_affairs.cremation_records, or household_registration status DECEASED
-- (status_date). The earliest date wins.
-- core.death: one row per dead person with the earliest date and which sources
-- report a death (and each source's earliest date, for evidence; earliest_source
-- is the feed giving the earliest date).
-- dead(p, d) = exists core.death with id_no = p and death_date <= d.

create or replace view core.death as
with reported as (
    select
        c.id_no,
        c.death_date,
        'health.death_certificates' as source_feed
    from health.death_certificates as c
    union all
    select
        r.id_no,
        r.death_date,
        'civil_affairs.cremation_records' as source_feed
    from civil_affairs.cremation_records as r
    union all
    select
        h.id_no,
        h.status_date as death_date,
        'public_security.household_registration' as source_feed
    from public_security.household_registration as h
    where h.status = 'DECEASED' and h.status_date is not null
)

select
    reported.id_no,
    min(reported.death_date) as death_date,
    array_agg(distinct reported.source_feed order by reported.source_feed) as sources,
    min(reported.death_date) filter (where reported.source_feed = 'health.death_certificates') as certificate_date,
    min(reported.death_date) filter (where reported.source_feed = 'civil_affairs.cremation_records') as cremation_date,
    min(reported.death_date) filter (where reported.source_feed = 'public_security.household_registration')
        as registration_date,
    (array_agg(reported.source_feed order by reported.death_date, reported.source_feed))[1] as earliest_source
from reported
group by reported.id_no;

comment on view core.death is
'Earliest death date per id_no across death certificates, cremation records and DECEASED household '
'registration (status_date); sources lists the feeds that report it.';

-- Column meanings for core.death (rendered in docs/data-dictionary.md).
comment on column core.death.id_no is
'Identity number (id18) of a person reported dead by at least one source; one row per person.';
comment on column core.death.death_date is
'Earliest death date over all sources (the earliest wins); dead(p, d) holds when death_date <= d.';
comment on column core.death.sources is
'Sorted array of the feeds reporting a death for this person (health.death_certificates, '
'civil_affairs.cremation_records, public_security.household_registration).';
comment on column core.death.certificate_date is
'Earliest death date on a medical death certificate; null when there is no certificate.';
comment on column core.death.cremation_date is
'Earliest death date (not the cremation date) on a cremation record; null when there is no cremation record.';
comment on column core.death.registration_date is
'status_date of a DECEASED household registration; null when the registration does not show DECEASED.';
comment on column core.death.earliest_source is
'Feed that supplies death_date (on equal dates the alphabetically first feed id).';

-- The death as an alert's evidence item (feed: the source of the earliest date, key: the person).
-- A single expression, stable like jsonb_build_object (immutable would stop PostgreSQL inlining
-- it): inlined, and built only for the rows a rule keeps.
create or replace function core.death_evidence(
    id_no text, death_date date, sources text[], earliest_source text
) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'feed', earliest_source,
        'key', id_no,
        'values', jsonb_build_object('death_date', death_date, 'sources', to_jsonb(sources))
    )
$$;

comment on function core.death_evidence(text, date, text[], text) is
'Evidence item of a core.death row for alerts: feed earliest_source, key id_no, values death_date and sources.';
