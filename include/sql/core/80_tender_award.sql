-- Shared definitions of the procurement price indicators (Cardinal R024, R058, R025: PR09, PR10,
-- PR12). Per tender, whatever its method or date: the models filter their tenders (methods, the
-- as-of date) and join these by tender_id, so the date comparison stays in the model's SQL.

-- core.tender_award: tenders with exactly one WON bid (Cardinal's population), the winner and its bid.
create or replace view core.tender_award as
select
    b.tender_id,
    min(b.bidder_uscc) as winner_uscc,
    min(b.bid_amount) as winning_amount
from public_resources.bids as b
where b.result = 'WON'
group by b.tender_id
having count(*) = 1;

comment on view core.tender_award is
'Tenders with exactly one WON bid: the winning bidder and its bid amount.';

-- Column meanings for core.tender_award (rendered in docs/data-dictionary.md).
comment on column core.tender_award.tender_id is
'Tender (public_resources.tenders) with exactly one WON bid in public_resources.bids.';
comment on column core.tender_award.winner_uscc is
'USCC of the bidder of the tender''s only WON bid.';
comment on column core.tender_award.winning_amount is
'Amount of the WON bid.';

-- core.tender_bid_gap: an awarded tender whose winning bid is the lowest valid bid, with the
-- second-lowest valid bid (the cheapest LOST bid of another bidder) and the relative gap between them.
create or replace view core.tender_bid_gap as
with rival as (
    select distinct on (b.tender_id)
        b.tender_id,
        b.bidder_uscc as rival_uscc,
        b.bid_amount as rival_amount
    from public_resources.bids as b
    inner join core.tender_award as a on b.tender_id = a.tender_id
    where
        b.result = 'LOST'
        and b.bidder_uscc <> a.winner_uscc
    order by b.tender_id asc, b.bid_amount asc, b.bidder_uscc asc
)

select
    a.tender_id,
    a.winner_uscc,
    a.winning_amount,
    r.rival_uscc,
    r.rival_amount,
    (r.rival_amount - a.winning_amount) / a.winning_amount as difference
from core.tender_award as a
inner join rival as r on a.tender_id = r.tender_id
where a.winning_amount <= r.rival_amount;

comment on view core.tender_bid_gap is
'Awarded tenders whose winning bid is the lowest valid bid: the second-lowest valid bid and the '
'relative gap (second - winning) / winning.';

-- Column meanings for core.tender_bid_gap (rendered in docs/data-dictionary.md).
comment on column core.tender_bid_gap.tender_id is
'Awarded tender (core.tender_award) whose winning bid is at most the second-lowest valid bid.';
comment on column core.tender_bid_gap.winner_uscc is
'USCC of the winning bidder.';
comment on column core.tender_bid_gap.winning_amount is
'Amount of the WON bid.';
comment on column core.tender_bid_gap.rival_uscc is
'USCC of the bidder of the cheapest LOST bid by another bidder (the second-lowest valid bid; ties by USCC).';
comment on column core.tender_bid_gap.rival_amount is
'Amount of the second-lowest valid bid.';
comment on column core.tender_bid_gap.difference is
'(rival_amount - winning_amount) / winning_amount: the relative gap Cardinal R024 and R058 compare.';
