-- PR05: winning bidder established fewer than days_max days before the tender publish_date.
with won as (
    select
        b.tender_id,
        b.bidder_uscc,
        b.bid_amount,
        t.buyer_unit_code,
        t.publish_date,
        t.region_code
    from public_resources.bids as b
    inner join public_resources.tenders as t on b.tender_id = t.tender_id
    where
        b.result = 'WON'
        and t.publish_date <= cast(:as_of as date)
),

hit as (
    select
        w.*,
        e.established_date,
        e.name as enterprise_name,
        w.publish_date - e.established_date as days_before
    from won as w
    inner join market_regulation.enterprises as e on w.bidder_uscc = e.uscc
    where w.publish_date - e.established_date < cast(:days_max as integer)
)

select
    'enterprise' as subject_kind,
    bidder_uscc as subject_id,
    tender_id as evidence_key,
    region_code,
    buyer_unit_code as unit_code,
    bid_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', tender_id || '|' || bidder_uscc,
            'values', jsonb_build_object(
                'result', 'WON', 'bid_amount', bid_amount, 'publish_date', publish_date
            )
        ),
        jsonb_build_object(
            'feed', 'market_regulation.enterprises',
            'key', bidder_uscc,
            'values', jsonb_build_object(
                'name', enterprise_name,
                'established_date', established_date,
                'days_before_publish', days_before
            )
        )
    ) as evidence
from hit
