-- PR10 (Cardinal R058, heavily discounted bid): the relative gap between the winning bid and the
-- second-lowest valid bid, (second - winning) / winning, is at or above the upper fence
-- q3 + iqr_multiplier x (q3 - q1) of the gaps of all tenders of the city (per category when
-- fence_per_category), or at or above upper_fence when it is set.
-- Population (Cardinal's exclusions): tenders of the listed methods with exactly one WON bid that is
-- the lowest valid bid (valid = not DISQUALIFIED) and at least one other valid bid.
-- Cardinal's guard: no tender is flagged when the fence <= 0 (most gaps are zero).
with tender as (
    select
        tender_id,
        buyer_unit_code,
        category,
        method,
        budget_amount,
        region_code,
        case when cast(:fence_per_category as boolean) then category else 'ALL' end as population
    from public_resources.tenders
    where
        publish_date <= cast(:as_of as date)
        and method = any(cast(:methods as text[]))
),

gap as (
    select
        t.*,
        g.winner_uscc,
        g.winning_amount,
        g.rival_uscc,
        g.rival_amount,
        g.difference
    from tender as t
    inner join core.tender_bid_gap as g on t.tender_id = g.tender_id
),

quartile as (
    select
        population,
        count(*) as tenders,
        cast(percentile_cont(0.25) within group (order by difference) as numeric) as q1,
        cast(percentile_cont(0.75) within group (order by difference) as numeric) as q3
    from gap
    group by population
),

fence as (
    select
        population,
        tenders,
        q1,
        q3,
        coalesce(
            cast(:upper_fence as numeric),
            q3 + cast(:iqr_multiplier as numeric) * (q3 - q1)
        ) as upper_fence
    from quartile
),

hit as (
    select
        g.*,
        f.tenders,
        f.q1,
        f.q3,
        f.upper_fence
    from gap as g
    inner join fence as f on g.population = f.population
    where
        f.upper_fence > 0
        and g.difference >= f.upper_fence
)

select
    'tender' as subject_kind,
    tender_id as subject_id,
    tender_id as evidence_key,
    region_code,
    buyer_unit_code as unit_code,
    winning_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.tenders',
            'key', tender_id,
            'values', jsonb_build_object(
                'method', method,
                'category', category,
                'budget_amount', budget_amount,
                'difference', round(difference, 6),
                'population', population,
                'population_tenders', tenders,
                'q1', round(q1, 6),
                'q3', round(q3, 6),
                'upper_fence', round(upper_fence, 6)
            )
        ),
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', tender_id || '|' || winner_uscc,
            'values', jsonb_build_object('bidder_uscc', winner_uscc, 'bid_amount', winning_amount, 'result', 'WON')
        ),
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', tender_id || '|' || rival_uscc,
            'values', jsonb_build_object('bidder_uscc', rival_uscc, 'bid_amount', rival_amount, 'result', 'LOST')
        )
    ) as evidence
from hit
