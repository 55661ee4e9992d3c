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
with kin as (
    select
        o.appointment_id,
        o.id_no as kin_id_no,
        'SELF' as kin_kind,
        'SELF' as kin_relation,
        cast('0001-01-01' as date) as kin_valid_from,
        cast(null as date) as kin_valid_to
    from organization.officials as o
    union all
    select
        o.appointment_id,
        d.relative_id as kin_id_no,
        'DECLARED' as kin_kind,
        d.relation as kin_relation,
        cast('0001-01-01' as date) as kin_valid_from,
        cast(null as date) as kin_valid_to
    from organization.officials as o
    inner join core.declaration as d on o.id_no = d.person_id
    union all
    select
        o.appointment_id,
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
            and b.valid_from < coalesce(a.valid_to, cast('infinity' as date))
)

select
    o.appointment_id,
    o.id_no as official_id_no,
    o.unit_code,
    o.rank,
    o.is_leader,
    o.jurisdiction_region_code,
    o.start_date,
    o.end_date,
    k.kin_id_no,
    k.kin_kind,
    k.kin_relation,
    k.kin_valid_from,
    k.kin_valid_to
from kin as k
inner join organization.officials as o on k.appointment_id = o.appointment_id;

comment on view core.official_kin is
'Per appointment: the official (SELF) and relatives (DECLARED both directions, SPOUSE, HOUSEHOLD) '
'with relationship validity [kin_valid_from, kin_valid_to).';

-- Column meanings for core.official_kin (rendered in docs/data-dictionary.md).
comment on column core.official_kin.appointment_id is
'Appointment id from organization.officials (current roster rows).';
comment on column core.official_kin.official_id_no is
'Identity number (id18) of the official holding the appointment.';
comment on column core.official_kin.unit_code is
'Public unit in which the post is held.';
comment on column core.official_kin.rank is
'Rank of the post (VILLAGE, SECTION, DIVISION, BUREAU); VILLAGE marks village officials.';
comment on column core.official_kin.is_leader is
'True when the post is a leadership post of the unit.';
comment on column core.official_kin.jurisdiction_region_code is
'12-digit region the post has jurisdiction over (village official of region r = rank VILLAGE and this code = '
'r).';
comment on column core.official_kin.start_date is
'First day of the appointment (inclusive).';
comment on column core.official_kin.end_date is
'Last day of the appointment (inclusive); null = open, active up to the as-of date.';
comment on column core.official_kin.kin_id_no is
'Identity number (id18) of the official (SELF) or of one of the official''s relatives.';
comment on column core.official_kin.kin_kind is
'SELF (the official), DECLARED (declaration in either direction), SPOUSE (core.spouse) or HOUSEHOLD (shared '
'household_id, the official''s own membership included).';
comment on column core.official_kin.kin_relation is
'SELF for the official; for DECLARED the relation as recorded in the declaration (it describes the declared '
'relative, which on the reversed row is this official); SPOUSE for spouses; for HOUSEHOLD the kin''s '
'relation_to_head.';
comment on column core.official_kin.kin_valid_from is
'First day the relationship holds (inclusive); 0001-01-01 for SELF and DECLARED.';
comment on column core.official_kin.kin_valid_to is
'First day the relationship no longer holds (exclusive); null = open.';

-- official(p, d) x relatives(p) on a date: the appointment covers d (closed interval) and the
-- relationship holds on d (half-open). Inlined by PostgreSQL (a single immutable expression).
create or replace function core.official_kin_on(
    start_date date, end_date date, kin_valid_from date, kin_valid_to date, d date
) returns boolean
language sql immutable parallel safe
as $$
    select d >= start_date and (end_date is null or d <= end_date)
        and d >= kin_valid_from and (kin_valid_to is null or d < kin_valid_to)
$$;

comment on function core.official_kin_on(date, date, date, date, date) is
'True when a core.official_kin row holds on d: appointment [start_date, end_date], relationship '
'[kin_valid_from, kin_valid_to).';
