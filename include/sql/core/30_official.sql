-- Shared definition official(p, d) (include/spec/models.yaml header):
-- p holds an appointment in organization.officials covering d;
-- "village official of region r" = rank VILLAGE and jurisdiction_region_code = r.
-- Appointments cover the closed interval [start_date, end_date]; an open
-- appointment (end_date null) is active up to the as-of date.
-- official(p, d) = exists core.official with id_no = p and start_date <= d
--                  and (end_date is null or end_date >= d).

create or replace view core.official as
select
    o.appointment_id,
    o.id_no,
    o.name,
    o.unit_code,
    o.position,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    u.region_code as unit_region_code,
    jsonb_build_object(
        'feed', 'organization.officials',
        'key', o.appointment_id,
        'values', jsonb_build_object(
            'name', o.name,
            'unit_code', o.unit_code,
            'position', o.position,
            'rank', o.rank,
            'start_date', o.start_date,
            'end_date', o.end_date
        )
    ) as evidence
from organization.officials as o
left join organization.public_units as u on o.unit_code = u.unit_code;

comment on view core.official is
'Appointments (current roster rows): who holds which post in which unit, rank, jurisdiction and '
'closed interval [start_date, end_date] (end_date null = open).';

-- Column meanings for core.official (rendered in docs/data-dictionary.md).
comment on column core.official.appointment_id is
'Appointment id from organization.officials; one row per current appointment (a person may hold several).';
comment on column core.official.id_no is
'Identity number (id18) of the official.';
comment on column core.official.name is
'Official''s name as in the roster.';
comment on column core.official.unit_code is
'Public unit (organization.public_units) in which the post is held.';
comment on column core.official.position is
'Post title as delivered (free text).';
comment on column core.official.rank is
'Rank of the post, one of VILLAGE, SECTION, DIVISION, BUREAU; VILLAGE marks village officials.';
comment on column core.official.is_leader is
'True when the post is a leadership post of the unit.';
comment on column core.official.jurisdiction_region_code is
'12-digit region the post has jurisdiction over; a village official of region r has rank VILLAGE and this code '
'= r.';
comment on column core.official.start_date is
'First day of the appointment (inclusive).';
comment on column core.official.end_date is
'Last day of the appointment (inclusive); null = open, active up to the as-of date.';
comment on column core.official.unit_region_code is
'Region code of the unit from the current unit register; null when the unit is not in '
'organization.public_units.';
comment on column core.official.evidence is
'The appointment as an alert evidence item (feed organization.officials, key appointment_id, the post''s '
'values), so the official-conduct rules cite an appointment alike.';
