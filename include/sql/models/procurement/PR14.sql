-- PR14 (Cardinal R036, lowest bid disqualified): a tender with a WON bid and at least one valid bid, whose
-- lowest bid was DISQUALIFIED (strictly below every valid bid), where the award criterion is price only:
-- award_criteria is one of price_only_criteria, or, while the column is absent or empty, the method is one
-- of price_only_methods (inquiry awards the lowest price by law).
-- award_criteria is read through to_jsonb(row) so that the rule runs before the column is in the contract
-- (the proposed public_resources.tenders.award_criteria, docs/procurement.md) and uses it once it arrives.
with tender as (
    select
        t.tender_id,
        t.buyer_unit_code,
        t.method,
        t.budget_amount,
        t.region_code,
        to_jsonb(t) ->> 'award_criteria' as award_criteria
    from public_resources.tenders as t
    where t.publish_date <= cast(:as_of as date)
),

price_only as (
    select *
    from tender
    where
        award_criteria = any(cast(:price_only_criteria as text[]))
        or (award_criteria is null and method = any(cast(:price_only_methods as text[])))
),

bid_stat as (
    select
        b.tender_id,
        count(*) filter (where b.result = 'WON') as won,
        min(b.bid_amount) filter (where b.result <> 'DISQUALIFIED') as lowest_valid,
        min(b.bid_amount) filter (where b.result = 'DISQUALIFIED') as lowest_disqualified
    from public_resources.bids as b
    inner join price_only as p on b.tender_id = p.tender_id
    group by b.tender_id
),

lowest as (
    select distinct on (b.tender_id)
        b.tender_id,
        b.bidder_uscc,
        b.bid_amount
    from public_resources.bids as b
    inner join bid_stat as s on b.tender_id = s.tender_id
    where
        b.result = 'DISQUALIFIED'
        and s.won >= 1
        and s.lowest_disqualified < s.lowest_valid
    order by b.tender_id asc, b.bid_amount asc, b.bidder_uscc asc
),

winner as (
    select distinct on (b.tender_id)
        b.tender_id,
        b.bidder_uscc,
        b.bid_amount
    from public_resources.bids as b
    inner join lowest as l on b.tender_id = l.tender_id
    where b.result = 'WON'
    order by b.tender_id asc, b.bid_amount asc, b.bidder_uscc asc
)

select a.*
from lowest as l
inner join price_only as p on l.tender_id = p.tender_id
inner join winner as w on l.tender_id = w.tender_id
cross join lateral core.tender_alert(
    p.tender_id,
    p.tender_id,
    w.bid_amount,
    jsonb_build_object('award_criteria', p.award_criteria),
    jsonb_build_array(
        core.bid_item(p.tender_id, l.bidder_uscc, l.bid_amount, 'DISQUALIFIED', '{}'),
        core.bid_item(p.tender_id, w.bidder_uscc, w.bid_amount, 'WON', '{}')
    )
) as a
