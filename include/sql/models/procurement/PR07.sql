-- PR07: a tender of the listed methods (default OPEN) whose bidding period (bid_deadline - publish_date) is
-- below its method's minimum: days_min_by_method[method] when given (e.g. {INQUIRY: 3}), else days_min days.
-- Cardinal's R003 (short submission period) configures the methods and a threshold per method the same way.
with tender as (
    select
        t.*,
        t.bid_deadline - t.publish_date as bidding_days,
        coalesce(
            cast(cast(:days_min_by_method as jsonb) ->> t.method as integer), cast(:days_min as integer)
        ) as days_min
    from core.tender_published(cast(:as_of as date)) as t
    where t.method = any(cast(:methods as text[]))
),

hit as (
    select *
    from tender
    where bidding_days < days_min
)

select a.*
from hit as h
cross join lateral core.tender_alert(
    h.tender_id,
    h.tender_id,
    h.budget_amount,
    jsonb_build_object(
        'publish_date', h.publish_date,
        'bid_deadline', h.bid_deadline,
        'bidding_days', h.bidding_days,
        'days_min', h.days_min
    ),
    '[]'
) as a
