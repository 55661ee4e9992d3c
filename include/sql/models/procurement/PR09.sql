-- PR09 (Cardinal R024, price close to winning bid): the relative gap between the winning bid and the
-- second-lowest valid bid, (second - winning) / winning, is at or below the lower fence
-- q1 - iqr_multiplier x (q3 - q1) of the gaps of all tenders of the city (per category when
-- fence_per_category), or at or below lower_fence when it is set.
-- Population (Cardinal's exclusions): tenders of the listed methods with exactly one WON bid that is
-- the lowest valid bid (valid = not DISQUALIFIED) and at least one other valid bid.
-- Cardinal's guard: no tender is flagged when q1 <= 0 or the fence <= 0 (most gaps are zero).
with fence as (
    select
        g.*,
        coalesce(
            cast(:lower_fence as numeric),
            g.q1 - cast(:iqr_multiplier as numeric) * (g.q3 - g.q1)
        ) as lower_fence
    from
        core.tender_gap_population(
            cast(:as_of as date), cast(:methods as text[]), cast(:fence_per_category as boolean)
        ) as g
    where cast(:lower_fence as numeric) is not null or g.q1 > 0
),

hit as (
    select *
    from fence
    where
        lower_fence > 0
        and difference <= lower_fence
)

select a.*
from hit as h
cross join lateral core.tender_gap_alert(
    h.tender_id, h.population, h.tenders, h.q1, h.q3, 'lower_fence', h.lower_fence
) as a
