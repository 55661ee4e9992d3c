-- FI01: duplicate treasury payment: one budget unit pays one payee the same amount for the same
-- purpose twice within window_days ([d, d + window_days)). One alert per duplicate (later) payment.
with payment as (
    select
        payment_id,
        budget_unit_code,
        payee_kind,
        payee_id,
        payee_name,
        payee_account,
        amount,
        pay_date,
        purpose
    from finance.fiscal_payments
    where pay_date <= cast(:as_of as date)
),

dup as (
    select
        p2.payment_id,
        p2.budget_unit_code,
        p2.amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'finance.fiscal_payments',
                'key', p1.payment_id,
                'values', jsonb_build_object(
                    'payee_kind', p1.payee_kind,
                    'payee_id', p1.payee_id,
                    'payee_name', p1.payee_name,
                    'payee_account', p1.payee_account,
                    'amount', p1.amount,
                    'pay_date', p1.pay_date,
                    'purpose', p1.purpose
                )
            )
            order by p1.pay_date, p1.payment_id
        ) as earlier
    from payment as p1
    inner join payment as p2
        on
            p1.budget_unit_code = p2.budget_unit_code
            and p1.payee_kind = p2.payee_kind
            and p1.payee_id = p2.payee_id
            and p1.amount = p2.amount
            and p1.purpose = p2.purpose
            and (p1.pay_date, p1.payment_id) < (p2.pay_date, p2.payment_id)
            and p2.pay_date - p1.pay_date < cast(:window_days as integer)
    group by p2.payment_id, p2.budget_unit_code, p2.amount
)

select
    'unit' as subject_kind,
    d.budget_unit_code as subject_id,
    d.payment_id as evidence_key,
    u.region_code,
    d.budget_unit_code as unit_code,
    d.amount,
    d.earlier || jsonb_build_array(
        jsonb_build_object(
            'feed', 'finance.fiscal_payments',
            'key', p.payment_id,
            'values', jsonb_build_object(
                'payee_kind', p.payee_kind,
                'payee_id', p.payee_id,
                'payee_name', p.payee_name,
                'payee_account', p.payee_account,
                'amount', p.amount,
                'pay_date', p.pay_date,
                'purpose', p.purpose
            )
        )
    ) as evidence
from dup as d
inner join payment as p on d.payment_id = p.payment_id
left join organization.public_units as u on d.budget_unit_code = u.unit_code
