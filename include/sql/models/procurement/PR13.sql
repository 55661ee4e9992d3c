-- PR13 (Cardinal R030, late bid won): the WON bid of a tender was submitted after the bid deadline
-- (the date of submitted_at, in the warehouse's time zone, later than bid_deadline).
with tender as (
    select t.*
    from core.tender_published(cast(:as_of as date)) as t
    where t.method = any(cast(:methods as text[]))
),

hit as (
    select
        t.*,
        b.bidder_uscc,
        b.bid_amount,
        b.submitted_at,
        cast(b.submitted_at as date) - t.bid_deadline as days_late
    from tender as t
    inner join public_resources.bids as b on t.tender_id = b.tender_id
    where
        b.result = 'WON'
        and cast(b.submitted_at as date) > t.bid_deadline
)

select a.*
from hit as h
cross join lateral core.tender_alert(
    h.tender_id,
    h.tender_id || '|' || h.bidder_uscc,
    h.bid_amount,
    jsonb_build_object('publish_date', h.publish_date, 'bid_deadline', h.bid_deadline),
    jsonb_build_array(core.bid_item(
        h.tender_id, h.bidder_uscc, h.bid_amount, 'WON',
        jsonb_build_object('submitted_at', h.submitted_at, 'days_late', h.days_late)
    ))
) as a
