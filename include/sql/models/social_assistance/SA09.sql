-- SA09 Duplicate assistance payments for one month.
-- The same id_no and period paid more than once (distinct payment_id) across
-- DIBAO_URBAN, DIBAO_RURAL and TEKUN. One alert per person and period; the
-- amount is what was paid beyond the largest single payment.
with hits as (
    select
        p.id_no,
        p.period,
        min(p.region_code) as region_code,
        sum(p.amount) - max(p.amount) as amount,
        jsonb_agg(p.evidence order by p.payment_id) as evidence
    from core.assistance_payment as p
    where p.program in ('DIBAO_URBAN', 'DIBAO_RURAL', 'TEKUN')
    group by p.id_no, p.period
    having count(distinct p.payment_id) > 1
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.period as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    hits.evidence
from hits
