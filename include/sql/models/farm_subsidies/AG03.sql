-- AG03 Duplicate farm subsidy in one year.
-- More than one agriculture.farm_subsidies payment for the same id_no and
-- subsidy_year. One alert per person and year; the amount is what was paid
-- beyond the largest single payment.
with hits as (
    select
        f.id_no,
        f.subsidy_year,
        min(f.village_code) as village_code,
        sum(f.amount) - max(f.amount) as amount,
        jsonb_agg(f.evidence order by f.payment_id) as evidence
    from core.farm_subsidy as f
    group by f.id_no, f.subsidy_year
    having count(distinct f.payment_id) > 1
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    cast(hits.subsidy_year as text) as evidence_key,
    hits.village_code as region_code,
    cast(null as text) as unit_code,
    hits.amount,
    hits.evidence
from hits
