-- PR07: open tender whose bidding period (bid_deadline - publish_date) is below days_min days.
with hit as (
    select
        tender_id,
        buyer_unit_code,
        budget_amount,
        publish_date,
        bid_deadline,
        region_code,
        bid_deadline - publish_date as bidding_days
    from public_resources.tenders
    where
        method = 'OPEN'
        and publish_date <= cast(:as_of as date)
        and bid_deadline - publish_date < cast(:days_min as integer)
)

select
    'tender' as subject_kind,
    tender_id as subject_id,
    tender_id as evidence_key,
    region_code,
    buyer_unit_code as unit_code,
    budget_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.tenders',
            'key', tender_id,
            'values', jsonb_build_object(
                'method', 'OPEN',
                'budget_amount', budget_amount,
                'publish_date', publish_date,
                'bid_deadline', bid_deadline,
                'bidding_days', bidding_days
            )
        )
    ) as evidence
from hit
