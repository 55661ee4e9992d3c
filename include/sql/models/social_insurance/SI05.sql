-- SI05 Public-welfare post holder employed elsewhere.
-- The post is active in period P (the post's [start_date, end_date or as-of]
-- overlaps month P) while the holder has a contribution_base >= :wage_min in P.
-- One alert per post; the evidence lists the periods.
with post as (
    select * from core.welfare_post_active(cast(:as_of as date))
),

hits as (
    select
        post.post_id,
        count(distinct c.period) as periods,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'human_resources.social_insurance_contributions',
                'key', c.id_no || '/' || c.employer_uscc || '/' || c.period,
                'values', jsonb_build_object(
                    'employer_uscc', c.employer_uscc, 'period', c.period,
                    'contribution_base', c.contribution_base
                )
            )
            order by c.period, c.employer_uscc
        ) as contributions
    from post
    inner join human_resources.social_insurance_contributions as c on post.id_no = c.id_no
    where
        c.contribution_base >= :wage_min
        and core.period_start(c.period) <= post.last_day
        and core.period_end(c.period) >= post.start_date
    group by post.post_id
)

select
    'person' as subject_kind,
    post.id_no as subject_id,
    post.post_id as evidence_key,
    post.region_code,
    post.employer_unit_code as unit_code,
    post.monthly_subsidy * hits.periods as amount,
    jsonb_build_array(
        post.evidence
    ) || hits.contributions as evidence
from hits
inner join post on hits.post_id = post.post_id
