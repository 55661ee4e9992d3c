-- SA10 One bank account collects assistance for several households.
-- A bank_account receiving assistance payments (every program, TEMPORARY
-- included) for recipients from >= :households_min distinct household_id
-- (the recipients' household in household registration).
with paid as (
    select
        p.payment_id,
        p.id_no,
        p.amount,
        p.region_code,
        p.bank_account,
        h.household_id
    from civil_affairs.assistance_payments as p
    left join core.person as h on p.id_no = h.id_no
),

account as (
    select paid.bank_account
    from paid
    group by paid.bank_account
    having count(distinct paid.household_id) >= :households_min
),

recipient as (
    select
        paid.bank_account,
        paid.id_no,
        min(paid.household_id) as household_id,
        count(*) as payments,
        sum(paid.amount) as amount,
        min(paid.region_code) as region_code
    from paid
    inner join account on paid.bank_account = account.bank_account
    group by paid.bank_account, paid.id_no
),

hits as (
    select
        recipient.bank_account,
        sum(recipient.amount) as amount,
        mode() within group (order by recipient.region_code) as region_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'civil_affairs.assistance_payments',
                'key', recipient.bank_account || '/' || recipient.id_no,
                'values', jsonb_build_object(
                    'id_no', recipient.id_no, 'household_id', recipient.household_id,
                    'payments', recipient.payments, 'amount', recipient.amount
                )
            )
            order by recipient.id_no
        ) as evidence
    from recipient
    group by recipient.bank_account
)

select
    'bank_account' as subject_kind,
    hits.bank_account as subject_id,
    hits.bank_account as evidence_key,
    hits.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    hits.evidence
from hits
