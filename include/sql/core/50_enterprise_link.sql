-- Shared definition "linked to p" for an enterprise (include/spec/models.yaml
-- header): p or a relative of p is its legal rep or an enterprise_persons row
-- (any role). core.enterprise_link lists the people behind each enterprise
-- from current rows: role LEGAL_REP (market_regulation.enterprises) or the
-- enterprise_persons role (SHAREHOLDER / DIRECTOR / SUPERVISOR / MANAGER),
-- with the enterprise's register data (status, capital, region) where known.
-- linked(e, p) = exists core.enterprise_link l where l.uscc = e and
--                (l.id_no = p or l.id_no in relatives(p)).

-- The people (legal rep, enterprise_persons) first, then the register data of their enterprise, once.
create or replace view core.enterprise_link as
select
    p.uscc,
    p.id_no,
    p.role,
    p.share_ratio,
    e.name as enterprise_name,
    e.status as enterprise_status,
    e.status_date as enterprise_status_date,
    e.registered_capital,
    e.established_date,
    e.region_code
from (
    select
        r.uscc,
        r.legal_rep_id_no as id_no,
        'LEGAL_REP' as role,
        cast(null as numeric) as share_ratio
    from market_regulation.enterprises as r
    union all
    select
        ep.uscc,
        ep.id_no,
        ep.role,
        ep.share_ratio
    from market_regulation.enterprise_persons as ep
) as p
left join market_regulation.enterprises as e on p.uscc = e.uscc;

comment on view core.enterprise_link is
'People behind enterprises (current rows): legal rep (role LEGAL_REP) and enterprise_persons roles.';

-- Column meanings for core.enterprise_link (rendered in docs/data-dictionary.md).
comment on column core.enterprise_link.uscc is
'Unified social credit code (18 characters, upper-case) of the enterprise.';
comment on column core.enterprise_link.id_no is
'Identity number (id18) of the person linked to the enterprise.';
comment on column core.enterprise_link.role is
'LEGAL_REP (from market_regulation.enterprises) or the enterprise_persons role SHAREHOLDER, DIRECTOR, '
'SUPERVISOR or MANAGER; one row per person and role.';
comment on column core.enterprise_link.share_ratio is
'Shareholding in percent (30.00 = 30 percent) as delivered in enterprise_persons; null for LEGAL_REP rows and '
'when not delivered.';
comment on column core.enterprise_link.enterprise_name is
'Registered enterprise name; null when the uscc is missing from the current enterprise register.';
comment on column core.enterprise_link.enterprise_status is
'Register status ACTIVE, REVOKED or CANCELLED; null when the enterprise is missing from the register.';
comment on column core.enterprise_link.enterprise_status_date is
'Date the register status took effect; null when not delivered or the enterprise is unknown.';
comment on column core.enterprise_link.registered_capital is
'Registered capital in yuan; null when not delivered or the enterprise is unknown.';
comment on column core.enterprise_link.established_date is
'Date the enterprise was established; null when the enterprise is unknown.';
comment on column core.enterprise_link.region_code is
'12-digit region code of the enterprise''s registration; null when the enterprise is unknown.';
