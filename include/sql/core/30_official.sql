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
    u.region_code as unit_region_code
from organization.officials as o
left join organization.public_units as u on o.unit_code = u.unit_code;

comment on view core.official is
'Appointments (current roster rows): who holds which post in which unit, rank, jurisdiction and '
'closed interval [start_date, end_date] (end_date null = open).';
