-- PR12 (Cardinal R025, excessive unsuccessful bids): a top tenderer whose ratio of won to valid bids is a
-- low outlier. Per tenderer (and category, when fence_per_category), over tenders with exactly one WON bid:
-- valid_bids = tenders it bid on validly (not DISQUALIFIED), wins = tenders it won, ratio = wins / valid_bids.
-- Flagged when valid_bids >= the percentile-th percentile of valid_bids (a top tenderer) and ratio <= the
-- lower fence q1 - iqr_multiplier x (q3 - q1) of the ratios, or <= ratio_fence when it is set. The fences
-- are over the tenderers with at least min_bids valid bids. Cardinal's guard: nobody is flagged while q1 <= 0
-- or the fence <= 0 (most tenderers never win).
with tender as (
    select
        t.*,
        case when cast(:fence_per_category as boolean) then t.category else 'ALL' end as population
    from core.tender_published(cast(:as_of as date)) as t
    where t.method = any(cast(:methods as text[]))
),

valid_bid as (
    select distinct
        t.population,
        t.tender_id,
        t.region_code,
        b.bidder_uscc,
        b.bidder_uscc = a.winner_uscc as won
    from public_resources.bids as b
    inner join core.tender_award as a on b.tender_id = a.tender_id
    inner join tender as t on b.tender_id = t.tender_id
    where b.result <> 'DISQUALIFIED'
),

tenderer as (
    select
        population,
        bidder_uscc,
        count(*) as valid_bids,
        count(*) filter (where won) as wins,
        cast(count(*) filter (where won) as numeric) / count(*) as ratio,
        mode() within group (order by region_code) as region_code,
        jsonb_agg(tender_id order by tender_id) as tenders
    from valid_bid
    group by population, bidder_uscc
    having count(*) >= cast(:min_bids as integer)
),

quartile as (
    select
        population,
        count(*) as tenderers,
        cast(percentile_cont(cast(:percentile as numeric) / 100) within group (order by valid_bids) as numeric)
            as top_bids,
        cast(percentile_cont(0.25) within group (order by ratio) as numeric) as q1,
        cast(percentile_cont(0.75) within group (order by ratio) as numeric) as q3
    from tenderer
    group by population
),

fence as (
    select
        population,
        tenderers,
        top_bids,
        q1,
        q3,
        coalesce(cast(:ratio_fence as numeric), q1 - cast(:iqr_multiplier as numeric) * (q3 - q1)) as lower_fence
    from quartile
    where cast(:ratio_fence as numeric) is not null or q1 > 0
),

hit as (
    select
        r.*,
        f.tenderers,
        f.top_bids,
        f.q1,
        f.q3,
        f.lower_fence
    from tenderer as r
    inner join fence as f on r.population = f.population
    where
        f.lower_fence > 0
        and r.valid_bids >= f.top_bids
        and r.ratio <= f.lower_fence
)

select
    'enterprise' as subject_kind,
    bidder_uscc as subject_id,
    population as evidence_key,
    region_code,
    null as unit_code,
    cast(null as numeric) as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', bidder_uscc,
            'values', jsonb_build_object(
                'population', population,
                'valid_bids', valid_bids,
                'wins', wins,
                'tenders', tenders,
                'top_bids', round(top_bids, 2)
            ) || core.fence_values(
                'ratio', ratio, 'population_tenderers', tenderers, q1, q3, 'lower_fence', lower_fence
            )
        )
    ) as evidence
from hit
