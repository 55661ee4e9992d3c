-- PR03: a tender of the listed methods (default OPEN) with fewer valid bids (result not DISQUALIFIED) than its
-- method's minimum, valid_bids_min_by_method[method] when given, else valid_bids_min (default 2: exactly one
-- valid bid), and at least one. Cardinal's R018 (single bid received) configures its methods the same way.
with tender as (
    select
        t.*,
        coalesce(
            cast(cast(:valid_bids_min_by_method as jsonb) ->> t.method as integer),
            cast(:valid_bids_min as integer)
        ) as valid_bids_min
    from core.tender_published(cast(:as_of as date)) as t
    where t.method = any(cast(:methods as text[]))
),

valid_bid as (
    select
        b.tender_id,
        count(*) as valid_bids,
        min(b.bidder_uscc) as bidder_uscc,
        min(b.bid_amount) as bid_amount,
        min(b.result) as result
    from public_resources.bids as b
    inner join tender as t on b.tender_id = t.tender_id
    where b.result <> 'DISQUALIFIED'
    group by b.tender_id, t.valid_bids_min
    having count(*) < t.valid_bids_min
)

select a.*
from valid_bid as v
inner join tender as t on v.tender_id = t.tender_id
cross join lateral core.tender_alert(
    t.tender_id,
    t.tender_id,
    v.bid_amount,
    jsonb_build_object(
        'valid_bids_min', t.valid_bids_min,
        'buyer_unit_code', t.buyer_unit_code,
        'publish_date', t.publish_date,
        'bid_deadline', t.bid_deadline
    ),
    jsonb_build_array(core.bid_item(
        t.tender_id, v.bidder_uscc, v.bid_amount, v.result, jsonb_build_object('valid_bids', v.valid_bids)
    ))
) as a
