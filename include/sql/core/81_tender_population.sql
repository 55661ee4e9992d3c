-- Shared definition of the procurement rules' tender population (PR02, PR03, PR06, PR07, PR09-PR13):
-- the tenders published by the as-of date (a rule with :methods keeps those of its methods). A function,
-- as the population depends on the date (the model passes :as_of). The date is only compared with
-- publish_date, so a model using it still carries its result over a day on which no tender was
-- published (tianyan/scoring/proportional.py follows the date into the body).

-- core.tender_published(as_of): every tender published on or before as_of.
create or replace function core.tender_published(as_of date)
returns table (
    tender_id text,
    buyer_unit_code text,
    category text,
    method text,
    budget_amount numeric,
    publish_date date,
    bid_deadline date,
    region_code text
)
language sql stable parallel safe
as $$
    select
        t.tender_id,
        t.buyer_unit_code,
        t.category,
        t.method,
        t.budget_amount,
        t.publish_date,
        t.bid_deadline,
        t.region_code
    from public_resources.tenders as t
    where t.publish_date <= as_of
$$;

comment on function core.tender_published(date) is
'Tenders published on or before as_of (their notice columns, without the title).';
