-- SI02 Unemployment benefit while employed.
-- Unemployment benefit for period P while a social insurance contribution
-- exists for the same id_no and P (any employer).
with hits as (
    select
        u.payment_id,
        u.id_no,
        u.period,
        u.amount,
        u.pay_date,
        count(*) as employers,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'human_resources.social_insurance_contributions',
                'key', c.id_no || '/' || c.employer_uscc || '/' || c.period,
                'values', jsonb_build_object(
                    'employer_uscc', c.employer_uscc, 'period', c.period,
                    'contribution_base', c.contribution_base
                )
            )
            order by c.employer_uscc
        ) as contributions
    from human_resources.unemployment_benefits as u
    inner join human_resources.social_insurance_contributions as c
        on u.id_no = c.id_no and u.period = c.period
    group by u.payment_id, u.id_no, u.period, u.amount, u.pay_date
)

select a.*
from hits
left join core.person as per on hits.id_no = per.id_no
cross join lateral core.person_alert(
    jsonb_build_object(
        'feed', 'human_resources.unemployment_benefits',
        'key', hits.payment_id,
        'values', jsonb_build_object('period', hits.period, 'amount', hits.amount, 'pay_date', hits.pay_date)
    ),
    hits.id_no, per.region_code, null, hits.amount, hits.contributions
) as a
