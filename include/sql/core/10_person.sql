-- Shared definitions: persons and household(p).
-- Implements the spec's "household(p): everyone sharing p's household_id in
-- household registration" (include/spec/models.yaml header), now and at a date.

-- core.person: the person master, current rows of household registration.
create or replace view core.person as
select
    h.id_no,
    h.name,
    h.gender,
    h.birth_date,
    h.household_id,
    h.relation_to_head,
    h.region_code,
    h.status,
    h.status_date
from public_security.household_registration as h;

comment on view core.person is
'Person master: current household registration row per id_no (normalised id18).';

-- core.household_member: every version of a person's household membership.
-- Validity is half-open [valid_from, valid_to) in dates, taken from the
-- registration history (_valid_from / _valid_to; a version deleted with op D
-- ends the membership). The first known version of each person is taken as
-- valid since ever (valid_from = 0001-01-01, readable by any client): the register is loaded long after
-- people joined their households. valid_to null = still current.
-- Membership at date d:  m.valid_from <= d and (m.valid_to is null or m.valid_to > d)
-- Members of p''s household at d: join on household_id with both valid at d.
create or replace view core.household_member as
select
    v.id_no,
    v.household_id,
    v.relation_to_head,
    v.region_code,
    v.status,
    v.status_date,
    case
        when v.version_no = 1 then cast('0001-01-01' as date)
        else cast(v.changed_from as date)
    end as valid_from,
    cast(v.changed_to as date) as valid_to,
    v.changed_to is null as is_current
from (
    select
        h.id_no,
        h.household_id,
        h.relation_to_head,
        h.region_code,
        h.status,
        h.status_date,
        h._deleted,
        h._valid_from as changed_from,
        h._valid_to as changed_to,
        row_number() over (partition by h.id_no order by h._valid_from) as version_no
    from public_security.household_registration__history as h
) as v
where not v._deleted;

comment on view core.household_member is
'Household membership per person with validity [valid_from, valid_to) from registration history; '
'first version valid since 0001-01-01; valid_to null = current.';

-- Column meanings for core.person (rendered in docs/data-dictionary.md).
comment on column core.person.id_no is
'Identity number of the person, normalised id18 (18 characters, upper-case X); one row per person with a '
'current, non-deleted registration.';
comment on column core.person.name is
'Name as recorded in the current household registration row.';
comment on column core.person.gender is
'Gender as registered, M or F.';
comment on column core.person.birth_date is
'Date of birth as registered; ages are computed from it on the date of the event.';
comment on column core.person.household_id is
'Household (hukou) the person currently belongs to; everyone with the same household_id forms household(p).';
comment on column core.person.relation_to_head is
'Relation to the household head, one of HEAD, SPOUSE, CHILD, PARENT, SIBLING, GRANDCHILD, CHILD_SPOUSE, OTHER.';
comment on column core.person.region_code is
'12-digit administrative division code of the registered residence (district = first 6 digits).';
comment on column core.person.status is
'Registration status, one of ACTIVE, DECEASED, MOVED_OUT, CANCELLED.';
comment on column core.person.status_date is
'Date the current status took effect (for DECEASED the death date that feeds core.death); null when not '
'delivered.';

-- Column meanings for core.household_member (rendered in docs/data-dictionary.md).
comment on column core.household_member.id_no is
'Identity number (id18) of the member; one row per registration version of that person, deleted versions left '
'out.';
comment on column core.household_member.household_id is
'Household the person belonged to during this version.';
comment on column core.household_member.relation_to_head is
'Relation to the household head during this version (HEAD, SPOUSE, CHILD, PARENT, SIBLING, GRANDCHILD, '
'CHILD_SPOUSE, OTHER).';
comment on column core.household_member.region_code is
'12-digit region code of the registered residence during this version.';
comment on column core.household_member.status is
'Registration status during this version (ACTIVE, DECEASED, MOVED_OUT, CANCELLED); membership rows are kept '
'whatever the status.';
comment on column core.household_member.status_date is
'Date the status of this version took effect, as delivered; null when not delivered.';
comment on column core.household_member.valid_from is
'First day this version holds (inclusive), the date of the registration change; 0001-01-01 for the person''s '
'first known version.';
comment on column core.household_member.valid_to is
'First day this version no longer holds (exclusive), the date of the next change or of the deletion; null = '
'still current.';
comment on column core.household_member.is_current is
'True when this is the person''s current version (valid_to null).';
