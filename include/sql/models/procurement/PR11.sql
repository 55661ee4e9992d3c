-- PR11 (Cardinal R028, identical bid prices): a tender of the listed methods on which two or more different
-- bidders submitted bids of exactly the same amount (any result: a disqualified bid counts, as in Cardinal).
with tender as (
    select
        tender_id,
        buyer_unit_code,
        method,
        budget_amount,
        region_code
    from public_resources.tenders
    where
        publish_date <= cast(:as_of as date)
        and method = any(cast(:methods as text[]))
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
        t.tender_id,
        t.buyer_unit_code,
        t.method,
        t.budget_amount,
        t.region_code,
        min(s.bid_amount) as bid_amount,
        jsonb_agg(s.bid_amount order by s.bid_amount) as amounts,
        jsonb_agg(s.bids order by s.bid_amount) as bids
    from same_price as s
    inner join tender as t on s.tender_id = t.tender_id
    group by t.tender_id, t.buyer_unit_code, t.method, t.budget_amount, t.region_code
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
                'identical_amounts', amounts
            )
        )
    ) || jsonb_path_query_array(bids, '$[*][*]') as evidence
from hit
