-- Shared definition "linked to p" for an enterprise (include/spec/models.yaml
-- header): p or a relative of p is its legal rep or an enterprise_persons row
-- (any role). core.enterprise_link lists the people behind each enterprise
-- from current rows: role LEGAL_REP (market_regulation.enterprises) or the
-- enterprise_persons role (SHAREHOLDER / DIRECTOR / SUPERVISOR / MANAGER),
-- with the enterprise's register data (status, capital, region) where known.
-- linked(e, p) = exists core.enterprise_link l where l.uscc = e and
--                (l.id_no = p or l.id_no in relatives(p)).

create or replace view core.enterprise_link as
select
    e.uscc,
    e.legal_rep_id_no as id_no,
    'LEGAL_REP' as role,
    cast(null as numeric) as share_ratio,
    e.name as enterprise_name,
    e.status as enterprise_status,
    e.status_date as enterprise_status_date,
    e.registered_capital,
    e.established_date,
    e.region_code
from market_regulation.enterprises as e
union all
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
from market_regulation.enterprise_persons as p
left join market_regulation.enterprises as e on p.uscc = e.uscc;

comment on view core.enterprise_link is
'People behind enterprises (current rows): legal rep (role LEGAL_REP) and enterprise_persons roles.';
