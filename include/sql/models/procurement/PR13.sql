-- PR13 (Cardinal R030, late bid won): the WON bid of a tender was submitted after the bid deadline
-- (the date of submitted_at, in the warehouse's time zone, later than bid_deadline).
with tender as (
    select
        tender_id,
        buyer_unit_code,
        method,
        budget_amount,
        publish_date,
        bid_deadline,
        region_code
    from public_resources.tenders
    where
        publish_date <= cast(:as_of as date)
        and method = any(cast(:methods as text[]))
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

select
    'tender' as subject_kind,
    tender_id as subject_id,
    tender_id || '|' || bidder_uscc as evidence_key,
    region_code,
    buyer_unit_code as unit_code,
    bid_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.tenders',
            'key', tender_id,
            'values', jsonb_build_object(
                'method', method,
                'budget_amount', budget_amount,
                'publish_date', publish_date,
                'bid_deadline', bid_deadline
            )
        ),
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', tender_id || '|' || bidder_uscc,
            'values', jsonb_build_object(
                'bidder_uscc', bidder_uscc,
                'bid_amount', bid_amount,
                'submitted_at', submitted_at,
                'result', 'WON',
                'days_late', days_late
            )
        )
    ) as evidence
from hit
