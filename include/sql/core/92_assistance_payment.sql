-- Shared definition of the assistance payment rules (SA01 paid after death, SA08 paid in custody, SA09
-- paid twice for one month): every civil_affairs.assistance_payments payment with its alert evidence
-- item (the same item in all three).
create or replace view core.assistance_payment as
select
    p.payment_id,
    p.id_no,
    p.program,
    p.period,
    p.amount,
    p.pay_date,
    p.bank_account,
    p.region_code,
    jsonb_build_object(
        'feed', 'civil_affairs.assistance_payments',
        'key', p.payment_id,
        'values', jsonb_build_object(
            'program', p.program, 'period', p.period, 'amount', p.amount,
            'pay_date', p.pay_date, 'bank_account', p.bank_account
        )
    ) as evidence
from civil_affairs.assistance_payments as p;

comment on view core.assistance_payment is
'Assistance payments (civil_affairs.assistance_payments) with their alert evidence item.';

-- Column meanings for core.assistance_payment (rendered in docs/data-dictionary.md).
comment on column core.assistance_payment.payment_id is
'Payment id from civil_affairs.assistance_payments.';
comment on column core.assistance_payment.id_no is
'Identity number (id18) of the recipient.';
comment on column core.assistance_payment.program is
'Assistance programme (DIBAO_URBAN, DIBAO_RURAL, TEKUN, TEMPORARY).';
comment on column core.assistance_payment.period is
'Month the payment is for (YYYY-MM).';
comment on column core.assistance_payment.amount is
'Amount paid.';
comment on column core.assistance_payment.pay_date is
'Date of payment.';
comment on column core.assistance_payment.bank_account is
'Account paid into.';
comment on column core.assistance_payment.region_code is
'12-digit region code recorded on the payment.';
comment on column core.assistance_payment.evidence is
'The payment as an alert evidence item (feed civil_affairs.assistance_payments, key payment_id, its values).';
