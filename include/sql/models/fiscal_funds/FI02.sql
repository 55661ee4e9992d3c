-- FI02: treasury payment to an ORG payee whose register status is REVOKED or CANCELLED with
-- status_date strictly before pay_date.
with hit as (
    select
        p.payment_id,
        p.budget_unit_code,
        e.uscc,
        p.payee_name,
        p.amount,
        p.pay_date,
        p.purpose,
        e.name as enterprise_name,
        e.status,
        e.status_date,
        coalesce(u.region_code, e.region_code) as region_code
    from finance.fiscal_payments as p
    inner join market_regulation.enterprises as e on upper(trim(p.payee_id)) = e.uscc
    left join organization.public_units as u on p.budget_unit_code = u.unit_code
    where
        p.payee_kind = 'ORG'
        and e.status in ('REVOKED', 'CANCELLED')
        and e.status_date < p.pay_date
        and p.pay_date <= cast(:as_of as date)
)

select
    'enterprise' as subject_kind,
    uscc as subject_id,
    payment_id as evidence_key,
    region_code,
    budget_unit_code as unit_code,
    amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'finance.fiscal_payments',
            'key', payment_id,
            'values', jsonb_build_object(
                'budget_unit_code', budget_unit_code,
                'payee_kind', 'ORG',
                'payee_id', uscc,
                'payee_name', payee_name,
                'amount', amount,
                'pay_date', pay_date,
                'purpose', purpose
            )
        ),
        jsonb_build_object(
            'feed', 'market_regulation.enterprises',
            'key', uscc,
            'values', jsonb_build_object(
                'name', enterprise_name, 'status', status, 'status_date', status_date
            )
        )
    ) as evidence
from hit
