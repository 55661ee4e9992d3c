-- PR07: a tender of the listed methods (default OPEN) whose bidding period (bid_deadline - publish_date) is
-- below its method's minimum: days_min_by_method[method] when given (e.g. {INQUIRY: 3}), else days_min days.
-- Cardinal's R003 (short submission period) configures the methods and a threshold per method the same way.
with tender as (
    select
        tender_id,
        buyer_unit_code,
        method,
        budget_amount,
        publish_date,
        bid_deadline,
        region_code,
        bid_deadline - publish_date as bidding_days,
        coalesce(
            cast(cast(:days_min_by_method as jsonb) ->> method as integer), cast(:days_min as integer)
        ) as days_min
    from public_resources.tenders
    where
        method = any(cast(:methods as text[]))
        and publish_date <= cast(:as_of as date)
),

hit as (
    select *
    from tender
    where bidding_days < days_min
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
                'method', method,
                'budget_amount', budget_amount,
                'publish_date', publish_date,
                'bid_deadline', bid_deadline,
                'bidding_days', bidding_days,
                'days_min', days_min
            )
        )
    ) as evidence
from hit
