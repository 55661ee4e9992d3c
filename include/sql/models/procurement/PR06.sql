-- PR06: winning bid at the budget ceiling (tender with >= 2 bids, WON bid >= ratio_min x budget).
with tender as (
    select
        tender_id,
        buyer_unit_code,
        method,
        budget_amount,
        publish_date,
        region_code
    from public_resources.tenders
    where publish_date <= cast(:as_of as date)
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

select
    'tender' as subject_kind,
    tender_id as subject_id,
    tender_id as evidence_key,
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
                'bids', bids
            )
        ),
        jsonb_build_object(
            'feed', 'public_resources.bids',
            'key', tender_id || '|' || bidder_uscc,
            'values', jsonb_build_object(
                'bidder_uscc', bidder_uscc,
                'result', 'WON',
                'bid_amount', bid_amount,
                'ratio_to_budget', round(bid_amount / budget_amount, 4)
            )
        )
    ) as evidence
from hit
