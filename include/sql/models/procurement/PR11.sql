-- PR11 (Cardinal R028, identical bid prices): a tender of the listed methods on which two or more different
-- bidders submitted bids of exactly the same amount (any result: a disqualified bid counts, as in Cardinal).
with tender as (
    select t.*
    from core.tender_published(cast(:as_of as date)) as t
    where t.method = any(cast(:methods as text[]))
),

same_price as (
    select
        b.tender_id,
        b.bid_amount,
        count(distinct b.bidder_uscc) as bidders,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'public_resources.bids',
                'key', b.tender_id || '|' || b.bidder_uscc,
                'values', jsonb_build_object(
                    'bidder_uscc', b.bidder_uscc, 'bid_amount', b.bid_amount, 'result', b.result
                )
            ) order by b.bidder_uscc
        ) as bids
    from public_resources.bids as b
    inner join tender as t on b.tender_id = t.tender_id
    group by b.tender_id, b.bid_amount
    having count(distinct b.bidder_uscc) >= 2
),

hit as (
    select
        s.tender_id,
        min(s.bid_amount) as bid_amount,
        jsonb_agg(s.bid_amount order by s.bid_amount) as amounts,
        jsonb_agg(s.bids order by s.bid_amount) as bids
    from same_price as s
    group by s.tender_id
)

select a.*
from hit as h
cross join lateral core.tender_alert(
    h.tender_id,
    h.tender_id,
    h.bid_amount,
    jsonb_build_object('identical_amounts', h.amounts),
    jsonb_path_query_array(h.bids, '$[*][*]')
) as a
