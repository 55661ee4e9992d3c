-- PR02: bidders on one tender share a phone, an IP address or a controlling person (bid rigging).
-- "Share" = equal contact_phone or submit_ip within the tender, the same legal rep, or one id_no in
-- enterprise_persons of both bidders. One alert per tender; evidence lists every sharing pair.
with tender as (
    select t.*
    from core.tender_published(cast(:as_of as date)) as t
),

bid as (
    select
        b.tender_id,
        b.bidder_uscc,
        b.bid_amount,
        b.result,
        nullif(trim(b.contact_phone), '') as contact_phone,
        nullif(trim(b.submit_ip), '') as submit_ip
    from public_resources.bids as b
    inner join tender as t on b.tender_id = t.tender_id
),

bidder_person as (
    select distinct
        l.uscc,
        l.id_no,
        case when l.role = 'LEGAL_REP' then 'legal_rep' else 'enterprise_person' end as shared
    from core.enterprise_link as l
    where l.uscc in (select b.bidder_uscc from bid as b)
),

shared_pair as (
    select
        b1.tender_id,
        b1.bidder_uscc as bidder1,
        b2.bidder_uscc as bidder2,
        'contact_phone' as shared,
        b1.contact_phone as shared_value
    from bid as b1
    inner join bid as b2
        on
            b1.tender_id = b2.tender_id
            and b1.bidder_uscc < b2.bidder_uscc
            and b1.contact_phone = b2.contact_phone
    union all
    select
        b1.tender_id,
        b1.bidder_uscc as bidder1,
        b2.bidder_uscc as bidder2,
        'submit_ip' as shared,
        b1.submit_ip as shared_value
    from bid as b1
    inner join bid as b2
        on
            b1.tender_id = b2.tender_id
            and b1.bidder_uscc < b2.bidder_uscc
            and b1.submit_ip = b2.submit_ip
    union all
    select distinct
        b1.tender_id,
        b1.bidder_uscc as bidder1,
        b2.bidder_uscc as bidder2,
        p1.shared,
        p1.id_no as shared_value
    from bid as b1
    inner join bidder_person as p1 on b1.bidder_uscc = p1.uscc
    inner join bidder_person as p2
        on p1.id_no = p2.id_no and p1.shared = p2.shared and p1.uscc <> p2.uscc
    inner join bid as b2
        on
            b1.tender_id = b2.tender_id
            and p2.uscc = b2.bidder_uscc
            and b1.bidder_uscc < b2.bidder_uscc
),

finding as (
    select
        tender_id,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'public_resources.bids',
                'key', tender_id || '|' || bidder1 || '|' || bidder2,
                'values', jsonb_build_object(
                    'bidder1_uscc', bidder1,
                    'bidder2_uscc', bidder2,
                    'shared', shared,
                    'shared_value', shared_value
                )
            )
            order by bidder1, bidder2, shared, shared_value
        ) as pairs
    from shared_pair
    group by tender_id
),

won as (
    select
        tender_id,
        sum(bid_amount) as won_amount
    from bid
    where result = 'WON'
    group by tender_id
)

select a.*
from finding as f
inner join tender as t on f.tender_id = t.tender_id
left join won as w on f.tender_id = w.tender_id
cross join lateral core.tender_alert(
    t.tender_id,
    t.tender_id,
    coalesce(w.won_amount, t.budget_amount),
    jsonb_build_object('buyer_unit_code', t.buyer_unit_code, 'publish_date', t.publish_date),
    f.pairs
) as a
