-- RE02 Relief paid twice for one event.
-- More than one relief payment (distinct payment_id) to one id_no for one
-- event_id. One alert per person and event; the amount is what was paid beyond
-- the largest single payment.
with hits as (
    select
        p.id_no,
        p.event_id,
        min(p.region_code) as region_code,
        sum(p.amount) - max(p.amount) as amount,
        jsonb_agg(p.evidence order by p.payment_id) as evidence
    from core.relief_payment as p
    group by p.id_no, p.event_id
    having count(distinct p.payment_id) > 1
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.event_id as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    hits.evidence
from hits
