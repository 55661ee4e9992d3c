-- A relationship or membership with half-open validity [valid_from, valid_to) (valid_to null = open)
-- holds on d: the test core.relative, core.spouse and core.household_member document, shared by the
-- rules that ask it on a date (RE01 registration on the event date, SA07 spouse and household on the
-- approval date, RV01 relative on the project start). A single immutable expression: inlined.
create or replace function core.valid_on(d date, valid_from date, valid_to date) returns boolean
language sql immutable parallel safe
as $$ select d >= valid_from and (valid_to is null or d < valid_to) $$;

comment on function core.valid_on(date, date, date) is
'True when half-open validity [valid_from, valid_to) (valid_to null = open) covers d.';
