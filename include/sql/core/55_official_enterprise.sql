-- Shared definition "an enterprise linked to an official" (include/spec/models.yaml header:
-- official(p, d), relatives(p), "linked to p"): the official or a relative (core.official_kin, SELF
-- included) is the enterprise's legal rep or in its enterprise_persons (core.enterprise_link).
-- One row per appointment, kin and link; the appointment and the relationship carry their validity,
-- so a rule asks core.official_kin_on(start_date, end_date, kin_valid_from, kin_valid_to, d).

create or replace view core.official_enterprise as
select
    k.appointment_id,
    k.official_id_no,
    k.unit_code,
    k.rank,
    k.jurisdiction_region_code,
    k.start_date,
    k.end_date,
    k.kin_id_no,
    k.kin_kind,
    k.kin_relation,
    k.kin_valid_from,
    k.kin_valid_to,
    l.uscc,
    l.role
from core.official_kin as k
inner join core.enterprise_link as l on k.kin_id_no = l.id_no;

comment on view core.official_enterprise is
'Enterprises linked to an official: the official or a relative (core.official_kin) is its legal rep or in '
'enterprise_persons (core.enterprise_link), with appointment and relationship validity.';

-- Column meanings for core.official_enterprise (rendered in docs/data-dictionary.md).
comment on column core.official_enterprise.appointment_id is
'Appointment id from organization.officials (current roster rows).';
comment on column core.official_enterprise.official_id_no is
'Identity number (id18) of the official holding the appointment.';
comment on column core.official_enterprise.unit_code is
'Public unit in which the post is held.';
comment on column core.official_enterprise.rank is
'Rank of the post (VILLAGE, SECTION, DIVISION, BUREAU).';
comment on column core.official_enterprise.jurisdiction_region_code is
'12-digit region the post has jurisdiction over.';
comment on column core.official_enterprise.start_date is
'First day of the appointment (inclusive).';
comment on column core.official_enterprise.end_date is
'Last day of the appointment (inclusive); null = open.';
comment on column core.official_enterprise.kin_id_no is
'Identity number (id18) of the official (SELF) or the relative who is linked to the enterprise.';
comment on column core.official_enterprise.kin_kind is
'SELF, DECLARED, SPOUSE or HOUSEHOLD, as in core.official_kin.';
comment on column core.official_enterprise.kin_relation is
'Relation of the linked person as in core.official_kin.kin_relation.';
comment on column core.official_enterprise.kin_valid_from is
'First day the relationship holds (inclusive); 0001-01-01 for SELF and DECLARED.';
comment on column core.official_enterprise.kin_valid_to is
'First day the relationship no longer holds (exclusive); null = open.';
comment on column core.official_enterprise.uscc is
'Unified social credit code of the linked enterprise.';
comment on column core.official_enterprise.role is
'How the person is linked: LEGAL_REP or the enterprise_persons role (SHAREHOLDER, DIRECTOR, SUPERVISOR, '
'MANAGER).';

-- A core.official_enterprise row as an alert's evidence item (feed organization.officials, key the
-- appointment). A single expression, stable like jsonb_build_object (immutable would stop
-- PostgreSQL inlining it): inlined, and built only for the rows a rule keeps.
create or replace function core.official_link_evidence(
    appointment_id text, official_id_no text, kin_id_no text, kin_kind text, kin_relation text, link_role text
) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'feed', 'organization.officials',
        'key', appointment_id,
        'values', jsonb_build_object(
            'official_id_no', official_id_no,
            'linked_id_no', kin_id_no,
            'relative_kind', kin_kind,
            'relation', kin_relation,
            'link_role', link_role
        )
    )
$$;

comment on function core.official_link_evidence(text, text, text, text, text, text) is
'Evidence item of an official''s link to an enterprise: the appointment, official, linked person, relation, role.';
