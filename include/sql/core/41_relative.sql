-- Shared definition relatives(p) (include/spec/models.yaml header):
-- declared relatives (discipline.official_relatives, both directions)
-- + current spouse (marriage without a later divorce) + household(p).
-- core.relative: one row per (person_id, relative_id, kind) with validity
-- half-open [valid_from, valid_to) in dates (valid_to null = open):
--   DECLARED   current declarations, both directions, always valid
--              (relation = the declared relation, seen from the official);
--   SPOUSE     from core.spouse, valid [marriage_date, divorce_date);
--   HOUSEHOLD  two people sharing a household_id in household registration,
--              valid while both memberships overlap (core.household_member).
-- p itself is not listed as its own relative; a rule about "p or a relative of
-- p" adds p. relative of p at d:
--   r.person_id = p and r.valid_from <= d and (r.valid_to is null or r.valid_to > d)
-- For officials prefer core.official_kin (pre-joined, much cheaper).

create or replace view core.relative as
select
    d.person_id,
    d.relative_id,
    'DECLARED' as kind,
    d.relation,
    cast('0001-01-01' as date) as valid_from,
    cast(null as date) as valid_to
from core.declaration as d
where d.person_id <> d.relative_id
union all
select
    s.person_id,
    s.spouse_id as relative_id,
    'SPOUSE' as kind,
    'SPOUSE' as relation,
    s.marriage_date as valid_from,
    s.divorce_date as valid_to
from core.spouse as s
where s.person_id <> s.spouse_id
union all
select
    a.id_no as person_id,
    b.id_no as relative_id,
    'HOUSEHOLD' as kind,
    b.relation_to_head as relation,
    greatest(a.valid_from, b.valid_from) as valid_from,
    least(a.valid_to, b.valid_to) as valid_to
from core.household_member as a
inner join core.household_member as b
    on
        a.household_id = b.household_id
        and a.id_no <> b.id_no
        and a.valid_from < coalesce(b.valid_to, cast('infinity' as date))
        and b.valid_from < coalesce(a.valid_to, cast('infinity' as date));

comment on view core.relative is
'relatives(p): declared (both directions), spouses [marriage, divorce) and household members, '
'with validity [valid_from, valid_to), valid_to null = open.';

-- Column meanings for core.relative (rendered in docs/data-dictionary.md).
comment on column core.relative.person_id is
'Identity number (id18) of the person p whose relative is listed.';
comment on column core.relative.relative_id is
'Identity number (id18) of the relative; never p itself (rules about p or a relative of p add p).';
comment on column core.relative.kind is
'Source of the relationship, DECLARED (official''s declaration, both directions), SPOUSE (core.spouse) or '
'HOUSEHOLD (shared household_id).';
comment on column core.relative.relation is
'DECLARED rows carry the declared relation as recorded by the official (SPOUSE, CHILD, PARENT, SIBLING, '
'SPOUSE_PARENT, CHILD_SPOUSE, OTHER, describing the declared relative, also on the reversed row); SPOUSE rows '
'carry SPOUSE; HOUSEHOLD rows carry the relative''s relation_to_head.';
comment on column core.relative.valid_from is
'First day the relationship holds (inclusive); 0001-01-01 for declarations, marriage_date for spouses, start of '
'the overlapping memberships for household members.';
comment on column core.relative.valid_to is
'First day the relationship no longer holds (exclusive), e.g. the divorce date or the end of the shared '
'household; null = open.';
