-- SA05 Recipient household member earns a high wage.
-- ACTIVE enrollment; a household member (p included) has contribution_base >=
-- :wage_min in >= :months_min distinct periods inside the enrollment (from the
-- start month to the end month, or the as-of month while open).
with wage as (
    select
        member.enrollment_id,
        c.id_no,
        c.period,
        max(c.contribution_base) as contribution_base
    from core.recipient_household(cast(:as_of as date)) as member
    inner join human_resources.social_insurance_contributions as c on member.member_id = c.id_no
    where
        c.contribution_base >= :wage_min
        and core.period_start(c.period)
        between core.month_start(member.start_date) and core.month_start(member.last_active_day)
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

select a.*
from hits
cross join lateral core.enrollment_alert(hits.enrollment_id, hits.periods) as a
