-- PR16 (Cardinal R038, excessive disqualified bids, per tenderer): the share of a bidder's bids that were
-- disqualified, over all tenders, is at or above the upper fence q3 + iqr_multiplier x (q3 - q1) of the
-- bidders' shares (or ratio_fence when it is set). Bidders with fewer than min_bids bids are left out.
-- Cardinal's guard: nobody is flagged while the fence <= 0 (most bidders are never disqualified).
with bid as (
    select
        b.tender_id,
        b.bidder_uscc,
        b.result,
        t.region_code
    from public_resources.bids as b
    inner join core.tender_published(cast(:as_of as date)) as t on b.tender_id = t.tender_id
),

tenderer as (
    select
        bidder_uscc,
        count(*) as submitted,
        count(*) filter (where result = 'DISQUALIFIED') as disqualified,
        cast(count(*) filter (where result = 'DISQUALIFIED') as numeric) / count(*) as ratio,
        mode() within group (order by region_code) as region_code,
        jsonb_agg(tender_id order by tender_id) filter (where result = 'DISQUALIFIED') as tenders_disqualified
    from bid
    group by bidder_uscc
    having count(*) >= cast(:min_bids as integer)
),

-- every ratio in one array: a column, not a subquery, as the fence's argument, so PostgreSQL inlines it
population as (
    select array_agg(x.ratio) as ratios
    from tenderer as x
)

select
    'enterprise' as subject_kind,
    b.bidder_uscc as subject_id,
    'disqualified' as evidence_key,
    b.region_code,
    null as unit_code,
    cast(null as numeric) as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', b.bidder_uscc,
            'values', jsonb_build_object(
                'submitted', b.submitted,
                'disqualified', b.disqualified,
                'tenders_disqualified', b.tenders_disqualified
            ) || core.fence_values(
                'ratio', b.ratio, 'population_tenderers', f.population, f.q1, f.q3, 'upper_fence', f.upper_fence
            )
        )
    ) as evidence
from tenderer as b
cross join population as p
cross join
    lateral core.iqr_fence(p.ratios, cast(:ratio_fence as numeric), cast(:iqr_multiplier as numeric)) as f
where
    f.upper_fence > 0
    and b.ratio >= f.upper_fence
