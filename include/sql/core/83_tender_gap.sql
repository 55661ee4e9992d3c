-- Shared definitions of the price-gap indicators (Cardinal R024 PR09, R058 PR10): the population whose
-- gaps give the fences, and the alert on a tender whose gap is beyond one. The population is a
-- function, as it depends on the date (the model passes :as_of; it is only compared with publish_date,
-- in core.tender_published).

-- core.tender_gap_population(as_of, methods, fence_per_category): the tenders of core.tender_bid_gap
-- published by as_of with one of methods, their gap, their population ('ALL', or the category when
-- fence_per_category) and that population's size and gap quartiles.
create or replace function core.tender_gap_population(as_of date, methods text[], fence_per_category boolean)
returns table (
    tender_id text,
    population text,
    difference numeric,
    tenders bigint,
    q1 numeric,
    q3 numeric
)
language sql stable parallel safe
as $$
    with gap as (
        select
            t.tender_id,
            case when fence_per_category then t.category else 'ALL' end as population,
            g.difference
        from core.tender_published(as_of) as t
        inner join core.tender_bid_gap as g on t.tender_id = g.tender_id
        where t.method = any(methods)
    ),

    quartile as (
        select
            gap.population,
            count(*) as tenders,
            cast(percentile_cont(0.25) within group (order by gap.difference) as numeric) as q1,
            cast(percentile_cont(0.75) within group (order by gap.difference) as numeric) as q3
        from gap
        group by gap.population
    )

    select
        g.tender_id,
        g.population,
        g.difference,
        q.tenders,
        q.q1,
        q.q3
    from gap as g
    inner join quartile as q on g.population = q.population
$$;

comment on function core.tender_gap_population(date, text[], boolean) is
'Tenders of core.tender_bid_gap published by as_of with one of methods: the gap, the population (ALL or '
'the category when fence_per_category) and its tender count and gap quartiles q1, q3.';

-- core.tender_gap_alert: the alert on a tender of core.tender_bid_gap (amount: the winning bid),
-- evidence the tender with its category, population and gap against the fence (fence_key: lower_fence
-- or upper_fence; core.fence_values), the WON bid and the second-lowest valid bid.
create or replace function core.tender_gap_alert(
    alert_tender_id text, population text, tenders bigint, q1 numeric, q3 numeric, fence_key text, fence numeric
)
returns setof core.alert
language sql stable parallel safe
as $$
    select a.*
    from core.tender_bid_gap as g
    inner join public_resources.tenders as t on g.tender_id = t.tender_id
    cross join lateral core.tender_alert(
        g.tender_id,
        g.tender_id,
        g.winning_amount,
        jsonb_build_object('category', t.category, 'population', population)
        || core.fence_values('difference', g.difference, 'population_tenders', tenders, q1, q3, fence_key, fence),
        jsonb_build_array(
            core.bid_item(g.tender_id, g.winner_uscc, g.winning_amount, 'WON', '{}'),
            core.bid_item(g.tender_id, g.rival_uscc, g.rival_amount, 'LOST', '{}')
        )
    ) as a
    where g.tender_id = alert_tender_id
$$;

comment on function core.tender_gap_alert(text, text, bigint, numeric, numeric, text, numeric) is
'Alert columns for a hit on a tender of core.tender_bid_gap; evidence = the tender (category, population, '
'gap, population size, q1, q3 and the fence under fence_key), its WON bid and its second-lowest valid bid.';
