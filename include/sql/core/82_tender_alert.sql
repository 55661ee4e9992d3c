-- Shared blocks of the procurement rules' alerts (PR02, PR03, PR06, PR07, PR09-PR16): the alert a hit
-- on a tender raises, a bid as an evidence item, an outlier fence and its evidence values.

-- core.tender_alert: the alert on a tender (subject: the tender; region and unit: the tender's and
-- its buyer's), evidence the tender (its method and budget, then the rule's tender_values) followed by
-- the rule's own items. evidence_key and amount are the rule's.
create or replace function core.tender_alert(
    alert_tender_id text, alert_evidence_key text, alert_amount numeric, tender_values jsonb, items jsonb
)
returns setof core.alert
language sql stable parallel safe
as $$
    select
        'tender' as subject_kind,
        t.tender_id as subject_id,
        alert_evidence_key as evidence_key,
        t.region_code,
        t.buyer_unit_code as unit_code,
        alert_amount as amount,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'public_resources.tenders',
                'key', t.tender_id,
                'values', jsonb_build_object('method', t.method, 'budget_amount', t.budget_amount) || tender_values
            )
        ) || items as evidence
    from public_resources.tenders as t
    where t.tender_id = alert_tender_id
$$;

comment on function core.tender_alert(text, text, numeric, jsonb, jsonb) is
'Alert columns for a hit on a tender; evidence = the tender (method, budget_amount and the given values), '
'then the given items.';

-- core.bid_item: a bid (key tender_id|bidder_uscc) as an evidence item: its bidder, amount and result,
-- then the values the rule adds (extra_values).
create or replace function core.bid_item(
    item_tender_id text, item_bidder_uscc text, item_bid_amount numeric, item_result text, extra_values jsonb
)
returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'feed', 'public_resources.bids',
        'key', item_tender_id || '|' || item_bidder_uscc,
        'values', jsonb_build_object(
            'bidder_uscc', item_bidder_uscc, 'bid_amount', item_bid_amount, 'result', item_result
        ) || extra_values
    )
$$;

comment on function core.bid_item(text, text, numeric, text, jsonb) is
'A bid of public_resources.bids as an evidence item: key tender_id|bidder_uscc; values bidder_uscc, '
'bid_amount, result and the given extra values.';

-- core.fence_values: a value measured against an interquartile fence, as evidence values rounded as
-- every fence rule shows them (6 decimals): the value under measure_key, the population's size under
-- population_key, q1, q3 and the fence under fence_key.
create or replace function core.fence_values(
    measure_key text,
    measure numeric,
    population_key text,
    population_size bigint,
    q1 numeric,
    q3 numeric,
    fence_key text,
    fence numeric
)
returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        measure_key, round(measure, 6),
        population_key, population_size,
        'q1', round(q1, 6),
        'q3', round(q3, 6),
        fence_key, round(fence, 6)
    )
$$;

comment on function core.fence_values(text, numeric, text, bigint, numeric, numeric, text, numeric) is
'Evidence values of a value against an outlier fence: the value (under measure_key), the population size '
'(under population_key), q1, q3 and the fence (under fence_key), rounded to 6 decimals.';

-- core.iqr_fence: the interquartile fences of a population of measures (PR15, PR16): its size, q1, q3
-- and the fences q1 - multiplier x (q3 - q1) and q3 + multiplier x (q3 - q1), or fence for both when it
-- is set (the rule's fixed threshold).
create or replace function core.iqr_fence(measures numeric[], fence numeric, multiplier numeric)
returns table (population bigint, q1 numeric, q3 numeric, lower_fence numeric, upper_fence numeric)
language sql immutable parallel safe
as $$
    with quartile as (
        select
            count(*) as population,
            cast(percentile_cont(0.25) within group (order by m.measure) as numeric) as q1,
            cast(percentile_cont(0.75) within group (order by m.measure) as numeric) as q3
        from unnest(measures) as m (measure)
    )

    select
        q.population,
        q.q1,
        q.q3,
        coalesce(fence, q.q1 - multiplier * (q.q3 - q.q1)) as lower_fence,
        coalesce(fence, q.q3 + multiplier * (q.q3 - q.q1)) as upper_fence
    from quartile as q
$$;

comment on function core.iqr_fence(numeric[], numeric, numeric) is
'Size, q1, q3 and the lower and upper interquartile fences (q1 - multiplier x iqr, q3 + multiplier x iqr; '
'fence instead of both when set) of a population of measures.';
