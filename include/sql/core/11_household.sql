-- Shared definition household(p) (include/spec/models.yaml header): everyone sharing p's
-- household_id in household registration, p included.
-- core.household: one row per (id_no, member_id) pair of current registrations; every registered
-- person is a member of its own household. A person without a registration has no rows: rules
-- about household(p) add p themselves (core.recipient_household, core.tenant_household).

create or replace view core.household as
select
    p.id_no,
    m.id_no as member_id
from core.person as p
inner join core.person as m on p.household_id = m.household_id;

comment on view core.household is
'household(p): pairs (person, member of the person''s current household), the person included.';

-- Column meanings for core.household (rendered in docs/data-dictionary.md).
comment on column core.household.id_no is
'Identity number (id18) of a registered person p.';
comment on column core.household.member_id is
'Identity number (id18) of a member of p''s current household (same household_id); p itself is one.';
