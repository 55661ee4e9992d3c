-- Shared pieces of the rules that find a village official, or an official's relative, behind a
-- payment or an enrollment (core.official_kin rows; RE03 outsized relief, SA06 official's household
-- receives assistance, SA07 assistance approved for a relative).

-- The evidence item of a village official's core.official_kin row (RE03, SA07): the appointment and
-- how the subject is related to the official. A single expression: inlined, built only for the rows
-- a rule keeps.
create or replace function core.village_official_evidence(
    appointment_id text, official_id_no text, rank text, jurisdiction_region_code text,
    start_date date, end_date date, kin_kind text, kin_relation text
) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'feed', 'organization.officials',
        'key', appointment_id,
        'values', jsonb_build_object(
            'official_id_no', official_id_no, 'rank', rank,
            'jurisdiction_region_code', jurisdiction_region_code,
            'start_date', start_date, 'end_date', end_date,
            'relation_kind', kin_kind, 'relation', kin_relation
        )
    )
$$;

comment on function core.village_official_evidence(text, text, text, text, date, date, text, text) is
'Evidence item of a core.official_kin row for alerts: feed organization.officials, key appointment_id, values '
'the official, rank, jurisdiction, appointment dates and the relation (relation_kind, relation).';

-- A core.official_kin row holds on some day of the closed span [span_start, span_end] (SA06, SA07: an
-- enrollment's active span, span_end its last active day, never after the as-of date): the
-- appointment [start_date, end_date], the relationship [kin_valid_from, kin_valid_to) and the span
-- share a day. An open appointment or relationship (null end) runs on past span_end (least ignores
-- nulls). A single immutable expression: inlined.
create or replace function core.official_kin_during(
    start_date date, end_date date, kin_valid_from date, kin_valid_to date, span_start date, span_end date
) returns boolean
language sql immutable parallel safe
as $$
    select greatest(span_start, start_date, kin_valid_from) <= least(span_end, end_date, kin_valid_to - 1)
$$;

comment on function core.official_kin_during(date, date, date, date, date, date) is
'True when a core.official_kin row (appointment [start_date, end_date], relationship [kin_valid_from, '
'kin_valid_to)) holds on some day of [span_start, span_end].';
