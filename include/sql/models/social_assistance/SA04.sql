-- SA04 Recipient household runs an enterprise.
-- ACTIVE enrollment; a household member (p included) is legal rep or
-- SHAREHOLDER of an ACTIVE enterprise with registered_capital >= :capital_min
-- (core.enterprise_link, current register).
with link as (
    select distinct
        member.enrollment_id,
        l.uscc,
        l.id_no,
        l.role,
        l.enterprise_name,
        l.registered_capital
    from core.recipient_household(cast(:as_of as date)) as member
    inner join core.enterprise_link as l on member.member_id = l.id_no
    where
        l.role in ('LEGAL_REP', 'SHAREHOLDER')
        and l.enterprise_status = 'ACTIVE'
        and l.registered_capital >= :capital_min
),

hits as (
    select
        link.enrollment_id,
        jsonb_agg(
            jsonb_build_object(
                'feed',
                case
                    when link.role = 'LEGAL_REP' then 'market_regulation.enterprises'
                    else 'market_regulation.enterprise_persons'
                end,
                'key', link.uscc,
                'values', jsonb_build_object(
                    'id_no', link.id_no, 'role', link.role, 'name', link.enterprise_name,
                    'registered_capital', link.registered_capital, 'status', 'ACTIVE'
                )
            )
            order by link.uscc, link.id_no, link.role
        ) as links
    from link
    group by link.enrollment_id
)

select a.*
from hits
cross join lateral core.enrollment_alert(hits.enrollment_id, hits.links) as a
