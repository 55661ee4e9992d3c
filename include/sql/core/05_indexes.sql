-- Shared definitions, part 1: lookup indexes for the person-keyed joins that
-- the core views and the models make (the generated feed tables only index
-- their keys). Partial on current rows, matching the dept.name views.
-- Idempotent: "if not exists".

create index if not exists household_registration__history_household
on public_security.household_registration__history (household_id) where _valid_to is null;
create index if not exists household_registration__history_id_no_all
on public_security.household_registration__history (id_no, _valid_from);
create index if not exists officials__history_id_no
on organization.officials__history (id_no) where _valid_to is null;
create index if not exists official_relatives__history_relative
on discipline.official_relatives__history (relative_id_no) where _valid_to is null;
create index if not exists marriage_registrations__history_party1
on civil_affairs.marriage_registrations__history (party1_id_no) where _valid_to is null;
create index if not exists marriage_registrations__history_party2
on civil_affairs.marriage_registrations__history (party2_id_no) where _valid_to is null;
create index if not exists enterprise_persons__history_id_no
on market_regulation.enterprise_persons__history (id_no) where _valid_to is null;
create index if not exists enterprises__history_legal_rep
on market_regulation.enterprises__history (legal_rep_id_no) where _valid_to is null;
create index if not exists vehicle_registrations__history_owner
on public_security.vehicle_registrations__history (owner_id) where _valid_to is null;
create index if not exists real_estate__history_owner
on natural_resources.real_estate__history (owner_id) where _valid_to is null;
create index if not exists custody_records__history_id_no
on justice.custody_records__history (id_no) where _valid_to is null;
create index if not exists death_certificates__history_id_no
on health.death_certificates__history (id_no) where _valid_to is null;
create index if not exists cremation_records__history_id_no
on civil_affairs.cremation_records__history (id_no) where _valid_to is null;
