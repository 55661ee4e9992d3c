-- FI04 One-card subsidy paid after death.
-- A finance.subsidy_payments payment whose pay_date is after_death of id_no:
-- more than 31 days after the earliest death date (core.death, death_date <= as-of).
with hits as (
    select
        jsonb_build_object(
            'feed', 'finance.subsidy_payments',
            'key', s.payment_id,
            'values', jsonb_build_object(
                'subsidy_type', s.subsidy_type, 'issuing_department', s.issuing_department,
                'amount', s.amount, 'pay_date', s.pay_date, 'bank_account', s.bank_account
            )
        ) as item,
        s.id_no,
        s.region_code,
        s.amount,
        jsonb_build_array(core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source)) as items
    from finance.subsidy_payments as s
    inner join core.death as d on s.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.date_after_death(s.pay_date, d.death_date)
)

select a.*
from hits
cross join lateral core.person_alert(hits.item, hits.id_no, hits.region_code, null, hits.amount, hits.items) as a
