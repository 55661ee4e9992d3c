-- PR03: a tender of the listed methods (default OPEN) with fewer valid bids (result not DISQUALIFIED) than its
-- method's minimum, valid_bids_min_by_method[method] when given, else valid_bids_min (default 2: exactly one
-- valid bid), and at least one. Cardinal's R018 (single bid received) configures its methods the same way.
with tender as (
    select
        tender_id,
        buyer_unit_code,
        method,
        budget_amount,
        publish_date,
        bid_deadline,
        region_code,
        coalesce(
            cast(cast(:valid_bids_min_by_method as jsonb) ->> method as integer),
            cast(:valid_bids_min as integer)
        ) as valid_bids_min
    from public_resources.tenders
    where
        method = any(cast(:methods as text[]))
        and publish_date <= cast(:as_of as date)
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

select
    'tender' as subject_kind,
    t.tender_id as subject_id,
    t.tender_id as evidence_key,
    t.region_code,
    t.buyer_unit_code as unit_code,
    v.bid_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.tenders',
            'key', t.tender_id,
            'values', jsonb_build_object(
                'method', t.method,
                'valid_bids_min', t.valid_bids_min,
                'buyer_unit_code', t.buyer_unit_code,
                'budget_amount', t.budget_amount,
                'publish_date', t.publish_date,
                'bid_deadline', t.bid_deadline
            )
        ),
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', t.tender_id || '|' || v.bidder_uscc,
            'values', jsonb_build_object(
                'bidder_uscc', v.bidder_uscc,
                'bid_amount', v.bid_amount,
                'result', v.result,
                'valid_bids', v.valid_bids
            )
        )
    ) as evidence
from valid_bid as v
inner join tender as t on v.tender_id = t.tender_id
