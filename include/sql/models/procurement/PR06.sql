-- PR06: winning bid at the budget ceiling (tender with >= 2 bids, WON bid >= ratio_min x budget).
with tender as (
    select t.*
    from core.tender_published(cast(:as_of as date)) as t
),

bid_stat as (
    select
        b.tender_id,
        count(*) as bids
    from public_resources.bids as b
    inner join tender as t on b.tender_id = t.tender_id
    group by b.tender_id
    having count(*) >= 2
),

hit as (
    select
        t.*,
        s.bids,
        b.bidder_uscc,
        b.bid_amount
    from tender as t
    inner join bid_stat as s on t.tender_id = s.tender_id
    inner join public_resources.bids as b on t.tender_id = b.tender_id
    where
        b.result = 'WON'
        and b.bid_amount >= cast(:ratio_min as numeric) * t.budget_amount
)

select a.*
from hit as h
cross join lateral core.tender_alert(
    h.tender_id,
    h.tender_id,
    h.bid_amount,
    jsonb_build_object('publish_date', h.publish_date, 'bids', h.bids),
    jsonb_build_array(core.bid_item(
        h.tender_id, h.bidder_uscc, h.bid_amount, 'WON',
        jsonb_build_object('ratio_to_budget', round(h.bid_amount / h.budget_amount, 4))
    ))
) as a
