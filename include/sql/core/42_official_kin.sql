-- Shared definitions official(p, d) x relatives(p), pre-joined
-- (include/spec/models.yaml header: "village official of region r",
-- relatives(p), "linked to p"). The rules VC01, VC05, SA07, SI04, RE03, PR01,
-- FI03 and RV01 all ask "is x the official or one of the official's relatives";
-- joining from the (small) roster first keeps that cheap at 1M residents.
-- core.official_kin: per appointment, the official (kin_kind SELF) and every
-- relative (DECLARED / SPOUSE / HOUSEHOLD) with the relationship's validity
-- [kin_valid_from, kin_valid_to) (kin_valid_to null = open). The appointment is
-- active on d when start_date <= d and (end_date is null or end_date >= d).

create or replace view core.official_kin as
select
    o.appointment_id,
    o.id_no as official_id_no,
    o.unit_code,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    o.id_no as kin_id_no,
    'SELF' as kin_kind,
    'SELF' as kin_relation,
    cast('0001-01-01' as date) as kin_valid_from,
    cast(null as date) as kin_valid_to
from organization.officials as o
union all
select
    o.appointment_id,
    o.id_no as official_id_no,
    o.unit_code,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    r.relative_id_no as kin_id_no,
    'DECLARED' as kin_kind,
    r.relation as kin_relation,
    cast('0001-01-01' as date) as kin_valid_from,
    cast(null as date) as kin_valid_to
from organization.officials as o
inner join discipline.official_relatives as r on o.id_no = r.official_id_no
union all
select
    o.appointment_id,
    o.id_no as official_id_no,
    o.unit_code,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    r.official_id_no as kin_id_no,
    'DECLARED' as kin_kind,
    r.relation as kin_relation,
    cast('0001-01-01' as date) as kin_valid_from,
    cast(null as date) as kin_valid_to
from organization.officials as o
inner join discipline.official_relatives as r on o.id_no = r.relative_id_no
union all
select
    o.appointment_id,
    o.id_no as official_id_no,
    o.unit_code,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    s.spouse_id as kin_id_no,
    'SPOUSE' as kin_kind,
    'SPOUSE' as kin_relation,
    s.marriage_date as kin_valid_from,
    s.divorce_date as kin_valid_to
from organization.officials as o
inner join core.spouse as s on o.id_no = s.person_id
union all
select
    o.appointment_id,
    o.id_no as official_id_no,
    o.unit_code,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    b.id_no as kin_id_no,
    'HOUSEHOLD' as kin_kind,
    b.relation_to_head as kin_relation,
    greatest(a.valid_from, b.valid_from) as kin_valid_from,
    least(a.valid_to, b.valid_to) as kin_valid_to
from organization.officials as o
inner join core.household_member as a on o.id_no = a.id_no
inner join core.household_member as b
    on
        a.household_id = b.household_id
        and a.valid_from < coalesce(b.valid_to, cast('infinity' as date))
        and b.valid_from < coalesce(a.valid_to, cast('infinity' as date));

comment on view core.official_kin is
'Per appointment: the official (SELF) and relatives (DECLARED both directions, SPOUSE, HOUSEHOLD) '
'with relationship validity [kin_valid_from, kin_valid_to).';
