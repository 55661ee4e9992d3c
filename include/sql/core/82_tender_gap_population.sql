-- Shared definition of the price-gap indicators (Cardinal R024 PR09, R058 PR10): the population whose
-- gaps give the fences. A function, as the population depends on the date (the model passes :as_of;
-- it is only compared with publish_date, in core.tender_published).

-- core.tender_gap_population(as_of, methods, fence_per_category): the tenders of core.tender_bid_gap
-- published by as_of with one of methods, their population ('ALL', or the category when
-- fence_per_category) and that population's size and gap quartiles.
create or replace function core.tender_gap_population(as_of date, methods text[], fence_per_category boolean)
returns table (
    tender_id text,
    buyer_unit_code text,
    category text,
    method text,
    budget_amount numeric,
    region_code text,
    population text,
    winner_uscc text,
    winning_amount numeric,
    rival_uscc text,
    rival_amount numeric,
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
            t.buyer_unit_code,
            t.category,
            t.method,
            t.budget_amount,
            t.region_code,
            case when fence_per_category then t.category else 'ALL' end as population,
            g.winner_uscc,
            g.winning_amount,
            g.rival_uscc,
            g.rival_amount,
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
        g.*,
        q.tenders,
        q.q1,
        q.q3
    from gap as g
    inner join quartile as q on g.population = q.population
$$;

comment on function core.tender_gap_population(date, text[], boolean) is
'Tenders of core.tender_bid_gap published by as_of with one of methods: the gap, the population (ALL or '
'the category when fence_per_category) and its tender count and gap quartiles q1, q3.';
