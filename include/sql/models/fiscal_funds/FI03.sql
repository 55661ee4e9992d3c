-- FI03: treasury payment to an ORG payee linked to an official of the paying unit active at
-- pay_date. "Linked": the official or a relative valid at pay_date (core.official_kin, SELF
-- included) is the payee's legal rep or in its enterprise_persons (core.enterprise_link).
-- One alert per payment.
with payment as (
    select
        payment_id,
        budget_unit_code,
        payee_name,
        amount,
        pay_date,
        purpose,
        upper(trim(payee_id)) as payee_uscc
    from finance.fiscal_payments
    where
        payee_kind = 'ORG'
        and pay_date <= cast(:as_of as date)
),

linked as materialized (
    select k.*
    from core.official_enterprise as k
),

matched as (
    select
        p.payment_id,
        jsonb_agg(
            distinct core.official_link_evidence(
                k.appointment_id, k.official_id_no, k.kin_id_no, k.kin_kind, k.kin_relation, k.role
            )
        ) as matches
    from payment as p
    inner join linked as k
        on
            p.budget_unit_code = k.unit_code
            and p.payee_uscc = k.uscc
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, p.pay_date)
    group by p.payment_id
)

select
    'enterprise' as subject_kind,
    p.payee_uscc as subject_id,
    p.payment_id as evidence_key,
    u.region_code,
    p.budget_unit_code as unit_code,
    p.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'finance.fiscal_payments',
            'key', p.payment_id,
            'values', jsonb_build_object(
                'budget_unit_code', p.budget_unit_code,
                'payee_kind', 'ORG',
                'payee_id', p.payee_uscc,
                'payee_name', p.payee_name,
                'amount', p.amount,
                'pay_date', p.pay_date,
                'purpose', p.purpose
            )
        )
    ) || m.matches as evidence
from matched as m
inner join payment as p on m.payment_id = p.payment_id
left join organization.public_units as u on p.budget_unit_code = u.unit_code
