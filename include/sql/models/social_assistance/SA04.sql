-- SA04 Recipient household runs an enterprise.
-- ACTIVE enrollment; a household member (p included) is legal rep or
-- SHAREHOLDER of an ACTIVE enterprise with registered_capital >= :capital_min
-- (core.enterprise_link, current register).
with enrollment as (
    select
        e.enrollment_id,
        e.id_no,
        e.program,
        e.region_code,
        e.monthly_amount,
        e.start_date
    from civil_affairs.assistance_enrollments as e
    where e.status = 'ACTIVE' and e.start_date <= cast(:as_of as date)
),

member as (
    select
        enrollment.enrollment_id,
        m.id_no as member_id
    from enrollment
    inner join core.person as p on enrollment.id_no = p.id_no
    inner join core.person as m on p.household_id = m.household_id
    union
    select
        enrollment.enrollment_id,
        enrollment.id_no as member_id
    from enrollment
),

link as (
    select distinct
        member.enrollment_id,
        l.uscc,
        l.id_no,
        l.role,
        l.enterprise_name,
        l.registered_capital
    from member
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

select
    'person' as subject_kind,
    enrollment.id_no as subject_id,
    enrollment.enrollment_id as evidence_key,
    enrollment.region_code,
    cast(null as text) as unit_code,
    enrollment.monthly_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_enrollments',
            'key', enrollment.enrollment_id,
            'values', jsonb_build_object(
                'program', enrollment.program, 'start_date', enrollment.start_date,
                'monthly_amount', enrollment.monthly_amount, 'status', 'ACTIVE'
            )
        )
    ) || hits.links as evidence
from hits
inner join enrollment on hits.enrollment_id = enrollment.enrollment_id
