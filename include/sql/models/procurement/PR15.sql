-- PR15 (Cardinal R038, excessive disqualified bids, per buyer): the share of disqualified bids among the bids
-- submitted to a buying unit, over all its tenders, is at or above the upper fence
-- q3 + iqr_multiplier x (q3 - q1) of the buyers' shares (or ratio_fence when it is set). Buyers with fewer
-- than min_tenders tenders that received bids are left out. Cardinal's guard: nobody is flagged while the
-- fence <= 0 (most buyers disqualify nothing).
with tender as (
    select t.*
    from core.tender_published(cast(:as_of as date)) as t
),

buyer as (
    select
        t.buyer_unit_code,
        count(distinct t.tender_id) as tenders,
        count(*) as submitted,
        count(*) filter (where b.result = 'DISQUALIFIED') as disqualified,
        cast(count(*) filter (where b.result = 'DISQUALIFIED') as numeric) / count(*) as ratio,
        mode() within group (order by t.region_code) as region_code,
        jsonb_agg(distinct t.tender_id) filter (where b.result = 'DISQUALIFIED') as tenders_disqualifying
    from tender as t
    inner join public_resources.bids as b on t.tender_id = b.tender_id
    group by t.buyer_unit_code
    having count(distinct t.tender_id) >= cast(:min_tenders as integer)
),

-- every ratio in one array: a column, not a subquery, as the fence's argument, so PostgreSQL inlines it
population as (
    select array_agg(x.ratio) as ratios
    from buyer as x
)

select
    'unit' as subject_kind,
    b.buyer_unit_code as subject_id,
    'disqualified' as evidence_key,
    b.region_code,
    b.buyer_unit_code as unit_code,
    cast(null as numeric) as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', b.buyer_unit_code,
            'values', jsonb_build_object(
                'tenders', b.tenders,
                'submitted', b.submitted,
                'disqualified', b.disqualified,
                'tenders_disqualifying', b.tenders_disqualifying
            ) || core.fence_values(
                'ratio', b.ratio, 'population_buyers', f.population, f.q1, f.q3, 'upper_fence', f.upper_fence
            )
        )
    ) as evidence
from buyer as b
cross join population as p
cross join
    lateral core.iqr_fence(p.ratios, cast(:ratio_fence as numeric), cast(:iqr_multiplier as numeric)) as f
where
    f.upper_fence > 0
    and b.ratio >= f.upper_fence
