-- SA08 Assistance paid while the recipient was in prison or detention.
-- Payment (program not TEMPORARY) for a period whose every day is
-- in_custody(id_no): one PRISON or DETENTION interval (core.custody, closed
-- [start_date, end_date], open = ongoing) covers the whole month.
with paid as (
    select
        p.payment_id,
        p.id_no,
        p.program,
        p.period,
        p.amount,
        p.pay_date,
        p.bank_account,
        p.region_code,
        core.period_start(p.period) as first_day,
        core.period_end(p.period) as last_day
    from civil_affairs.assistance_payments as p
    where p.program <> 'TEMPORARY'
),

hits as (
    select
        paid.payment_id,
        min(c.record_id) as record_id
    from paid
    inner join core.custody as c
        on
            paid.id_no = c.id_no
            and paid.first_day >= c.start_date
            and (c.end_date is null or paid.last_day <= c.end_date)
    where c.start_date <= cast(:as_of as date)
    group by paid.payment_id
)

select
    'person' as subject_kind,
    paid.id_no as subject_id,
    paid.payment_id as evidence_key,
    paid.region_code,
    cast(null as text) as unit_code,
    paid.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_payments',
            'key', paid.payment_id,
            'values', jsonb_build_object(
                'program', paid.program, 'period', paid.period, 'amount', paid.amount,
                'pay_date', paid.pay_date, 'bank_account', paid.bank_account
            )
        ),
        jsonb_build_object(
            'feed', 'justice.custody_records',
            'key', c.record_id,
            'values', jsonb_build_object(
                'custody_kind', c.custody_kind, 'start_date', c.start_date, 'end_date', c.end_date
            )
        )
    ) as evidence
from hits
inner join paid on hits.payment_id = paid.payment_id
inner join core.custody as c on hits.record_id = c.record_id
