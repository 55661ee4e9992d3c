-- Shared definition: the officials' declared relatives (discipline.official_relatives, 個人有關事項報告)
-- in both directions. A declaration links the official and the declared relative whichever of the two
-- a rule starts from: core.declaration lists each declaration once per direction, person_id being
-- the person the rule starts from. relation is as recorded (it describes the declared relative, also on
-- the reversed row). Used by core.relative, core.official_kin and SA07.
create or replace view core.declaration as
select
    d.official_id_no as person_id,
    d.relative_id_no as relative_id,
    d.relation
from discipline.official_relatives as d
union all
select
    d.relative_id_no as person_id,
    d.official_id_no as relative_id,
    d.relation
from discipline.official_relatives as d;

comment on view core.declaration is
'Declared relatives of officials (discipline.official_relatives), each declaration in both directions.';

-- Column meanings for core.declaration (rendered in docs/data-dictionary.md).
comment on column core.declaration.person_id is
'Identity number (id18) of one side of the declaration (the official, or on the reversed row the relative).';
comment on column core.declaration.relative_id is
'Identity number (id18) of the other side.';
comment on column core.declaration.relation is
'The declared relation as recorded by the official (SPOUSE, CHILD, PARENT, SIBLING, SPOUSE_PARENT, '
'CHILD_SPOUSE, OTHER), describing the declared relative, also on the reversed row.';
