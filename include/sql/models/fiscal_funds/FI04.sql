-- FI04 One-card subsidy paid after death.
-- A finance.subsidy_payments payment whose pay_date is after_death of id_no:
-- more than 31 days after the earliest death date (core.death, death_date <= as-of).
with hits as (
    select
        s.payment_id,
        s.id_no,
        s.subsidy_type,
        s.issuing_department,
        s.amount,
        s.pay_date,
        s.bank_account,
        s.region_code,
        d.death_date,
        d.sources,
        d.earliest_source
    from finance.subsidy_payments as s
    inner join core.death as d on s.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.date_after_death(s.pay_date, d.death_date)
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    hits.payment_id as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'finance.subsidy_payments',
            'key', hits.payment_id,
            'values', jsonb_build_object(
                'subsidy_type', hits.subsidy_type, 'issuing_department', hits.issuing_department,
                'amount', hits.amount, 'pay_date', hits.pay_date, 'bank_account', hits.bank_account
            )
        ),
        core.death_evidence(hits.id_no, hits.death_date, hits.sources, hits.earliest_source)
    ) as evidence
from hits
