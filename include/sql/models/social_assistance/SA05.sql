-- SA05 Recipient household member earns a high wage.
-- ACTIVE enrollment; a household member (p included) has contribution_base >=
-- :wage_min in >= :months_min distinct periods inside the enrollment (from the
-- start month to the end month, or the as-of month while open).
with enrollment as (
    select
        e.enrollment_id,
        e.id_no,
        e.program,
        e.region_code,
        e.monthly_amount,
        e.start_date,
        core.month_start(e.start_date) as first_month,
        core.month_start(least(coalesce(e.end_date, cast(:as_of as date)), cast(:as_of as date))) as last_month
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

wage as (
    select
        member.enrollment_id,
        c.id_no,
        c.period,
        max(c.contribution_base) as contribution_base
    from member
    inner join enrollment on member.enrollment_id = enrollment.enrollment_id
    inner join human_resources.social_insurance_contributions as c on member.member_id = c.id_no
    where
        c.contribution_base >= :wage_min
        and core.period_start(c.period) between enrollment.first_month and enrollment.last_month
    group by member.enrollment_id, c.id_no, c.period
),

earner as (
    select
        wage.enrollment_id,
        wage.id_no,
        count(*) as months,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'human_resources.social_insurance_contributions',
                'key', wage.id_no || '/' || wage.period,
                'values', jsonb_build_object(
                    'id_no', wage.id_no, 'period', wage.period, 'contribution_base', wage.contribution_base
                )
            )
            order by wage.period
        ) as periods
    from wage
    group by wage.enrollment_id, wage.id_no
    having count(*) >= :months_min
),

hits as (
    select
        earner.enrollment_id,
        jsonb_agg(p.value order by p.value ->> 'key') as periods
    from earner
    cross join lateral jsonb_array_elements(earner.periods) as p (value)
    group by earner.enrollment_id
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
    ) || hits.periods as evidence
from hits
inner join enrollment on hits.enrollment_id = enrollment.enrollment_id
